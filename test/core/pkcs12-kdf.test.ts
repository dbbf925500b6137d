/**
 * The key derivations: the fast iterated hashes agree with node:crypto, the PKCS#12 KDF with
 * forge, and one read of a file derives each distinct key once and stops at its work bound.
 * (How fast they are is measured by `npm run bench`, never here.)
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bmpString,
  explicit,
  implicit,
  integer,
  octetString,
  oid,
  seq,
  set,
} from '../../src/core/pki/der-encode.js';
import forge from 'node-forge';
import { toForgeBytes } from '../../src/core/pki/forge.js';
import {
  KeyDerivations,
  MAX_ROUNDS_PER_READ,
  type Pkcs12KdfRequest,
  pkcs12Kdf,
  pkcs12KdfEach,
} from '../../src/core/pki/pkcs12-kdf.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { sha1Rounds, sha1RoundsEach, sha256Rounds } from '../../src/core/pki/sha-rounds.js';
import { errorOf } from '../helpers/errors.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

function slowRounds(hash: string, digest: Buffer, rounds: number): Buffer {
  let out = digest;
  for (let r = 0; r < rounds; r++) out = createHash(hash).update(out).digest();
  return out;
}

describe('sha1Rounds and sha256Rounds', () => {
  it.each([0, 1, 2, 7, 64, 1000, 20_000])('agree with node:crypto over %i rounds', (rounds) => {
    for (let sample = 0; sample < 5; sample++) {
      const seed = randomBytes(40);
      const sha1 = createHash('sha1').update(seed).digest();
      const sha256 = createHash('sha256').update(seed).digest();
      expect(sha1Rounds(sha1, rounds).equals(slowRounds('sha1', sha1, rounds))).toBe(true);
      expect(sha256Rounds(sha256, rounds).equals(slowRounds('sha256', sha256, rounds))).toBe(true);
    }
  });

  it('read a digest inside a larger buffer, and leave it unchanged', () => {
    const backing = Buffer.alloc(64, 0xaa);
    const digest = createHash('sha1').update('x').digest();
    digest.copy(backing, 7);
    const view = backing.subarray(7, 27);
    expect(sha1Rounds(view, 3).equals(slowRounds('sha1', digest, 3))).toBe(true);
    expect(view.equals(digest)).toBe(true);
  });

  it('refuse an input that is not a digest of their size', () => {
    expect(() => sha1Rounds(Buffer.alloc(32), 1)).toThrow(RangeError);
    expect(() => sha256Rounds(Buffer.alloc(20), 1)).toThrow(RangeError);
  });
});

describe('sha1RoundsEach', () => {
  // Four chains share one call in SIMD lanes; a fifth starts the next group, and a short group
  // leaves lanes over. Without lanes (a V8 without SIMD) each chain runs on its own.
  it.each([
    [1, 2047],
    [3, 1],
    [4, 64],
    [5, 0],
    [9, 300],
  ])(
    'agrees with node:crypto for %i digests over %i rounds, with and without lanes',
    (count, rounds) => {
      const digests = Array.from({ length: count }, () =>
        createHash('sha1').update(randomBytes(40)).digest(),
      );
      const expected = digests.map((digest) => slowRounds('sha1', digest, rounds).toString('hex'));
      const hex = (outs: Buffer[]) => outs.map((out) => out.toString('hex'));
      expect(hex(sha1RoundsEach(digests, rounds))).toEqual(expected);
      expect(hex(sha1RoundsEach(digests, rounds, false))).toEqual(expected);
    },
  );

  it('gives one chain the same result alone as beside others', () => {
    const digests = Array.from({ length: 4 }, (_, i) =>
      createHash('sha1')
        .update(Buffer.from([i]))
        .digest(),
    );
    const together = sha1RoundsEach(digests, 100);
    digests.forEach((digest, i) => expect(sha1Rounds(digest, 100)).toEqual(together[i]));
  });

  it('refuses a list with any input that is not a 20-byte digest', () => {
    const digest = createHash('sha1').update('x').digest();
    expect(() => sha1RoundsEach([digest, digest, Buffer.alloc(32)], 1)).toThrow(RangeError);
  });
});

describe('pkcs12Kdf (RFC 7292 appendix B)', () => {
  const forgeMd = { sha1: forge.md.sha1, sha256: forge.md.sha256, sha512: forge.md.sha512 };
  const forgeKdf = (request: Pkcs12KdfRequest): string =>
    forge.pkcs12
      .generateKey(
        request.password,
        forge.util.createBuffer(toForgeBytes(Buffer.from(request.salt))),
        request.id,
        request.iterations,
        request.size,
        forgeMd[(request.hash ?? 'sha1') as keyof typeof forgeMd].create(),
      )
      .getBytes();

  it('derives many at once as forge derives each alone (pkcs12KdfEach)', () => {
    // What writing a .p12 asks (two keys, two IVs, a MAC key), then chains of other lengths,
    // outputs of three blocks, other hashes and the empty-password convention, interleaved.
    const salt = (n: number) => Buffer.alloc(8, n);
    const requests: Pkcs12KdfRequest[] = [
      { password: 'pw', salt: salt(1), id: 1, iterations: 2048, size: 24 },
      { password: 'pw', salt: salt(1), id: 2, iterations: 2048, size: 8 },
      { password: 'pw', salt: salt(2), id: 1, iterations: 2048, size: 24 },
      { password: 'pw', salt: salt(2), id: 2, iterations: 2048, size: 8 },
      { password: 'pw', salt: salt(3), id: 3, iterations: 2048, size: 20 },
      { password: 'pässwörd ✓', salt: salt(4), id: 1, iterations: 7, size: 45 },
      { password: null, salt: salt(5), id: 3, iterations: 7, size: 20 },
      { password: 'x', salt: salt(6), id: 1, iterations: 3, size: 70, hash: 'sha256' },
      { password: '', salt: salt(7), id: 2, iterations: 1, size: 20 },
      { password: 'x', salt: salt(8), id: 1, iterations: 5, size: 0 },
    ];
    const ours = pkcs12KdfEach(requests).map((key) => key.toString('binary'));
    expect(ours).toEqual(requests.map(forgeKdf));
  });

  it.each([
    ['sha1', 'password', 1, 1, 24],
    ['sha1', '', 3, 2, 20],
    ['sha1', null, 3, 1000, 20],
    ['sha1', 'pässwörd ✓', 2, 2048, 8],
    ['sha1', 'long enough to span more than one 64-byte block of I', 1, 5, 45],
    ['sha256', 'pushy-test', 3, 1000, 32],
    ['sha256', 'x', 1, 3, 70],
    ['sha512', 'x', 1, 3, 100],
  ] as const)(
    'agrees with forge for %s, %j, id %i, %i iterations, %i bytes',
    (hash, password, id, iterations, size) => {
      const salt = Buffer.from('0123456789abcdef0123', 'hex');
      const theirs = forge.pkcs12.generateKey(
        password,
        forge.util.createBuffer(toForgeBytes(salt)),
        id,
        iterations,
        size,
        forgeMd[hash].create(),
      );
      expect(pkcs12Kdf(password, salt, id, iterations, size, hash).toString('binary')).toBe(
        theirs.getBytes(),
      );
    },
  );
});

/** Records every derivation asked for, and how many distinct ones. */
class CountingDerivations extends KeyDerivations {
  readonly asked: string[] = [];
  /** How many derivations each call asked for at once. */
  readonly batches: number[] = [];
  override pkcs12Each(requests: readonly Pkcs12KdfRequest[]): Buffer[] {
    for (const { password, salt, id, iterations, size, hash = 'sha1' } of requests) {
      this.asked.push(
        [
          JSON.stringify(password),
          Buffer.from(salt).toString('hex'),
          id,
          iterations,
          size,
          hash,
        ].join(),
      );
    }
    this.batches.push(requests.length);
    return super.pkcs12Each(requests);
  }
  get distinct(): number {
    return new Set(this.asked).size;
  }
}

// The certificates' own clock: valid from a day before now.
const certificateOptions = { now: new Date(), bundleId: 'com.example.kdf' };

// A .p12 laid out by hand, so that its certificate safe and its key share one salt and
// iteration count, as some exporters do: the same derivations are then asked for twice.
const SALT = Buffer.alloc(8, 0x5a);
const ITERATIONS = 2048;
const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  pbeWithSha3Des: '1.2.840.113549.1.12.1.3',
  sha1: '1.3.14.3.2.26',
};

function tripleDes(plain: Buffer, password: string): { algorithm: Buffer; data: Buffer } {
  const key = pkcs12Kdf(password, SALT, 1, ITERATIONS, 24);
  const iv = pkcs12Kdf(password, SALT, 2, ITERATIONS, 8);
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  return {
    algorithm: seq(oid(OID.pbeWithSha3Des), seq(octetString(SALT), integer(ITERATIONS))),
    data: Buffer.concat([cipher.update(plain), cipher.final()]),
  };
}

function sharedSaltP12(password: string, macPassword: string | null = password): Buffer {
  const certificate = issueSandboxCertificate(certificateOptions).der;
  const certBag = seq(
    oid(OID.certBag),
    explicit(0, seq(oid(OID.x509Certificate), explicit(0, octetString(certificate)))),
    set(seq(oid(OID.friendlyName), set(bmpString('push')))),
  );
  const certSafe = tripleDes(seq(certBag), password);
  const key = tripleDes(testKey('leaf').export({ type: 'pkcs8', format: 'der' }), password);
  const keyBag = seq(
    oid(OID.shroudedKeyBag),
    explicit(0, seq(key.algorithm, octetString(key.data))),
  );
  const authSafe = seq(
    seq(
      oid(OID.encryptedData),
      explicit(
        0,
        seq(integer(0), seq(oid(OID.data), certSafe.algorithm, implicit(0, certSafe.data))),
      ),
    ),
    seq(oid(OID.data), explicit(0, octetString(seq(keyBag)))),
  );
  const macSalt = Buffer.alloc(8, 0x11);
  const macKey = pkcs12Kdf(macPassword, macSalt, 3, ITERATIONS, 20);
  const digest = createHmac('sha1', macKey).update(authSafe).digest();
  return seq(
    integer(3),
    seq(oid(OID.data), explicit(0, octetString(authSafe))),
    seq(
      seq(seq(oid(OID.sha1), Buffer.from([5, 0])), octetString(digest)),
      octetString(macSalt),
      integer(ITERATIONS),
    ),
  );
}

/** What we write (and Keychain Access): a salt for the certificate safe, another for the key. */
const writtenP12 = (passphrase: string): Buffer =>
  writePkcs12({
    key: testKey('leaf'),
    certificates: [issueSandboxCertificate(certificateOptions).der],
    passphrase,
    profile: 'compatible',
  });

describe('one read of a .p12 derives each key once', () => {
  it('opens the hand-made file (the premise)', () => {
    const contents = readPkcs12(sharedSaltP12('secret'), 'secret');
    expect(contents.certificates).toHaveLength(1);
    expect(contents.keys).toHaveLength(1);
  });

  it('with the passphrase: the shared key and IV are asked for twice, derived once', () => {
    const derivations = new CountingDerivations();
    readPkcs12(sharedSaltP12('secret'), 'secret', { derivations });
    // MAC key; the certificate safe's IV and key, made ahead (the key bag's are the same two);
    // then the same two for the certificate safe, and again for the key bag.
    expect(derivations.batches).toEqual([1, 2, 2, 2]);
    expect(derivations.distinct).toBe(3);
    expect(derivations.computed).toBe(3);
  });

  it('with the passphrase: the keys and IVs of the safe and the key bag are made together', () => {
    const file = writtenP12('secret');
    const derivations = new CountingDerivations();
    readPkcs12(file, 'secret', { derivations });
    // The MAC key alone (a wrong passphrase stops there); then four side by side (pkcs12KdfEach
    // runs them in two SIMD calls), which the two decryptions find made.
    expect(derivations.batches).toEqual([1, 4, 2, 2]);
    expect(derivations.computed).toBe(5);
  });

  it('probing a locked file: both conventions side by side, for the MAC and the first item', () => {
    const file = writtenP12('secret');
    const derivations = new CountingDerivations();
    expect(errorOf(() => readPkcs12(file, null, { derivations })).code).toBe('PASSPHRASE_REQUIRED');
    // Two MAC keys at once, each then checked; the damage check's keys and IVs for the first
    // encrypted item (the certificate safe) with both at once, each then tried. Nothing else.
    expect(derivations.batches).toEqual([2, 1, 1, 4, 2, 2]);
    expect(derivations.computed).toBe(6);
  });

  it('probing with a passphrase at hand: its MAC key beside the empty ones, then its keys', () => {
    const file = writtenP12('secret');
    const derivations = new CountingDerivations();
    const contents = readPkcs12(file, null, { derivations, alsoTry: 'secret' });
    expect(contents.passphraseUsed).toBe('given');
    expect(contents.keys).toHaveLength(1);
    expect(contents.certificates).toHaveLength(1);
    // Three MAC keys at once (one SIMD call), checked in turn; then the four keys and IVs of
    // the two items side by side. No damage check, and no second read with the passphrase.
    expect(derivations.batches).toEqual([3, 1, 1, 1, 4, 2, 2]);
    expect(derivations.computed).toBe(7);
  });

  it('a passphrase at hand that does not open the file: still PASSPHRASE_REQUIRED', () => {
    const derivations = new CountingDerivations();
    expect(
      errorOf(() => readPkcs12(writtenP12('secret'), null, { derivations, alsoTry: 'wrong' })).code,
    ).toBe('PASSPHRASE_REQUIRED');
    expect(derivations.computed).toBe(derivations.distinct);
  });

  it('a file with the empty passphrase opens with it, whatever passphrase is at hand', () => {
    const contents = readPkcs12(writtenP12(''), null, { alsoTry: 'secret' });
    expect(contents.passphraseUsed).toBe('empty');
    expect(contents.keys).toHaveLength(1);
  });

  it('a passphrase given outright is the only one tried: the one at hand is not', () => {
    const derivations = new CountingDerivations();
    readPkcs12(writtenP12('secret'), 'secret', { derivations, alsoTry: 'other' });
    expect(derivations.batches).toEqual([1, 4, 2, 2]);
    expect(
      errorOf(() => readPkcs12(writtenP12('secret'), 'other', { alsoTry: 'secret' })).code,
    ).toBe('WRONG_PASSPHRASE');
  });

  it('with both empty-password conventions and a MAC made with the other one', () => {
    // MAC with the empty byte string (Keychain's convention), bags with '' (OpenSSL's).
    const derivations = new CountingDerivations();
    const contents = readPkcs12(sharedSaltP12('', null), null, { derivations });
    expect(contents.passphraseUsed).toBe('empty');
    expect(derivations.computed).toBe(derivations.distinct);
    expect(derivations.asked.length).toBeGreaterThan(derivations.distinct);
  });

  it('with a wrong passphrase and the damage check: nothing derived twice', () => {
    const derivations = new CountingDerivations();
    expect(errorOf(() => readPkcs12(sharedSaltP12('secret'), 'wrong', { derivations })).code).toBe(
      'WRONG_PASSPHRASE',
    );
    expect(derivations.computed).toBe(derivations.distinct);
  });

  it('across reads nothing is remembered: each read has its own derivations', () => {
    const file = sharedSaltP12('secret');
    const first = new KeyDerivations();
    const second = new KeyDerivations();
    readPkcs12(file, 'secret', { derivations: first });
    readPkcs12(file, 'secret', { derivations: second });
    expect(second.computed).toBe(first.computed);
  });
});

describe('the work one read may do is bounded', () => {
  it('is enough for the worst genuine file at the iteration cap', () => {
    // Probing both conventions (2 MAC keys) then opening: MAC, and per 3DES item a 24-byte key
    // (two runs of the KDF) and an IV, for a certificate safe and a key: 9 runs of 1,000,000.
    expect(MAX_ROUNDS_PER_READ).toBeGreaterThanOrEqual(2 * 9 * 1_000_000);
  });

  it('stops a read that would go past it, with UNSUPPORTED_ENCRYPTION, before deriving more', () => {
    const file = writtenP12('secret');
    // 2,048 iterations: the MAC (2,048 rounds) fits a bound of 5,000; the certificate safe's
    // 3DES key and IV (6,144 more) do not.
    const derivations = new KeyDerivations(5_000);
    const error = errorOf(() => readPkcs12(file, 'secret', { derivations }));
    expect(error.code).toBe('UNSUPPORTED_ENCRYPTION');
    expect(error.message).toBe(
      'opening it would take more than 5,000 rounds of key derivation, more than any genuine export needs',
    );
    expect(error.hint).toMatch(/export it again/i);
    expect(derivations.computed).toBeLessThanOrEqual(2);
  });

  it('makes derivations ahead only when the allowance covers them all, and never throws', () => {
    const derivations = new KeyDerivations(5_000);
    const ahead = (n: number, iterations: number) => ({
      password: 'x',
      salt: Buffer.alloc(8, n),
      id: 1 as const,
      iterations,
      size: 20,
    });
    derivations.prefetch([ahead(1, 2048), ahead(2, 2048), ahead(3, 2048)]);
    expect(derivations.computed).toBe(0);
    derivations.prefetch([ahead(1, 2048), ahead(2, 2048)]);
    expect(derivations.computed).toBe(2);
    // Made ahead, they are served when asked for: nothing more is derived or spent.
    derivations.pkcs12Each([ahead(1, 2048), ahead(2, 2048)]);
    expect(derivations.computed).toBe(2);
    expect(() => derivations.pkcs12Each([ahead(3, 2048)])).toThrow(/more than 5,000 rounds/);
  });

  it('skips an optional check that would not fit its allowance, deriving nothing for it', () => {
    const derivations = new KeyDerivations();
    const salt = Buffer.alloc(8);
    const result = derivations.within(1_000, () => derivations.pkcs12('x', salt, 1, 2048, 24));
    expect(result).toBeNull();
    expect(derivations.computed).toBe(0);
    // Outside the allowance, the same derivation runs.
    expect(derivations.pkcs12('x', salt, 1, 2048, 24)).toHaveLength(24);
  });
});

/**
 * Crafted .p12 files: every count, length and nesting a file controls is checked before
 * anything is derived or recursed into, and whatever a hostile file provokes comes out as a
 * typed error (CORRUPT_FILE or UNSUPPORTED_ENCRYPTION), never a hang or a raw exception.
 * The files are built here from small DER pieces; a test that completes is the proof that a
 * 2^40 iteration count was refused before the key derivation started.
 */
import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readMaterial } from '../../src/core/pki/material.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { MAX_ITERATIONS } from '../../src/core/pki/pbe-algorithm.js';
import { pkcs12Kdf } from '../../src/core/pki/pkcs12-kdf.js';
import { inspectPkcs12 } from '../../src/core/pki/pkcs12-consumers.js';
import { errorOf } from '../helpers/errors.js';
import { testKey } from '../helpers/test-ca.js';

const fault = vi.hoisted(() => ({ pbkdf2: false }));

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof crypto>();
  return {
    ...real,
    pbkdf2Sync: (...args: Parameters<typeof real.pbkdf2Sync>) => {
      if (fault.pbkdf2) throw new RangeError('The value of "iterations" is out of range.');
      return real.pbkdf2Sync(...args);
    },
  };
});

afterEach(() => {
  fault.pbkdf2 = false;
});

// --- DER builders -------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const octet = (bytes: Buffer) => tlv(0x04, bytes);
const explicit0 = (...parts: Buffer[]) => tlv(0xa0, ...parts);
const NULL = Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER of any size (a bigint so that 2^64 is exact). */
function integer(value: number | bigint): Buffer {
  const bytes: number[] = [];
  for (let n = BigInt(value); n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [a! * 40 + b!, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128))
      chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const OIDS = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  pbeWithSha3Des: '1.2.840.113549.1.12.1.3',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  pbmac1: '1.2.840.113549.1.5.14',
  pbeWithSha2Des: '1.2.840.113549.1.12.1.4',
  pbeWithSha128Rc4: '1.2.840.113549.1.12.1.1',
  pbeWithSha1Des: '1.2.840.113549.1.5.10',
};

const PASSPHRASE = 'secret';
const pkcs8 = (): Buffer => testKey('leaf').export({ type: 'pkcs8', format: 'der' });

interface Pbes2Options {
  iterations?: number | bigint;
  keyLength?: number;
  ivLength?: number;
}

/** PBES2/PBKDF2-SHA256/AES-256-CBC of `plain`, as OpenSSL 3 writes it, with crafted fields. */
function pbes2(plain: Buffer, options: Pbes2Options = {}): { algorithm: Buffer; data: Buffer } {
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(16);
  // The real ciphertext always uses sane parameters: only the declared ones are crafted.
  const key = crypto.pbkdf2Sync(PASSPHRASE, salt, 2048, 32, 'sha256');
  const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const declaredIv = options.ivLength === undefined ? iv : crypto.randomBytes(options.ivLength);
  const params = [octet(salt), integer(options.iterations ?? 2048)];
  if (options.keyLength !== undefined) params.push(integer(options.keyLength));
  params.push(seq(oid(OIDS.hmacWithSha256), NULL));
  const algorithm = seq(
    oid(OIDS.pbes2),
    seq(seq(oid(OIDS.pbkdf2), seq(...params)), seq(oid(OIDS.aes256Cbc), octet(declaredIv))),
  );
  return { algorithm, data };
}

function shroudedKeyBag(options: Pbes2Options = {}): Buffer {
  const { algorithm, data } = pbes2(pkcs8(), options);
  return seq(oid(OIDS.shroudedKeyBag), explicit0(seq(algorithm, octet(data))));
}

/** A shrouded key bag whose PBE (PKCS#12 3DES by default) declares `iterations`; junk inside. */
function tripleDesKeyBag(iterations: number | bigint, pbeOid = OIDS.pbeWithSha3Des): Buffer {
  const algorithm = seq(oid(pbeOid), seq(octet(Buffer.alloc(8, 1)), integer(iterations)));
  return seq(oid(OIDS.shroudedKeyBag), explicit0(seq(algorithm, octet(Buffer.alloc(16)))));
}

const plainKeyBag = (): Buffer => seq(oid(OIDS.keyBag), explicit0(pkcs8()));

function certBag(der: Buffer): Buffer {
  return seq(oid(OIDS.certBag), explicit0(seq(oid(OIDS.x509Certificate), explicit0(octet(der)))));
}

const dataSafe = (bags: Buffer[]): Buffer => seq(oid(OIDS.data), explicit0(octet(seq(...bags))));

function encryptedSafe(bags: Buffer[], options: Pbes2Options = {}): Buffer {
  const { algorithm, data } = pbes2(seq(...bags), options);
  return seq(
    oid(OIDS.encryptedData),
    explicit0(seq(integer(0), seq(oid(OIDS.data), algorithm, tlv(0x80, data)))),
  );
}

/**
 * A PFX around `safes`; the MAC (when asked for) has a junk digest: only its count and
 * algorithm matter.
 */
function pfx(safes: Buffer[], macIterations?: number | bigint, macOid = OIDS.sha1): Buffer {
  const authSafe = seq(...safes);
  const parts = [integer(3), seq(oid(OIDS.data), explicit0(octet(authSafe)))];
  if (macIterations !== undefined) {
    parts.push(
      seq(
        seq(seq(oid(macOid), NULL), octet(Buffer.alloc(20))),
        octet(Buffer.alloc(8, 7)),
        integer(macIterations),
      ),
    );
  }
  return seq(...parts);
}

/** Every way a caller can meet the file: with and without a passphrase, and inspect. */
function codesFor(file: Buffer): string[] {
  return [
    errorOf(() => readPkcs12(file, PASSPHRASE)).code,
    errorOf(() => readPkcs12(file, null)).code,
    errorOf(() => readMaterial(file, { passphrase: null })).code,
  ];
}

// --- tests --------------------------------------------------------------------------------

describe('iteration counts', () => {
  it('refuses a MAC count of 2^40 before deriving anything, also in inspect', () => {
    const file = pfx([dataSafe([shroudedKeyBag()])], 2n ** 40n);
    expect(codesFor(file)).toEqual(Array(3).fill('UNSUPPORTED_ENCRYPTION'));
    const error = errorOf(() => inspectPkcs12(file));
    expect(error.code).toBe('UNSUPPORTED_ENCRYPTION');
    expect(error.message).toBe(
      'its MAC iteration count is 1,099,511,627,776, above the 1,000,000 apns-setup runs (real exporters use 1 to 600,000)',
    );
    expect(error.hint).toMatch(/export it again/i);
  });

  it.each([
    ['just above the cap', MAX_ITERATIONS + 1],
    ['2^32', 2n ** 32n],
    ['2^64, beyond a safe integer', 2n ** 64n],
  ])('refuses a MAC count %s as UNSUPPORTED_ENCRYPTION', (_, count) => {
    expect(codesFor(pfx([dataSafe([plainKeyBag()])], count))).toEqual(
      Array(3).fill('UNSUPPORTED_ENCRYPTION'),
    );
  });

  it('refuses a MAC count of 0 as a damaged file', () => {
    const file = pfx([dataSafe([plainKeyBag()])], 0);
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
    expect(errorOf(() => readPkcs12(file, null)).message).toBe(
      'its MAC iteration count is 0; it must be at least 1',
    );
  });

  it('refuses a negative MAC count (INTEGER 0xFF is -1, not 255) as a damaged file', () => {
    const file = pfx([dataSafe([plainKeyBag()])], 0);
    // Replace the trailing INTEGER 0 with INTEGER -1.
    const negative = Buffer.concat([file.subarray(0, file.length - 1), Buffer.from([0xff])]);
    expect(errorOf(() => inspectPkcs12(negative)).message).toBe(
      'its MAC iteration count is -1; it must be at least 1',
    );
  });

  it('accepts a MAC count at the cap when describing the file (no derivation needed)', () => {
    const structure = inspectPkcs12(pfx([dataSafe([plainKeyBag()])], MAX_ITERATIONS));
    expect(structure.mac).toEqual({ algorithm: 'sha1', iterations: 1_000_000 });
  });

  it.each([
    [2n ** 40n, 'UNSUPPORTED_ENCRYPTION'],
    [0, 'CORRUPT_FILE'],
  ])('refuses a PKCS#12 PBE count of %s with %s', (count, code) => {
    expect(codesFor(pfx([dataSafe([tripleDesKeyBag(count)])]))).toEqual(Array(3).fill(code));
  });

  it.each([
    [2n ** 32n, 'UNSUPPORTED_ENCRYPTION'],
    [2n ** 40n, 'UNSUPPORTED_ENCRYPTION'],
    [0, 'CORRUPT_FILE'],
  ])('refuses a PBKDF2 count of %s with %s, in a key bag and in a safe', (count, code) => {
    expect(codesFor(pfx([dataSafe([shroudedKeyBag({ iterations: count })])]))).toEqual(
      Array(3).fill(code),
    );
    expect(codesFor(pfx([encryptedSafe([plainKeyBag()], { iterations: count })]))).toEqual(
      Array(3).fill(code),
    );
  });
});

describe('PBES2 parameters that cannot decrypt', () => {
  it('refuses a PBKDF2 key length that is not AES-256’s as a damaged file', () => {
    const file = pfx([dataSafe([shroudedKeyBag({ keyLength: 16 })])]);
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
    expect(errorOf(() => inspectPkcs12(file)).message).toBe(
      'it is not a readable PKCS#12 file: its PBKDF2 key length is 16 bytes, but aes-256-cbc takes 32-byte keys',
    );
  });

  it('opens a file whose PBKDF2 key length is stated and right', () => {
    const contents = readPkcs12(pfx([dataSafe([shroudedKeyBag({ keyLength: 32 })])]), PASSPHRASE);
    expect(contents.keys).toHaveLength(1);
  });

  it.each([8, 0, 32])(
    'calls an AES IV of %i bytes a damaged file, not a wrong passphrase',
    (ivLength) => {
      const inBag = pfx([dataSafe([shroudedKeyBag({ ivLength })])]);
      const inSafe = pfx([encryptedSafe([plainKeyBag()], { ivLength })]);
      for (const file of [inBag, inSafe]) {
        expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
        expect(errorOf(() => readPkcs12(file, PASSPHRASE)).message).toMatch(
          new RegExp(`its aes-256-cbc IV is ${ivLength} bytes long instead of one 16-byte block`),
        );
      }
    },
  );
});

describe('nesting', () => {
  /**
   * `inner` wrapped `levels` times by `header(length of what it wraps)`, concatenated once:
   * wrapping one level at a time would copy the growing file 20,000 times.
   */
  function wrapMany(inner: Buffer, levels: number, header: (length: number) => Buffer): Buffer {
    const prefixes: Buffer[] = [];
    let size = inner.length;
    for (let i = 0; i < levels; i++) {
      const prefix = header(size);
      prefixes.push(prefix);
      size += prefix.length;
    }
    return Buffer.concat([...prefixes.reverse(), inner]);
  }

  /** SEQUENCE { SEQUENCE { safeContentsBag, [0] { …length bytes… } } }, headers only. */
  function bagHeader(inner: number): Buffer {
    const bagOid = oid(OIDS.safeContentsBag);
    const value = Buffer.concat([Buffer.from([0xa0]), length(inner)]);
    const bagLength = bagOid.length + value.length + inner;
    const bag = Buffer.concat([Buffer.from([0x30]), length(bagLength), bagOid, value]);
    return Buffer.concat([Buffer.from([0x30]), length(bag.length + inner), bag]);
  }

  function nested(levels: number, inner: Buffer[]): Buffer {
    const contents = wrapMany(seq(...inner), levels, bagHeader);
    return pfx([seq(oid(OIDS.data), explicit0(octet(contents)))]);
  }

  it('refuses 20,000 nested safeContentsBags instead of overflowing the stack', () => {
    const file = nested(20_000, []);
    expect(file.length).toBeGreaterThan(400_000);
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
    expect(errorOf(() => inspectPkcs12(file)).message).toBe(
      'it is not a readable PKCS#12 file: its bags are nested too deeply',
    );
  });

  it('still reads a certificate a few safeContentsBags deep', () => {
    const certificate = Buffer.from('3003020101', 'hex');
    expect(readPkcs12(nested(3, [certBag(certificate)]), null).certificates).toEqual([certificate]);
  });

  it('refuses a BER-chunked OCTET STRING nested 20,000 times', () => {
    const chunks = wrapMany(
      octet(seq(seq(oid(OIDS.data), explicit0(octet(seq(plainKeyBag())))))),
      20_000,
      (inner) => Buffer.concat([Buffer.from([0x24]), length(inner)]),
    );
    const file = seq(integer(3), seq(oid(OIDS.data), explicit0(chunks)));
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
  });
});

describe('encrypted content that no passphrase could decrypt', () => {
  /** A PFX whose MAC is right for PASSPHRASE: the passphrase is demonstrably not the problem. */
  function withRealMac(safes: Buffer[]): Buffer {
    const authSafe = seq(...safes);
    const salt = Buffer.alloc(8, 3);
    const key = pkcs12Kdf(PASSPHRASE, salt, 3, 2048, 20);
    const digest = crypto.createHmac('sha1', key).update(authSafe).digest();
    return seq(
      integer(3),
      seq(oid(OIDS.data), explicit0(octet(authSafe))),
      seq(seq(seq(oid(OIDS.sha1), NULL), octet(digest)), octet(salt), integer(2048)),
    );
  }

  /** An encrypted safe whose EncryptedContentInfo ends after its algorithm, or has `content`. */
  function encryptedSafeWith(content: Buffer | null): Buffer {
    const { algorithm } = pbes2(seq(plainKeyBag()));
    const info = content ? [oid(OIDS.data), algorithm, content] : [oid(OIDS.data), algorithm];
    return seq(oid(OIDS.encryptedData), explicit0(seq(integer(0), seq(...info))));
  }

  it('calls a safe without its encryptedContent damaged, not a wrong passphrase', () => {
    for (const file of [pfx([encryptedSafeWith(null)]), withRealMac([encryptedSafeWith(null)])]) {
      expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
      expect(errorOf(() => readPkcs12(file, PASSPHRASE)).message).toBe(
        'it is not a readable PKCS#12 file: an encrypted safe has no encrypted content',
      );
      expect(errorOf(() => inspectPkcs12(file)).code).toBe('CORRUPT_FILE');
    }
  });

  it('calls encryptedContent under another tag damaged', () => {
    const file = withRealMac([encryptedSafeWith(octet(Buffer.alloc(32)))]);
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
  });

  it.each([
    [0, 'its encrypted content is empty'],
    [13, 'its encrypted content is 13 bytes long, not a whole number of 16-byte cipher blocks'],
  ])('calls %i bytes of AES ciphertext damaged: %s', (length, message) => {
    for (const file of [
      pfx([encryptedSafeWith(tlv(0x80, Buffer.alloc(length)))]),
      withRealMac([encryptedSafeWith(tlv(0x80, Buffer.alloc(length)))]),
    ]) {
      expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
      const error = errorOf(() => readPkcs12(file, PASSPHRASE));
      expect(error.message).toBe(message);
      expect(error.hint).toMatch(/The passphrase is not the problem/);
    }
  });

  it('calls a shrouded key of 12 bytes of 3DES ciphertext damaged', () => {
    const algorithm = seq(oid(OIDS.pbeWithSha3Des), seq(octet(Buffer.alloc(8, 1)), integer(2048)));
    const bag = seq(oid(OIDS.shroudedKeyBag), explicit0(seq(algorithm, octet(Buffer.alloc(12)))));
    const file = withRealMac([dataSafe([bag])]);
    expect(codesFor(file)).toEqual(Array(3).fill('CORRUPT_FILE'));
    expect(errorOf(() => readPkcs12(file, PASSPHRASE)).message).toBe(
      'its encrypted content is 12 bytes long, not a whole number of 8-byte cipher blocks',
    );
  });
});

describe('anything else that goes wrong inside', () => {
  it('is CORRUPT_FILE with a hint and the original error as its cause, never a raw error', () => {
    const file = pfx([dataSafe([shroudedKeyBag()])]);
    expect(readPkcs12(file, PASSPHRASE).keys).toHaveLength(1);
    fault.pbkdf2 = true;
    let caught: unknown;
    try {
      readPkcs12(file, PASSPHRASE);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'CORRUPT_FILE',
      message: 'it is damaged or not a valid PKCS#12 file',
      hint: expect.stringMatching(/Export the \.p12 again/),
      cause: expect.any(RangeError),
    });
    expect(errorOf(() => readMaterial(file, { passphrase: PASSPHRASE })).code).toBe('CORRUPT_FILE');
  });
});

describe('readableBy: a consumer is listed only when it reads every algorithm in the file', () => {
  const readers = (safes: Buffer[], macIterations?: number, macOid?: string) =>
    inspectPkcs12(pfx(safes, macIterations, macOid)).readableBy;
  const keyIn = (pbeOid: string) => [dataSafe([tripleDesKeyBag(2048, pbeOid)])];

  it('3DES with a SHA-1 MAC: everyone', () => {
    expect(readers(keyIn(OIDS.pbeWithSha3Des), 2048)).toEqual([
      'openssl-3',
      'node-tls',
      'macos-keychain',
      'java',
      'go-pkcs12',
    ]);
  });

  it('3DES with a SHA-256 MAC: not the Keychain-era readers', () => {
    expect(readers(keyIn(OIDS.pbeWithSha3Des), 2048, OIDS.sha256)).toEqual([
      'openssl-3',
      'node-tls',
    ]);
  });

  it('3DES without a MAC: not Node (mac absent), not Go (needs one), not Keychain (unknown)', () => {
    expect(readers(keyIn(OIDS.pbeWithSha3Des))).toEqual(['openssl-3', 'java']);
  });

  it('a PBMAC1 MAC: nobody on the list (OpenSSL 3.0 and Node 20 cannot read it)', () => {
    expect(readers(keyIn(OIDS.pbeWithSha3Des), 2048, OIDS.pbmac1)).toEqual([]);
  });

  it('an unknown MAC digest: nobody', () => {
    expect(readers(keyIn(OIDS.pbeWithSha3Des), 2048, '1.2.3.4.5')).toEqual([]);
  });

  it.each([
    ['RC4-128', OIDS.pbeWithSha128Rc4],
    ['PBES1 single DES', OIDS.pbeWithSha1Des],
  ])('%s: nobody (legacy provider, and not what Keychain writes)', (_, pbeOid) => {
    expect(readers(keyIn(pbeOid), 2048)).toEqual([]);
  });

  it('2-key 3DES: OpenSSL 3 and Node only', () => {
    expect(readers(keyIn(OIDS.pbeWithSha2Des), 2048)).toEqual(['openssl-3', 'node-tls']);
  });

  it('an encryption algorithm nobody knows: nobody', () => {
    const algorithm = seq(oid('1.2.3.4.5.6'), NULL);
    const bag = seq(oid(OIDS.shroudedKeyBag), explicit0(seq(algorithm, octet(Buffer.alloc(16)))));
    expect(readers([dataSafe([bag])], 2048)).toEqual([]);
  });

  it('unencrypted bags with a SHA-1 MAC: everyone', () => {
    expect(readers([dataSafe([plainKeyBag()])], 2048)).toEqual([
      'openssl-3',
      'node-tls',
      'macos-keychain',
      'java',
      'go-pkcs12',
    ]);
  });
});

describe('whether each key is encrypted in the file', () => {
  it('tells a plain key bag from a shrouded one and from one inside an encrypted safe', () => {
    const file = pfx([dataSafe([plainKeyBag(), shroudedKeyBag()]), encryptedSafe([plainKeyBag()])]);
    expect(readPkcs12(file, PASSPHRASE).keyProtection).toEqual([
      'none',
      'shrouded',
      'encrypted-safe',
    ]);
    expect(readMaterial(file, { passphrase: PASSPHRASE }).keys.map((k) => k.encrypted)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('reports a .p12 whose only key is a plain bag as holding an unencrypted key', () => {
    const material = readMaterial(pfx([dataSafe([plainKeyBag()])]), { passphrase: null });
    expect(material.keys).toEqual([{ format: 'pkcs12', encrypted: false, key: expect.anything() }]);
  });
});

/**
 * Interop with the real OpenSSL 3 CLI, both ways: what we write (CSR, .p12 in both profiles,
 * PEM keys) opens in OpenSSL — the .p12 without -legacy — and in Node's tls; what OpenSSL
 * writes (its default AES/SHA-256 .p12, -legacy RC2, no MAC, empty and non-ASCII passphrases,
 * EC keys, every key encryption it offers) opens with our readers. The consumer list that
 * inspectPkcs12 predicts is checked against what OpenSSL and Node actually do.
 */
import { type KeyObject, X509Certificate, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../src/core/pki/csr.js';
import { keyMatchesSpki, publicKeySpkiOf } from '../../src/core/pki/key-match.js';
import {
  describePrivateKeyBlock,
  exportEncryptedPkcs8Pem,
  exportPkcs1Pem,
  exportPkcs8Pem,
  generateRsaKey,
  openPrivateKey,
} from '../../src/core/pki/keys.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { KeyDerivations } from '../../src/core/pki/pkcs12-kdf.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { type Pkcs12Structure, inspectPkcs12 } from '../../src/core/pki/pkcs12-consumers.js';
import {
  type Pkcs12Profile,
  writeCertificateOnlyPkcs12,
  writeKeyOnlyPkcs12,
  writePkcs12,
} from '../../src/core/pki/pkcs12-write.js';
import { hasOpenssl3, openssl, opensslOk, tempDir } from '../helpers/openssl.js';
import { codeOf } from '../helpers/errors.js';

const PASSPHRASE = 'pässwörd ✓ 1';
const LEGACY = ['-provider', 'legacy', '-provider', 'default'];

const pemDer = (path: string): Buffer => parsePem(readFileSync(path))[0]!.der;
const spkiOfCert = (der: Buffer): Buffer =>
  new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });

/** Node's tls takes the .p12 as `pfx` (what DESIGN says not to rely on, but users do). */
function nodeTlsAccepts(p12: Buffer, passphrase: string): boolean {
  try {
    createSecureContext({ pfx: p12, passphrase });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl3)('OpenSSL 3 interop', () => {
  const tmp = tempDir('apns-setup-interop-');
  const path = tmp.path;
  let leafKey: KeyObject;
  let leaf: Buffer;
  let ca: Buffer;
  let ecKey: KeyObject;
  let ec: Buffer;

  beforeAll(async () => {
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=Interop CA',
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.pem'),
      '-days',
      '2',
    ]);
    const subject = '/UID=com.example.app/CN=Apple Development IOS Push Services: com.example.app';
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      path('leaf.key'),
      '-out',
      path('leaf.csr'),
    ]);
    await opensslOk([
      'x509',
      '-req',
      '-in',
      path('leaf.csr'),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-set_serial',
      '2',
      '-days',
      '2',
      '-out',
      path('leaf.pem'),
    ]);
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=Interop EC',
      '-keyout',
      path('ec.key'),
      '-out',
      path('ec.pem'),
      '-days',
      '2',
    ]);
    leafKey = openPrivateKey(parsePem(readFileSync(path('leaf.key')))[0]!, null);
    ecKey = openPrivateKey(parsePem(readFileSync(path('ec.key')))[0]!, null);
    leaf = pemDer(path('leaf.pem'));
    ca = pemDer(path('ca.pem'));
    ec = pemDer(path('ec.pem'));
  });

  afterAll(() => tmp.remove());

  /** Checks inspectPkcs12's 'openssl-3' and 'node-tls' claims against the real thing. */
  async function expectConsumersAsPredicted(
    file: string,
    structure: Pkcs12Structure,
    passphrase: string,
  ) {
    const info = await openssl([
      'pkcs12',
      '-in',
      file,
      '-info',
      '-noout',
      '-passin',
      `pass:${passphrase}`,
    ]);
    expect(info.exitCode === 0, `openssl-3 prediction for ${file}: ${info.stderr}`).toBe(
      structure.readableBy.includes('openssl-3'),
    );
    expect(nodeTlsAccepts(readFileSync(file), passphrase), `node-tls prediction for ${file}`).toBe(
      structure.readableBy.includes('node-tls'),
    );
  }

  describe('our CSR', () => {
    it('verifies in `openssl req -verify`, with the subject in Keychain Access’s order', async () => {
      const key = await generateRsaKey();
      writeFileSync(
        path('ours.csr'),
        createCsr({ key, email: 'jane@example.com', commonName: 'Jane Doe', country: 'us' }).pem,
      );
      const verify = await openssl(['req', '-in', path('ours.csr'), '-verify', '-noout']);
      expect(verify.exitCode, verify.stderr).toBe(0);
      expect(verify.stdout + verify.stderr).toMatch(/verify OK/);
      const subject = await opensslOk(['req', '-in', path('ours.csr'), '-noout', '-subject']);
      expect(subject.stdout.trim()).toBe(
        'subject=emailAddress = jane@example.com, CN = Jane Doe, C = US',
      );
      const text = await opensslOk(['req', '-in', path('ours.csr'), '-noout', '-text']);
      expect(text.stdout).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
      expect(text.stdout).toMatch(/Public-Key: \(2048 bit\)/);
    });
  });

  describe.each([
    ['compatible', 'pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048'],
    ['modern', 'PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256'],
  ] as [Pkcs12Profile, string][])('our %s .p12', (profile, algorithmLine) => {
    const file = () => path(`ours-${profile}.p12`);
    beforeAll(() => {
      writeFileSync(
        file(),
        writePkcs12({
          key: leafKey,
          certificates: [leaf, ca],
          passphrase: PASSPHRASE,
          profile,
          friendlyName: 'Interop Push',
        }),
      );
    });

    it('opens in `openssl pkcs12` without -legacy, with the algorithms of the profile', async () => {
      const info = await openssl([
        'pkcs12',
        '-in',
        file(),
        '-info',
        '-noout',
        '-passin',
        `pass:${PASSPHRASE}`,
      ]);
      expect(info.exitCode, info.stderr).toBe(0);
      expect(info.stderr).toContain('MAC: sha1, Iteration 2048');
      expect(info.stderr).toContain(`PKCS7 Encrypted data: ${algorithmLine}`);
      expect(info.stderr).toContain(`Shrouded Keybag: ${algorithmLine}`);
    });

    it('gives OpenSSL the same certificates, key, friendlyName and localKeyID', async () => {
      const out = await opensslOk([
        'pkcs12',
        '-in',
        file(),
        '-nodes',
        '-passin',
        `pass:${PASSPHRASE}`,
      ]);
      const blocks = parsePem(out.stdout);
      expect(blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der)).toEqual([leaf, ca]);
      const key = openPrivateKey(
        blocks.find((b) => b.label === 'PRIVATE KEY')!,
        null,
      );
      expect(publicKeySpkiOf(key)).toEqual(publicKeySpkiOf(leafKey));
      expect(out.stdout).toContain('friendlyName: Interop Push');
      const localKeyId = createHash('sha1')
        .update(leaf)
        .digest('hex')
        .toUpperCase()
        .match(/../g)!
        .join(' ');
      expect(out.stdout).toContain(`localKeyID: ${localKeyId}`);
    });

    it('is refused by OpenSSL with a wrong passphrase', async () => {
      const info = await openssl([
        'pkcs12',
        '-in',
        file(),
        '-info',
        '-noout',
        '-passin',
        'pass:wrong',
      ]);
      expect(info.exitCode).not.toBe(0);
      expect(info.stderr).toMatch(/Mac verify error/);
    });

    it('opens in Node’s tls.createSecureContext as pfx', () => {
      expect(() =>
        createSecureContext({ pfx: readFileSync(file()), passphrase: PASSPHRASE }),
      ).not.toThrow();
      expect(nodeTlsAccepts(readFileSync(file()), 'wrong')).toBe(false);
      return expectConsumersAsPredicted(file(), inspectPkcs12(readFileSync(file())), PASSPHRASE);
    });

    it('writes a cert.p12 / key.p12 split that OpenSSL opens without -legacy', async () => {
      writeFileSync(
        path(`cert-${profile}.p12`),
        writeCertificateOnlyPkcs12({ certificates: [leaf], passphrase: PASSPHRASE, profile }),
      );
      writeFileSync(
        path(`key-${profile}.p12`),
        writeKeyOnlyPkcs12({ key: leafKey, passphrase: PASSPHRASE, profile }),
      );
      const certs = await opensslOk([
        'pkcs12',
        '-in',
        path(`cert-${profile}.p12`),
        '-nodes',
        '-passin',
        `pass:${PASSPHRASE}`,
      ]);
      expect(parsePem(certs.stdout).map((b) => [b.label, b.der])).toEqual([['CERTIFICATE', leaf]]);
      const keys = await opensslOk([
        'pkcs12',
        '-in',
        path(`key-${profile}.p12`),
        '-nodes',
        '-passin',
        `pass:${PASSPHRASE}`,
      ]);
      const blocks = parsePem(keys.stdout);
      expect(blocks.map((b) => b.label)).toEqual(['PRIVATE KEY']);
      expect(publicKeySpkiOf(openPrivateKey(blocks[0]!, null))).toEqual(publicKeySpkiOf(leafKey));
    });
  });

  describe('.p12 files made by `openssl pkcs12 -export`', () => {
    const chain = () => [
      '-inkey',
      path('leaf.key'),
      '-in',
      path('leaf.pem'),
      '-certfile',
      path('ca.pem'),
    ];

    it.each([
      [
        'default (AES-256, SHA-256 MAC)',
        [],
        PASSPHRASE,
        {
          mac: 'sha256',
          algorithm: 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc',
          readableBy: ['openssl-3', 'node-tls'],
        },
      ],
      [
        '-legacy (RC2-40 certificates, 3DES key)',
        ['-legacy'],
        PASSPHRASE,
        {
          mac: 'sha1',
          algorithm: 'pbeWithSHAAnd40BitRC2-CBC',
          readableBy: ['macos-keychain', 'java', 'go-pkcs12'],
        },
      ],
      ['-nomac', ['-nomac'], 'secret', { mac: null, algorithm: null, readableBy: ['openssl-3'] }],
      [
        '3DES everywhere',
        ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'],
        'secret',
        {
          mac: 'sha1',
          algorithm: 'pbeWithSHAAnd3-KeyTripleDES-CBC',
          readableBy: ['openssl-3', 'node-tls', 'macos-keychain', 'java', 'go-pkcs12'],
        },
      ],
      [
        '2-key Triple DES (in OpenSSL 3’s default provider, unlike RC2)',
        ['-keypbe', 'PBE-SHA1-2DES', '-certpbe', 'PBE-SHA1-2DES', '-macalg', 'sha1'],
        'secret',
        {
          mac: 'sha1',
          algorithm: 'pbeWithSHAAnd2-KeyTripleDES-CBC',
          readableBy: ['openssl-3', 'node-tls'],
        },
      ],
      [
        'RC2-128 (legacy provider only)',
        ['-legacy', '-certpbe', 'PBE-SHA1-RC2-128', '-macalg', 'sha1'],
        'secret',
        {
          mac: 'sha1',
          algorithm: 'pbeWithSHAAnd128BitRC2-CBC',
          readableBy: [],
        },
      ],
      [
        'an empty passphrase',
        [],
        '',
        {
          mac: 'sha256',
          algorithm: 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc',
          readableBy: ['openssl-3', 'node-tls'],
        },
      ],
    ] as const)('opens %s', async (name, extra, passphrase, expected) => {
      const file = path(`openssl-${name.replace(/\W+/g, '-')}.p12`);
      await opensslOk([
        'pkcs12',
        '-export',
        ...chain(),
        ...extra,
        '-name',
        'From OpenSSL',
        '-passout',
        `pass:${passphrase}`,
        '-out',
        file,
      ]);
      const bytes = readFileSync(file);
      const contents = readPkcs12(bytes, passphrase === '' ? null : passphrase);
      expect(contents.certificates).toEqual([leaf, ca]);
      expect(contents.keys).toHaveLength(1);
      expect(keyMatchesSpki(contents.keys[0]!, spkiOfCert(leaf))).toBe(true);
      expect(contents.keyAttributes[0]!.friendlyName).toBe('From OpenSSL');
      expect(contents.keyProtection).toEqual(['shrouded']);
      expect(contents.passphraseUsed).toBe(passphrase === '' ? 'empty' : 'given');
      const structure = inspectPkcs12(bytes);
      expect(structure.mac?.algorithm ?? null).toBe(expected.mac);
      if (expected.algorithm) expect(structure.bags[0]!.algorithm).toBe(expected.algorithm);
      expect(structure.readableBy).toEqual(expected.readableBy);
      await expectConsumersAsPredicted(file, structure, passphrase);
      if (passphrase !== '')
        expect(codeOf(() => readPkcs12(bytes, 'wrong'))).toBe('WRONG_PASSPHRASE');
    });

    it('opens unencrypted bags (-keypbe NONE -certpbe NONE), which show without a passphrase', async () => {
      const file = path('openssl-none.p12');
      await opensslOk([
        'pkcs12',
        '-export',
        ...chain(),
        '-keypbe',
        'NONE',
        '-certpbe',
        'NONE',
        '-passout',
        'pass:secret',
        '-out',
        file,
      ]);
      const structure = inspectPkcs12(readFileSync(file));
      expect(structure.bags.map((b) => b.kind)).toEqual(['certificate', 'certificate', 'key']);
      expect(structure.keyBagCount).toBe(1);
      const contents = readPkcs12(readFileSync(file), 'secret');
      expect(contents.certificates).toEqual([leaf, ca]);
      expect(contents.keyProtection).toEqual(['none']);
    });

    it('opens an EC key and certificate', async () => {
      const file = path('openssl-ec.p12');
      await opensslOk([
        'pkcs12',
        '-export',
        '-inkey',
        path('ec.key'),
        '-in',
        path('ec.pem'),
        '-passout',
        'pass:secret',
        '-out',
        file,
      ]);
      const contents = readPkcs12(readFileSync(file), 'secret');
      expect(contents.certificates).toEqual([ec]);
      expect(contents.keys[0]!.asymmetricKeyType).toBe('ec');
      expect(publicKeySpkiOf(contents.keys[0]!)).toEqual(publicKeySpkiOf(ecKey));
    });

    it('opens key-only and certificate-only files', async () => {
      await opensslOk([
        'pkcs12',
        '-export',
        '-nocerts',
        '-inkey',
        path('leaf.key'),
        '-passout',
        'pass:secret',
        '-out',
        path('openssl-key-only.p12'),
      ]);
      await opensslOk([
        'pkcs12',
        '-export',
        '-nokeys',
        '-in',
        path('leaf.pem'),
        '-passout',
        'pass:secret',
        '-out',
        path('openssl-cert-only.p12'),
      ]);
      const keyOnly = readPkcs12(readFileSync(path('openssl-key-only.p12')), 'secret');
      expect([keyOnly.certificates.length, keyOnly.keys.length]).toEqual([0, 1]);
      expect(inspectPkcs12(readFileSync(path('openssl-key-only.p12'))).keyBagCount).toBe(1);
      const certOnly = readPkcs12(readFileSync(path('openssl-cert-only.p12')), 'secret');
      expect(certOnly.certificates).toEqual([leaf]);
      expect(certOnly.keys).toEqual([]);
    });

    it('opens a file at the 1,000,000-iteration cap, within the work bound of one read', async () => {
      const file = path('openssl-1m.p12');
      await opensslOk([
        'pkcs12',
        '-export',
        ...chain(),
        '-legacy',
        '-iter',
        '1000000',
        '-passout',
        'pass:secret',
        '-out',
        file,
      ]);
      const bytes = readFileSync(file);
      expect(inspectPkcs12(bytes).mac).toEqual({ algorithm: 'sha1', iterations: 1_000_000 });
      // What convert does: a probe with no passphrase, then the read with the one it was given.
      const probe = new KeyDerivations();
      expect(codeOf(() => readPkcs12(bytes, null, { derivations: probe }))).toBe(
        'PASSPHRASE_REQUIRED',
      );
      // Both empty-password conventions against the MAC; the damage check does not fit the
      // probe's allowance at this count and is left to the read with a passphrase.
      expect(probe.computed).toBe(2);
      const read = new KeyDerivations();
      const contents = readPkcs12(bytes, 'secret', { derivations: read });
      expect(contents.certificates).toEqual([leaf, ca]);
      // MAC key; RC2-40 key and IV for the certificates; 3DES key and IV for the key.
      expect(read.computed).toBe(5);
    });
  });

  describe('our PEM keys in `openssl pkey`', () => {
    it('encrypted PKCS#8 uses PBES2 with AES-256-CBC and opens with the passphrase only', async () => {
      writeFileSync(path('ours-enc.pem'), exportEncryptedPkcs8Pem(leafKey, PASSPHRASE));
      const parsed = await opensslOk(['asn1parse', '-in', path('ours-enc.pem')]);
      expect(parsed.stdout).toMatch(/:PBES2\s*$/m);
      expect(parsed.stdout).toMatch(/:aes-256-cbc\s*$/m);
      const pub = await opensslOk([
        'pkey',
        '-in',
        path('ours-enc.pem'),
        '-passin',
        `pass:${PASSPHRASE}`,
        '-pubout',
      ]);
      expect(parsePem(pub.stdout)[0]!.der).toEqual(publicKeySpkiOf(leafKey));
      expect(
        (await openssl(['pkey', '-in', path('ours-enc.pem'), '-passin', 'pass:wrong', '-noout']))
          .exitCode,
      ).not.toBe(0);
    });

    it('unencrypted PKCS#1 and PKCS#8 read as the same key', async () => {
      writeFileSync(path('ours-pkcs1.pem'), exportPkcs1Pem(leafKey));
      writeFileSync(path('ours-pkcs8.pem'), exportPkcs8Pem(leafKey));
      const check = await opensslOk(['rsa', '-in', path('ours-pkcs1.pem'), '-check', '-noout']);
      expect(check.stdout).toMatch(/RSA key ok/);
      for (const file of ['ours-pkcs1.pem', 'ours-pkcs8.pem']) {
        const pub = await opensslOk(['pkey', '-in', path(file), '-pubout']);
        expect(parsePem(pub.stdout)[0]!.der).toEqual(publicKeySpkiOf(leafKey));
      }
    });
  });

  describe('keys made by openssl', () => {
    beforeAll(async () => {
      await opensslOk([
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        path('plain.key'),
      ]);
    });

    it.each([
      [
        'openssl pkcs8 -topk8 -v2 aes-256-cbc',
        ['pkcs8', '-topk8', '-v2', 'aes-256-cbc'],
        'pkcs8-encrypted',
        'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc',
      ],
      [
        'openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA512',
        ['pkcs8', '-topk8', '-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA512'],
        'pkcs8-encrypted',
        'PBES2/PBKDF2-hmacWithSHA512/aes-128-cbc',
      ],
      [
        'openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES',
        ['pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES'],
        'pkcs8-encrypted',
        'pbeWithSHAAnd3-KeyTripleDES-CBC',
      ],
      [
        'openssl pkcs8 -topk8 -v1 PBE-MD5-DES (legacy)',
        ['pkcs8', '-topk8', '-v1', 'PBE-MD5-DES', ...LEGACY],
        'pkcs8-encrypted',
        'pbeWithMD5AndDES-CBC',
      ],
      [
        'openssl pkcs8 -topk8 -v1 PBE-SHA1-RC2-40 (legacy)',
        ['pkcs8', '-topk8', '-v1', 'PBE-SHA1-RC2-40', ...LEGACY],
        'pkcs8-encrypted',
        'pbeWithSHAAnd40BitRC2-CBC',
      ],
      [
        'openssl rsa -aes256 -traditional',
        ['rsa', '-aes256', '-traditional'],
        'pkcs1-encrypted',
        'AES-256-CBC',
      ],
      [
        'openssl rsa -des3 -traditional',
        ['rsa', '-des3', '-traditional'],
        'pkcs1-encrypted',
        'DES-EDE3-CBC',
      ],
      [
        'openssl rsa -des -traditional (legacy)',
        ['rsa', '-des', '-traditional', ...LEGACY],
        'pkcs1-encrypted',
        'DES-CBC',
      ],
    ])('opens `%s`', async (name, args, format, algorithm) => {
      const file = path(`${name.replace(/\W+/g, '-')}.pem`);
      await opensslOk([
        ...args,
        '-in',
        path('plain.key'),
        '-passout',
        `pass:${PASSPHRASE}`,
        '-out',
        file,
      ]);
      const block = parsePem(readFileSync(file))[0]!;
      expect(describePrivateKeyBlock(block)).toEqual({ format, encrypted: true, algorithm });
      const pub = await opensslOk(['pkey', '-in', path('plain.key'), '-pubout']);
      expect(publicKeySpkiOf(openPrivateKey(block, PASSPHRASE))).toEqual(
        parsePem(pub.stdout)[0]!.der,
      );
      expect(codeOf(() => openPrivateKey(block, 'wrong'))).toBe('WRONG_PASSPHRASE');
      expect(codeOf(() => openPrivateKey(block, null))).toBe('PASSPHRASE_REQUIRED');
    });

    it('opens `openssl genrsa -aes256` and an encrypted `openssl ec` key', async () => {
      const genrsa = await opensslOk(['genrsa', '-aes256', '-passout', 'pass:secret', '2048']);
      const rsaBlock = parsePem(genrsa.stdout)[0]!;
      expect(openPrivateKey(rsaBlock, 'secret').asymmetricKeyType).toBe('rsa');
      await opensslOk([
        'ec',
        '-in',
        path('ec.key'),
        '-aes256',
        '-passout',
        'pass:secret',
        '-out',
        path('ec-enc.pem'),
      ]);
      const ecBlock = parsePem(readFileSync(path('ec-enc.pem')))[0]!;
      expect(describePrivateKeyBlock(ecBlock)).toEqual({
        format: 'ec',
        encrypted: true,
        algorithm: 'AES-256-CBC',
      });
      expect(publicKeySpkiOf(openPrivateKey(ecBlock, 'secret'))).toEqual(publicKeySpkiOf(ecKey));
      expect(codeOf(() => openPrivateKey(ecBlock, 'wrong'))).toBe('WRONG_PASSPHRASE');
    });
  });
});

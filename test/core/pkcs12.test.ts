/**
 * Writing .p12 files in both profiles and reading them back, the PKCS#12 key derivation
 * against forge's independent implementation, and the error cases a user meets (wrong or
 * missing passphrase, damaged file, key that is not the certificate's).
 */
import { type KeyObject, createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { childrenOf, encodingOf, readTlv } from '../../src/core/pki/der.js';
import forge from 'node-forge';
import { derFromForgeAsn1 } from '../../src/core/pki/forge.js';
import { keyMatchesSpki, publicKeySpkiOf } from '../../src/core/pki/key-match.js';
import { isPkcs12, readMaterial } from '../../src/core/pki/material.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { inspectPkcs12 } from '../../src/core/pki/pkcs12-consumers.js';
import {
  writeCertificateOnlyPkcs12,
  writeKeyOnlyPkcs12,
  writePkcs12,
} from '../../src/core/pki/pkcs12-write.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { errorOf } from '../helpers/errors.js';

/** A self-signed RSA certificate for `key`, made with forge (no OpenSSL needed here). */
function selfSigned(key: KeyObject, commonName: string): Buffer {
  const forgeKey = forge.pki.privateKeyFromPem(
    key.export({ type: 'pkcs1', format: 'pem' }).toString(),
  );
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.rsa.setPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2024-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2034-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: commonName }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return derFromForgeAsn1(forge.pki.certificateToAsn1(cert));
}

const sha1 = (der: Buffer): Buffer => createHash('sha1').update(der).digest();

let key: KeyObject;
let otherKey: KeyObject;
let leaf: Buffer;
let ca: Buffer;

beforeAll(() => {
  key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  leaf = selfSigned(key, 'Apple Development IOS Push Services: com.example.app');
  ca = selfSigned(otherKey, 'Some CA');
});

describe('writePkcs12 / readPkcs12', () => {
  it('writes the compatible profile: 3DES for key and certificates, SHA-1 MAC, 2048 iterations', () => {
    const p12 = writePkcs12({
      key,
      certificates: [leaf, ca],
      passphrase: 'secret',
      profile: 'compatible',
    });
    const structure = inspectPkcs12(p12);
    expect(structure.mac).toEqual({ algorithm: 'sha1', iterations: 2048 });
    expect(structure.bags).toEqual([
      { kind: 'encrypted-data', algorithm: 'pbeWithSHAAnd3-KeyTripleDES-CBC', iterations: 2048 },
      { kind: 'shrouded-key', algorithm: 'pbeWithSHAAnd3-KeyTripleDES-CBC', iterations: 2048 },
    ]);
    expect(structure.keyBagCount).toBe(1);
    expect(structure.readableBy).toEqual([
      'openssl-3',
      'node-tls',
      'macos-keychain',
      'java',
      'go-pkcs12',
    ]);
  });

  it('writes the modern profile: PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, SHA-1 MAC', () => {
    const p12 = writePkcs12({ key, certificates: [leaf], passphrase: 'secret', profile: 'modern' });
    const structure = inspectPkcs12(p12);
    expect(structure.mac).toEqual({ algorithm: 'sha1', iterations: 2048 });
    expect(structure.bags.map((b) => [b.kind, b.algorithm])).toEqual([
      ['encrypted-data', 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc'],
      ['shrouded-key', 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc'],
    ]);
    // AES: older Keychains, JREs and Go's x/crypto/pkcs12 refuse it (DESIGN.md).
    expect(structure.readableBy).toEqual(['openssl-3', 'node-tls']);
  });

  it.each(['compatible', 'modern'] as const)(
    'reads back what it wrote (%s): certificate bytes in order, the key, names and ids',
    (profile) => {
      const passphrase = 'pässwörd ✓';
      const p12 = writePkcs12({
        key,
        certificates: [leaf, ca],
        passphrase,
        profile,
        friendlyName: 'My Push',
      });
      const contents = readPkcs12(p12, passphrase);
      expect(contents.certificates).toEqual([leaf, ca]);
      expect(contents.keys).toHaveLength(1);
      expect(publicKeySpkiOf(contents.keys[0]!)).toEqual(publicKeySpkiOf(key));
      // Keychain pairs the key with its certificate by localKeyId: SHA-1 of the certificate.
      expect(contents.keyAttributes).toEqual([{ friendlyName: 'My Push', localKeyId: sha1(leaf) }]);
      expect(contents.certificateAttributes).toEqual([
        { friendlyName: 'My Push', localKeyId: sha1(leaf) },
        { friendlyName: null, localKeyId: null },
      ]);
      expect(contents.passphraseUsed).toBe('given');
    },
  );

  it('refuses a wrong passphrase and asks for a missing one', () => {
    const p12 = writePkcs12({
      key,
      certificates: [leaf],
      passphrase: 'secret',
      profile: 'compatible',
    });
    const wrong = errorOf(() => readPkcs12(p12, 'Secret'));
    expect(wrong.code).toBe('WRONG_PASSPHRASE');
    expect(wrong.message).toBe('the passphrase does not open it');
    const missing = errorOf(() => readPkcs12(p12, null));
    expect(missing.code).toBe('PASSPHRASE_REQUIRED');
    expect(missing.hint).toMatch(/--passphrase-file/);
    expect(missing.hint).toMatch(/APNS_SETUP_PASSPHRASE/);
  });

  it('as material: opened with the passphrase at hand, and says so; other files say nothing', () => {
    const p12 = writePkcs12({ key, certificates: [leaf], passphrase: 'secret', profile: 'modern' });
    const opened = readMaterial(p12, { passphrase: null, alsoTry: 'secret' });
    expect(opened.passphraseUsed).toBe('given');
    expect(opened.leafKey).not.toBeNull();
    expect(errorOf(() => readMaterial(p12, { passphrase: null, alsoTry: 'Secret' })).code).toBe(
      'PASSPHRASE_REQUIRED',
    );
    expect(isPkcs12(p12)).toBe(true);
    expect(isPkcs12(leaf)).toBe(false);
    expect(isPkcs12(Buffer.from([0x30, 0x83, 0xff]))).toBe(false);
    expect(readMaterial(leaf, { passphrase: null, alsoTry: 'secret' }).passphraseUsed).toBeNull();
  });

  it('writes an empty passphrase when asked to, and opens it without one', () => {
    const p12 = writePkcs12({ key, certificates: [leaf], passphrase: '', profile: 'modern' });
    const contents = readPkcs12(p12, null);
    expect(contents.passphraseUsed).toBe('empty');
    expect(contents.certificates).toEqual([leaf]);
    expect(errorOf(() => readPkcs12(p12, 'something')).code).toBe('WRONG_PASSPHRASE');
  });

  it('uses a fresh salt every time', () => {
    const a = writePkcs12({
      key,
      certificates: [leaf],
      passphrase: 'secret',
      profile: 'compatible',
    });
    const b = writePkcs12({
      key,
      certificates: [leaf],
      passphrase: 'secret',
      profile: 'compatible',
    });
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a key that is not the certificate’s, before writing anything', () => {
    const error = errorOf(() =>
      writePkcs12({ key: otherKey, certificates: [leaf], passphrase: 'x', profile: 'compatible' }),
    );
    expect(error.code).toBe('KEY_MISMATCH');
    expect(error.message).toBe('the private key does not belong to the certificate');
  });

  it('refuses bad arguments with a usage error', () => {
    expect(
      errorOf(() => writePkcs12({ key, certificates: [], passphrase: 'x', profile: 'compatible' }))
        .code,
    ).toBe('USAGE');
    expect(
      errorOf(() =>
        writePkcs12({ key, certificates: [leaf], passphrase: 'x', profile: 'legacy' as 'modern' }),
      ).message,
    ).toBe('"legacy" is not a PKCS#12 profile');
    const publicKey = createPublicKey(key);
    expect(
      errorOf(() => writeKeyOnlyPkcs12({ key: publicKey, passphrase: 'x', profile: 'modern' }))
        .code,
    ).toBe('USAGE');
    expect(
      errorOf(() =>
        writePkcs12({
          key,
          certificates: [Buffer.from('nope')],
          passphrase: 'x',
          profile: 'modern',
        }),
      ).code,
    ).toBe('CORRUPT_FILE');
  });

  it('writes the classic split: a certificate-only cert.p12 and a key-only key.p12', () => {
    const certP12 = writeCertificateOnlyPkcs12({
      certificates: [leaf],
      passphrase: 'pw',
      profile: 'compatible',
      friendlyName: 'cert',
    });
    const keyP12 = writeKeyOnlyPkcs12({
      key,
      passphrase: 'pw',
      profile: 'compatible',
      friendlyName: 'key',
      certificate: leaf,
    });
    expect(inspectPkcs12(certP12).bags.map((b) => b.kind)).toEqual(['encrypted-data']);
    expect(inspectPkcs12(certP12).keyBagCount).toBe(0);
    expect(inspectPkcs12(keyP12).bags.map((b) => b.kind)).toEqual(['shrouded-key']);
    const certs = readPkcs12(certP12, 'pw');
    const keys = readPkcs12(keyP12, 'pw');
    expect(certs.certificates).toEqual([leaf]);
    expect(certs.keys).toEqual([]);
    expect(keys.certificates).toEqual([]);
    expect(keyMatchesSpki(keys.keys[0]!, publicKeySpkiOf(key))).toBe(true);
    // The same localKeyId in both halves, as if they had been exported together.
    expect(keys.keyAttributes[0]!.localKeyId).toEqual(certs.certificateAttributes[0]!.localKeyId);
    expect(
      errorOf(() =>
        writeKeyOnlyPkcs12({
          key: otherKey,
          passphrase: 'pw',
          profile: 'modern',
          certificate: leaf,
        }),
      ).code,
    ).toBe('KEY_MISMATCH');
  });

  it.skipIf(!hasRealWorld)(
    'writes and reads EC keys and EC certificates (pushy multiple-keys.p12)',
    () => {
      const source = readPkcs12(realWorldFile('pushy/multiple-keys.p12'), 'pushy-test');
      const ecKey = source.keys[0]!;
      const id = source.keyAttributes[0]!.localKeyId!;
      const ecCert =
        source.certificates[
          source.certificateAttributes.findIndex((a) => a.localKeyId?.equals(id))
        ]!;
      for (const profile of ['compatible', 'modern'] as const) {
        const p12 = writePkcs12({ key: ecKey, certificates: [ecCert], passphrase: 'pw', profile });
        const back = readPkcs12(p12, 'pw');
        expect(back.certificates).toEqual([ecCert]);
        expect(back.keys[0]!.asymmetricKeyType).toBe('ec');
        expect(publicKeySpkiOf(back.keys[0]!)).toEqual(publicKeySpkiOf(ecKey));
      }
    },
  );
});

describe('damaged and unusual files', () => {
  let p12: Buffer;
  beforeAll(() => {
    p12 = writePkcs12({ key, certificates: [leaf], passphrase: 'secret', profile: 'compatible' });
  });

  it('calls a truncated file cut short, whatever the passphrase', () => {
    for (const cut of [1, 500, p12.length - 3]) {
      for (const passphrase of ['secret', null]) {
        const error = errorOf(() => readPkcs12(p12.subarray(0, p12.length - cut), passphrase));
        expect(error.code).toBe('CORRUPT_FILE');
        expect(error.message).toMatch(/^it is cut short: \d+ of its \d+ bytes are missing$/);
        expect(error.hint).toMatch(/passphrase is not the problem/);
      }
    }
  });

  it('calls something that is not PKCS#12 corrupt, not a passphrase problem', () => {
    expect(errorOf(() => readPkcs12(Buffer.from('hello, world'), 'x')).code).toBe('CORRUPT_FILE');
    expect(errorOf(() => readPkcs12(Buffer.alloc(0), 'x')).message).toMatch(/it is empty/);
    // A DER SEQUENCE that is not a PFX (a certificate).
    expect(errorOf(() => readPkcs12(leaf, 'x')).code).toBe('CORRUPT_FILE');
  });

  it('opens a file without a MAC by its padding, and says Node’s tls would refuse it', () => {
    const root = readTlv(p12, 0);
    const [version, authSafe] = childrenOf(p12, root);
    const body = Buffer.concat([encodingOf(p12, version!), encodingOf(p12, authSafe!)]);
    const noMac = Buffer.concat([
      Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]),
      body,
    ]);
    const structure = inspectPkcs12(noMac);
    expect(structure.mac).toBeNull();
    expect(structure.readableBy).not.toContain('node-tls');
    expect(readPkcs12(noMac, 'secret').certificates).toEqual([leaf]);
    expect(errorOf(() => readPkcs12(noMac, 'wrong')).code).toBe('WRONG_PASSPHRASE');
  });
});

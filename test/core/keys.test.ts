/**
 * Key generation, describing and opening PEM key blocks, the PEM forms we write, and matching
 * a key to a certificate's public key.
 */
import { type KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { keyMatchesSpki, publicKeySpkiOf } from '../../src/core/pki/key-match.js';
import {
  describePrivateKeyBlock,
  exportEncryptedPkcs8Pem,
  exportPkcs1Pem,
  exportPkcs8Pem,
  generateRsaKey,
  openPrivateKey,
} from '../../src/core/pki/keys.js';
import { encodePem, parsePem } from '../../src/core/pki/pem.js';
import { errorOf } from '../helpers/errors.js';

const block = (pem: string) => parsePem(pem)[0]!;

let rsa: KeyObject;
let ec: KeyObject;

beforeAll(async () => {
  rsa = await generateRsaKey();
  ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
});

describe('generateRsaKey', () => {
  it('makes a 2048-bit RSA key with exponent 65537 by default (what Apple expects)', () => {
    expect(rsa.type).toBe('private');
    expect(rsa.asymmetricKeyType).toBe('rsa');
    expect(rsa.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
  });

  it('makes 3072-bit keys on request', async () => {
    expect((await generateRsaKey(3072)).asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it.each([1024, 2047, 8192])('refuses %i bits with a usage error', async (bits) => {
    const error = await generateRsaKey(bits).catch((e: unknown) => e);
    expect(isApnsSetupError(error) && error.code).toBe('USAGE');
    expect((error as Error).message).toBe(`an RSA key of ${bits} bits is not offered`);
  });
});

describe('describePrivateKeyBlock', () => {
  it('tells the five kinds apart, with the encryption they use', () => {
    expect(describePrivateKeyBlock(block(exportPkcs8Pem(rsa)))).toEqual({
      format: 'pkcs8',
      encrypted: false,
    });
    expect(describePrivateKeyBlock(block(exportPkcs1Pem(rsa)))).toEqual({
      format: 'pkcs1',
      encrypted: false,
    });
    expect(describePrivateKeyBlock(block(exportEncryptedPkcs8Pem(rsa, 'pw')))).toEqual({
      format: 'pkcs8-encrypted',
      encrypted: true,
      algorithm: 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc',
    });
    const legacy = rsa
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' })
      .toString();
    expect(describePrivateKeyBlock(block(legacy))).toEqual({
      format: 'pkcs1-encrypted',
      encrypted: true,
      algorithm: 'AES-128-CBC',
    });
    const sec1 = ec.export({ type: 'sec1', format: 'pem' }).toString();
    expect(describePrivateKeyBlock(block(sec1))).toEqual({ format: 'ec', encrypted: false });
  });

  it('refuses a block that is not a private key', () => {
    const error = errorOf(() =>
      describePrivateKeyBlock(block(encodePem('CERTIFICATE', Buffer.from([0x30, 0])))),
    );
    expect(error.code).toBe('WRONG_KIND');
    expect(error.message).toBe('a "CERTIFICATE" block is not a private key');
  });
});

describe('openPrivateKey', () => {
  it('opens every form we write, and the key is the same key', () => {
    const spki = publicKeySpkiOf(rsa);
    for (const pem of [exportPkcs8Pem(rsa), exportPkcs1Pem(rsa)]) {
      expect(publicKeySpkiOf(openPrivateKey(block(pem), null))).toEqual(spki);
    }
    const encrypted = block(exportEncryptedPkcs8Pem(rsa, 'pässwörd ✓'));
    expect(publicKeySpkiOf(openPrivateKey(encrypted, 'pässwörd ✓'))).toEqual(spki);
    const sec1 = ec.export({ type: 'sec1', format: 'pem' }).toString();
    expect(publicKeySpkiOf(openPrivateKey(block(sec1), null))).toEqual(publicKeySpkiOf(ec));
  });

  it('asks for a passphrase, and says when one is wrong', () => {
    const encrypted = block(exportEncryptedPkcs8Pem(rsa, 'right'));
    const missing = errorOf(() => openPrivateKey(encrypted, null));
    expect(missing.code).toBe('PASSPHRASE_REQUIRED');
    expect(missing.hint).toMatch(/--passphrase-file FILE or the APNS_SETUP_PASSPHRASE/);
    expect(errorOf(() => openPrivateKey(encrypted, '')).code).toBe('PASSPHRASE_REQUIRED');
    const wrong = errorOf(() => openPrivateKey(encrypted, 'Right'));
    expect(wrong).toMatchObject({
      code: 'WRONG_PASSPHRASE',
      message: 'the passphrase does not open this key',
    });
    expect(wrong.hint).toMatch(/case-sensitive/);
    expect(wrong.message + (wrong.hint ?? '')).not.toContain('Right');
  });

  it('says a wrong passphrase is wrong for legacy Proc-Type keys too', () => {
    const legacy = rsa
      .export({ type: 'pkcs1', format: 'pem', cipher: 'des-ede3-cbc', passphrase: 'right' })
      .toString();
    expect(publicKeySpkiOf(openPrivateKey(block(legacy), 'right'))).toEqual(publicKeySpkiOf(rsa));
    // Many attempts: about 1 in 256 wrong passphrases pads correctly and fails later, in the decoder.
    for (let i = 0; i < 300; i++) {
      expect(errorOf(() => openPrivateKey(block(legacy), `wrong-${i}`)).code).toBe(
        'WRONG_PASSPHRASE',
      );
    }
  });

  it('calls a damaged plain key corrupt', () => {
    const der = Buffer.from(block(exportPkcs8Pem(rsa)).der);
    der[30] = der[30]! ^ 0xff;
    const error = errorOf(() =>
      openPrivateKey(block(encodePem('PRIVATE KEY', der.subarray(0, 200))), null),
    );
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/^the private key is damaged/);
  });

  it('names an encryption scheme it cannot decrypt, with the OpenSSL command that converts it', () => {
    const der = Buffer.from(block(exportEncryptedPkcs8Pem(rsa, 'pw')).der);
    // Turn PBES2 (1.2.840.113549.1.5.13) into an unassigned 1.2.840.113549.1.5.99.
    const pbes2 = Buffer.from('06092a864886f70d01050d', 'hex');
    const at = der.indexOf(pbes2);
    der[at + pbes2.length - 1] = 99;
    const error = errorOf(() =>
      openPrivateKey(block(encodePem('ENCRYPTED PRIVATE KEY', der)), 'pw'),
    );
    expect(error.code).toBe('UNSUPPORTED_ENCRYPTION');
    expect(error.message).toBe(
      'the private key is encrypted with 1.2.840.113549.1.5.99, which apns-setup cannot decrypt',
    );
    expect(error.hint).toContain(
      'openssl pkcs8 -topk8 -v2 aes-256-cbc -provider legacy -provider default',
    );
  });
});

describe('key exports', () => {
  it('writes the labels the classic guides show', () => {
    expect(exportEncryptedPkcs8Pem(rsa, 'pw')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(exportPkcs1Pem(rsa)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(exportPkcs8Pem(rsa)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('never writes an "encrypted" key with an empty passphrase', () => {
    expect(errorOf(() => exportEncryptedPkcs8Pem(rsa, '')).code).toBe('USAGE');
  });

  it('refuses PKCS#1 for a non-RSA key', () => {
    const error = errorOf(() => exportPkcs1Pem(ec));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toBe(
      'PKCS#1 (BEGIN RSA PRIVATE KEY) holds only RSA keys; this is an ec key',
    );
  });
});

describe('keyMatchesSpki', () => {
  it('matches a key with its own public key, not with another', () => {
    expect(keyMatchesSpki(rsa, publicKeySpkiOf(rsa))).toBe(true);
    expect(keyMatchesSpki(rsa, publicKeySpkiOf(ec))).toBe(false);
    expect(keyMatchesSpki(ec, createPublicKey(ec).export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );
    expect(keyMatchesSpki(rsa, Buffer.from('not a key'))).toBe(false);
  });

  it('matches an RSA key whose SPKI omits the NULL algorithm parameter', () => {
    const spki = publicKeySpkiOf(rsa);
    const withNull = Buffer.from('300d06092a864886f70d0101010500', 'hex');
    const withoutNull = Buffer.from('300b06092a864886f70d010101', 'hex');
    const at = spki.indexOf(withNull);
    const body = Buffer.concat([withoutNull, spki.subarray(at + withNull.length)]);
    const variant = Buffer.concat([
      Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]),
      body,
    ]);
    expect(variant.equals(spki)).toBe(false);
    expect(keyMatchesSpki(rsa, variant)).toBe(true);
  });
});

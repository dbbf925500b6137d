/**
 * Token keys (AuthKey_KEYID.p8) on the real .p8 files of token-keys/MANIFEST.md, and on keys
 * made here for what the corpus lacks (another curve, SEC 1, encrypted, a renamed download).
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isTokenKeyShaped,
  keyIdFromFileName,
  openTokenKey,
  readTokenKey,
  tokenKeyError,
} from '../../src/core/apns/token-key.js';
import { readMaterial } from '../../src/core/pki/material.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { codeOf } from '../helpers/errors.js';

const corpus = (name: string) => realWorldFile(`token-keys/${name}`);

describe('keyIdFromFileName', () => {
  it('reads the 10-character key id Apple puts in the name, also after a browser renamed it', () => {
    expect(keyIdFromFileName('AuthKey_ABC123DEFG.p8')).toBe('ABC123DEFG');
    expect(keyIdFromFileName('/home/me/Downloads/AuthKey_ABC123DEFG (1).p8')).toBe('ABC123DEFG');
    expect(keyIdFromFileName('C:\\keys\\AuthKey_2X9R4HXF34.p8')).toBe('2X9R4HXF34');
  });

  it('finds none in other names', () => {
    for (const name of [
      'key.p8',
      'AuthKey_abc123defg.p8',
      'AuthKey_ABC123DEF.p8',
      'AuthKey_ABC123DEFGH.p8',
      'AuthKey_ABC123DEFG.pem',
    ]) {
      expect(keyIdFromFileName(name), name).toBeNull();
    }
  });
});

describe.skipIf(!hasRealWorld)('the real .p8 files (token-keys/MANIFEST.md)', () => {
  it('pushy: a valid token key — EC P-256 PKCS#8, whose ES256 signatures verify', () => {
    const { info, key } = readTokenKey(
      corpus('pushy__token-auth-private-key.p8'),
      'AuthKey_ABC123DEFG.p8',
    );
    expect(info).toMatchObject({
      keyId: 'ABC123DEFG',
      keyType: 'ec',
      curve: 'P-256',
      format: 'pkcs8',
      encrypted: false,
      damaged: false,
      problem: null,
    });
    const spki = createPublicKey(key!).export({ type: 'spki', format: 'der' });
    expect(info.publicKeySha256).toBe(
      createHash('sha256').update(spki).digest('hex').toUpperCase(),
    );
    // ES256 as JWTs use it: IEEE P1363 (r||s), 64 bytes.
    const signature = sign('sha256', Buffer.from('header.claims'), {
      key: key!,
      dsaEncoding: 'ieee-p1363',
    });
    expect(signature).toHaveLength(64);
    expect(
      verify(
        'sha256',
        Buffer.from('header.claims'),
        { key: createPublicKey(key!), dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true);
  });

  it('sideshow authkey-invalid: bare base64 without PEM armour is refused, and its key is damaged too', () => {
    const { info, key } = readTokenKey(corpus('sideshow-apns2__authkey-invalid.p8'), 'x.p8');
    expect(key).toBeNull();
    expect(info).toMatchObject({
      problem: 'no-pem-armour',
      keyType: 'ec',
      curve: 'P-256',
      damaged: true,
    });
    const error = tokenKeyError(info);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/without its "-----BEGIN PRIVATE KEY-----"/);
    expect(error.message).toMatch(/damaged/);
  });

  it('sideshow authkey-invalid-pkcs8: a PKCS#1 RSA key named .p8 is refused, not an EC P-256 token key', () => {
    const { info, key } = readTokenKey(corpus('sideshow-apns2__authkey-invalid-pkcs8.p8'), 'x.p8');
    expect(key).toBeNull();
    expect(info).toMatchObject({ problem: 'not-ec', keyType: 'rsa', format: 'pkcs1' });
    expect(tokenKeyError(info).message).toBe(
      "it holds an RSA private key in PKCS#1 (BEGIN RSA PRIVATE KEY), not an APNs token key: Apple's AuthKey_KEYID.p8 keys are EC P-256 (ES256)",
    );
  });

  it('sideshow authkey-invalid-ecdsa: a PKCS#8 RSA key named .p8 is refused, not an EC P-256 token key', () => {
    const { info } = readTokenKey(corpus('sideshow-apns2__authkey-invalid-ecdsa.p8'), 'x.p8');
    expect(info).toMatchObject({ problem: 'not-ec', keyType: 'rsa', format: 'pkcs8' });
    expect(tokenKeyError(info).message).toMatch(/^it holds an RSA private key in PKCS#8/);
    expect(
      codeOf(() => openTokenKey(corpus('sideshow-apns2__authkey-invalid-ecdsa.p8'), 'x.p8')),
    ).toBe('WRONG_KIND');
  });

  it('no refusal quotes the file', () => {
    for (const name of [
      'sideshow-apns2__authkey-invalid.p8',
      'sideshow-apns2__authkey-invalid-pkcs8.p8',
      'sideshow-apns2__authkey-invalid-ecdsa.p8',
    ]) {
      const text = corpus(name).toString('latin1');
      const error = tokenKeyError(readTokenKey(corpus(name), name).info);
      for (const line of text.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
        expect(`${error.message} ${error.hint ?? ''}`, name).not.toContain(line.slice(0, 20));
      }
    }
  });
});

describe('token keys made here', () => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

  it('the base64 of an intact key without its PEM lines: refused, with the key it holds described', () => {
    const body = p256.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const { info } = readTokenKey(Buffer.from(`${body}\n`), 'AuthKey_ABC123DEFG.p8');
    expect(info).toMatchObject({ problem: 'no-pem-armour', curve: 'P-256', damaged: false });
    expect(info.publicKeySha256).toMatch(/^[0-9A-F]{64}$/);
    expect(tokenKeyError(info).hint).toMatch(/-----BEGIN PRIVATE KEY----- before the text/);
  });

  it('SEC 1 (BEGIN EC PRIVATE KEY) on P-256 is usable; P-384 is not', () => {
    const sec1 = p256.export({ type: 'sec1', format: 'pem' });
    expect(readTokenKey(Buffer.from(sec1), 'k.p8').info).toMatchObject({
      format: 'sec1',
      problem: null,
    });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const { info } = readTokenKey(
      Buffer.from(p384.export({ type: 'pkcs8', format: 'pem' })),
      'k.p8',
    );
    expect(info).toMatchObject({ problem: 'wrong-curve', curve: 'P-384' });
    expect(tokenKeyError(info).message).toMatch(/curve P-384, not P-256/);
  });

  it('an encrypted key is refused without asking for a passphrase', () => {
    const pem = p256.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    });
    const { info, key } = readTokenKey(Buffer.from(pem), 'k.p8');
    expect(key).toBeNull();
    expect(info).toMatchObject({ problem: 'encrypted', encrypted: true });
  });

  it('a certificate or text that is no key is "not a key"', () => {
    expect(readTokenKey(Buffer.from('hello, this is not a key at all'), 'k.p8').info.problem).toBe(
      'not-a-key',
    );
  });

  it("a lone EC P-256 key has a token key's shape; an RSA key has not", () => {
    const pem = Buffer.from(p256.export({ type: 'pkcs8', format: 'pem' }));
    expect(isTokenKeyShaped(readMaterial(pem, { passphrase: null }))).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rsaPem = Buffer.from(rsa.export({ type: 'pkcs8', format: 'pem' }));
    expect(isTokenKeyShaped(readMaterial(rsaPem, { passphrase: null }))).toBe(false);
  });

  it('openTokenKey hands push the key and its id', () => {
    const pem = Buffer.from(p256.export({ type: 'pkcs8', format: 'pem' }));
    const opened = openTokenKey(pem, 'AuthKey_ABC123DEFG.p8');
    expect(opened.keyId).toBe('ABC123DEFG');
    expect(opened.key.asymmetricKeyType).toBe('ec');
  });
});

/**
 * Which key belongs to which certificate: the comparison every command makes before it writes
 * a ck.pem or a .p12, or picks the leaf of a bundle. Asked again for the same key (as one run
 * does), it must give the same answers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyMatchesSpki, publicKeySpkiOf } from '../../src/core/pki/key-match.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = (key: typeof rsa.publicKey): Buffer => key.export({ type: 'spki', format: 'der' });

/**
 * The same RSA SubjectPublicKeyInfo without the NULL parameters of its AlgorithmIdentifier, as
 * some encoders write it: 30 82 LL LL | 30 0b 06 09 <rsaEncryption> | 03 82 …, lengths fixed.
 */
function withoutNullParameters(der: Buffer): Buffer {
  const algorithm = der.subarray(4, 4 + 15);
  expect(algorithm.toString('hex')).toBe('300d06092a864886f70d0101010500');
  const rest = der.subarray(4 + 15);
  const body = Buffer.concat([Buffer.from('300b06092a864886f70d010101', 'hex'), rest]);
  const header = Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([header, body]);
}

describe('keyMatchesSpki', () => {
  it('matches a private key with its own public key, RSA and EC', () => {
    expect(keyMatchesSpki(rsa.privateKey, spki(rsa.publicKey))).toBe(true);
    expect(keyMatchesSpki(ec.privateKey, spki(ec.publicKey))).toBe(true);
  });

  it('does not match another key, of the same type or another, however often it is asked', () => {
    for (let i = 0; i < 2; i++) {
      expect(keyMatchesSpki(rsa.privateKey, spki(otherRsa.publicKey))).toBe(false);
      expect(keyMatchesSpki(rsa.privateKey, spki(ec.publicKey))).toBe(false);
      expect(keyMatchesSpki(ec.privateKey, spki(rsa.publicKey))).toBe(false);
      expect(keyMatchesSpki(rsa.privateKey, spki(rsa.publicKey))).toBe(true);
    }
  });

  it('matches the same public key in another encoding (RSA parameters left out)', () => {
    const variant = withoutNullParameters(spki(rsa.publicKey));
    expect(variant.equals(spki(rsa.publicKey))).toBe(false);
    expect(keyMatchesSpki(rsa.privateKey, variant)).toBe(true);
    expect(keyMatchesSpki(otherRsa.privateKey, variant)).toBe(false);
  });

  it('answers false, without throwing, for bytes that are no public key', () => {
    expect(keyMatchesSpki(rsa.privateKey, Buffer.from('not a key'))).toBe(false);
    expect(keyMatchesSpki(rsa.privateKey, new Uint8Array(0))).toBe(false);
  });

  it('gives the public half of a private key as SPKI DER', () => {
    expect(publicKeySpkiOf(rsa.privateKey).equals(spki(rsa.publicKey))).toBe(true);
    expect(publicKeySpkiOf(ec.privateKey).equals(spki(ec.publicKey))).toBe(true);
  });
});

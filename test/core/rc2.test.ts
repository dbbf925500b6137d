/**
 * Our RC2-CBC decryption (core/pki/rc2.ts), which reads the certificate bag of every .p12 that
 * Keychain Access exports: against RFC 2268's own test vectors, the real openssl (its legacy
 * provider) for the key lengths openssl names, and node-forge's RC2 for other key lengths.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptRc2Cbc } from '../../src/core/pki/rc2.js';
import { hasOpenssl3, opensslOk, tempDir } from '../helpers/openssl.js';

const scratch = tempDir();
afterAll(() => scratch.remove());

/** PKCS#7 padding, as openssl adds it and as the caller of decryptRc2Cbc checks it. */
function padded(plain: Buffer): Buffer {
  const pad = 8 - (plain.length % 8);
  return Buffer.concat([plain, Buffer.alloc(pad, pad)]);
}

function forgeEncrypt(key: Buffer, iv: Buffer, plain: Buffer, bits: number): Buffer {
  const cipher = forge.rc2.createEncryptionCipher(key.toString('binary'), bits);
  cipher.start(iv.toString('binary'));
  cipher.update(forge.util.createBuffer(plain.toString('binary')));
  cipher.finish();
  return Buffer.from(cipher.output.getBytes(), 'binary');
}

describe('RC2-CBC decryption', () => {
  // RFC 2268 section 5: key, effective key bits, plaintext, ciphertext (one block: CBC with a
  // zero IV is the block cipher itself).
  it.each([
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    [
      '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e',
      129,
      '0000000000000000',
      '5b78d3a43dfff1f1',
    ],
  ])('RFC 2268: key %s, %i bits', (key, bits, plain, cipher) => {
    const decrypted = decryptRc2Cbc(
      Buffer.from(key, 'hex'),
      Buffer.alloc(8),
      Buffer.from(cipher, 'hex'),
      bits,
    );
    expect(decrypted.toString('hex')).toBe(plain);
  });

  it.skipIf(!hasOpenssl3)(
    "decrypts what openssl's -rc2-40-cbc, -rc2-64-cbc and -rc2-cbc encrypt, padding kept",
    async () => {
      for (const [cipher, keyLength] of [
        ['-rc2-40-cbc', 5],
        ['-rc2-64-cbc', 8],
        ['-rc2-cbc', 16],
      ] as const) {
        for (const size of [0, 1, 7, 8, 9, 1500]) {
          const key = randomBytes(keyLength);
          const iv = randomBytes(8);
          const plain = randomBytes(size);
          const input = scratch.path('plain.bin');
          const output = scratch.path('cipher.bin');
          writeFileSync(input, plain);
          await opensslOk([
            'enc',
            cipher,
            '-K',
            key.toString('hex'),
            '-iv',
            iv.toString('hex'),
            '-in',
            input,
            '-out',
            output,
            '-provider',
            'legacy',
            '-provider',
            'default',
          ]);
          const decrypted = decryptRc2Cbc(key, iv, readFileSync(output), keyLength * 8);
          expect(decrypted.equals(padded(plain)), `${cipher}, ${size} bytes`).toBe(true);
        }
      }
    },
  );

  // forge departs from RFC 2268 for an effective size that is not whole bytes (its key mask is
  // wrong there: the vectors above for 63 and 129 bits are where it differs), so it is the
  // reference for whole bytes only; PKCS#12 and PKCS#5 use 40, 64 and 128.
  it('matches node-forge for keys of 1 to 128 bytes, effective sizes in whole bytes', () => {
    for (const [keyLength, bits] of [
      [1, 8],
      [5, 40],
      [7, 64],
      [8, 64],
      [16, 128],
      [16, 136],
      [33, 8],
      [33, 264],
      [128, 1024],
      [128, 40],
    ] as const) {
      const key = randomBytes(keyLength);
      const iv = randomBytes(8);
      const plain = randomBytes(64 + keyLength);
      const encrypted = forgeEncrypt(key, iv, plain, bits);
      const decrypted = decryptRc2Cbc(key, iv, encrypted, bits);
      expect(decrypted.equals(padded(plain)), `${keyLength} bytes, ${bits} bits`).toBe(true);
    }
  });

  it('decrypts to something else with another key, IV or effective size', () => {
    const key = randomBytes(5);
    const iv = randomBytes(8);
    const plain = randomBytes(32);
    const encrypted = forgeEncrypt(key, iv, plain, 40);
    const other = Buffer.from(key);
    other[0]! ^= 1;
    expect(decryptRc2Cbc(other, iv, encrypted, 40).equals(padded(plain))).toBe(false);
    expect(decryptRc2Cbc(key, randomBytes(8), encrypted, 40).equals(padded(plain))).toBe(false);
    expect(decryptRc2Cbc(key, iv, encrypted, 64).equals(padded(plain))).toBe(false);
  });

  it('refuses what is not RC2-CBC: a key of 0 or 129 bytes, an IV not of 8, a partial block', () => {
    const iv = Buffer.alloc(8);
    expect(() => decryptRc2Cbc(Buffer.alloc(0), iv, Buffer.alloc(8), 40)).toThrow(RangeError);
    expect(() => decryptRc2Cbc(Buffer.alloc(129), iv, Buffer.alloc(8), 40)).toThrow(RangeError);
    expect(() => decryptRc2Cbc(Buffer.alloc(5), Buffer.alloc(7), Buffer.alloc(8), 40)).toThrow(
      RangeError,
    );
    expect(() => decryptRc2Cbc(Buffer.alloc(5), iv, Buffer.alloc(12), 40)).toThrow(RangeError);
    expect(() => decryptRc2Cbc(Buffer.alloc(5), iv, Buffer.alloc(8), 0)).toThrow(RangeError);
  });
});

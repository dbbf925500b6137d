/**
 * Password-based decryption: the plaintext back with the right passphrase, null with a wrong
 * one, for ciphertexts of one block and of several (the last block is checked on its own
 * first, from the block before it or, for a single block, from the IV).
 */
import { createCipheriv, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PbeAlgorithm } from '../../src/core/pki/pbe-algorithm.js';
import { decryptPbe } from '../../src/core/pki/pbe-decrypt.js';
import { pkcs12Kdf } from '../../src/core/pki/pkcs12-kdf.js';

const salt = Buffer.from('0011223344556677', 'hex');
const lengths = [0, 1, 7, 8, 9, 23, 100];
const plaintext = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7) & 0xff));

describe('decryptPbe', () => {
  it.each(lengths)('opens PKCS#12 3DES of %i bytes with its passphrase only', (length) => {
    const algorithm: PbeAlgorithm = {
      scheme: 'pkcs12',
      name: 'pbeWithSHAAnd3-KeyTripleDES-CBC',
      cipher: '3des',
      salt,
      iterations: 3,
    };
    const key = pkcs12Kdf('right', salt, 1, 3, 24);
    const iv = pkcs12Kdf('right', salt, 2, 3, 8);
    const cipher = createCipheriv('des-ede3-cbc', key, iv);
    const data = Buffer.concat([cipher.update(plaintext(length)), cipher.final()]);
    expect(decryptPbe(algorithm, data, 'right')).toEqual(plaintext(length));
    expect(decryptPbe(algorithm, data, 'wrong')).toBeNull();
  });

  it.each(lengths)('opens PBES2 AES-256 of %i bytes with its passphrase only', (length) => {
    const iv = Buffer.alloc(16, 0x42);
    const algorithm: PbeAlgorithm = {
      scheme: 'pbes2',
      name: 'PBES2',
      prf: 'sha256',
      cipher: 'aes-256-cbc',
      salt,
      iterations: 3,
      keyLength: null,
      iv,
    };
    const key = pbkdf2Sync(Buffer.from('right'), salt, 3, 32, 'sha256');
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    const data = Buffer.concat([cipher.update(plaintext(length)), cipher.final()]);
    expect(decryptPbe(algorithm, data, 'right')).toEqual(plaintext(length));
    expect(decryptPbe(algorithm, data, 'wrong')).toBeNull();
  });
});

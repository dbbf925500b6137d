/**
 * Password-based decryption, for the safes and shrouded keys of a .p12 and for encrypted PKCS#8
 * keys: the PKCS#12 PBEs (RFC 7292 appendix C), PBES1 and PBES2 (RFC 8018), with Node's ciphers,
 * our own RC2 (rc2.ts) and forge's single DES: Node's OpenSSL 3 keeps those two in its legacy
 * provider.
 * A wrong passphrase shows as bad padding: decryptPbe returns null, never garbage. Ciphertext
 * that no passphrase could decrypt (empty, or not whole cipher blocks) is damage, not a wrong
 * passphrase.
 */
import { createDecipheriv } from 'node:crypto';
import { InputError } from '../errors.js';
import { decryptDesCbc } from './forge.js';
import type { PbeAlgorithm } from './pbe-algorithm.js';
import { KeyDerivations, type Pkcs12KdfRequest } from './pkcs12-kdf.js';
import { decryptRc2Cbc } from './rc2.js';

const NODE_CBC: Record<string, { key: number; block: number }> = {
  'aes-128-cbc': { key: 16, block: 16 },
  'aes-192-cbc': { key: 24, block: 16 },
  'aes-256-cbc': { key: 32, block: 16 },
  'des-ede3-cbc': { key: 24, block: 8 },
  'des-ede-cbc': { key: 16, block: 8 },
};

/** Key bytes per PKCS#12 PBE cipher we decrypt (RFC 7292 appendix C). */
const PKCS12_KEY_SIZES: Record<string, number> = {
  '3des': 24,
  '2des': 16,
  'rc2-40': 5,
  'rc2-128': 16,
};

/**
 * The PKCS#12 KDF derivations decryptPbe makes for `algorithm` with `password`, IV then key:
 * none for PBES1 and PBES2, or for a cipher it does not decrypt.
 */
export function pkcs12DerivationsOf(
  algorithm: PbeAlgorithm,
  password: string | null,
): Pkcs12KdfRequest[] {
  if (algorithm.scheme !== 'pkcs12') return [];
  const size = PKCS12_KEY_SIZES[algorithm.cipher];
  if (size === undefined) return [];
  const { salt, iterations } = algorithm;
  return [
    { password, salt, id: 2, iterations, size: 8 },
    { password, salt, id: 1, iterations, size },
  ];
}

/** Whether decryptPbe can handle `algorithm` (RC4 and MD2 are the ones we leave out). */
export function canDecryptPbe(algorithm: PbeAlgorithm): boolean {
  switch (algorithm.scheme) {
    case 'pkcs12':
      return !algorithm.cipher.startsWith('rc4');
    case 'pbes1':
      return algorithm.hash !== 'md2';
    case 'pbes2':
      return algorithm.cipher in NODE_CBC || algorithm.cipher === 'des-cbc';
    default:
      return false;
  }
}

/**
 * Decrypts password-based-encrypted data (a PKCS#12 safe or an EncryptedPrivateKeyInfo).
 * Returns null when the padding is wrong: the passphrase does not fit. PBES1/PBES2 take the
 * passphrase as UTF-8 bytes, the PKCS#12 PBEs as a BMPString — as OpenSSL does.
 */
export function decryptPbe(
  algorithm: PbeAlgorithm,
  data: Uint8Array,
  password: string | null,
  derivations: KeyDerivations = new KeyDerivations(),
): Buffer | null {
  const utf8 = Buffer.from(password ?? '', 'utf8');
  switch (algorithm.scheme) {
    case 'pkcs12': {
      const { cipher } = algorithm;
      requireWholeBlocks(data, 8);
      const requests = pkcs12DerivationsOf(algorithm, password);
      if (requests.length === 0) throw unsupportedInternally(algorithm);
      const [iv, key] = derivations.pkcs12Each(requests) as [Buffer, Buffer];
      if (cipher === '3des' || cipher === '2des') {
        const name = cipher === '3des' ? 'des-ede3-cbc' : 'des-ede-cbc';
        return decryptCbc((from, bytes) => nodeDecrypt(name, key, from, bytes), iv, data, 8);
      }
      return decryptCbc(
        (from, bytes) => decryptRc2Cbc(key, from, bytes, key.length * 8),
        iv,
        data,
        8,
      );
    }
    case 'pbes1': {
      if (algorithm.hash === 'md2') throw unsupportedInternally(algorithm);
      requireWholeBlocks(data, 8);
      // PBKDF1 (RFC 8018 §5.1): T = H^c(P || S); key = T[0..8], IV = T[8..16].
      const t = derivations.pbkdf1(algorithm.hash, utf8, algorithm.salt, algorithm.iterations);
      const key = t.subarray(0, 8);
      const decrypt: CbcDecrypt =
        algorithm.cipher === 'des'
          ? (from, bytes) => decryptDesCbc(key, from, bytes)
          : (from, bytes) => decryptRc2Cbc(key, from, bytes, 64);
      return decryptCbc(decrypt, t.subarray(8, 16), data, 8);
    }
    case 'pbes2': {
      const node = NODE_CBC[algorithm.cipher];
      if (!node && algorithm.cipher !== 'des-cbc') throw unsupportedInternally(algorithm);
      // parsePbeAlgorithm refused a keyLength that is not the cipher's.
      const block = node?.block ?? 8;
      requireWholeBlocks(data, block);
      if (algorithm.iv.length !== block) return null;
      const key = derivations.pbkdf2(
        utf8,
        algorithm.salt,
        algorithm.iterations,
        node?.key ?? 8,
        algorithm.prf,
      );
      const decrypt: CbcDecrypt = node
        ? (from, bytes) => nodeDecrypt(algorithm.cipher, key, from, bytes)
        : (from, bytes) => decryptDesCbc(key, from, bytes);
      return decryptCbc(decrypt, algorithm.iv, data, block);
    }
    default:
      throw unsupportedInternally(algorithm);
  }
}

/** CBC decryption of `bytes` from the IV `from`, padding left on. */
type CbcDecrypt = (from: Uint8Array, bytes: Uint8Array) => Buffer;

/**
 * Decrypts `data` and strips its padding; null when the padding is wrong. The last block is
 * decrypted first, on its own (CBC: from the block before it): most wrong keys show there, and
 * a wrong passphrase then costs one block, not a whole safe in our JavaScript RC2.
 */
function decryptCbc(
  decrypt: CbcDecrypt,
  iv: Uint8Array,
  data: Uint8Array,
  block: number,
): Buffer | null {
  const last = data.subarray(data.length - block);
  const before = data.length > block ? data.subarray(data.length - 2 * block, -block) : iv;
  if (stripPadding(decrypt(before, last), block) === null) return null;
  return stripPadding(decrypt(iv, data), block);
}

function requireWholeBlocks(data: Uint8Array, block: number): void {
  if (data.length > 0 && data.length % block === 0) return;
  throw new InputError(
    'CORRUPT_FILE',
    data.length === 0
      ? 'its encrypted content is empty'
      : `its encrypted content is ${data.length} bytes long, not a whole number of ${block}-byte cipher blocks`,
    {
      hint: 'The file is damaged or cut short: export it again. The passphrase is not the problem.',
    },
  );
}

function nodeDecrypt(name: string, key: Buffer, iv: Uint8Array, data: Uint8Array): Buffer {
  const decipher = createDecipheriv(name, key, iv).setAutoPadding(false);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** PKCS#7 padding (RFC 5652 §6.3); a wrong key leaves a valid pad only by chance. */
function stripPadding(plain: Buffer, block: number): Buffer | null {
  const pad = plain[plain.length - 1];
  if (pad === undefined || pad < 1 || pad > block || pad > plain.length) return null;
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) return null;
  return plain.subarray(0, plain.length - pad);
}

function unsupportedInternally(algorithm: PbeAlgorithm): Error {
  return new Error(`decryptPbe: ${algorithm.name} is not supported; check canDecryptPbe first`);
}

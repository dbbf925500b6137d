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
import { KeyDerivations } from './pkcs12-kdf.js';
import { decryptRc2Cbc } from './rc2.js';

const NODE_CBC: Record<string, { key: number; block: number }> = {
  'aes-128-cbc': { key: 16, block: 16 },
  'aes-192-cbc': { key: 24, block: 16 },
  'aes-256-cbc': { key: 32, block: 16 },
  'des-ede3-cbc': { key: 24, block: 8 },
  'des-ede-cbc': { key: 16, block: 8 },
};

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
  let plain: Buffer;
  let block = 8;
  switch (algorithm.scheme) {
    case 'pkcs12': {
      const { salt, iterations, cipher } = algorithm;
      requireWholeBlocks(data, block);
      const iv = derivations.pkcs12(password, salt, 2, iterations, 8);
      if (cipher === '3des' || cipher === '2des') {
        const name = cipher === '3des' ? 'des-ede3-cbc' : 'des-ede-cbc';
        const key = derivations.pkcs12(password, salt, 1, iterations, NODE_CBC[name]!.key);
        plain = nodeDecrypt(name, key, iv, data);
      } else if (cipher === 'rc2-40' || cipher === 'rc2-128') {
        const bits = cipher === 'rc2-40' ? 40 : 128;
        const key = derivations.pkcs12(password, salt, 1, iterations, bits / 8);
        plain = decryptRc2Cbc(key, iv, data, bits);
      } else {
        throw unsupportedInternally(algorithm);
      }
      break;
    }
    case 'pbes1': {
      if (algorithm.hash === 'md2') throw unsupportedInternally(algorithm);
      requireWholeBlocks(data, block);
      // PBKDF1 (RFC 8018 §5.1): T = H^c(P || S); key = T[0..8], IV = T[8..16].
      const t = derivations.pbkdf1(algorithm.hash, utf8, algorithm.salt, algorithm.iterations);
      plain =
        algorithm.cipher === 'des'
          ? decryptDesCbc(t.subarray(0, 8), t.subarray(8, 16), data)
          : decryptRc2Cbc(t.subarray(0, 8), t.subarray(8, 16), data, 64);
      break;
    }
    case 'pbes2': {
      const node = NODE_CBC[algorithm.cipher];
      // parsePbeAlgorithm refused a keyLength that is not the cipher's.
      const keyLength = node?.key ?? 8;
      block = node?.block ?? 8;
      requireWholeBlocks(data, block);
      if (algorithm.iv.length !== block) return null;
      const key = derivations.pbkdf2(
        utf8,
        algorithm.salt,
        algorithm.iterations,
        keyLength,
        algorithm.prf,
      );
      if (node) plain = nodeDecrypt(algorithm.cipher, key, algorithm.iv, data);
      else if (algorithm.cipher === 'des-cbc') plain = decryptDesCbc(key, algorithm.iv, data);
      else throw unsupportedInternally(algorithm);
      break;
    }
    default:
      throw unsupportedInternally(algorithm);
  }
  return stripPadding(plain, block);
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

function nodeDecrypt(name: string, key: Buffer, iv: Buffer, data: Uint8Array): Buffer {
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

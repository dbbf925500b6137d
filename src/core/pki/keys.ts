/**
 * Private keys: make them, say what a PEM key block is, open it (encrypted or not, old or new
 * formats), and write the forms the classic guides name: encrypted PKCS#8 (`key.pem`),
 * unencrypted PKCS#1 (`key.unencrypted.pem`, from `openssl rsa -in key.pem -out …`) and
 * unencrypted PKCS#8.
 *
 * Node's createPrivateKey opens almost everything. It cannot open what OpenSSL 3 keeps in its
 * legacy provider — `Proc-Type` keys under DES-CBC (`openssl rsa -des`) and PKCS#8 under
 * pbeWithMD5AndDES-CBC (`openssl pkcs8 -topk8` of OpenSSL 0.9/1.0) — so those are decrypted
 * here (forge for the legacy PEM scheme, pbe-decrypt.ts for PKCS#8) and handed to
 * Node.
 */
import { type KeyObject, createPrivateKey, generateKeyPair } from 'node:crypto';
import { InputError } from '../errors.js';
import { TAG, childrenOf, contentOf, encodingOf, readTlv } from './der.js';
import { forgePassphrase, loadForge, type Forge } from './forge.js';
import { isConsistentPrivateKey } from './key-consistency.js';
import type { PemBlock } from './pem.js';
import { canDecryptPbe, decryptPbe } from './pbe-decrypt.js';
import { parsePbeAlgorithm } from './pbe-algorithm.js';

/**
 * Apple's portal expects a 2048-bit RSA key in a push certificate CSR (what Keychain Access
 * makes); 3072 and 4096 are offered for other uses and may be refused by Apple.
 */
export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;

export type RsaKeySize = (typeof RSA_KEY_SIZES)[number];

export function generateRsaKey(bits: number = 2048): Promise<KeyObject> {
  if (!RSA_KEY_SIZES.includes(bits as RsaKeySize)) {
    return Promise.reject(
      new InputError('USAGE', `an RSA key of ${bits} bits is not offered`, {
        hint: 'Use --key-size 2048 (what Apple expects for push certificates), 3072 or 4096.',
      }),
    );
  }
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, (error, _pub, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export type PrivateKeyFormat = 'pkcs1' | 'pkcs1-encrypted' | 'pkcs8' | 'pkcs8-encrypted' | 'ec';

export interface PrivateKeyBlockInfo {
  format: PrivateKeyFormat;
  encrypted: boolean;
  /** How it is encrypted: the DEK-Info cipher ('DES-EDE3-CBC') or the PKCS#8 PBE scheme. */
  algorithm?: string;
}

/** The cipher of an RFC 1421 `Proc-Type: 4,ENCRYPTED` block, or null if it is not one. */
function legacyCipher(block: PemBlock): string | null {
  const procType = block.headers['Proc-Type'];
  if (!procType || !/ENCRYPTED/i.test(procType)) return null;
  return (block.headers['DEK-Info'] ?? '').split(',')[0]!.trim().toUpperCase() || 'unknown';
}

function malformed(detail: string, cause?: unknown): InputError {
  return new InputError('CORRUPT_FILE', `the private key is damaged: ${detail}`, {
    hint: 'Use an intact copy of the key (from the folder where the CSR was made, or export it again).',
    cause,
  });
}

/** EncryptedPrivateKeyInfo (RFC 5958 §3): the AlgorithmIdentifier DER and the ciphertext. */
function encryptedPkcs8Parts(block: PemBlock): { algorithm: Buffer; data: Buffer } {
  const root = readTlv(block.der, 0, { ber: true });
  const [algorithm, data] = root.tag === TAG.SEQUENCE ? childrenOf(block.der, root) : [];
  if (algorithm?.tag !== TAG.SEQUENCE || data?.tag !== TAG.OCTET_STRING) {
    throw malformed('its ENCRYPTED PRIVATE KEY block is not an EncryptedPrivateKeyInfo');
  }
  return { algorithm: encodingOf(block.der, algorithm), data: contentOf(block.der, data) };
}

/** Says what a PEM key block is, without a passphrase. */
export function describePrivateKeyBlock(block: PemBlock): PrivateKeyBlockInfo {
  const cipher = legacyCipher(block);
  switch (block.label) {
    case 'RSA PRIVATE KEY':
      return cipher
        ? { format: 'pkcs1-encrypted', encrypted: true, algorithm: cipher }
        : { format: 'pkcs1', encrypted: false };
    case 'EC PRIVATE KEY':
      return cipher
        ? { format: 'ec', encrypted: true, algorithm: cipher }
        : { format: 'ec', encrypted: false };
    case 'PRIVATE KEY':
      return { format: 'pkcs8', encrypted: false };
    case 'ENCRYPTED PRIVATE KEY': {
      const { algorithm } = encryptedPkcs8Parts(block);
      return {
        format: 'pkcs8-encrypted',
        encrypted: true,
        algorithm: parsePbeAlgorithm(algorithm).name,
      };
    }
    default:
      throw new InputError('WRONG_KIND', `a "${block.label}" block is not a private key`, {
        hint: 'Pass the private key file (BEGIN PRIVATE KEY, ENCRYPTED PRIVATE KEY or RSA PRIVATE KEY).',
      });
  }
}

function passphraseRequired(): InputError {
  return new InputError('PASSPHRASE_REQUIRED', 'the private key is encrypted with a passphrase', {
    hint: 'Give the passphrase with --passphrase-file FILE or the APNS_SETUP_PASSPHRASE environment variable (or run the command in a terminal to be asked).',
  });
}

/** An empty passphrase that fails means none was given: ask for one rather than say "wrong". */
function doesNotOpen(passphrase: string): InputError {
  if (passphrase === '') return passphraseRequired();
  return new InputError('WRONG_PASSPHRASE', 'the passphrase does not open this key', {
    hint: 'Use the passphrase chosen when the key was made (apns-setup csr, or `openssl … -aes256`); passphrases are case-sensitive.',
  });
}

function unsupportedEncryption(algorithm: string): InputError {
  return new InputError(
    'UNSUPPORTED_ENCRYPTION',
    `the private key is encrypted with ${algorithm}, which apns-setup cannot decrypt`,
    {
      hint: 'Re-encrypt it with OpenSSL: `openssl pkcs8 -topk8 -v2 aes-256-cbc -provider legacy -provider default -in key.pem -out key-aes.pem`.',
    },
  );
}

/**
 * What Node's createPrivateKey failure means. Node sets OpenSSL's reason as `code`:
 * BAD_DECRYPT is a padding failure (wrong passphrase); EVP_UNSUPPORTED a cipher only the legacy
 * provider has; a DECODER failure on an encrypted key is a wrong passphrase whose garbage
 * happened to pad correctly (about 1 in 256).
 */
function classifyNodeError(
  error: unknown,
): 'bad-decrypt' | 'legacy-cipher' | 'undecodable' | 'other' {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_OSSL_BAD_DECRYPT':
    case 'ERR_OSSL_EVP_BAD_DECRYPT':
      return 'bad-decrypt';
    case 'ERR_OSSL_EVP_UNSUPPORTED':
      return 'legacy-cipher';
    case 'ERR_OSSL_UNSUPPORTED':
    case 'ERR_OSSL_ASN1_HEADER_TOO_LONG':
    case 'ERR_OSSL_ASN1_WRONG_TAG':
    case 'ERR_OSSL_ASN1_NOT_ENOUGH_DATA':
      return 'undecodable';
    default:
      return 'other';
  }
}

const PLAIN_TYPE: Record<string, 'pkcs1' | 'pkcs8' | 'sec1'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

/**
 * Opens a PEM private key. A plain key ignores `passphrase`; an encrypted one needs it
 * (PASSPHRASE_REQUIRED when null, WRONG_PASSPHRASE when it does not fit).
 */
export function openPrivateKey(block: PemBlock, passphrase: string | null): KeyObject {
  const key = decodePrivateKey(block, passphrase);
  if (!isConsistentPrivateKey(key)) {
    throw malformed('its parts do not fit together');
  }
  return key;
}

function decodePrivateKey(block: PemBlock, passphrase: string | null): KeyObject {
  const info = describePrivateKeyBlock(block);
  if (!info.encrypted) {
    try {
      return createPrivateKey({ key: block.der, format: 'der', type: PLAIN_TYPE[block.label]! });
    } catch (cause) {
      throw malformed(`OpenSSL cannot decode its ${block.label} block`, cause);
    }
  }
  if (passphrase === null) throw passphraseRequired();
  try {
    return createPrivateKey({ key: block.text, format: 'pem', passphrase });
  } catch (error) {
    const kind = classifyNodeError(error);
    if (kind === 'bad-decrypt') throw doesNotOpen(passphrase);
    // Our own PBE code gives a definite answer for PKCS#8, whatever Node's reason was.
    if (info.format === 'pkcs8-encrypted') return openEncryptedPkcs8(block, passphrase);
    if (kind === 'undecodable') throw doesNotOpen(passphrase);
    if (kind === 'legacy-cipher' && info.format === 'pkcs1-encrypted') {
      return openLegacyPkcs1(block, info.algorithm!, passphrase);
    }
    if (kind === 'legacy-cipher')
      throw unsupportedEncryption(info.algorithm ?? 'an unknown cipher');
    throw malformed('OpenSSL cannot read it', error);
  }
}

function openEncryptedPkcs8(block: PemBlock, passphrase: string): KeyObject {
  const { algorithm, data } = encryptedPkcs8Parts(block);
  const pbe = parsePbeAlgorithm(algorithm);
  if (!canDecryptPbe(pbe)) throw unsupportedEncryption(pbe.name);
  const plain = decryptPbe(pbe, data, passphrase);
  if (!plain) throw doesNotOpen(passphrase);
  try {
    return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  } catch {
    // The padding fitted by chance and the result is not a key: still the wrong passphrase.
    throw doesNotOpen(passphrase);
  }
}

/** The RFC 1421 ciphers forge's decryptRsaPrivateKey implements. */
const FORGE_PEM_CIPHERS = new Set([
  'DES-CBC',
  'DES-EDE3-CBC',
  'AES-128-CBC',
  'AES-192-CBC',
  'AES-256-CBC',
  'RC2-40-CBC',
  'RC2-64-CBC',
  'RC2-128-CBC',
]);

function openLegacyPkcs1(block: PemBlock, cipher: string, passphrase: string): KeyObject {
  if (!FORGE_PEM_CIPHERS.has(cipher)) throw unsupportedEncryption(cipher);
  const forge = loadForge();
  let rsa: ReturnType<typeof Forge.pki.decryptRsaPrivateKey> | null;
  try {
    // OpenSSL's EVP_BytesToKey derivation over the passphrase's UTF-8 bytes; null = bad padding.
    rsa = forge.pki.decryptRsaPrivateKey(block.text, forgePassphrase(passphrase));
  } catch {
    // The padding fitted by chance and the "key" is not DER: still the wrong passphrase.
    throw doesNotOpen(passphrase);
  }
  if (!rsa) throw doesNotOpen(passphrase);
  return createPrivateKey(forge.pki.privateKeyToPem(rsa));
}

function requireRsa(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      `${what} holds only RSA keys; this is an ${key.asymmetricKeyType ?? 'unknown'} key`,
      {
        hint: 'Write the key as PKCS#8 (BEGIN PRIVATE KEY) instead.',
      },
    );
  }
}

/** `ENCRYPTED PRIVATE KEY`, PBES2 with AES-256-CBC: what `openssl pkcs8 -topk8 -v2 aes-256-cbc` makes. */
export function exportEncryptedPkcs8Pem(key: KeyObject, passphrase: string): string {
  if (passphrase === '') {
    throw new InputError('USAGE', 'an empty passphrase would leave the key unprotected', {
      hint: 'Choose a passphrase, or write the key unencrypted explicitly (--insecure).',
    });
  }
  return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

/** `RSA PRIVATE KEY`, unencrypted: what the classic guide's `openssl rsa -in key.pem -out key.unencrypted.pem` produced. */
export function exportPkcs1Pem(key: KeyObject): string {
  requireRsa(key, 'PKCS#1 (BEGIN RSA PRIVATE KEY)');
  return key.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** `PRIVATE KEY`, unencrypted PKCS#8. */
export function exportPkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

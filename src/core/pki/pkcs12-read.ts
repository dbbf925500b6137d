/**
 * Opens a PKCS#12 file from any producer: Keychain Access (RC2-40 certificates, 3DES key, SHA-1
 * MAC, often iteration 1 and the "null" empty password), OpenSSL 1.x, OpenSSL 3 (PBES2/AES-256,
 * SHA-256 MAC), Java (EC keys, many bags), key-only and certificate-only files.
 *
 * We walk the DER ourselves (pkcs12-pfx.ts) and decrypt with Node's ciphers, falling back
 * to forge only for RC2 and single DES, which Node's OpenSSL 3 keeps in its legacy provider.
 * That keeps the exact certificate bytes (forge re-encodes them and cannot parse EC
 * certificates), hands every key to Node as PKCS#8 (forge reads only RSA), and tells a wrong
 * passphrase (MAC mismatch, bad padding) from a damaged file without matching error messages.
 */
import {
  type KeyObject,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  pbkdf2Sync,
  timingSafeEqual,
} from 'node:crypto';
import { InputError, isApnsSetupError } from '../errors.js';
import { TAG, childrenOf, contentOf, encodingOf, readTlv } from './der.js';
import { decryptLegacyCbc } from './forge.js';
import { type PbeAlgorithm, checkIterationCount, parsePbeAlgorithm } from './pbe-algorithm.js';
import { type Pkcs12Structure, describePfx } from './pkcs12-consumers.js';
import {
  type RawBag,
  type RawMac,
  type RawPfx,
  parsePfx,
  parseSafeContents,
} from './pkcs12-pfx.js';

export interface Pkcs12BagAttributes {
  /** The name Keychain Access shows (PKCS#9 friendlyName). */
  friendlyName: string | null;
  /** Pairs a key with its certificate (PKCS#9 localKeyId). */
  localKeyId: Buffer | null;
}

/**
 * How the file protects a key: a shrouded bag (encrypted on its own), a plain keyBag inside an
 * encrypted safe, or nothing (a plain keyBag in a plain safe, as `-keypbe NONE` writes).
 */
export type Pkcs12KeyProtection = 'shrouded' | 'encrypted-safe' | 'none';

export interface Pkcs12Contents {
  /** Certificate DER, in bag order. */
  certificates: Buffer[];
  certificateAttributes: Pkcs12BagAttributes[];
  /** Private keys, in bag order. */
  keys: KeyObject[];
  keyAttributes: Pkcs12BagAttributes[];
  /** Per key, in the order of `keys`. */
  keyProtection: Pkcs12KeyProtection[];
  structure: Pkcs12Structure;
  /** 'empty' when the file opened without a passphrase (either empty-password convention). */
  passphraseUsed: 'given' | 'empty';
}

const HASH_SIZES: Record<string, { output: number; block: number }> = {
  md5: { output: 16, block: 64 },
  sha1: { output: 20, block: 64 },
  sha224: { output: 28, block: 64 },
  sha256: { output: 32, block: 64 },
  sha384: { output: 48, block: 128 },
  sha512: { output: 64, block: 128 },
};

function repeatTo(bytes: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length]!;
  return out;
}

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2). The password is a BMPString with a
 * two-byte terminator; `null` is the empty byte string — the two "no password" conventions
 * (OpenSSL's `pass:` uses the first, Keychain's MAC with iteration 1 the second).
 */
export function pkcs12Kdf(
  password: string | null,
  salt: Uint8Array,
  id: 1 | 2 | 3,
  iterations: number,
  size: number,
  hash = 'sha1',
): Buffer {
  const sizes = HASH_SIZES[hash];
  if (!sizes) throw new Error(`pkcs12Kdf: unsupported hash ${hash}`);
  // Parsing already refused such counts; this keeps any other caller from a days-long loop.
  checkIterationCount(iterations, 'key derivation iteration');
  const v = sizes.block;
  const pass =
    password === null
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([
    repeatTo(salt, v * Math.ceil(salt.length / v)),
    repeatTo(pass, v * Math.ceil(pass.length / v)),
  ]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < size; produced += sizes.output) {
    let a = createHash(hash).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    out.push(a);
    const b = repeatTo(a, v);
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + b[k]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

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
): Buffer | null {
  const utf8 = Buffer.from(password ?? '', 'utf8');
  let plain: Buffer;
  let block = 8;
  switch (algorithm.scheme) {
    case 'pkcs12': {
      const { salt, iterations, cipher } = algorithm;
      const iv = pkcs12Kdf(password, salt, 2, iterations, 8);
      if (data.length === 0 || data.length % block !== 0) return null;
      if (cipher === '3des' || cipher === '2des') {
        const name = cipher === '3des' ? 'des-ede3-cbc' : 'des-ede-cbc';
        const key = pkcs12Kdf(password, salt, 1, iterations, NODE_CBC[name]!.key);
        plain = nodeDecrypt(name, key, iv, data);
      } else if (cipher === 'rc2-40' || cipher === 'rc2-128') {
        const bits = cipher === 'rc2-40' ? 40 : 128;
        const key = pkcs12Kdf(password, salt, 1, iterations, bits / 8);
        plain = decryptLegacyCbc('rc2', key, iv, data, bits);
      } else {
        throw unsupportedInternally(algorithm);
      }
      break;
    }
    case 'pbes1': {
      if (algorithm.hash === 'md2') throw unsupportedInternally(algorithm);
      checkIterationCount(algorithm.iterations, 'PBE iteration');
      // PBKDF1 (RFC 8018 §5.1): T = H^c(P || S); key = T[0..8], IV = T[8..16].
      let t = createHash(algorithm.hash).update(utf8).update(algorithm.salt).digest();
      for (let r = 1; r < algorithm.iterations; r++)
        t = createHash(algorithm.hash).update(t).digest();
      if (data.length === 0 || data.length % block !== 0) return null;
      plain =
        algorithm.cipher === 'des'
          ? decryptLegacyCbc('des', t.subarray(0, 8), t.subarray(8, 16), data)
          : decryptLegacyCbc('rc2', t.subarray(0, 8), t.subarray(8, 16), data, 64);
      break;
    }
    case 'pbes2': {
      const node = NODE_CBC[algorithm.cipher];
      // parsePbeAlgorithm refused a keyLength that is not the cipher's.
      const keyLength = node?.key ?? 8;
      const iterations = checkIterationCount(algorithm.iterations, 'PBKDF2 iteration');
      const key = pbkdf2Sync(utf8, algorithm.salt, iterations, keyLength, algorithm.prf);
      block = node?.block ?? 8;
      if (data.length === 0 || data.length % block !== 0 || algorithm.iv.length !== block)
        return null;
      if (node) plain = nodeDecrypt(algorithm.cipher, key, algorithm.iv, data);
      else if (algorithm.cipher === 'des-cbc')
        plain = decryptLegacyCbc('des', key, algorithm.iv, data);
      else throw unsupportedInternally(algorithm);
      break;
    }
    default:
      throw unsupportedInternally(algorithm);
  }
  return stripPadding(plain, block);
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

function unsupportedEncryption(what: string): InputError {
  return new InputError(
    'UNSUPPORTED_ENCRYPTION',
    `it is protected with ${what}, which apns-setup cannot decrypt`,
    {
      hint:
        'Convert it with OpenSSL first: `openssl pkcs12 -legacy -in FILE.p12 -nodes -out all.pem`, ' +
        'then `openssl pkcs12 -export -in all.pem -out converted.p12`.',
    },
  );
}

/** The MAC check (RFC 7292 §5): HMAC over the AuthenticatedSafe with a PKCS#12-derived key. */
function macMatches(mac: RawMac, authSafe: Buffer, password: string | null): boolean {
  const hash = mac.hash!;
  const key = pkcs12Kdf(password, mac.salt, 3, mac.iterations, HASH_SIZES[hash]!.output, hash);
  const actual = createHmac(hash, key).update(authSafe).digest();
  return actual.length === mac.digest.length && timingSafeEqual(actual, mac.digest);
}

function requireSupported(pfx: RawPfx): void {
  if (pfx.mac && (!pfx.mac.hash || !HASH_SIZES[pfx.mac.hash])) {
    throw unsupportedEncryption(`a ${pfx.mac.algorithm} integrity check (MAC)`);
  }
  for (const safe of pfx.safes) {
    if (safe.kind === 'other') {
      throw new InputError(
        'UNSUPPORTED_FORMAT',
        'part of it is encrypted to a public key (PKCS#7 envelopedData), not with a passphrase',
        {
          hint: 'Export it again with a passphrase (Keychain Access, or `openssl pkcs12 -export`).',
        },
      );
    }
    if (safe.kind === 'encrypted' && !canDecryptPbe(safe.algorithm))
      throw unsupportedEncryption(safe.algorithm.name);
    if (safe.kind === 'data') for (const bag of safe.bags) requireSupportedBag(bag);
  }
}

function requireSupportedBag(bag: RawBag): void {
  if (bag.algorithm && !canDecryptPbe(bag.algorithm))
    throw unsupportedEncryption(bag.algorithm.name);
}

/** Garbage from a wrong key that happened to pad correctly shows up as undecodable DER. */
function isCorrupt(error: unknown): boolean {
  return isApnsSetupError(error) && error.code === 'CORRUPT_FILE';
}

type Opened = Omit<Pkcs12Contents, 'structure' | 'passphraseUsed'>;

function openSafes(pfx: RawPfx, password: string | null): Opened | null {
  const opened: Opened = {
    certificates: [],
    certificateAttributes: [],
    keys: [],
    keyAttributes: [],
    keyProtection: [],
  };
  for (const safe of pfx.safes) {
    let bags: RawBag[];
    if (safe.kind === 'data') {
      bags = safe.bags;
    } else if (safe.kind === 'encrypted') {
      const plain = decryptPbe(safe.algorithm, safe.ciphertext, password);
      if (!plain) return null;
      try {
        bags = parseSafeContents(plain);
      } catch (error) {
        if (isCorrupt(error)) return null;
        throw error;
      }
    } else {
      continue;
    }
    for (const bag of bags) {
      const attributes = { friendlyName: bag.friendlyName, localKeyId: bag.localKeyId };
      if (bag.kind === 'certificate') {
        opened.certificates.push(bag.value);
        opened.certificateAttributes.push(attributes);
      } else if (bag.kind === 'key' || bag.kind === 'shrouded-key') {
        const key = bag.kind === 'key' ? keyFromPkcs8(bag.value) : openShroudedKey(bag, password);
        if (!key) return null;
        opened.keys.push(key);
        opened.keyAttributes.push(attributes);
        opened.keyProtection.push(
          bag.kind === 'shrouded-key'
            ? 'shrouded'
            : safe.kind === 'encrypted'
              ? 'encrypted-safe'
              : 'none',
        );
      }
    }
  }
  return opened;
}

function openShroudedKey(bag: RawBag, password: string | null): KeyObject | null {
  requireSupportedBag(bag);
  const info = decryptEncryptedPrivateKeyInfo(bag.value, password);
  if (!info) return null;
  try {
    return keyFromPkcs8(info);
  } catch (error) {
    if (isCorrupt(error)) return null;
    throw error;
  }
}

/**
 * Decrypts an EncryptedPrivateKeyInfo (RFC 5958) to PrivateKeyInfo DER; null when the
 * passphrase does not fit. Throws UNSUPPORTED_ENCRYPTION for a scheme we cannot decrypt.
 */
function decryptEncryptedPrivateKeyInfo(der: Uint8Array, password: string | null): Buffer | null {
  const [algTlv, dataTlv] = childrenOf(der, readTlv(der, 0, { ber: true }));
  if (!algTlv || !dataTlv || dataTlv.tag !== TAG.OCTET_STRING) {
    throw new InputError('CORRUPT_FILE', 'its encrypted private key is malformed', {
      hint: 'Export the key again.',
    });
  }
  const algorithm = parsePbeAlgorithm(encodingOf(der, algTlv));
  if (!canDecryptPbe(algorithm)) throw unsupportedEncryption(algorithm.name);
  return decryptPbe(algorithm, contentOf(der, dataTlv), password);
}

/**
 * PrivateKeyInfo DER → KeyObject. Bytes that are not one whole DER SEQUENCE are CORRUPT_FILE
 * (from a shrouded bag: the wrong passphrase); a well-formed key Node refuses is
 * UNSUPPORTED_FORMAT.
 */
function keyFromPkcs8(der: Buffer): KeyObject {
  const root = readTlv(der, 0, { ber: true });
  if (root.tag !== TAG.SEQUENCE || root.end !== der.length) {
    throw new InputError('CORRUPT_FILE', 'a private key inside it is damaged', {
      hint: 'Export the .p12 again.',
    });
  }
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      'it holds a private key of a type Node cannot read',
      {
        hint: 'Convert the key with `openssl pkcs12 -nodes` and check its type with `openssl pkey -text -noout`.',
        cause,
      },
    );
  }
}

function passphraseRequired(): InputError {
  return new InputError('PASSPHRASE_REQUIRED', 'it is protected by a passphrase', {
    hint: 'Give the passphrase with --passphrase-file FILE or the APNS_SETUP_PASSPHRASE environment variable (or run the command in a terminal to be asked).',
  });
}

function wrongPassphrase(macVerified: boolean): InputError {
  return new InputError(
    'WRONG_PASSPHRASE',
    macVerified
      ? 'the passphrase verifies the file but does not decrypt its contents (was it made with two passphrases?)'
      : 'the passphrase does not open it',
    {
      hint: 'Use the passphrase chosen when the .p12 was exported (Keychain Access asks for it on export); passphrases are case-sensitive.',
    },
  );
}

/**
 * Opens a .p12. With `passphrase` null or '' both empty-password conventions are tried:
 * '' first (OpenSSL's `-passin pass:`), then no password at all (Keychain exports whose MAC
 * uses iteration 1 open only that way). Every failure is an ApnsSetupError: whatever else a
 * hostile file provokes (a RangeError from Node's crypto, say) becomes CORRUPT_FILE.
 */
export function readPkcs12(der: Uint8Array, passphrase: string | null): Pkcs12Contents {
  try {
    return openPkcs12(der, passphrase);
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw new InputError('CORRUPT_FILE', 'it is damaged or not a valid PKCS#12 file', {
      hint: 'Export the .p12 again from where it was made (Keychain Access, openssl, fastlane).',
      cause: error,
    });
  }
}

function openPkcs12(der: Uint8Array, passphrase: string | null): Pkcs12Contents {
  const pfx = parsePfx(der);
  const structure = describePfx(pfx);
  requireSupported(pfx);
  const empty = passphrase === null || passphrase === '';
  const candidates: (string | null)[] = empty ? ['', null] : [passphrase];
  let macVerified = false;
  for (const macPassword of candidates) {
    if (pfx.mac) {
      if (!macMatches(pfx.mac, pfx.authSafe, macPassword)) continue;
      macVerified = true;
    }
    const bagPasswords = [macPassword, ...candidates.filter((c) => c !== macPassword)];
    for (const password of pfx.mac ? bagPasswords : [macPassword]) {
      const opened = openSafes(pfx, password);
      if (opened) return { ...opened, structure, passphraseUsed: empty ? 'empty' : 'given' };
    }
  }
  // A MAC that fails while the same passphrase decrypts every encrypted bag means the file
  // was damaged after export, not that the passphrase is wrong: do not blame the user.
  const somethingEncrypted = structure.bags.some(
    (b) => b.kind === 'encrypted-data' || b.kind === 'shrouded-key',
  );
  if (
    pfx.mac &&
    !macVerified &&
    somethingEncrypted &&
    candidates.some((c) => openSafes(pfx, c) !== null)
  ) {
    throw new InputError(
      'CORRUPT_FILE',
      'its integrity check (MAC) fails although the passphrase decrypts its contents: the file was damaged or edited',
      {
        hint: 'Export the .p12 again from where it was made (Keychain Access, openssl, fastlane).',
      },
    );
  }
  if (empty && !macVerified) throw passphraseRequired();
  throw wrongPassphrase(macVerified);
}

/**
 * Opens a PKCS#12 file from any producer: Keychain Access (RC2-40 certificates, 3DES key, SHA-1
 * MAC, often iteration 1 and the "null" empty password), OpenSSL 1.x, OpenSSL 3 (PBES2/AES-256,
 * SHA-256 MAC), Java (EC keys, many bags), key-only and certificate-only files.
 *
 * We walk the DER ourselves (pkcs12-pfx.ts) and decrypt with pbe-decrypt.ts. That keeps the
 * exact certificate bytes (forge re-encodes them and cannot parse EC certificates), hands every
 * key to Node as PKCS#8 (forge reads only RSA), and tells a wrong passphrase (MAC mismatch, bad
 * padding) from a damaged file without matching error messages.
 *
 * Every key derivation of one read goes through one KeyDerivations: trying both empty-password
 * conventions, a second passphrase for the bags, or the damage check never derives the same
 * key twice, and the total work is bounded (pkcs12-kdf.ts).
 */
import { type KeyObject, createHmac, createPrivateKey, timingSafeEqual } from 'node:crypto';
import { InputError, isApnsSetupError } from '../errors.js';
import { TAG, childrenOf, contentOf, encodingOf, readTlv } from './der.js';
import { parsePbeAlgorithm } from './pbe-algorithm.js';
import { canDecryptPbe, decryptPbe, pkcs12DerivationsOf } from './pbe-decrypt.js';
import { type Pkcs12Structure, describePfx } from './pkcs12-consumers.js';
import { isConsistentPrivateKey } from './key-consistency.js';
import { HASH_SIZES, KeyDerivations, type Pkcs12KdfRequest } from './pkcs12-kdf.js';
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
function macMatches(
  mac: RawMac,
  authSafe: Buffer,
  password: string | null,
  derivations: KeyDerivations,
): boolean {
  const [key] = derivations.pkcs12Each([macDerivation(mac, password)]);
  const actual = createHmac(mac.hash!, key!).update(authSafe).digest();
  return actual.length === mac.digest.length && timingSafeEqual(actual, mac.digest);
}

function macDerivation(mac: RawMac, password: string | null): Pkcs12KdfRequest {
  const hash = mac.hash!;
  const size = HASH_SIZES[hash]!.output;
  return { password, salt: mac.salt, id: 3, iterations: mac.iterations, size, hash };
}

/**
 * Per encrypted item in plain sight, in the order openSafes decrypts them (encrypted safes, and
 * shrouded keys in plain safes), the PKCS#12 derivations it takes with `password`.
 */
function itemDerivations(pfx: RawPfx, password: string | null): Pkcs12KdfRequest[][] {
  return pfx.safes.flatMap((safe) =>
    safe.kind === 'encrypted'
      ? [pkcs12DerivationsOf(safe.algorithm, password)]
      : safe.kind === 'data'
        ? safe.bags.flatMap((bag) =>
            bag.algorithm ? [pkcs12DerivationsOf(bag.algorithm, password)] : [],
          )
        : [],
  );
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

/**
 * Decrypts and reads every safe with `password`; null when it does not fit. `likely`: the
 * password is probably right (the MAC took it), so the keys and IVs of every item in plain
 * sight are made at once, side by side (a Keychain export's five SHA-1 chains in two runs);
 * else each is made as it is needed, and a wrong password costs only the first.
 */
function openSafes(
  pfx: RawPfx,
  password: string | null,
  derivations: KeyDerivations,
  likely: boolean,
): Opened | null {
  const opened: Opened = {
    certificates: [],
    certificateAttributes: [],
    keys: [],
    keyAttributes: [],
    keyProtection: [],
  };
  if (likely) derivations.prefetch(itemDerivations(pfx, password).flat());
  for (const safe of pfx.safes) {
    let bags: RawBag[];
    if (safe.kind === 'data') {
      bags = safe.bags;
    } else if (safe.kind === 'encrypted') {
      const plain = decryptPbe(safe.algorithm, safe.ciphertext, password, derivations);
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
        const key =
          bag.kind === 'key'
            ? keyFromPkcs8(bag.value)
            : openShroudedKey(bag, password, derivations);
        if (!key) return null;
        // Decrypted and decoded, so the passphrase is right: a key that is not whole is damaged.
        if (!isConsistentPrivateKey(key)) throw damagedKey();
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

function openShroudedKey(
  bag: RawBag,
  password: string | null,
  derivations: KeyDerivations,
): KeyObject | null {
  requireSupportedBag(bag);
  const info = decryptEncryptedPrivateKeyInfo(bag.value, password, derivations);
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
function decryptEncryptedPrivateKeyInfo(
  der: Uint8Array,
  password: string | null,
  derivations: KeyDerivations,
): Buffer | null {
  const [algTlv, dataTlv] = childrenOf(der, readTlv(der, 0, { ber: true }));
  if (!algTlv || !dataTlv || dataTlv.tag !== TAG.OCTET_STRING) {
    throw new InputError('CORRUPT_FILE', 'its encrypted private key is malformed', {
      hint: 'Export the key again.',
    });
  }
  const algorithm = parsePbeAlgorithm(encodingOf(der, algTlv));
  if (!canDecryptPbe(algorithm)) throw unsupportedEncryption(algorithm.name);
  return decryptPbe(algorithm, contentOf(der, dataTlv), password, derivations);
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

function damagedKey(): InputError {
  return new InputError(
    'CORRUPT_FILE',
    'a private key inside it is damaged: its parts do not fit together',
    { hint: 'Export the .p12 again from where it was made (Keychain Access, openssl, fastlane).' },
  );
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

export interface ReadPkcs12Options {
  /** Where the key derivations of this read go; a test passes its own to count them. */
  derivations?: KeyDerivations;
  /**
   * With `passphrase` null: a passphrase the command was given without asking (a file, the
   * environment), tried after both empty ones and beside them, in the same run of the key
   * derivation; passphraseUsed says 'given' when it was the one that opened the file.
   */
  alsoTry?: string | null;
}

/**
 * While probing (no passphrase asked for yet), the damage check may spend at most this much
 * key derivation: enough for any ordinary file (2,048 iterations: 12,288 rounds), and a file at the
 * 1,000,000-iteration cap gets it on the read with the passphrase the user then gives.
 */
const PROBE_DIAGNOSIS_ROUNDS = 1 << 18;

/**
 * Opens a .p12. With `passphrase` null or '' both empty-password conventions are tried:
 * '' first (OpenSSL's `-passin pass:`), then no password at all (Keychain exports whose MAC
 * uses iteration 1 open only that way). null means no one was asked yet: a file that opens with
 * neither is PASSPHRASE_REQUIRED. Every failure is an ApnsSetupError: whatever else a hostile
 * file provokes (a RangeError from Node's crypto, say) becomes CORRUPT_FILE.
 */
export function readPkcs12(
  der: Uint8Array,
  passphrase: string | null,
  options: ReadPkcs12Options = {},
): Pkcs12Contents {
  try {
    return openPkcs12(
      der,
      passphrase,
      passphrase === null ? (options.alsoTry ?? null) : null,
      options.derivations ?? new KeyDerivations(),
    );
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw new InputError('CORRUPT_FILE', 'it is damaged or not a valid PKCS#12 file', {
      hint: 'Export the .p12 again from where it was made (Keychain Access, openssl, fastlane).',
      cause: error,
    });
  }
}

function openPkcs12(
  der: Uint8Array,
  passphrase: string | null,
  /** Only with `passphrase` null (readPkcs12 drops it otherwise). */
  alsoTry: string | null,
  derivations: KeyDerivations,
): Pkcs12Contents {
  const pfx = parsePfx(der);
  const structure = describePfx(pfx);
  requireSupported(pfx);
  const empty = passphrase === null || passphrase === '';
  const candidates: (string | null)[] = empty ? ['', null] : [passphrase];
  if (alsoTry !== null && alsoTry !== '') candidates.push(alsoTry);
  const mac = pfx.mac;
  // Every candidate's MAC key, side by side (up to four cost the time of one).
  if (mac) derivations.prefetch(candidates.map((c) => macDerivation(mac, c)));
  let macVerified = false;
  for (const macPassword of candidates) {
    if (mac) {
      if (!macMatches(mac, pfx.authSafe, macPassword, derivations)) continue;
      macVerified = true;
    }
    const bagPasswords = [macPassword, ...candidates.filter((c) => c !== macPassword)];
    for (const password of mac ? bagPasswords : [macPassword]) {
      const likely = mac ? password === macPassword : candidates.length === 1;
      const opened = openSafes(pfx, password, derivations, likely);
      if (opened) {
        const used = password === null || password === '' ? 'empty' : 'given';
        return { ...opened, structure, passphraseUsed: used };
      }
    }
  }
  // A MAC that fails while the same passphrase decrypts every encrypted bag means the file
  // was damaged after export, not that the passphrase is wrong: do not blame the user.
  const somethingEncrypted = structure.bags.some(
    (b) => b.kind === 'encrypted-data' || b.kind === 'shrouded-key',
  );
  if (mac && !macVerified && somethingEncrypted) {
    const decrypts = (): boolean => {
      // Whether a candidate fits shows at the first encrypted item: its keys, side by side.
      derivations.prefetch(candidates.flatMap((c) => itemDerivations(pfx, c)[0] ?? []));
      return candidates.some((c) => openSafes(pfx, c, derivations, false) !== null);
    };
    const damaged =
      passphrase === null ? derivations.within(PROBE_DIAGNOSIS_ROUNDS, decrypts) : decrypts();
    if (damaged === true) {
      throw new InputError(
        'CORRUPT_FILE',
        'its integrity check (MAC) fails although the passphrase decrypts its contents: the file was damaged or edited',
        {
          hint: 'Export the .p12 again from where it was made (Keychain Access, openssl, fastlane).',
        },
      );
    }
  }
  // A passphrase at hand that opened nothing was still not asked for: the caller asks, and
  // reads the file again with what it gets (WRONG_PASSPHRASE then, as with any other).
  if (empty && !macVerified) throw passphraseRequired();
  throw wrongPassphrase(macVerified);
}

/**
 * APNs token signing keys: the `AuthKey_KEYID.p8` Apple lets a team download once from
 * developer.apple.com → Keys. It is an EC P-256 private key in unencrypted PKCS#8 PEM; the
 * provider signs ES256 JSON Web Tokens with it (header `kid` = the key id, claim `iss` = the
 * team id). Apple issues no certificate for it, and it does not expire: it works until it is
 * revoked in the portal, and then fails at once (403 InvalidProviderToken).
 *
 * The key id is not inside the file: Apple puts it in the file name only.
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { InputError, isApnsSetupError } from '../errors.js';
import { childrenOf, contentOf, decodeOid, readTlv, TAG } from '../pki/der.js';
import { recogniseDerShape } from '../pki/der-shape.js';
import { isConsistentPrivateKey } from '../pki/key-consistency.js';
import { publicKeySpkiOf } from '../pki/key-match.js';
import { readMaterial, type Material } from '../pki/material.js';

/** What the file holds, as far as it matters for token authentication. */
export type TokenKeyProblem =
  /** An RSA (or other non-EC) private key: a CSR's key named .p8, say. */
  | 'not-ec'
  /** An EC key on another curve than P-256: ES256 needs P-256. */
  | 'wrong-curve'
  /** Encrypted with a passphrase; Apple's .p8 never is, and APNs clients read it unencrypted. */
  | 'encrypted'
  /** The base64 of a key without the BEGIN/END PRIVATE KEY lines. */
  | 'no-pem-armour'
  /** A certificate, CSR, .p12…, or several keys: not a lone private key. */
  | 'not-a-key';

export interface TokenKeyInfo {
  /** The 10-character key id from the file name `AuthKey_KEYID.p8`; null when the name has none. */
  keyId: string | null;
  /** `ec`, `rsa`, …; null when no key could be read. */
  keyType: string | null;
  /** `P-256` for a usable key; the curve's OpenSSL name for another curve; null for non-EC. */
  curve: string | null;
  /** How it is stored: `pkcs8` (Apple's), `sec1` (`BEGIN EC PRIVATE KEY`), `pkcs1`, `pkcs8-encrypted`. */
  format: string | null;
  encrypted: boolean;
  /** The key's own numbers do not fit together (its public key is not its private key's): it cannot sign. */
  damaged: boolean;
  /** Upper-case hex SHA-256 of the public key's SubjectPublicKeyInfo DER; null when unknown. */
  publicKeySha256: string | null;
  /** Why it cannot be used for token authentication; null when it can. */
  problem: TokenKeyProblem | null;
}

export interface TokenKeyReading {
  info: TokenKeyInfo;
  /** The opened key when it is usable (no problem), else null. */
  key: KeyObject | null;
}

/** Apple's file name, also as a browser renames a second download: `AuthKey_ABC123DEFG (1).p8`. */
const AUTH_KEY_NAME = /^AuthKey_([A-Z0-9]{10})(?: ?\(\d+\))?\.p8$/;

/** The key id Apple put in the file name, or null. `name` may be a path (either separator). */
export function keyIdFromFileName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? name;
  return AUTH_KEY_NAME.exec(base)?.[1] ?? null;
}

/** A `.p8` file name: what Apple's token keys are called, and what apns-setup reads as one. */
export function isTokenKeyFileName(name: string): boolean {
  return /\.p8$/i.test(name);
}

const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

function curveOf(key: KeyObject): string | null {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? (CURVE_NAMES[curve] ?? curve) : null;
}

/**
 * Whether already-read material has a token key's shape: a lone, unencrypted EC P-256 private
 * key. Only a `.p8` is taken for a token key on that ground: other tools keep EC P-256 keys too
 * (the sandbox's own CA and server keys).
 */
export function isTokenKeyShaped(material: Material): boolean {
  if (material.kind !== 'private-key' || material.keys.length !== 1) return false;
  const key = material.keys[0]!.key;
  return key !== null && key.asymmetricKeyType === 'ec' && curveOf(key) === 'P-256';
}

/**
 * Reads `bytes` as a token key and says whether it is one. Never throws for a file that is
 * merely the wrong thing: that is the `problem`. The file's content is never quoted.
 */
export function readTokenKey(bytes: Uint8Array, fileName: string): TokenKeyReading {
  const keyId = keyIdFromFileName(fileName);
  let material: Material;
  try {
    material = readMaterial(bytes, { passphrase: null });
  } catch (error) {
    if (!isApnsSetupError(error)) throw error;
    const bare = bareBase64Key(bytes);
    if (bare === 'damaged') {
      return {
        info: {
          ...emptyInfo(keyId, 'no-pem-armour', 'pkcs8'),
          keyType: 'ec',
          curve: 'P-256',
          damaged: true,
        },
        key: null,
      };
    }
    if (bare) return { info: describe(bare, keyId, 'pkcs8', 'no-pem-armour'), key: null };
    if (error.code === 'UNSUPPORTED_FORMAT') {
      return { info: emptyInfo(keyId, 'not-a-key', null), key: null };
    }
    throw error;
  }
  return tokenKeyFromMaterial(material, fileName);
}

/** readTokenKey, once the bytes are read as key material. */
function tokenKeyFromMaterial(material: Material, fileName: string): TokenKeyReading {
  const keyId = keyIdFromFileName(fileName);
  const entry = material.keys[0];
  if (material.kind !== 'private-key' || material.keys.length !== 1 || !entry) {
    return { info: emptyInfo(keyId, 'not-a-key', null), key: null };
  }
  if (entry.key === null) {
    return { info: { ...emptyInfo(keyId, 'encrypted', entry.format), encrypted: true }, key: null };
  }
  const format = entry.format === 'ec' ? 'sec1' : entry.format;
  const problem: TokenKeyProblem | null =
    entry.key.asymmetricKeyType !== 'ec'
      ? 'not-ec'
      : curveOf(entry.key) !== 'P-256'
        ? 'wrong-curve'
        : null;
  return {
    info: describe(entry.key, keyId, format, problem),
    key: problem === null ? entry.key : null,
  };
}

function emptyInfo(
  keyId: string | null,
  problem: TokenKeyProblem,
  format: string | null,
): TokenKeyInfo {
  return {
    keyId,
    keyType: null,
    curve: null,
    format,
    encrypted: false,
    damaged: false,
    publicKeySha256: null,
    problem,
  };
}

function describe(
  key: KeyObject,
  keyId: string | null,
  format: string,
  problem: TokenKeyProblem | null,
): TokenKeyInfo {
  return {
    keyId,
    keyType: key.asymmetricKeyType ?? null,
    curve: key.asymmetricKeyType === 'ec' ? curveOf(key) : null,
    format,
    encrypted: false,
    damaged: false,
    publicKeySha256: createHash('sha256').update(publicKeySpkiOf(key)).digest('hex').toUpperCase(),
    problem,
  };
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_P256 = '1.2.840.10045.3.1.7';

/**
 * The base64 body of an EC P-256 PKCS#8 key without its BEGIN/END lines (a copy-paste
 * accident), opened; 'damaged' when it is one but its numbers do not fit together; null when
 * the text is not that.
 */
function bareBase64Key(bytes: Uint8Array): KeyObject | 'damaged' | null {
  const text = Buffer.from(bytes).toString('latin1').replace(/\s+/g, '');
  if (text.length < 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const der = Buffer.from(text, 'base64');
  try {
    if (recogniseDerShape(der) !== 'pkcs8-key') return null;
    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { id-ecPublicKey, P-256 }, key }
    const algorithm = childrenOf(der, readTlv(der, 0, { ber: true }))[1];
    const [oid, curve] = algorithm ? childrenOf(der, algorithm) : [];
    if (oid?.tag !== TAG.OID || decodeOid(contentOf(der, oid)) !== OID_EC_PUBLIC_KEY) return null;
    if (curve?.tag !== TAG.OID || decodeOid(contentOf(der, curve)) !== OID_P256) return null;
  } catch {
    return null;
  }
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return isConsistentPrivateKey(key) ? key : 'damaged';
  } catch {
    return 'damaged';
  }
}

/**
 * The refusal for a token key with a problem, in words: what the file is, and what to do. For
 * `inspect`, `check` and (later) `push --auth-key`.
 */
export function tokenKeyError(info: TokenKeyInfo): InputError {
  switch (info.problem) {
    case 'not-ec':
      return new InputError(
        'WRONG_KIND',
        `it holds ${article(info.keyType)} private key${formatWords(info.format)}, not an APNs token key: Apple's AuthKey_KEYID.p8 keys are EC P-256 (ES256)`,
        {
          hint: "Download the key from developer.apple.com → Keys (Apple Push Notifications service enabled); it can be downloaded once. An RSA key made for a push certificate's CSR belongs with `apns-setup import --key`, not with token authentication.",
        },
      );
    case 'wrong-curve':
      return new InputError(
        'WRONG_KIND',
        `it holds an EC key on curve ${info.curve ?? 'unknown'}, not P-256: APNs token keys sign ES256, which needs P-256`,
        {
          hint: 'Use the AuthKey_KEYID.p8 downloaded from developer.apple.com → Keys.',
        },
      );
    case 'encrypted':
      return new InputError(
        'UNSUPPORTED_FORMAT',
        'it holds an encrypted private key; Apple’s .p8 token keys are not encrypted, and APNs clients read them as they are',
        {
          hint: 'Use the AuthKey_KEYID.p8 as Apple issued it, kept in a secret store rather than under a passphrase.',
        },
      );
    case 'no-pem-armour':
      if (info.damaged) {
        return new InputError(
          'CORRUPT_FILE',
          'it holds the base64 of an EC P-256 private key without its "-----BEGIN PRIVATE KEY-----" and "-----END PRIVATE KEY-----" lines, and the key itself is damaged (the public key stored in it does not belong to its private key), so it cannot sign even with those lines put back',
          {
            hint: 'Use the AuthKey_KEYID.p8 exactly as downloaded from developer.apple.com → Keys. Apple lets a key be downloaded once: if no intact copy is left, make a new key there (and revoke this one).',
          },
        );
      }
      return new InputError(
        'UNSUPPORTED_FORMAT',
        'it holds the base64 of an EC P-256 private key without its "-----BEGIN PRIVATE KEY-----" and "-----END PRIVATE KEY-----" lines (lost in a copy and paste?); APNs clients need them',
        {
          hint: 'Put the line -----BEGIN PRIVATE KEY----- before the text and -----END PRIVATE KEY----- after it, or use the original AuthKey_KEYID.p8 from Apple.',
        },
      );
    case 'not-a-key':
      return new InputError('WRONG_KIND', 'it is not a private key, so not an APNs token key', {
        hint: 'An APNs token key is the AuthKey_KEYID.p8 downloaded from developer.apple.com → Keys: one EC P-256 private key.',
      });
    case null:
      return new InputError('INTERNAL', 'the token key has no problem to report');
  }
}

const FORMAT_WORDS: Record<string, string> = {
  pkcs1: 'PKCS#1 (BEGIN RSA PRIVATE KEY)',
  pkcs8: 'PKCS#8 (BEGIN PRIVATE KEY)',
  sec1: 'SEC 1 (BEGIN EC PRIVATE KEY)',
};

function formatWords(format: string | null): string {
  const words = format ? FORMAT_WORDS[format] : undefined;
  return words ? ` in ${words}` : '';
}

function article(keyType: string | null): string {
  if (keyType === null) return 'a';
  const name = keyType === 'rsa' || keyType === 'dsa' ? keyType.toUpperCase() : keyType;
  return `${/^[aeiouAEIOU]|^RSA$/.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * Opens a token key for signing (`push --auth-key`): the key and its id, or the refusal of
 * `tokenKeyError`. The key id is null when the file name does not carry it (`--key-id` then).
 */
export function openTokenKey(
  bytes: Uint8Array,
  fileName: string,
): { key: KeyObject; keyId: string | null; info: TokenKeyInfo } {
  const { info, key } = readTokenKey(bytes, fileName);
  if (key === null) throw tokenKeyError(info);
  return { key, keyId: info.keyId, info };
}

/**
 * What a PKCS#12 file is made of, read from its DER without a passphrase (RFC 7292): the MAC,
 * each bag and the algorithm that protects it, and so which consumers will accept the file.
 * The MAC and the bag list are outside the encryption, which is how `inspect` can say "3 bags,
 * RC2-40 + 3DES, OpenSSL 3 needs -legacy" for a file whose passphrase nobody knows.
 */
import { InputError, isApnsSetupError } from '../errors.js';
import {
  TAG,
  childAt,
  childrenOf,
  contentOf,
  decodeIntegerHex,
  decodeOid,
  decodeString,
  encodingOf,
  readTlv,
  type Tlv,
} from './der.js';

export type Pkcs12Consumer = 'openssl-3' | 'node-tls' | 'macos-keychain' | 'java' | 'go-pkcs12';

export const PKCS12_CONSUMERS: readonly Pkcs12Consumer[] = [
  'openssl-3',
  'node-tls',
  'macos-keychain',
  'java',
  'go-pkcs12',
];

export interface Pkcs12MacInfo {
  /** 'sha1', 'sha256', 'sha384', 'sha512', … or the OID when unknown. */
  algorithm: string;
  iterations: number;
}

export type Pkcs12BagKind = 'key' | 'shrouded-key' | 'certificate' | 'encrypted-data' | 'other';

export interface Pkcs12BagInfo {
  kind: Pkcs12BagKind;
  /** e.g. 'pbeWithSHAAnd3-KeyTripleDES-CBC', 'PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc'. */
  algorithm: string | null;
  iterations: number | null;
}

export interface Pkcs12Structure {
  mac: Pkcs12MacInfo | null;
  /** The bags visible without a passphrase, in file order; an encrypted safe is one entry. */
  bags: Pkcs12BagInfo[];
  /** Key bags (shrouded or plain) in the unencrypted safes. */
  keyBagCount: number;
  readableBy: Pkcs12Consumer[];
}

/** A password-based encryption scheme, as an AlgorithmIdentifier names it (RFC 8018, 7292). */
export type PbeAlgorithm =
  | {
      scheme: 'pkcs12';
      name: string;
      cipher: '3des' | '2des' | 'rc2-128' | 'rc2-40' | 'rc4-128' | 'rc4-40';
      salt: Buffer;
      iterations: number;
    }
  | {
      scheme: 'pbes1';
      name: string;
      hash: 'md2' | 'md5' | 'sha1';
      cipher: 'des' | 'rc2-64';
      salt: Buffer;
      iterations: number;
    }
  | {
      scheme: 'pbes2';
      name: string;
      /** The PBKDF2 PRF's hash, Node's name for it ('sha1', 'sha256', …). */
      prf: string;
      /** OpenSSL's name for the cipher ('aes-256-cbc', …), or the OID when unknown. */
      cipher: string;
      salt: Buffer;
      iterations: number;
      keyLength: number | null;
      iv: Buffer;
    }
  | { scheme: 'unknown'; name: string; iterations: number | null };

/** One SafeBag's content, as read from the (decrypted) SafeContents. */
export interface RawBag {
  kind: 'key' | 'shrouded-key' | 'certificate' | 'other';
  /** PrivateKeyInfo, EncryptedPrivateKeyInfo or certificate DER; empty for 'other'. */
  value: Buffer;
  /** For a shrouded key: how it is encrypted. */
  algorithm: PbeAlgorithm | null;
  friendlyName: string | null;
  localKeyId: Buffer | null;
}

export type RawSafe =
  | { kind: 'data'; bags: RawBag[] }
  | { kind: 'encrypted'; algorithm: PbeAlgorithm; ciphertext: Buffer }
  | { kind: 'other' };

export interface RawMac {
  algorithm: string;
  /** Node's hash name, when it is one we can compute. */
  hash: string | null;
  digest: Buffer;
  salt: Buffer;
  iterations: number;
}

export interface RawPfx {
  /** The AuthenticatedSafe's bytes: what the MAC covers. */
  authSafe: Buffer;
  mac: RawMac | null;
  safes: RawSafe[];
}

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeWithSha3Des: '1.2.840.113549.1.12.1.3',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
} as const;

const PKCS12_PBE: Record<string, [string, Extract<PbeAlgorithm, { scheme: 'pkcs12' }>['cipher']]> =
  {
    '1.2.840.113549.1.12.1.1': ['pbeWithSHAAnd128BitRC4', 'rc4-128'],
    '1.2.840.113549.1.12.1.2': ['pbeWithSHAAnd40BitRC4', 'rc4-40'],
    '1.2.840.113549.1.12.1.3': ['pbeWithSHAAnd3-KeyTripleDES-CBC', '3des'],
    '1.2.840.113549.1.12.1.4': ['pbeWithSHAAnd2-KeyTripleDES-CBC', '2des'],
    '1.2.840.113549.1.12.1.5': ['pbeWithSHAAnd128BitRC2-CBC', 'rc2-128'],
    '1.2.840.113549.1.12.1.6': ['pbeWithSHAAnd40BitRC2-CBC', 'rc2-40'],
  };

type Pbes1 = Extract<PbeAlgorithm, { scheme: 'pbes1' }>;
const PBES1: Record<string, [string, Pbes1['hash'], Pbes1['cipher']]> = {
  '1.2.840.113549.1.5.1': ['pbeWithMD2AndDES-CBC', 'md2', 'des'],
  '1.2.840.113549.1.5.3': ['pbeWithMD5AndDES-CBC', 'md5', 'des'],
  '1.2.840.113549.1.5.4': ['pbeWithMD2AndRC2-CBC', 'md2', 'rc2-64'],
  '1.2.840.113549.1.5.6': ['pbeWithMD5AndRC2-CBC', 'md5', 'rc2-64'],
  '1.2.840.113549.1.5.10': ['pbeWithSHA1AndDES-CBC', 'sha1', 'des'],
  '1.2.840.113549.1.5.11': ['pbeWithSHA1AndRC2-CBC', 'sha1', 'rc2-64'],
};

const PBKDF2_PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** OpenSSL's name, key and block size in bytes (RC2's key size is a parameter: null). */
const PBES2_CIPHER: Record<string, { name: string; key: number | null; block: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', key: 16, block: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', key: 24, block: 16 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', key: 32, block: 16 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', key: 24, block: 8 },
  '1.3.14.3.2.7': { name: 'des-cbc', key: 8, block: 8 },
  '1.2.840.113549.3.2': { name: 'rc2-cbc', key: null, block: 8 },
};

/**
 * The highest iteration count we run. Real files use 1 (Keychain Access's MAC) to 600,000
 * (OWASP's PBKDF2-HMAC-SHA256 advice, which some exporters follow); OpenSSL and forge write
 * 2048. The PKCS#12 KDF is a JavaScript loop (about 1.3 µs a round) that the MAC check runs
 * for both empty-password conventions, so a crafted count such as 2^40 would hang `inspect`
 * for days: counts are checked when parsed, before anything is derived.
 */
export const MAX_ITERATIONS = 1_000_000;

/**
 * safeContentsBags inside safeContentsBags: no producer nests at all, and each level is a
 * recursion, so a crafted file of thousands of levels would exhaust the stack.
 */
const MAX_BAG_NESTING = 8;

/** BER-chunked OCTET STRINGs are one level deep in practice (Java, Windows). */
const MAX_CHUNK_NESTING = 8;

const DIGEST: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.113549.2.5': 'md5',
  '1.2.840.113549.1.5.14': 'pbmac1',
};

function notPkcs12(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not a readable PKCS#12 file: ${detail}`, {
    hint: 'Export the .p12 again (Keychain Access: File > Export Items, format Personal Information Exchange).',
  });
}

function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw notPkcs12(`${what} is missing or malformed`);
  return tlv;
}

function smallInteger(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number {
  const value = Number.parseInt(decodeIntegerHex(bytes, expectTag(tlv, TAG.INTEGER, what)), 16);
  if (!Number.isSafeInteger(value)) throw notPkcs12(`${what} is out of range`);
  return value;
}

/** An iteration count read from the file, refused unless 1 ≤ count ≤ MAX_ITERATIONS. */
function iterationCount(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number {
  const hex = decodeIntegerHex(bytes, expectTag(tlv, TAG.INTEGER, `the ${what} count`));
  // More than 13 hex digits is beyond 2^52: far over the cap, and not a safe integer.
  const value = hex.length > 13 ? Number.POSITIVE_INFINITY : Number.parseInt(hex, 16);
  return checkIterationCount(value, what);
}

/**
 * Refuses an iteration count of 0 or less (RFC 7292 and RFC 8018 require a positive one) as a
 * damaged file, and one above MAX_ITERATIONS as an encryption we will not run.
 */
export function checkIterationCount(value: number, what: string): number {
  if (!(value >= 1)) {
    throw new InputError('CORRUPT_FILE', `its ${what} count is ${value}; it must be at least 1`, {
      hint: 'The file is damaged or was not made by a real exporter: export it again.',
    });
  }
  if (!Number.isSafeInteger(value) || value > MAX_ITERATIONS) {
    const shown = Number.isFinite(value) ? value.toLocaleString('en-US') : 'astronomically high';
    throw new InputError(
      'UNSUPPORTED_ENCRYPTION',
      `its ${what} count is ${shown}, above the ${MAX_ITERATIONS.toLocaleString('en-US')} apns-setup runs (real exporters use 1 to 600,000)`,
      {
        hint: 'The file is probably damaged or crafted. If it is genuine, export it again with the default iteration count (Keychain Access, or `openssl pkcs12 -export -iter 2048`).',
      },
    );
  }
  return value;
}

function oidAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): string {
  return decodeOid(contentOf(bytes, expectTag(tlv, TAG.OID, what)));
}

/** An OCTET STRING's bytes, also in BER's constructed (chunked) form and as `[0] IMPLICIT`. */
function octets(bytes: Uint8Array, tlv: Tlv, depth = 0): Buffer {
  if (!tlv.constructed) return contentOf(bytes, tlv);
  if (depth >= MAX_CHUNK_NESTING) throw notPkcs12('an OCTET STRING is chunked too deeply');
  return Buffer.concat(childrenOf(bytes, tlv).map((chunk) => octets(bytes, chunk, depth + 1)));
}

/**
 * Refuses a file shorter than its own outer length field before anything else looks at it:
 * forge (and OpenSSL) report a truncated .p12 as a MAC failure, which blames the passphrase
 * for a damaged download.
 */
function requireComplete(der: Uint8Array): void {
  if (der.length === 0) throw notPkcs12('it is empty');
  if (der[0] !== TAG.SEQUENCE) throw notPkcs12('it does not start with a DER SEQUENCE');
  if (der.length < 2) throw cutShort(2, der.length);
  const first = der[1]!;
  if (first === 0x80) return; // BER indefinite length: readTlv checks the end-of-contents.
  let length = first;
  let header = 2;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw notPkcs12('its length field is impossible');
    if (der.length < 2 + count) throw cutShort(2 + count, der.length);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[2 + i]!;
    header += count;
  }
  if (header + length > der.length) throw cutShort(header + length, der.length);
}

function cutShort(declared: number, actual: number): InputError {
  return new InputError(
    'CORRUPT_FILE',
    `it is cut short: ${declared - actual} of its ${declared} bytes are missing`,
    {
      hint: 'The file was truncated (an interrupted download or copy): get or export it again. The passphrase is not the problem.',
    },
  );
}

/** Parses an AlgorithmIdentifier (its full DER encoding) naming a PBE scheme. */
export function parsePbeAlgorithm(der: Uint8Array): PbeAlgorithm {
  const root = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'the encryption algorithm');
  const [oidTlv, params] = childrenOf(der, root);
  const oid = oidAt(der, oidTlv, 'the encryption algorithm');
  const pkcs12 = PKCS12_PBE[oid];
  const pbes1 = PBES1[oid];
  if (pkcs12 || pbes1) {
    const p = expectTag(params, TAG.SEQUENCE, 'the PBE parameters');
    const salt = octets(
      der,
      expectTag(childAt(der, p, 0, 'the PBE salt'), TAG.OCTET_STRING, 'the PBE salt'),
    );
    const iterations = iterationCount(
      der,
      childAt(der, p, 1, 'the PBE iterations'),
      'PBE iteration',
    );
    if (pkcs12) return { scheme: 'pkcs12', name: pkcs12[0], cipher: pkcs12[1], salt, iterations };
    const [name, hash, cipher] = pbes1!;
    return { scheme: 'pbes1', name, hash, cipher, salt, iterations };
  }
  if (oid === OID.pbes2)
    return parsePbes2(der, expectTag(params, TAG.SEQUENCE, 'the PBES2 parameters'));
  return { scheme: 'unknown', name: oid, iterations: null };
}

function parsePbes2(der: Uint8Array, params: Tlv): PbeAlgorithm {
  const [kdf, enc] = childrenOf(der, params);
  const kdfParts = childrenOf(der, expectTag(kdf, TAG.SEQUENCE, 'the PBES2 key derivation'));
  const kdfOid = oidAt(der, kdfParts[0], 'the PBES2 key derivation');
  const encParts = childrenOf(der, expectTag(enc, TAG.SEQUENCE, 'the PBES2 cipher'));
  const encOid = oidAt(der, encParts[0], 'the PBES2 cipher');
  const known = PBES2_CIPHER[encOid];
  const cipher = known?.name ?? encOid;
  if (kdfOid !== OID.pbkdf2) {
    return { scheme: 'unknown', name: `PBES2/${kdfOid}/${cipher}`, iterations: null };
  }
  const pbkdf2 = childrenOf(der, expectTag(kdfParts[1], TAG.SEQUENCE, 'the PBKDF2 parameters'));
  const saltTlv = expectTag(pbkdf2[0], TAG.OCTET_STRING, 'the PBKDF2 salt');
  const iterations = iterationCount(der, pbkdf2[1], 'PBKDF2 iteration');
  let keyLength: number | null = null;
  let prfOid = '1.2.840.113549.2.7'; // DEFAULT hmacWithSHA1 (RFC 8018 A.2)
  for (const extra of pbkdf2.slice(2)) {
    if (extra.tag === TAG.INTEGER) keyLength = smallInteger(der, extra, 'the PBKDF2 key length');
    if (extra.tag === TAG.SEQUENCE)
      prfOid = oidAt(der, childrenOf(der, extra)[0], 'the PBKDF2 PRF');
  }
  const prf = PBKDF2_PRF[prfOid];
  const prfName = prf ? `hmacWith${prf.toUpperCase()}` : prfOid;
  const ivTlv = encParts[1];
  const iv = ivTlv?.tag === TAG.OCTET_STRING ? contentOf(der, ivTlv) : Buffer.alloc(0);
  const name = `PBES2/PBKDF2-${prfName}/${cipher}`;
  // RFC 8018 B.2: a CBC cipher's parameter is an IV of one block, and a keyLength, when
  // present, is the cipher's. Anything else cannot decrypt and is not a wrong passphrase.
  if (known?.key != null && keyLength !== null && keyLength !== known.key) {
    throw notPkcs12(
      `its PBKDF2 key length is ${keyLength} bytes, but ${cipher} takes ${known.key}-byte keys`,
    );
  }
  if (known && known.name !== 'rc2-cbc' && iv.length !== known.block) {
    throw notPkcs12(
      `its ${cipher} IV is ${iv.length} bytes long instead of one ${known.block}-byte block`,
    );
  }
  if (!prf || iv.length === 0) return { scheme: 'unknown', name, iterations };
  return {
    scheme: 'pbes2',
    name,
    prf,
    cipher,
    salt: contentOf(der, saltTlv),
    iterations,
    keyLength,
    iv,
  };
}

/** Splits a PKCS#12 file into its MAC and safes; encrypted safes stay encrypted. */
export function parsePfx(der: Uint8Array): RawPfx {
  requireComplete(der);
  const root = readTlv(der, 0);
  const [versionTlv, authSafeTlv, macTlv] = childrenOf(der, root);
  const version = smallInteger(der, versionTlv, 'the version');
  if (version !== 3) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      `it is a PKCS#12 version ${version} file; only version 3 exists in practice`,
      {
        hint: 'Export it again with Keychain Access or `openssl pkcs12 -export`.',
      },
    );
  }
  const authSafe = contentInfo(der, expectTag(authSafeTlv, TAG.SEQUENCE, 'the content'));
  if (authSafe.oid === OID.signedData) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      'it uses public-key integrity mode (a signature instead of a passphrase MAC)',
      {
        hint: 'Export it again with a passphrase (Keychain Access and `openssl pkcs12 -export` do).',
      },
    );
  }
  if (authSafe.oid !== OID.data || !authSafe.content)
    throw notPkcs12('its content is not PKCS#7 data');
  const authSafeBytes = octets(der, authSafe.content);
  return {
    authSafe: authSafeBytes,
    mac: macTlv ? parseMac(der, macTlv) : null,
    safes: parseAuthenticatedSafe(authSafeBytes),
  };
}

function contentInfo(bytes: Uint8Array, tlv: Tlv): { oid: string; content: Tlv | undefined } {
  const [oidTlv, explicit] = childrenOf(bytes, tlv);
  const oid = oidAt(bytes, oidTlv, 'a content type');
  const content = explicit && explicit.tag === 0xa0 ? childrenOf(bytes, explicit)[0] : undefined;
  return { oid, content };
}

function parseMac(der: Uint8Array, tlv: Tlv): RawMac {
  const [digestInfo, saltTlv, iterTlv] = childrenOf(der, expectTag(tlv, TAG.SEQUENCE, 'the MAC'));
  const [algId, digestTlv] = childrenOf(der, expectTag(digestInfo, TAG.SEQUENCE, 'the MAC digest'));
  const oid = oidAt(
    der,
    childrenOf(der, expectTag(algId, TAG.SEQUENCE, 'the MAC algorithm'))[0],
    'the MAC algorithm',
  );
  const algorithm = DIGEST[oid] ?? oid;
  return {
    algorithm,
    hash: DIGEST[oid] && algorithm !== 'pbmac1' ? algorithm : null,
    digest: contentOf(der, expectTag(digestTlv, TAG.OCTET_STRING, 'the MAC value')),
    salt: contentOf(der, expectTag(saltTlv, TAG.OCTET_STRING, 'the MAC salt')),
    // RFC 7292: iterations INTEGER DEFAULT 1
    iterations: iterTlv ? iterationCount(der, iterTlv, 'MAC iteration') : 1,
  };
}

function parseAuthenticatedSafe(bytes: Buffer): RawSafe[] {
  const root = expectTag(readTlv(bytes, 0), TAG.SEQUENCE, 'the list of safes');
  return childrenOf(bytes, root).map((tlv): RawSafe => {
    const { oid, content } = contentInfo(bytes, expectTag(tlv, TAG.SEQUENCE, 'a safe'));
    if (oid === OID.data && content)
      return { kind: 'data', bags: parseSafeContents(octets(bytes, content)) };
    if (oid === OID.encryptedData && content) {
      const eci = childAt(
        bytes,
        expectTag(content, TAG.SEQUENCE, 'an encrypted safe'),
        1,
        'the encrypted content',
      );
      const [, algTlv, dataTlv] = childrenOf(
        bytes,
        expectTag(eci, TAG.SEQUENCE, 'the encrypted content'),
      );
      const algorithm = parsePbeAlgorithm(
        encodingOf(bytes, expectTag(algTlv, TAG.SEQUENCE, 'the safe encryption')),
      );
      // encryptedContent is [0] IMPLICIT OCTET STRING: primitive 0x80 or BER-chunked 0xa0.
      const ciphertext =
        dataTlv && (dataTlv.tag & 0x1f) === 0 && (dataTlv.tag & 0xc0) === 0x80
          ? octets(bytes, dataTlv)
          : Buffer.alloc(0);
      return { kind: 'encrypted', algorithm, ciphertext };
    }
    return { kind: 'other' };
  });
}

/** The bags of a (decrypted) SafeContents; nested safeContentsBags are flattened in order. */
export function parseSafeContents(bytes: Uint8Array, depth = 0): RawBag[] {
  if (depth > MAX_BAG_NESTING) throw notPkcs12('its bags are nested too deeply');
  const root = expectTag(readTlv(bytes, 0), TAG.SEQUENCE, 'the bag list');
  return childrenOf(bytes, root).flatMap((bagTlv) => {
    const [oidTlv, valueTlv, attrsTlv] = childrenOf(
      bytes,
      expectTag(bagTlv, TAG.SEQUENCE, 'a bag'),
    );
    const oid = oidAt(bytes, oidTlv, 'a bag type');
    const value = childAt(bytes, expectTag(valueTlv, 0xa0, 'a bag value'), 0, 'a bag value');
    const attributes = attrsTlv
      ? parseAttributes(bytes, attrsTlv)
      : { friendlyName: null, localKeyId: null };
    const bag = (
      kind: RawBag['kind'],
      content: Buffer,
      algorithm: PbeAlgorithm | null = null,
    ): RawBag[] => [{ kind, value: content, algorithm, ...attributes }];
    switch (oid) {
      case OID.keyBag:
        return bag('key', encodingOf(bytes, value));
      case OID.shroudedKeyBag: {
        const algTlv = childAt(
          bytes,
          expectTag(value, TAG.SEQUENCE, 'a shrouded key'),
          0,
          'the key encryption',
        );
        return bag(
          'shrouded-key',
          encodingOf(bytes, value),
          parsePbeAlgorithm(encodingOf(bytes, algTlv)),
        );
      }
      case OID.certBag: {
        const [certId, certValue] = childrenOf(
          bytes,
          expectTag(value, TAG.SEQUENCE, 'a certificate bag'),
        );
        if (oidAt(bytes, certId, 'a certificate type') !== OID.x509Certificate || !certValue)
          return bag('other', Buffer.alloc(0));
        const octetString = childAt(
          bytes,
          expectTag(certValue, 0xa0, 'a certificate'),
          0,
          'a certificate',
        );
        return bag(
          'certificate',
          octets(
            bytes,
            expectTag(
              octetString,
              octetString.constructed ? 0x24 : TAG.OCTET_STRING,
              'a certificate',
            ),
          ),
        );
      }
      case OID.safeContentsBag:
        return parseSafeContents(encodingOf(bytes, value), depth + 1);
      default:
        return bag('other', Buffer.alloc(0));
    }
  });
}

function parseAttributes(bytes: Uint8Array, tlv: Tlv): Pick<RawBag, 'friendlyName' | 'localKeyId'> {
  let friendlyName: string | null = null;
  let localKeyId: Buffer | null = null;
  for (const attribute of childrenOf(bytes, expectTag(tlv, TAG.SET, 'the bag attributes'))) {
    const [oidTlv, values] = childrenOf(bytes, attribute);
    const oid = oidAt(bytes, oidTlv, 'a bag attribute');
    const first = values ? childrenOf(bytes, values)[0] : undefined;
    if (!first) continue;
    // Keychain Access writes the BMPString with a NUL terminator ("BB5727DA\0"); OpenSSL drops it.
    if (oid === OID.friendlyName) friendlyName = decodeString(bytes, first).replace(/\0+$/, '');
    if (oid === OID.localKeyId) localKeyId = octets(bytes, first);
  }
  return { friendlyName, localKeyId };
}

/**
 * The PKCS#12 PBEs that Keychain Access itself writes (RC2-40 certificates, 3DES key): the only
 * ones Go's x/crypto/pkcs12 implements, and the ones every macOS and Java version reads.
 */
function keychainEraPbe(algorithm: PbeAlgorithm): boolean {
  return (
    algorithm.scheme === 'pkcs12' && (algorithm.cipher === '3des' || algorithm.cipher === 'rc2-40')
  );
}

/**
 * What OpenSSL 3's default provider decrypts (Node ≥ 17 uses the same, without `-legacy`):
 * 3-key and 2-key Triple DES (both checked against `openssl pkcs12` 3.0 and Node 20's tls),
 * PBES2 with AES or 3DES. RC2, RC4 and single DES (so every PBES1 scheme) are legacy-only.
 */
function openssl3Pbe(algorithm: PbeAlgorithm): boolean {
  switch (algorithm.scheme) {
    case 'pkcs12':
      return algorithm.cipher === '3des' || algorithm.cipher === '2des';
    case 'pbes2':
      return OPENSSL3_PBES2_CIPHERS.has(algorithm.cipher);
    default:
      return false;
  }
}

const OPENSSL3_PBES2_CIPHERS = new Set([
  'aes-128-cbc',
  'aes-192-cbc',
  'aes-256-cbc',
  'des-ede3-cbc',
]);

/** HMAC digests OpenSSL 3.0 verifies; it cannot read PBMAC1 (added in 3.4), nor can Node 20. */
const OPENSSL3_MACS = new Set(['sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

interface ConsumerRule {
  pbe: (algorithm: PbeAlgorithm) => boolean;
  mac: (mac: Pkcs12MacInfo | null) => boolean;
}

/**
 * Allow-lists, see reference/apns.md "Which PKCS#12 each consumer accepts": a consumer is
 * listed only when every algorithm in the file is one it is known to read, so an algorithm we
 * do not know makes the file readable by none of them.
 */
const CONSUMER_RULES: Record<Pkcs12Consumer, ConsumerRule> = {
  'openssl-3': { pbe: openssl3Pbe, mac: (mac) => !mac || OPENSSL3_MACS.has(mac.algorithm) },
  // Node 20's tls also refuses a .p12 without a MAC ("mac absent").
  'node-tls': { pbe: openssl3Pbe, mac: (mac) => !!mac && OPENSSL3_MACS.has(mac.algorithm) },
  // DESIGN.md: "older macOS Keychain, Java and Go's x/crypto/pkcs12 refuse" AES + SHA-256 MAC.
  // Whether older Keychains take a file without a MAC is unknown: we do not claim it.
  'macos-keychain': { pbe: keychainEraPbe, mac: (mac) => mac?.algorithm === 'sha1' },
  // Java 17 does read PBES2/AES with a SHA-256 MAC, but older JREs do not, and
  // we cannot know which Java will load the file. Java verifies a MAC only when there is one.
  java: { pbe: keychainEraPbe, mac: (mac) => !mac || mac.algorithm === 'sha1' },
  // x/crypto/pkcs12 requires the MAC and implements SHA-1 only.
  'go-pkcs12': { pbe: keychainEraPbe, mac: (mac) => mac?.algorithm === 'sha1' },
};

/** Summarises a parsed file: see reference/apns.md, "Which PKCS#12 each consumer accepts". */
export function describePfx(pfx: RawPfx): Pkcs12Structure {
  const bags: Pkcs12BagInfo[] = [];
  const algorithms: PbeAlgorithm[] = [];
  let keyBagCount = 0;
  for (const safe of pfx.safes) {
    if (safe.kind === 'encrypted') {
      algorithms.push(safe.algorithm);
      bags.push({
        kind: 'encrypted-data',
        algorithm: safe.algorithm.name,
        iterations: safe.algorithm.iterations,
      });
    } else if (safe.kind === 'other') {
      bags.push({ kind: 'other', algorithm: null, iterations: null });
    } else {
      for (const bag of safe.bags) {
        if (bag.kind === 'key' || bag.kind === 'shrouded-key') keyBagCount++;
        if (bag.algorithm) algorithms.push(bag.algorithm);
        bags.push({
          kind: bag.kind,
          algorithm: bag.algorithm?.name ?? null,
          iterations: bag.algorithm?.iterations ?? null,
        });
      }
    }
  }
  const mac = pfx.mac ? { algorithm: pfx.mac.algorithm, iterations: pfx.mac.iterations } : null;
  // A safe encrypted to a public key (envelopedData) needs that key: nobody opens it by passphrase.
  const readable = !pfx.safes.some((safe) => safe.kind === 'other');
  return {
    mac,
    bags,
    keyBagCount,
    readableBy: PKCS12_CONSUMERS.filter((consumer) => {
      const rule = CONSUMER_RULES[consumer];
      return readable && rule.mac(mac) && algorithms.every(rule.pbe);
    }),
  };
}

/**
 * What a .p12 holds and how it is protected, without its passphrase. Every failure is an
 * ApnsSetupError: anything else a hostile file provokes becomes CORRUPT_FILE.
 */
export function inspectPkcs12(der: Uint8Array): Pkcs12Structure {
  try {
    return describePfx(parsePfx(der));
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw new InputError('CORRUPT_FILE', 'it is damaged or not a valid PKCS#12 file', {
      hint: 'Export the .p12 again (Keychain Access: File > Export Items, format Personal Information Exchange).',
      cause: error,
    });
  }
}

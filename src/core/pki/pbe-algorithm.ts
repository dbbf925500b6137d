/**
 * Password-based encryption parameters, as an AlgorithmIdentifier names them (RFC 7292 appendix
 * C, RFC 8018): which scheme, cipher and hash, the salt, and an iteration count checked before
 * anything is derived. Used for the bags and safes of a .p12 and for encrypted PKCS#8 keys.
 */
import { InputError } from '../errors.js';
import {
  TAG,
  childAt,
  childrenOf,
  contentOf,
  decodeIntegerHex,
  fieldReader,
  octetStringOf,
  readTlv,
  type Tlv,
} from './der.js';

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

/** The OIDs the PKCS#12 writer names its encryption with. */
export const PBE_OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeWithSha3Des: '1.2.840.113549.1.12.1.3',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
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
 * 2048. A crafted count such as 2^40 would hang `inspect` for days: counts are checked when
 * parsed, before anything is derived.
 */
export const MAX_ITERATIONS = 1_000_000;

function malformed(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not a readable PKCS#12 file: ${detail}`, {
    hint: 'Export the .p12 again (Keychain Access: File > Export Items, format Personal Information Exchange).',
  });
}

const field = fieldReader(malformed);

/** An iteration count read from the file, refused unless 1 ≤ count ≤ MAX_ITERATIONS. */
export function readIterationCount(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number {
  const hex = decodeIntegerHex(bytes, field.tag(tlv, TAG.INTEGER, `the ${what} count`));
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

/** Parses an AlgorithmIdentifier (its full DER encoding) naming a PBE scheme. */
export function parsePbeAlgorithm(der: Uint8Array): PbeAlgorithm {
  const root = field.tag(readTlv(der, 0, { ber: true }), TAG.SEQUENCE, 'the encryption algorithm');
  const [oidTlv, params] = childrenOf(der, root);
  const oid = field.oid(der, oidTlv, 'the encryption algorithm');
  const pkcs12 = PKCS12_PBE[oid];
  const pbes1 = PBES1[oid];
  if (pkcs12 || pbes1) {
    const p = field.tag(params, TAG.SEQUENCE, 'the PBE parameters');
    const salt = octetStringOf(
      der,
      field.tag(childAt(der, p, 0, 'the PBE salt'), TAG.OCTET_STRING, 'the PBE salt'),
    );
    const iterations = readIterationCount(
      der,
      childAt(der, p, 1, 'the PBE iterations'),
      'PBE iteration',
    );
    if (pkcs12) return { scheme: 'pkcs12', name: pkcs12[0], cipher: pkcs12[1], salt, iterations };
    const [name, hash, cipher] = pbes1!;
    return { scheme: 'pbes1', name, hash, cipher, salt, iterations };
  }
  if (oid === PBE_OID.pbes2)
    return parsePbes2(der, field.tag(params, TAG.SEQUENCE, 'the PBES2 parameters'));
  return { scheme: 'unknown', name: oid, iterations: null };
}

function parsePbes2(der: Uint8Array, params: Tlv): PbeAlgorithm {
  const [kdf, enc] = childrenOf(der, params);
  const kdfParts = childrenOf(der, field.tag(kdf, TAG.SEQUENCE, 'the PBES2 key derivation'));
  const kdfOid = field.oid(der, kdfParts[0], 'the PBES2 key derivation');
  const encParts = childrenOf(der, field.tag(enc, TAG.SEQUENCE, 'the PBES2 cipher'));
  const encOid = field.oid(der, encParts[0], 'the PBES2 cipher');
  const known = PBES2_CIPHER[encOid];
  const cipher = known?.name ?? encOid;
  if (kdfOid !== PBE_OID.pbkdf2) {
    return { scheme: 'unknown', name: `PBES2/${kdfOid}/${cipher}`, iterations: null };
  }
  const pbkdf2 = childrenOf(der, field.tag(kdfParts[1], TAG.SEQUENCE, 'the PBKDF2 parameters'));
  const saltTlv = field.tag(pbkdf2[0], TAG.OCTET_STRING, 'the PBKDF2 salt');
  const iterations = readIterationCount(der, pbkdf2[1], 'PBKDF2 iteration');
  let keyLength: number | null = null;
  let prfOid = '1.2.840.113549.2.7'; // DEFAULT hmacWithSHA1 (RFC 8018 A.2)
  for (const extra of pbkdf2.slice(2)) {
    if (extra.tag === TAG.INTEGER)
      keyLength = field.smallInteger(der, extra, 'the PBKDF2 key length');
    if (extra.tag === TAG.SEQUENCE)
      prfOid = field.oid(der, childrenOf(der, extra)[0], 'the PBKDF2 PRF');
  }
  const prf = PBKDF2_PRF[prfOid];
  const prfName = prf ? `hmacWith${prf.toUpperCase()}` : prfOid;
  const ivTlv = encParts[1];
  const iv = ivTlv?.tag === TAG.OCTET_STRING ? contentOf(der, ivTlv) : Buffer.alloc(0);
  const name = `PBES2/PBKDF2-${prfName}/${cipher}`;
  // RFC 8018 B.2: a CBC cipher's parameter is an IV of one block, and a keyLength, when
  // present, is the cipher's. Anything else cannot decrypt and is not a wrong passphrase.
  if (known?.key != null && keyLength !== null && keyLength !== known.key) {
    throw malformed(
      `its PBKDF2 key length is ${keyLength} bytes, but ${cipher} takes ${known.key}-byte keys`,
    );
  }
  if (known && known.name !== 'rc2-cbc' && iv.length !== known.block) {
    throw malformed(
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

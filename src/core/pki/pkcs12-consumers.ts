/**
 * Which consumers read a .p12 — OpenSSL 3, Node's tls, macOS Keychain, Java, Go's
 * x/crypto/pkcs12 — judged from its MAC and the algorithms of its bags, all of which are
 * outside the encryption. That is how `inspect` can say "3 bags, RC2-40 + 3DES, OpenSSL 3 needs
 * -legacy" for a file whose passphrase nobody knows.
 */
import { InputError, isApnsSetupError } from '../errors.js';
import type { PbeAlgorithm } from './pbe-algorithm.js';
import { parsePfx, type RawPfx } from './pkcs12-pfx.js';

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

/** The consumers that read every algorithm of `pfx`, in PKCS12_CONSUMERS order. */
export function readableBy(pfx: RawPfx): Pkcs12Consumer[] {
  // A safe encrypted to a public key (envelopedData) needs that key: nobody opens it by passphrase.
  if (pfx.safes.some((safe) => safe.kind === 'other')) return [];
  const algorithms: PbeAlgorithm[] = pfx.safes.flatMap((safe) => {
    if (safe.kind === 'encrypted') return [safe.algorithm];
    if (safe.kind === 'data') return safe.bags.flatMap((bag) => bag.algorithm ?? []);
    return [];
  });
  const mac = pfx.mac ? { algorithm: pfx.mac.algorithm, iterations: pfx.mac.iterations } : null;
  return PKCS12_CONSUMERS.filter((consumer) => {
    const rule = CONSUMER_RULES[consumer];
    return rule.mac(mac) && algorithms.every(rule.pbe);
  });
}

/** Summarises a parsed file: see reference/apns.md, "Which PKCS#12 each consumer accepts". */
export function describePfx(pfx: RawPfx): Pkcs12Structure {
  const bags: Pkcs12BagInfo[] = [];
  let keyBagCount = 0;
  for (const safe of pfx.safes) {
    if (safe.kind === 'encrypted') {
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
        bags.push({
          kind: bag.kind,
          algorithm: bag.algorithm?.name ?? null,
          iterations: bag.algorithm?.iterations ?? null,
        });
      }
    }
  }
  const mac = pfx.mac ? { algorithm: pfx.mac.algorithm, iterations: pfx.mac.iterations } : null;
  return { mac, bags, keyBagCount, readableBy: readableBy(pfx) };
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

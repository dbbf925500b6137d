/**
 * Writes PKCS#12 files in one of two profiles (DESIGN.md, "PKCS#12 profiles"):
 * - compatible (default): key and certificates under pbeWithSHAAnd3-KeyTripleDES-CBC, SHA-1 MAC,
 *   2048 iterations. OpenSSL 3 opens it without -legacy, Node's tls as `pfx`, macOS Keychain,
 *   Java and Go's x/crypto/pkcs12 too: 3DES is the one cipher all of them share (RC2-40, which
 *   Keychain uses for certificates, is what OpenSSL 3 and Node refuse).
 * - modern: key and certificates under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), SHA-1 MAC.
 *   What OpenSSL 3 writes, except the MAC: older Keychain and Go refuse it either way.
 * Always with a MAC (Node 20 refuses a .p12 without one: "mac absent"), and with friendlyName
 * and localKeyId so Keychain Access shows a name and pairs the key with its certificate.
 *
 * We assemble the DER ourselves: forge's toPkcs12Asn1 leaves the certificates unencrypted,
 * reads only RSA keys, and re-encodes certificates.
 *
 * An empty passphrase is written as the caller asks (Keychain also exports with one); whether
 * one is acceptable is the caller's decision (DESIGN: secrets come from the passphrase sources).
 */
import {
  type KeyObject,
  X509Certificate,
  createCipheriv,
  createHash,
  createHmac,
  pbkdf2Sync,
  randomBytes,
} from 'node:crypto';
import { InputError } from '../errors.js';
import {
  bmpString,
  explicit,
  implicit,
  integer,
  nullValue,
  octetString as octets,
  oid,
  seq,
  set,
} from './der-encode.js';
import { keyMatchesSpki } from './key-match.js';
import { pkcs12KdfEach, type Pkcs12KdfRequest } from './pkcs12-kdf.js';
import { PBE_OID } from './pbe-algorithm.js';
import { PKCS12_OID } from './pkcs12-pfx.js';

export type Pkcs12Profile = 'compatible' | 'modern';

export const PKCS12_PROFILES: readonly Pkcs12Profile[] = ['compatible', 'modern'];

/** OpenSSL's default (PKCS12_DEFAULT_ITER) and what Keychain uses for its bags. */
const ITERATIONS = 2048;

export interface WritePkcs12Options {
  key: KeyObject;
  /** DER, the certificate of `key` first, then any chain. */
  certificates: Buffer[];
  passphrase: string;
  profile: Pkcs12Profile;
  /** Shown by Keychain Access; e.g. the certificate's common name. */
  friendlyName?: string;
}

export interface WriteCertificateOnlyOptions {
  certificates: Buffer[];
  passphrase: string;
  profile: Pkcs12Profile;
  friendlyName?: string;
}

export interface WriteKeyOnlyOptions {
  key: KeyObject;
  passphrase: string;
  profile: Pkcs12Profile;
  friendlyName?: string;
  /** The key's certificate, to give the key the same localKeyId as in cert.p12. */
  certificate?: Buffer;
}

// --- encryption for each profile ---

/** How one bag or safe is encrypted: its AlgorithmIdentifier (DER) and the cipher. */
interface Seal {
  algorithm: Buffer;
  encrypt(plain: Buffer): Buffer;
}

/** The MAC's salt and key. */
interface MacKey {
  salt: Buffer;
  key: Buffer;
}

/**
 * Fresh salts, and the keys for `count` encryptions and the MAC. The compatible profile's come
 * from one pkcs12KdfEach: a key and its certificate take seven SHA-1 chains of 2,048 rounds,
 * which run four at a time.
 */
function keysFor(
  passphrase: string,
  profile: Pkcs12Profile,
  count: number,
): { seals: Seal[]; mac: MacKey } {
  const macSalt = randomBytes(8);
  const mac: Pkcs12KdfRequest = {
    password: passphrase,
    salt: macSalt,
    id: 3,
    iterations: ITERATIONS,
    size: 20,
  };
  if (profile === 'modern') {
    const seals = Array.from({ length: count }, () => aes256Seal(passphrase));
    return { seals, mac: { salt: macSalt, key: pkcs12KdfEach([mac])[0]! } };
  }
  const salts = Array.from({ length: count }, () => randomBytes(8));
  const derived = pkcs12KdfEach([
    ...salts.flatMap((salt): Pkcs12KdfRequest[] => [
      { password: passphrase, salt, id: 1, iterations: ITERATIONS, size: 24 },
      { password: passphrase, salt, id: 2, iterations: ITERATIONS, size: 8 },
    ]),
    mac,
  ]);
  return {
    seals: salts.map((salt, n) => tripleDesSeal(salt, derived[2 * n]!, derived[2 * n + 1]!)),
    mac: { salt: macSalt, key: derived[2 * count]! },
  };
}

function tripleDesSeal(salt: Buffer, key: Buffer, iv: Buffer): Seal {
  return {
    algorithm: seq(oid(PBE_OID.pbeWithSha3Des), seq(octets(salt), integer(ITERATIONS))),
    encrypt: (plain) => {
      const cipher = createCipheriv('des-ede3-cbc', key, iv);
      return Buffer.concat([cipher.update(plain), cipher.final()]);
    },
  };
}

function aes256Seal(passphrase: string): Seal {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const kdf = seq(
    oid(PBE_OID.pbkdf2),
    seq(octets(salt), integer(ITERATIONS), seq(oid(PBE_OID.hmacWithSha256), nullValue())),
  );
  return {
    algorithm: seq(oid(PBE_OID.pbes2), seq(kdf, seq(oid(PBE_OID.aes256Cbc), octets(iv)))),
    encrypt: (plain) => {
      // PBES2 takes the passphrase as UTF-8 bytes (RFC 8018 §3; what OpenSSL passes).
      const key = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, ITERATIONS, 32, 'sha256');
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([cipher.update(plain), cipher.final()]);
    },
  };
}

// --- bags, safes and the PFX ---

interface Attributes {
  friendlyName?: string | undefined;
  localKeyId?: Buffer | undefined;
}

function attributes({ friendlyName, localKeyId }: Attributes): Buffer[] {
  const list: Buffer[] = [];
  if (friendlyName) list.push(seq(oid(PKCS12_OID.friendlyName), set(bmpString(friendlyName))));
  if (localKeyId) list.push(seq(oid(PKCS12_OID.localKeyId), set(octets(localKeyId))));
  return list.length > 0 ? [set(...list)] : [];
}

function certificateBag(der: Buffer, attrs: Attributes): Buffer {
  return seq(
    oid(PKCS12_OID.certBag),
    explicit(0, seq(oid(PKCS12_OID.x509Certificate), explicit(0, octets(der)))),
    ...attributes(attrs),
  );
}

function shroudedKeyBag(key: KeyObject, seal: Seal, attrs: Attributes): Buffer {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return seq(
    oid(PKCS12_OID.shroudedKeyBag),
    explicit(0, seq(seal.algorithm, octets(seal.encrypt(pkcs8)))),
    ...attributes(attrs),
  );
}

function dataSafe(bags: Buffer[]): Buffer {
  return seq(oid(PKCS12_OID.data), explicit(0, octets(seq(...bags))));
}

function encryptedSafe(bags: Buffer[], seal: Seal): Buffer {
  const ciphertext = seal.encrypt(seq(...bags));
  return seq(
    oid(PKCS12_OID.encryptedData),
    explicit(
      0,
      seq(integer(0), seq(oid(PKCS12_OID.data), seal.algorithm, implicit(0, ciphertext))),
    ),
  );
}

/** The PFX with a SHA-1 MAC (RFC 7292 §4, §5). */
function pfx(safes: Buffer[], mac: MacKey): Buffer {
  const authSafe = seq(...safes);
  const digest = createHmac('sha1', mac.key).update(authSafe).digest();
  const macData = seq(
    seq(seq(oid(PKCS12_OID.sha1), nullValue()), octets(digest)),
    octets(mac.salt),
    integer(ITERATIONS),
  );
  return seq(integer(3), seq(oid(PKCS12_OID.data), explicit(0, octets(authSafe))), macData);
}

// --- checks ---

function requireProfile(profile: string): void {
  if (!PKCS12_PROFILES.includes(profile as Pkcs12Profile)) {
    throw new InputError('USAGE', `"${profile}" is not a PKCS#12 profile`, {
      hint: `Use one of: ${PKCS12_PROFILES.join(', ')}.`,
    });
  }
}

function requireCertificates(certificates: Buffer[]): X509Certificate {
  if (certificates.length === 0) {
    throw new InputError('USAGE', 'a .p12 with certificates needs at least one certificate', {
      hint: 'Pass the certificate (the .cer Apple issued) first, then any chain.',
    });
  }
  const parsed = certificates.map((der) => {
    try {
      return new X509Certificate(der);
    } catch (cause) {
      throw new InputError(
        'CORRUPT_FILE',
        'a certificate to put in the .p12 is not a valid X.509 certificate',
        {
          hint: 'Download the certificate from the Apple Developer portal again.',
          cause,
        },
      );
    }
  });
  return parsed[0]!;
}

function requirePrivateKey(key: KeyObject): void {
  if (key.type !== 'private') {
    throw new InputError('USAGE', 'a .p12 needs a private key, not a public one', {
      hint: 'Pass the private key that made the CSR.',
    });
  }
}

function requireMatch(key: KeyObject, certificate: X509Certificate): void {
  if (!keyMatchesSpki(key, certificate.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new InputError('KEY_MISMATCH', 'the private key does not belong to the certificate', {
      hint: 'Use the key that made the CSR this certificate was issued for.',
    });
  }
}

function localKeyIdOf(certificate: Buffer): Buffer {
  // SHA-1 of the certificate: what OpenSSL and forge use as localKeyId.
  return createHash('sha1').update(certificate).digest();
}

/** Key + certificate (+ chain) in one .p12: `apns.p12`. */
export function writePkcs12(options: WritePkcs12Options): Buffer {
  const { key, certificates, passphrase, profile, friendlyName } = options;
  requireProfile(profile);
  requirePrivateKey(key);
  const leaf = requireCertificates(certificates);
  requireMatch(key, leaf);
  const attrs = { friendlyName, localKeyId: localKeyIdOf(certificates[0]!) };
  const certBags = certificates.map((der, i) => certificateBag(der, i === 0 ? attrs : {}));
  const { seals, mac } = keysFor(passphrase, profile, 2);
  return pfx(
    [encryptedSafe(certBags, seals[0]!), dataSafe([shroudedKeyBag(key, seals[1]!, attrs)])],
    mac,
  );
}

/** Certificates only: the classic guide's `cert.p12`. */
export function writeCertificateOnlyPkcs12(options: WriteCertificateOnlyOptions): Buffer {
  const { certificates, passphrase, profile, friendlyName } = options;
  requireProfile(profile);
  requireCertificates(certificates);
  const attrs = { friendlyName, localKeyId: localKeyIdOf(certificates[0]!) };
  const certBags = certificates.map((der, i) => certificateBag(der, i === 0 ? attrs : {}));
  const { seals, mac } = keysFor(passphrase, profile, 1);
  return pfx([encryptedSafe(certBags, seals[0]!)], mac);
}

/** The private key only: the classic guide's `key.p12`. */
export function writeKeyOnlyPkcs12(options: WriteKeyOnlyOptions): Buffer {
  const { key, passphrase, profile, friendlyName, certificate } = options;
  requireProfile(profile);
  requirePrivateKey(key);
  if (certificate) requireMatch(key, requireCertificates([certificate]));
  const attrs = { friendlyName, localKeyId: certificate ? localKeyIdOf(certificate) : undefined };
  const { seals, mac } = keysFor(passphrase, profile, 1);
  return pfx([dataSafe([shroudedKeyBag(key, seals[0]!, attrs)])], mac);
}

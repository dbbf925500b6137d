/**
 * One X.509 certificate, DER in, CertificateInfo out. Walked with der.ts rather than node-forge
 * (which cannot parse EC certificates, and several Apple CAs are EC) or Node's X509Certificate
 * (which has no accessor for Apple's extensions).
 *
 * Node's X509Certificate is OpenSSL's parser, and gives a second opinion: a certificate is
 * read only if OpenSSL reads it too, so that `inspect` and `check` never pass a file that
 * `openssl x509`, curl or a provider's TLS stack would refuse. Our own walk stays the first
 * opinion: it says what is wrong, where OpenSSL only says no.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { classifyCertificate } from '../apns/classify.js';
import { InputError, isApnsSetupError } from '../errors.js';
import {
  TAG,
  childrenOf,
  contentOf,
  decodeIntegerHex,
  decodeOid,
  decodeTime,
  encodingOf,
  isTime,
  readTlv,
  type Tlv,
} from './der.js';
import { recogniseDerShape, type DerShape } from './der-shape.js';
import { readDistinguishedName } from './distinguished-name.js';
import { looksLikePemText } from './text.js';
import type { CertificateInfo } from './types.js';

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The content of extnValue (the DER the OCTET STRING wraps). */
  value: Buffer;
}

interface CertificateParts {
  /** The certificate's own bytes (trailing bytes after it are not part of it). */
  der: Buffer;
  serial: Tlv;
  issuer: Tlv;
  notBefore: Tlv;
  notAfter: Tlv;
  subject: Tlv;
  spki: Tlv;
  extensions: Tlv | null;
}

const TAG_VERSION = 0xa0; // [0] EXPLICIT Version
const TAG_EXTENSIONS = 0xa3; // [3] EXPLICIT Extensions

/**
 * Parses one DER certificate. Bytes after the certificate are ignored, as `openssl x509
 * -inform DER` ignores them: three of Apple's CA files as mirrored on GitHub carry leftover
 * base64 text after the DER.
 */
export function parseCertificate(bytes: Uint8Array): CertificateInfo {
  const parts = walk(bytes);
  return readable(() => toCertificateInfo(parts));
}

function toCertificateInfo(parts: CertificateParts): CertificateInfo {
  const der = parts.der;
  const subject = readDistinguishedName(der, parts.subject);
  const issuer = readDistinguishedName(der, parts.issuer);
  const classification = classifyCertificate(readExtensionList(der, parts.extensions));
  return {
    der,
    subject,
    issuer,
    serialNumber: decodeIntegerHex(der, parts.serial),
    notBefore: decodeTime(der, parts.notBefore),
    notAfter: decodeTime(der, parts.notAfter),
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
    bundleId: subject.userId,
    teamId: subject.organizationalUnit,
    type: classification.type,
    environments: classification.environments,
    topics: classification.topics,
    isApns: classification.isApns,
    selfIssued: encodingOf(der, parts.issuer).equals(encodingOf(der, parts.subject)),
    publicKeySpki: encodingOf(der, parts.spki),
  };
}

/**
 * The extensions of a certificate in DER order (e.g. for classifyCertificate's topic kinds,
 * or to compare an issued certificate's layout with Apple's).
 */
export function readCertificateExtensions(bytes: Uint8Array): CertificateExtension[] {
  const parts = walk(bytes);
  return readable(() => readExtensionList(parts.der, parts.extensions));
}

function walk(bytes: Uint8Array): CertificateParts {
  if (bytes.length === 0) {
    throw new InputError('FILE_EMPTY', 'it is empty', {
      hint: 'Download the certificate (.cer) from the Apple Developer portal again.',
    });
  }
  if (looksLikePemText(bytes)) {
    throw new InputError('WRONG_KIND', 'it is PEM text, where a DER certificate was expected', {
      hint: 'Read its CERTIFICATE block first, or convert it: openssl x509 -in FILE -outform DER',
    });
  }
  const parts = readable(() => walkStrict(bytes));
  requireOpensslReads(parts.der);
  return parts;
}

/** OpenSSL's d2i_X509, through Node: what it refuses, no TLS stack or `openssl x509` reads. */
function requireOpensslReads(der: Buffer): void {
  try {
    new X509Certificate(der);
  } catch (cause) {
    throw notACertificate('its encoding is damaged (OpenSSL cannot parse it either)', cause);
  }
}

/** Whatever goes wrong deep in a damaged certificate surfaces as CORRUPT_FILE, never raw. */
function readable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw notACertificate('its structure could not be read', error);
  }
}

function walkStrict(bytes: Uint8Array): CertificateParts {
  const outer = readTlv(bytes, 0);
  const der = Buffer.from(bytes.subarray(0, outer.end));
  const top = outer.tag === TAG.SEQUENCE ? childrenOf(der, outer) : [];
  const [tbs, signatureAlgorithm, signature] = top;
  const other = recogniseOtherKind(der);
  if (other) {
    throw new InputError('WRONG_KIND', `it is ${other.what}, not a certificate`, {
      hint: other.hint,
    });
  }
  if (
    top.length !== 3 ||
    tbs?.tag !== TAG.SEQUENCE ||
    signatureAlgorithm?.tag !== TAG.SEQUENCE ||
    signature?.tag !== TAG.BIT_STRING
  ) {
    throw notACertificate('it is not shaped like an X.509 certificate');
  }

  const fields = childrenOf(der, tbs);
  let i = fields[0]?.tag === TAG_VERSION ? 1 : 0;
  const take = (tag: number, what: string): Tlv => {
    const field = fields[i++];
    if (field?.tag !== tag) throw notACertificate(`its ${what} is missing or malformed`);
    return field;
  };
  const serial = take(TAG.INTEGER, 'serial number');
  take(TAG.SEQUENCE, 'signature algorithm');
  const issuer = take(TAG.SEQUENCE, 'issuer');
  const validity = take(TAG.SEQUENCE, 'validity');
  const subject = take(TAG.SEQUENCE, 'subject');
  const spki = take(TAG.SEQUENCE, 'public key');
  const extensions = fields.slice(i).find((field) => field.tag === TAG_EXTENSIONS) ?? null;

  const [notBefore, notAfter] = childrenOf(der, validity);
  if (!notBefore || !notAfter || !isTime(notBefore) || !isTime(notAfter)) {
    throw notACertificate('its validity dates are missing or malformed');
  }
  return { der, serial, issuer, notBefore, notAfter, subject, spki, extensions };
}

function readExtensionList(der: Buffer, extensions: Tlv | null): CertificateExtension[] {
  if (!extensions) return [];
  const list = childrenOf(der, extensions)[0];
  if (list?.tag !== TAG.SEQUENCE) throw notACertificate('its extensions are malformed');
  return childrenOf(der, list).map((extension) => {
    const [id, second, third] = childrenOf(der, extension);
    const critical = second?.tag === TAG.BOOLEAN;
    const value = critical ? third : second;
    if (id?.tag !== TAG.OID || value?.tag !== TAG.OCTET_STRING) {
      throw notACertificate('one of its extensions is malformed');
    }
    return {
      oid: decodeOid(contentOf(der, id)),
      critical: critical && contentOf(der, second)[0] !== 0,
      value: contentOf(der, value),
    };
  });
}

function notACertificate(detail: string, cause?: unknown): InputError {
  return new InputError('CORRUPT_FILE', `it is not a valid X.509 certificate: ${detail}`, {
    hint: 'The file is damaged or is not a certificate: download the .cer from the Apple Developer portal again.',
    cause,
  });
}

interface OtherKind {
  what: string;
  hint: string;
}

const KEY_HINT =
  'That is a key. Pass the certificate Apple issued for it (the .cer, or a PEM with a CERTIFICATE block).';

/** The structures people hand over instead of a certificate, named so the error can say so. */
const OTHER_KINDS: Partial<Record<DerShape, OtherKind>> = {
  pkcs7: {
    what: 'a PKCS#7 (.p7b) bundle',
    hint: 'Read it as a .p7b, or export the certificate alone as a .cer.',
  },
  pkcs12: {
    what: 'a PKCS#12 (.p12) file',
    hint: 'Open it as a .p12 (it needs its export password), not as a certificate.',
  },
  'pkcs8-key': { what: 'a private key (PKCS#8)', hint: KEY_HINT },
  'encrypted-pkcs8-key': { what: 'an encrypted private key (PKCS#8)', hint: KEY_HINT },
  'pkcs1-key': { what: 'an RSA private key (PKCS#1)', hint: KEY_HINT },
  'ec-key': { what: 'an EC private key', hint: KEY_HINT },
  spki: { what: 'a public key', hint: KEY_HINT },
  'pkcs1-public-key': { what: 'an RSA public key', hint: KEY_HINT },
  csr: {
    what: 'a certificate signing request (CSR)',
    hint: 'Upload the CSR to the Apple Developer portal; the certificate is the .cer you download afterwards.',
  },
  crl: {
    what: 'a certificate revocation list (CRL)',
    hint: 'Pass the certificate (.cer) instead.',
  },
};

function recogniseOtherKind(der: Buffer): OtherKind | null {
  const shape = recogniseDerShape(der);
  return shape === null ? null : (OTHER_KINDS[shape] ?? null);
}

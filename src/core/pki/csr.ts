/**
 * Certificate signing requests (PKCS#10, RFC 2986) as Keychain Access's "Request a Certificate
 * From a Certificate Authority" makes them: subject emailAddress, CN and (optionally) C, in
 * that order, an RSA key, SHA-256 with RSA. Apple's portal reads only the public key; the
 * subject is for the user's own records.
 *
 * forge builds the CertificationRequestInfo (Node has no PKCS#10); Node signs it, so the
 * private key never leaves its KeyObject. Reading walks the DER and verifies with Node, which
 * keeps the exact SPKI bytes and decodes UTF-8 subject values (forge leaves them raw).
 */
import { type KeyObject, createPublicKey, sign, verify } from 'node:crypto';
import { InputError, isApnsSetupError } from '../errors.js';
import {
  TAG,
  childAt,
  childrenOf,
  contentOf,
  decodeOid,
  decodeString,
  encodingOf,
  readTlv,
} from './der.js';
import { derFromForgeAsn1, loadForge, toForgeBytes, type Forge } from './forge.js';
import { encodePem } from './pem.js';

export interface CsrRequest {
  key: KeyObject;
  email: string;
  commonName: string;
  /** Two letters (ISO 3166); upper-cased. Omitted from the subject when absent. */
  country?: string;
}

export interface CsrSubject {
  emailAddress: string | null;
  commonName: string | null;
  country: string | null;
}

export interface CsrInfo {
  subject: CsrSubject;
  /** SubjectPublicKeyInfo DER, as in the request. */
  publicKeySpki: Buffer;
  signatureValid: boolean;
}

const OID_EMAIL = '1.2.840.113549.1.9.1';
const OID_CN = '2.5.4.3';
const OID_COUNTRY = '2.5.4.6';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

// Loose on purpose: Apple does not check it; we only catch a swapped flag or a typo'd paste.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function usage(message: string, hint: string): InputError {
  return new InputError('USAGE', message, { hint });
}

function validate(request: CsrRequest): {
  email: string;
  commonName: string;
  country: string | null;
} {
  const email = request.email.trim();
  // PKCS#9 emailAddress is an IA5String (ASCII), at most 255 characters.
  if (!EMAIL.test(email) || email.length > 255 || /[^\x20-\x7e]/.test(email)) {
    throw usage(
      `"${request.email}" is not an email address`,
      'Pass --email you@example.com (ASCII; Apple does not check it).',
    );
  }
  const commonName = request.commonName.trim();
  if (commonName.length === 0 || commonName.length > 64) {
    // X.520 ub-common-name: 64 characters.
    throw usage(
      commonName.length === 0
        ? 'the common name is empty'
        : `the common name has ${commonName.length} characters; at most 64 fit`,
      'Pass --common-name with a short label, e.g. your name or the app ("Jane Doe", "MyApp Push").',
    );
  }
  let country: string | null = null;
  if (request.country !== undefined && request.country.trim() !== '') {
    country = request.country.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) {
      throw usage(
        `"${request.country}" is not a two-letter country code`,
        'Pass --country with an ISO 3166 code such as US, GB or DE, or leave it out.',
      );
    }
  }
  if (request.key.type !== 'private' || request.key.asymmetricKeyType !== 'rsa') {
    throw usage(
      'a CSR for Apple needs an RSA private key',
      'Make a new key with `apns-setup csr` (RSA 2048).',
    );
  }
  return { email, commonName, country };
}

/** In forge's JavaScript, missing from its typings. */
interface ForgeCsrInfo {
  getCertificationRequestInfo(csr: Forge.pki.CertificateSigningRequest): Forge.asn1.Asn1;
}

/** A PEM `CERTIFICATE REQUEST` signed with SHA-256 with RSA. */
export function createCsr(request: CsrRequest): { pem: string; der: Buffer } {
  const { email, commonName, country } = validate(request);
  const forge = loadForge();
  const csr = forge.pki.createCertificationRequest();
  const spkiPem = createPublicKey(request.key).export({ type: 'spki', format: 'pem' }).toString();
  csr.publicKey = forge.pki.publicKeyFromPem(spkiPem);
  const { Type } = forge.asn1;
  // Without valueTagClass forge writes every value as a PrintableString (its typings call the
  // field a Class, wrongly: it is the universal tag number).
  csr.setSubject([
    { name: 'emailAddress', value: email, valueTagClass: Type.IA5STRING },
    { name: 'commonName', value: commonName, valueTagClass: Type.UTF8 },
    ...(country
      ? [{ name: 'countryName', value: country, valueTagClass: Type.PRINTABLESTRING }]
      : []),
  ] as unknown as Forge.pki.CertificateField[]);
  const info = (forge.pki as unknown as ForgeCsrInfo).getCertificationRequestInfo(csr);
  const signature = sign('sha256', derFromForgeAsn1(info), request.key);
  Object.assign(csr, {
    certificationRequestInfo: info,
    signatureOid: SHA256_WITH_RSA,
    signature: toForgeBytes(signature),
  });
  const der = derFromForgeAsn1(forge.pki.certificationRequestToAsn1(csr));
  return { der, pem: encodePem('CERTIFICATE REQUEST', der) };
}

function corruptCsr(cause?: unknown): InputError {
  return new InputError('CORRUPT_FILE', 'it is not a valid certificate signing request', {
    hint: 'Make a new CSR with `apns-setup csr`.',
    cause,
  });
}

/** Reads a CSR's subject and key and checks its signature. */
export function parseCsr(der: Uint8Array): CsrInfo {
  try {
    const root = readTlv(der, 0);
    const [criTlv, algTlv, sigTlv] = childrenOf(der, root);
    if (
      criTlv?.tag !== TAG.SEQUENCE ||
      algTlv?.tag !== TAG.SEQUENCE ||
      sigTlv?.tag !== TAG.BIT_STRING
    ) {
      throw corruptCsr();
    }
    const [, nameTlv, spkiTlv] = childrenOf(der, criTlv);
    if (nameTlv?.tag !== TAG.SEQUENCE || spkiTlv?.tag !== TAG.SEQUENCE) throw corruptCsr();
    const subject: CsrSubject = { emailAddress: null, commonName: null, country: null };
    for (const rdn of childrenOf(der, nameTlv)) {
      for (const atv of childrenOf(der, rdn)) {
        const type = decodeOid(contentOf(der, childAt(der, atv, 0, 'an attribute type')));
        const value = decodeString(der, childAt(der, atv, 1, 'an attribute value'));
        if (type === OID_EMAIL) subject.emailAddress ??= value;
        if (type === OID_CN) subject.commonName ??= value;
        if (type === OID_COUNTRY) subject.country ??= value;
      }
    }
    const publicKeySpki = encodingOf(der, spkiTlv);
    const algorithm = decodeOid(contentOf(der, childAt(der, algTlv, 0, 'the signature algorithm')));
    const signature = contentOf(der, sigTlv).subarray(1); // drop the unused-bits octet
    return {
      subject,
      publicKeySpki,
      signatureValid: verifySignature(algorithm, encodingOf(der, criTlv), publicKeySpki, signature),
    };
  } catch (error) {
    if (isApnsSetupError(error)) throw corruptCsr(error);
    throw error;
  }
}

function verifySignature(
  algorithm: string,
  signed: Buffer,
  spki: Buffer,
  signature: Buffer,
): boolean {
  const hash = SIGNATURE_HASH[algorithm];
  if (!hash) return false;
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return verify(hash, signed, key, signature);
  } catch {
    return false;
  }
}

/**
 * The local stand-in for Apple's Developer portal: a CA, clearly named as not Apple's, that
 * turns a CSR into a push certificate laid out as Apple's (subject, extensions, validity). The
 * sandbox trusts it for client certificates; the demo uses it to play the "upload the CSR,
 * download aps.cer" step offline.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { TopicEntry } from '../core/apns/classify.js';
import { InputError } from '../core/errors.js';
import { parseCsr } from '../core/pki/csr.js';
import {
  createCertificateAuthority,
  issueApnsCertificate,
  type ApnsCertificateKind,
  type IssuedCertificate,
  type SigningAuthority,
} from '../core/pki/issue-certificate.js';
import { parsePem } from '../core/pki/pem.js';
import { looksLikePemText } from '../core/pki/text.js';

export { LOCAL_PORTAL_CA_NAME as PORTAL_CA_NAME } from '../core/apns/local-portal.js';
import { LOCAL_PORTAL_CA_NAME } from '../core/apns/local-portal.js';

const DAY = 24 * 60 * 60 * 1000;
/**
 * Apple's push certificates run 395 days from issue (WWDR G4 2025-07-22 → 2026-08-21, STOmaha;
 * G1 2020-11-18 → 2021-12-18, paubins): a year plus the month of overlap for renewal.
 */
const APPLE_VALIDITY_DAYS = 395;
const PORTAL_CA_VALIDITY_DAYS = 10 * 365;

export interface PortalCa extends SigningAuthority {
  certificate: IssuedCertificate['certificate'];
}

export interface CreatePortalCaInput {
  /** An RSA key, as Apple's WWDR G4 has. */
  key: KeyObject;
  now: Date;
  serialNumber: string;
}

export function createPortalCa(input: CreatePortalCaInput): PortalCa {
  const issued = createCertificateAuthority({
    commonName: LOCAL_PORTAL_CA_NAME,
    organizationalUnit: 'apns-setup',
    organization: "apns-setup local stand-in for Apple's portal",
    key: input.key,
    // An hour back: a client whose clock runs a little behind still accepts what it issues.
    notBefore: new Date(input.now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(input.now.getTime() + PORTAL_CA_VALIDITY_DAYS * DAY),
    serialNumber: input.serialNumber,
  });
  return { key: input.key, certificatePem: issued.certificatePem, certificate: issued.certificate };
}

export interface SignCsrInput {
  portalCa: SigningAuthority;
  /** The CSR as DER, or as PEM text (`CertificateSigningRequest.certSigningRequest`). */
  csrDer: Uint8Array;
  bundleId: string;
  teamId: string;
  teamName: string;
  type: ApnsCertificateKind;
  now: Date;
  /** Hex; Apple's are 8 to 20 random bytes. */
  serialNumber: string;
  /** Entries of the topics extension; the default is what Apple writes for `type`. */
  topics?: TopicEntry[];
}

/** What the portal does with an uploaded CSR: checks it, then issues `aps.cer`. */
export function signCsrAsApple(input: SignCsrInput): IssuedCertificate {
  const csr = parseCsr(csrBytes(input.csrDer));
  if (!csr.signatureValid) {
    throw new InputError('CORRUPT_FILE', 'the CSR is not signed by the key it holds', {
      hint: 'Make a new CSR with `apns-setup csr`; a CSR edited after signing is refused by Apple too.',
    });
  }
  const publicKey = createPublicKey({ key: csr.publicKeySpki, format: 'der', type: 'spki' });
  // Apple's portal asks for an RSA key (what Keychain Access makes) in a push certificate CSR.
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      `the CSR's key is ${String(publicKey.asymmetricKeyType).toUpperCase()}; Apple's portal takes RSA keys for push certificates`,
      { hint: 'Make the CSR with `apns-setup csr`, which uses RSA 2048 as Keychain Access does.' },
    );
  }
  return issueApnsCertificate({
    ca: input.portalCa,
    publicKey,
    bundleId: input.bundleId,
    teamId: input.teamId,
    teamName: input.teamName,
    type: input.type,
    ...(input.topics ? { topics: input.topics } : {}),
    notBefore: input.now,
    notAfter: new Date(input.now.getTime() + APPLE_VALIDITY_DAYS * DAY),
    serialNumber: input.serialNumber,
  });
}

function csrBytes(bytes: Uint8Array): Uint8Array {
  if (!looksLikePemText(bytes)) return bytes;
  const block = parsePem(bytes).find((b) => /CERTIFICATE REQUEST$/.test(b.label));
  if (!block) {
    throw new InputError('WRONG_KIND', 'it holds no CERTIFICATE REQUEST block', {
      hint: 'Pass the CSR made by `apns-setup csr` (CertificateSigningRequest.certSigningRequest).',
    });
  }
  return block.der;
}

/**
 * The sentences apns-setup says to people, kept together so they can be read and reviewed as
 * a whole. mkcert's voice: what happened, where the file is, what to run next.
 */
import { formatDate } from '../core/expiry.js';
import type { CertificateInfo, MaterialKind } from '../core/pki/types.js';

export function describeUnexpectedError(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `something unexpected went wrong: ${detail}`;
}

/** How to get a new push certificate (Apple allows two at a time, so the old one keeps working meanwhile). */
export const NEW_CERTIFICATE_STEPS =
  'make a new one (apns-setup csr, upload the CSR at developer.apple.com, then apns-setup import)';

const TYPE_NAMES: Record<CertificateInfo['type'], string> = {
  development: 'development (sandbox)',
  production: 'production',
  universal: 'sandbox & production',
  voip: 'VoIP',
  website: 'Website Push',
  pass: 'Pass Type ID',
  other: 'not an APNs certificate',
};

export function describeType(certificate: CertificateInfo): string {
  return TYPE_NAMES[certificate.type];
}

/** "com.example.app (sandbox & production), team ABCDE12345" */
export function describeCertificate(certificate: CertificateInfo): string {
  const who = certificate.bundleId ?? certificate.subject.commonName ?? 'unnamed certificate';
  const team = certificate.teamId ? `, team ${certificate.teamId}` : '';
  return `${who} (${describeType(certificate)})${team}`;
}

const KIND_NAMES: Record<MaterialKind, string> = {
  certificate: 'a certificate',
  pkcs12: 'a .p12',
  'pem-bundle': 'a PEM bundle',
  'private-key': 'a private key',
  'public-key': 'a public key',
  csr: 'a certificate signing request (CSR)',
  pkcs7: 'a .p7b',
};

export const importMessages = {
  noCertificate: (file: string, kind: MaterialKind) =>
    `${file} is ${KIND_NAMES[kind]}, not a certificate`,
  noCertificateHint: (kind: MaterialKind) =>
    kind === 'csr'
      ? 'Upload this CSR at developer.apple.com (Certificates → +), then import the .cer Apple gives you.'
      : 'Pass the .cer downloaded from developer.apple.com (aps_development.cer or aps.cer).',
  notApns: (file: string, certificate: CertificateInfo) =>
    `${file} is not an Apple Push Notification certificate (${certificate.subject.commonName ?? 'no common name'})`,
  notApnsHint:
    'In the Apple Developer portal create an "Apple Push Notification service SSL" certificate for your App ID and download that .cer.',
  mismatch: (certificateFile: string, keyFile: string) =>
    `${certificateFile} was issued for another CSR: its public key is not the one in ${keyFile}`,
  mismatchHint: (keyDir: string) =>
    `Upload the CertificateSigningRequest.certSigningRequest made with this key (apns-setup csr writes it beside key.pem, here ${keyDir}) and download the new .cer, or pass the key you used for this CSR with --key.`,
};

export const convertMessages = {
  noCertificate: (file: string, kind: MaterialKind) =>
    kind === 'csr'
      ? `${file} is a certificate signing request (CSR), not a .p12`
      : kind === 'private-key'
        ? `${file} holds only a private key, no certificate`
        : `${file} holds no certificate`,
  noCertificateHint: (file: string, kind: MaterialKind) =>
    kind === 'csr'
      ? 'Upload it at developer.apple.com (Certificates → +), then run apns-setup import with the .cer Apple gives you and --key key.pem.'
      : kind === 'private-key'
        ? `To pair it with the .cer Apple issued for it, run: apns-setup import aps.cer --key ${file}`
        : 'Export the certificate together with its key (in Keychain Access: select both, then Export 2 items).',
  noKey: (file: string, kind: MaterialKind) =>
    kind === 'certificate' || kind === 'pkcs7'
      ? `${file} is a certificate without its private key, so no ck.pem can be made from it`
      : `${file} holds no private key, so no ck.pem can be made from it`,
  noKeyHint: (file: string, kind: MaterialKind) =>
    kind === 'certificate' || kind === 'pkcs7'
      ? `To pair it with the key that made the CSR, run: apns-setup import ${file} --key key.pem`
      : 'Export again from Keychain Access with the private key: expand the certificate, select it and its key, then Export.',
  mismatch: (file: string) => `${file}: its private key does not belong to its certificate`,
  mismatchHint:
    'Export the certificate together with its own key, or use import with the .cer and the key that made the CSR.',
  notApns: (file: string, certificate: CertificateInfo) =>
    `${file} holds ${certificate.subject.commonName ?? 'a certificate'}, which is not an Apple Push Notification certificate; converting it anyway.`,
  severalKeys: (file: string, count: number, certificate: CertificateInfo) =>
    `${file} holds ${count} private keys; converted the one for ${describeCertificate(certificate)}.`,
};

export const checkMessages = {
  noCertificate: 'it holds no certificate',
  noCertificateHint:
    'Name certificate files (.cer, .pem, .p12) or the folder that holds them; in a folder, keys and CSRs are skipped.',
  locked: 'it is protected by a passphrase, and check never asks for one',
  lockedHint: 'Set APNS_SETUP_PASSPHRASE or pass --passphrase-file FILE.',
  status(
    status: 'ok' | 'expiring' | 'expired' | 'invalid',
    certificate: CertificateInfo,
    daysLeft: number,
    notYetValid: boolean,
  ): string {
    const date = formatDate(certificate.notAfter);
    if (notYetValid) return `not valid until ${formatDate(certificate.notBefore)}`;
    // Only a push certificate is the user's to remake; a CA or other certificate is theirs to replace or remove.
    const next = certificate.isApns ? `: ${NEW_CERTIFICATE_STEPS}` : ' (not an APNs certificate)';
    switch (status) {
      case 'expired':
        return `expired on ${date} (${-daysLeft} days ago)${next}`;
      case 'expiring':
        return `expires on ${date}, in ${daysLeft} days${next}`;
      default:
        return `valid until ${date} (${daysLeft} days left)`;
    }
  },
  skippedLocked:
    'skipped: a .p12 protected by a passphrase (check never asks; set APNS_SETUP_PASSPHRASE or pass --passphrase-file to include it)',
  unreadable: (error: unknown) =>
    `could not be read: ${error instanceof Error ? error.message : String(error)}`,
  nothingFound: (paths: string[]) => `no certificates found in ${paths.join(', ')}`,
  nothingFoundHint: 'Pass the folder or files holding your .cer, .pem or .p12 certificates.',
};

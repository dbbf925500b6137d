/**
 * The sentences apns-setup says to people, kept together so they can be read and reviewed as
 * a whole. mkcert's voice: what happened, where the file is, what to run next.
 */
import { isFromLocalPortal } from '../core/apns/local-portal.js';
import type { CertificateInfo } from '../core/pki/types.js';

export function describeUnexpectedError(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `something unexpected went wrong: ${detail}`;
}

/** How to get a new push certificate (Apple allows two at a time, so the old one keeps working meanwhile). */
export const NEW_CERTIFICATE_STEPS =
  'make a new one: apns-setup renew --from the old certificate, upload its CSR at developer.apple.com, then apns-setup import';

/** The same, for one certificate file (a path ready to paste). */
export function newCertificateSteps(file: string): string {
  return `make a new one: apns-setup renew --from ${shellQuote(file)}, upload its CSR at developer.apple.com, then apns-setup import`;
}

/** What to do about a certificate in its last 30 days: the live one keeps working meanwhile. */
export function renewalStep(file: string): string {
  return `make its successor now, while it still works: apns-setup renew --from ${shellQuote(file)}`;
}

/**
 * A path as it can be pasted into a POSIX shell: as it is when it holds only safe characters,
 * else in single quotes (a single quote inside becomes '\'').
 */
export function shellQuote(path: string): string {
  if (/^[\w@%+=:,./-]+$/.test(path)) return path;
  return `'${path.replaceAll("'", "'\\''")}'`;
}

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

/**
 * "com.example.app (sandbox & production), team ABCDE12345"; a certificate from apns-setup's
 * local portal stand-in says so, every time it is shown.
 */
export function describeCertificate(certificate: CertificateInfo): string {
  const who = certificate.bundleId ?? certificate.subject.commonName ?? 'unnamed certificate';
  const team = certificate.teamId ? `, team ${certificate.teamId}` : '';
  const local = isFromLocalPortal(certificate)
    ? ", issued by apns-setup's local portal stand-in, NOT Apple (only apns-setup sandbox accepts it)"
    : '';
  return `${who} (${describeType(certificate)})${team}${local}`;
}

/** How long ago something ended, from whole days since (`daysSince`): never "1 days", never "0 days". */
export function daysAgoText(days: number): string {
  return days < 1 ? 'less than a day ago' : days === 1 ? '1 day ago' : `${days} days ago`;
}

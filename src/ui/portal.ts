/**
 * What to do on Apple's site, in order: the one visit a new certificate needs. Said after `csr`,
 * after `renew`, and by the wizard.
 */
import { APPLE_CERTIFICATE_PORTAL_URL as PORTAL_URL } from '../core/apns/portal.js';
import type { CertificateType } from '../core/pki/types.js';

export { PORTAL_URL };

/** The portal's name for the certificate type to pick. */
export function portalCertificateType(type: CertificateType | null): string {
  return type === 'development'
    ? 'Apple Push Notification service SSL (Sandbox)'
    : 'Apple Push Notification service SSL (Sandbox & Production)';
}

export const CHOOSE_TYPE_LINE =
  '"Sandbox & Production" works with Xcode builds and App Store/TestFlight builds alike; "Sandbox" only with builds run from Xcode.';

/**
 * The numbered steps at developer.apple.com. `type`: the type of the certificate being replaced,
 * or null for a first one (then the universal one is recommended).
 */
export function portalSteps(options: {
  csrPath: string;
  bundleId: string | null;
  type: CertificateType | null;
}): string[] {
  const forApp = options.bundleId === null ? 'your App ID' : `the App ID ${options.bundleId}`;
  return [
    `Open ${PORTAL_URL}`,
    `Choose "${portalCertificateType(options.type)}"${options.type === null ? '' : ' (as the live one)'} and Continue.`,
    `Pick ${forApp}; it needs the Push Notifications capability (Identifiers → the App ID → Push Notifications).`,
    `Upload ${options.csrPath}, then Download the certificate (aps.cer or aps_development.cer).`,
  ];
}

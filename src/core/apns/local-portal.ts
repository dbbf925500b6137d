/**
 * apns-setup's local stand-in for Apple's portal signs CSRs offline (demo, the sandbox). Every
 * certificate it issues must be recognisable as NOT Apple's wherever it is shown.
 */
import type { CertificateInfo } from '../pki/types.js';

export const LOCAL_PORTAL_CA_NAME = 'apns-setup local portal CA - NOT Apple';

export function isFromLocalPortal(certificate: CertificateInfo): boolean {
  return certificate.issuer.commonName === LOCAL_PORTAL_CA_NAME;
}

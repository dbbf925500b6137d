/** Apple's page for a new certificate: where a CSR is uploaded and aps.cer downloaded. */
export const APPLE_CERTIFICATE_PORTAL_URL =
  'https://developer.apple.com/account/resources/certificates/add';

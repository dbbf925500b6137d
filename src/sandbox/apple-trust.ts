/**
 * Apple's public root and WWDR intermediate certificates, shipped in templates/apple-ca/ (see
 * its README for where they come from and their fingerprints). A push client sends only its
 * leaf, so the server must hold the intermediates as well as the roots to build the chain.
 */
import { readTemplate } from '../adapters/templates.js';

export const APPLE_CA_FILES = [
  'AppleIncRootCertificate.pem',
  'AppleRootCA-G3.pem',
  'AppleWWDRCA.pem',
  'AppleWWDRCAG2.pem',
  'AppleWWDRCAG3.pem',
  'AppleWWDRCAG4.pem',
  'AppleWWDRCAG5.pem',
  'AppleWWDRCAG6.pem',
  'AppleWWDRCAG7.pem',
  'AppleWWDRCAG8.pem',
] as const;

/** The PEM text of each, in APPLE_CA_FILES order. */
export function readAppleCaCertificates(): Promise<string[]> {
  return Promise.all(APPLE_CA_FILES.map((name) => readTemplate(`apple-ca/${name}`)));
}

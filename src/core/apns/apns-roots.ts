/**
 * The roots the APNs servers' TLS certificates chain to, and Node releases' support, as
 * `doctor` judges them. Apple moved api.push.apple.com and api.sandbox.push.apple.com to a
 * certificate chaining to "USERTrust RSA Certification Authority" in 2025; the older chain
 * (USERTrust RSA cross-signed by Comodo) ends at "AAA Certificate Services". The certificates
 * are shipped in templates/apns-roots/ (see its README for their fingerprints).
 */
import { X509Certificate } from 'node:crypto';

export interface ApnsRoot {
  /** The certificate's common name. */
  name: string;
  /** Its file in templates/apns-roots/. */
  file: string;
  /** true: the root of the chain APNs presents today; false: of the older chain. */
  current: boolean;
}

export const APNS_ROOTS: readonly ApnsRoot[] = [
  {
    name: 'USERTrust RSA Certification Authority',
    file: 'USERTrustRSACertificationAuthority.pem',
    current: true,
  },
  { name: 'AAA Certificate Services', file: 'AAACertificateServices.pem', current: false },
];

/**
 * Whether `rootPem` is among `trustedPems`: the same subject and public key (a root re-issued
 * with the same key is as good as the original), whatever its dates or serial number.
 */
export function isTrustedRoot(rootPem: string, trustedPems: readonly string[]): boolean {
  const root = new X509Certificate(rootPem);
  const key = root.publicKey.export({ type: 'spki', format: 'der' });
  return trustedPems.some((pem) => {
    try {
      const candidate = new X509Certificate(pem);
      return (
        candidate.subject === root.subject &&
        candidate.publicKey.export({ type: 'spki', format: 'der' }).equals(key)
      );
    } catch {
      return false;
    }
  });
}

/** Node release lines' end of life (nodejs.org/en/about/previous-releases). */
const NODE_END_OF_LIFE: Record<number, string> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
};

export interface NodeSupport {
  major: number;
  /** The end of life of this release line, when known. */
  endOfLife: Date | null;
  /** now is past endOfLife. */
  pastEndOfLife: boolean;
  /** An odd-numbered (current, never LTS) line. */
  current: boolean;
}

export function assessNode(version: string, now: Date): NodeSupport {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? '0');
  const eol = NODE_END_OF_LIFE[major];
  const endOfLife = eol ? new Date(`${eol}T00:00:00Z`) : null;
  return {
    major,
    endOfLife,
    pastEndOfLife: endOfLife !== null && now.getTime() >= endOfLife.getTime(),
    current: major % 2 === 1,
  };
}

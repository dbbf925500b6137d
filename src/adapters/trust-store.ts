/**
 * The root certificates this Node process trusts for TLS, as far as Node says: on Node ≥ 22.15
 * and 23.9 `tls.getCACertificates('default')` (bundled, system when enabled, and
 * NODE_EXTRA_CA_CERTS); before that, Node's bundled list plus NODE_EXTRA_CA_CERTS.
 */
// fs.promises, loaded on first use: see input-files.ts.
import { promises as fs } from 'node:fs';
import * as tls from 'node:tls';
import type { TrustStore } from '../flows/doctor.js';

type GetCaCertificates = (type: 'default') => string[];

export async function runtimeTrustStore(env: NodeJS.ProcessEnv): Promise<TrustStore> {
  const getCaCertificates = (tls as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (getCaCertificates) return { source: 'runtime', pems: getCaCertificates('default') };
  const pems = [...tls.rootCertificates];
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (!extra) return { source: 'bundled', pems };
  try {
    const text = await fs.readFile(extra, 'utf8');
    pems.push(
      ...(text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []),
    );
  } catch {
    // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so does the report.
    return { source: 'bundled', pems, extraUnreadable: extra };
  }
  return { source: 'bundled+extra', pems };
}

/**
 * `doctor`: the provider side in one report. The runtime (Node, its OpenSSL), its trust of the
 * roots APNs servers present (checked against the certificates shipped with apns-setup, not
 * online), the reach of the APNs hosts (bounded by a short timeout), and the credential files of
 * a folder with what pairs with what. Returns a record; ui/render-doctor.ts says it.
 */
import {
  APNS_ROOTS,
  assessNode,
  isTrustedRoot,
  type NodeSupport,
} from '../core/apns/apns-roots.js';
import { APNS_HOSTS, APNS_PORTS } from '../core/apns/endpoints.js';
import type { ExitCode } from '../core/errors.js';
import { unreachableHosts, type ReachResult } from '../core/apns/reach.js';

export type { ReachResult };
import { describeFolder, type FolderPorts, type FolderReport } from './doctor-files.js';

export interface TrustStore {
  /** runtime: Node listed what it trusts; bundled(+extra): its bundled roots (and NODE_EXTRA_CA_CERTS). */
  source: 'runtime' | 'bundled' | 'bundled+extra';
  pems: string[];
  /** NODE_EXTRA_CA_CERTS names a file that cannot be read. */
  extraUnreadable?: string;
}

export type DoctorPorts = FolderPorts & {
  runtime: { node: string; openssl: string; useOpensslCa: boolean };
  trustStore(): Promise<TrustStore>;
  /** The shipped root's PEM (templates/apns-roots/FILE). */
  shippedRoot(file: string): Promise<string>;
  reach(host: string, port: number): Promise<ReachResult>;
};

export interface RootTrust {
  name: string;
  file: string;
  current: boolean;
  trusted: boolean;
}

export interface DoctorReport {
  now: Date;
  runtime: { node: string; openssl: string; support: NodeSupport; useOpensslCa: boolean };
  trust: { source: TrustStore['source']; extraUnreadable: string | null; roots: RootTrust[] };
  network: ReachResult[];
  folder: FolderReport | null;
}

/** The APNs hosts on both ports, production first. */
export const APNS_TARGETS: { host: string; port: number }[] = [
  APNS_HOSTS.production,
  APNS_HOSTS.sandbox,
].flatMap((host) => APNS_PORTS.map((port) => ({ host, port })));

export async function runDoctor(
  input: { dir: string | null; targets?: { host: string; port: number }[] },
  ports: DoctorPorts,
): Promise<DoctorReport> {
  const now = ports.now();
  const targets = input.targets ?? APNS_TARGETS;
  // The network checks run while the rest is read: the report waits for the slowest only.
  const network = Promise.all(targets.map(({ host, port }) => ports.reach(host, port)));
  const store = await ports.trustStore();
  const roots: RootTrust[] = [];
  for (const root of APNS_ROOTS) {
    const pem = await ports.shippedRoot(root.file);
    roots.push({ ...root, trusted: isTrustedRoot(pem, store.pems) });
  }
  const folder = input.dir === null ? null : await describeFolder(input.dir, ports);
  return {
    now,
    runtime: {
      node: ports.runtime.node,
      openssl: ports.runtime.openssl,
      support: assessNode(ports.runtime.node, now),
      useOpensslCa: ports.runtime.useOpensslCa,
    },
    trust: { source: store.source, extraUnreadable: store.extraUnreadable ?? null, roots },
    network: await network,
    folder,
  };
}

/**
 * 0 when nothing failed; 1 when something will stop a push (APNs unreachable, the current root
 * not trusted, an expired or unusable credential).
 */
export function doctorExitCode(report: DoctorReport): ExitCode {
  if (unreachableHosts(report.network).length > 0) return 1;
  if (!report.trust.roots.some((r) => r.current && r.trusted)) return 1;
  if (report.folder?.files.some((f) => f.severity === 'fail')) return 1;
  return 0;
}

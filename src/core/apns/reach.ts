/** What a check of an APNs host's reach found (adapters/network-reach.ts does the checking). */

export interface ReachResult {
  host: string;
  port: number;
  /**
   * connected: resolved and a TCP connection opened; dns-failed / dns-timeout: the name did not
   * resolve; refused, unreachable, timeout, failed: resolved, but no connection.
   */
  outcome:
    'connected' | 'dns-failed' | 'dns-timeout' | 'refused' | 'unreachable' | 'timeout' | 'failed';
  address: string | null;
  /** The system's error code (ENOTFOUND, ECONNREFUSED…), when there was one. */
  code: string | null;
  ms: number;
}

/** Whether APNs cannot be reached at all: no target connected. */
export function isOffline(network: readonly ReachResult[]): boolean {
  return network.length > 0 && network.every((r) => r.outcome !== 'connected');
}

/** The hosts reached on no port: a push there cannot go out. */
export function unreachableHosts(network: readonly ReachResult[]): string[] {
  const hosts = [...new Set(network.map((r) => r.host))];
  return hosts.filter((host) =>
    network.filter((r) => r.host === host).every((r) => r.outcome !== 'connected'),
  );
}

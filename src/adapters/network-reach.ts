/**
 * Whether a host answers on a port: its name resolved, then a TCP connection opened and closed
 * at once (no TLS, nothing sent). Every step is bounded by one timeout, so an offline machine or
 * a firewall that drops packets gives an answer, never a hang. `doctor` uses it for the APNs
 * hosts; tests point it at a local server.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { connect } from 'node:net';
import type { ReachResult } from '../core/apns/reach.js';

export type Lookup = (host: string) => Promise<{ address: string }>;

export interface ReachOptions {
  timeoutMs: number;
  /** Name resolution; Node's (getaddrinfo, as a push client uses) unless a test brings its own. */
  lookup?: Lookup;
}

const UNREACHABLE = new Set([
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

export async function reach(
  host: string,
  port: number,
  options: ReachOptions,
): Promise<ReachResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const lookup = options.lookup ?? ((name: string) => dnsLookup(name));
  let address: string;
  try {
    const resolved = await withTimeout(lookup(host), options.timeoutMs);
    if (resolved === 'timeout')
      return {
        host,
        port,
        outcome: 'dns-timeout',
        address: null,
        code: null,
        ms: Date.now() - started,
      };
    address = resolved.address;
  } catch (error) {
    return {
      host,
      port,
      outcome: 'dns-failed',
      address: null,
      code: codeOf(error),
      ms: Date.now() - started,
    };
  }
  const connected = await tcpConnect(address, port, Math.max(1, deadline - Date.now()));
  const ms = Date.now() - started;
  if (connected === 'ok') return { host, port, outcome: 'connected', address, code: null, ms };
  if (connected === 'timeout') return { host, port, outcome: 'timeout', address, code: null, ms };
  const outcome =
    connected === 'ECONNREFUSED'
      ? 'refused'
      : UNREACHABLE.has(connected)
        ? 'unreachable'
        : 'failed';
  return { host, port, outcome, address, code: connected, ms };
}

function tcpConnect(address: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => done('ok'));
    socket.once('error', (error) => done(codeOf(error) ?? 'failed'));
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    // A lookup stuck in getaddrinfo must not keep the process alive once the answer is given.
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

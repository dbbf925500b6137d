/**
 * Where a push goes: Apple's two HTTP/2 hosts, a custom `--endpoint` (a local sandbox), and which
 * environment to use given what the certificate allows.
 */
import { InputError } from '../errors.js';
import type { Environment } from '../pki/types.js';

export const APNS_HOSTS: Readonly<Record<Environment, string>> = {
  sandbox: 'api.sandbox.push.apple.com',
  production: 'api.push.apple.com',
};

/** Apple's older name for the sandbox host, still answered and still quoted in old guides. */
export const APNS_LEGACY_SANDBOX_HOST = 'api.development.push.apple.com';

/** 443, or 2197 for networks that block outbound 443 to non-web servers (Apple's documented alternative). */
export const APNS_PORTS = [443, 2197] as const;
export type ApnsPort = (typeof APNS_PORTS)[number];

export interface Endpoint {
  /** The origin to hand to `http2.connect`, e.g. `https://api.push.apple.com:2197` (no `:443`). */
  url: string;
  /** The host name without IPv6 brackets (the TLS server name). */
  host: string;
  port: number;
  /** The environment the host belongs to; null for a host that is not Apple's (a local sandbox). */
  environment: Environment | null;
}

export function endpointFor(environment: Environment, port: number = 443): Endpoint {
  if (!(APNS_PORTS as readonly number[]).includes(port)) {
    throw new InputError('USAGE', `port ${port} is not an APNs port.`, {
      hint: 'APNs listens on 443 and 2197 only; use --endpoint for any other server.',
    });
  }
  const host = APNS_HOSTS[environment];
  return {
    url: port === 443 ? `https://${host}` : `https://${host}:${port}`,
    host,
    port,
    environment,
  };
}

/** Reads `--endpoint URL`: an `https://host[:port]` origin, nothing else. */
export function parseEndpointUrl(input: string): Endpoint {
  const hint =
    'Pass the server as an https origin, e.g. --endpoint https://127.0.0.1:8443 (what `apns-setup sandbox` prints).';
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new InputError('USAGE', `--endpoint "${input}" is not a URL.`, { hint });
  }
  // APNs is HTTP/2 over TLS with a client certificate: plain http would send no certificate.
  if (url.protocol !== 'https:') {
    throw new InputError(
      'USAGE',
      `--endpoint "${input}" uses ${url.protocol.replace(/:$/, '')}, not https.`,
      { hint },
    );
  }
  if (url.hostname === '') {
    throw new InputError('USAGE', `--endpoint "${input}" has no host.`, { hint });
  }
  if (url.username !== '' || url.password !== '') {
    throw new InputError('USAGE', `--endpoint "${input}" carries a user name or password.`, {
      hint: 'APNs authenticates with the client certificate: remove the user:password@ part.',
    });
  }
  // The request path is always /3/device/<token>; anything else in the URL would be ignored silently.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new InputError('USAGE', `--endpoint "${input}" has a path, query or fragment.`, {
      hint,
    });
  }
  const port = url.port === '' ? 443 : Number(url.port);
  if (port === 0) {
    throw new InputError('USAGE', `--endpoint "${input}" has port 0.`, { hint });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { url: url.origin, host, port, environment: environmentOfHost(host) };
}

function environmentOfHost(host: string): Environment | null {
  const name = host.toLowerCase();
  if (name === APNS_HOSTS.sandbox || name === APNS_LEGACY_SANDBOX_HOST) return 'sandbox';
  if (name === APNS_HOSTS.production) return 'production';
  return null;
}

export type RequestedEnvironment = Environment | 'auto';

export interface EnvironmentChoice {
  environment: Environment;
  /**
   * When a real token gets `BadDeviceToken`, try the other environment once: the certificate
   * works in both, and the token's environment (debug build vs TestFlight/App Store) is unknown.
   */
  retryOtherOnBadDeviceToken: boolean;
  warning: string | null;
}

/**
 * `--env`: absent or `auto` follows the certificate (a universal one starts in the sandbox, where
 * tokens from Xcode builds live); an explicit value wins, with a warning when the certificate
 * cannot work there.
 */
export function chooseEnvironment(options: {
  requested: RequestedEnvironment | undefined;
  certificateEnvironments: readonly Environment[];
}): EnvironmentChoice {
  const { requested, certificateEnvironments: envs } = options;
  const sandbox = envs.includes('sandbox');
  const production = envs.includes('production');

  if (requested === undefined || requested === 'auto') {
    if (sandbox && production) {
      return { environment: 'sandbox', retryOtherOnBadDeviceToken: true, warning: null };
    }
    if (production) {
      return { environment: 'production', retryOtherOnBadDeviceToken: false, warning: null };
    }
    if (sandbox) {
      return { environment: 'sandbox', retryOtherOnBadDeviceToken: false, warning: null };
    }
    return {
      environment: 'sandbox',
      retryOtherOnBadDeviceToken: false,
      warning:
        'Warning: the certificate carries neither the sandbox nor the production push extension, so APNs will most likely answer 403 BadCertificate; trying the sandbox. Push with an Apple Push Services certificate (`apns-setup inspect` shows its environments).',
    };
  }

  if (envs.length === 0 || envs.includes(requested)) {
    return { environment: requested, retryOtherOnBadDeviceToken: false, warning: null };
  }
  const other: Environment = requested === 'sandbox' ? 'production' : 'sandbox';
  const otherName = other === 'sandbox' ? 'the sandbox' : 'production';
  const makeKind = requested === 'sandbox' ? 'a development (sandbox)' : 'a production';
  return {
    environment: requested,
    retryOtherOnBadDeviceToken: false,
    warning: `Warning: --env ${requested}, but this certificate is for ${otherName} only: APNs will refuse it (usually with 403 BadCertificateEnvironment). Use --env ${other}, or make ${makeKind} certificate.`,
  };
}

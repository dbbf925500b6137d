/**
 * What the push journey needs from the outside world: an HTTP/2 connection to APNs (or to a
 * local stand-in), stdin, the payload templates, randomness, a clock and a way to say what it
 * does. The connection's failures are part of this port: an adapter reports a push that got no
 * HTTP answer as an error with these facts, and the journey decides from them whether to retry.
 */
import { isApnsSetupError, type ApnsSetupError } from '../core/errors.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import type { FlowPorts } from './ports.js';

export interface ApnsConnectOptions {
  /** The origin, e.g. `https://api.sandbox.push.apple.com` or `https://127.0.0.1:8443`. */
  url: string;
  /** The host name without IPv6 brackets: the TLS server name, and what messages name. */
  host: string;
  port: number;
  /** PEM certificates to trust instead of Node's bundled roots (a local sandbox's CA). */
  ca?: string | undefined;
  /** The client certificate and its private key, as PEM: Node ≥ 17 cannot read legacy .p12. */
  certificatePem: string;
  keyPem: string;
  /** Bounds the connection set-up, and each request from sending to the end of its answer. */
  timeoutMs: number;
}

export interface ApnsRequest {
  /** Lower-case names, `:method` and `:path` included (buildPushRequest's headers). */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface ApnsResponse {
  status: number;
  headers: {
    'apns-id': string | null;
    'apns-unique-id': string | null;
    /**
     * The environment a local `apns-setup sandbox` says it serves (its
     * `apns-setup-environment` header); Apple's servers send no such header.
     */
    'apns-setup-environment': string | null;
  };
  body: Buffer;
}

export interface ApnsConnection {
  readonly url: string;
  /** False once the server sent GOAWAY or the connection closed: open a new one to go on. */
  readonly usable: boolean;
  send(request: ApnsRequest): Promise<ApnsResponse>;
  /** Lets in-flight requests finish, then closes the connection. */
  close(): Promise<void>;
}

export type ApnsFailure =
  | 'unreachable'
  | 'timeout'
  | 'server-untrusted'
  | 'client-certificate-rejected'
  | 'tls'
  | 'goaway'
  | 'connection-lost'
  | 'stream-reset'
  | 'protocol';

/** A push that got no HTTP answer (exit 1: the operation ran and failed). */
export interface ApnsConnectionFailure extends ApnsSetupError {
  readonly failure: ApnsFailure;
  /** The server did not process the request: it may be sent again on a new connection. */
  readonly retryable: boolean;
  /** The `reason` in a GOAWAY frame's debug data (Apple sends `{"reason":"…"}`), else null. */
  readonly goawayReason: string | null;
}

export function isConnectionFailure(error: unknown): error is ApnsConnectionFailure {
  if (!isApnsSetupError(error)) return false;
  const facts = error as Partial<ApnsConnectionFailure>;
  return typeof facts.failure === 'string' && typeof facts.retryable === 'boolean';
}

/** What the person is told while the pushes go out. */
export interface PushProgress {
  count: number;
  probe: boolean;
  topic: string;
  /** host:port */
  where: string;
  environment: Environment;
  certificate: CertificateInfo;
  /** True when --endpoint names a server that is not Apple's. */
  customEndpoint: boolean;
}

export interface PushPorts extends Pick<FlowPorts, 'readFile' | 'passphrase' | 'warn' | 'now'> {
  readStdin(): Promise<Buffer>;
  /** A file of the package's templates/ folder, e.g. `payloads/alert.json`. */
  readTemplate(relativePath: string): Promise<string>;
  connect(options: ApnsConnectOptions): Promise<ApnsConnection>;
  randomBytes(size: number): Uint8Array;
  /** In [0, 1): the jitter of retry delays. */
  random(): number;
  sleep(ms: number): Promise<void>;
  progress(progress: PushProgress): void;
}

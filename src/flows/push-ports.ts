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
  /**
   * The client certificate and its private key, as PEM (Node ≥ 17 cannot read legacy .p12);
   * both null for token authentication, where the connection presents no certificate.
   */
  certificatePem: string | null;
  keyPem: string | null;
  /** The --timeout, in milliseconds: what the messages say when it runs out. */
  timeoutMs: number;
  /**
   * When the whole push must be over, on the adapters' monotonic clock (`monotonicMs`, the
   * ports' `clock`): connecting, every answer and closing stop there. Default: `timeoutMs` from
   * the moment of connecting.
   */
  deadline?: number | undefined;
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
    /** The server's clock (HTTP `date`), to the second: how far off this computer's is. */
    date?: string | null;
  };
  body: Buffer;
}

export interface ApnsConnection {
  readonly url: string;
  /** False once the server sent GOAWAY or the connection closed: open a new one to go on. */
  readonly usable: boolean;
  /**
   * How many requests the server lets this connection carry at once: its
   * SETTINGS_MAX_CONCURRENT_STREAMS, as it last said (APNs says 1,000).
   */
  readonly maxConcurrentStreams: number;
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
  | 'protocol'
  /** The server did not answer in TLS at all (a plain HTTP server, another protocol). */
  | 'not-tls'
  /** A TLS server that does not offer HTTP/2 (no ALPN h2). */
  | 'not-http2'
  /** The server closed the connection before sending a byte of the TLS handshake. */
  | 'closed-before-tls'
  /** An answer far larger than any APNs answer: reading stopped. */
  | 'answer-too-large';

/** A push that got no HTTP answer (exit 1: the operation ran and failed). */
export interface ApnsConnectionFailure extends ApnsSetupError {
  readonly failure: ApnsFailure;
  /**
   * The server did not process the request: it may be sent again (at once on a new connection
   * when this one is no longer usable, after a pause when it still is).
   */
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
  /** Distinct tokens to send; null when they are read from stdin as they come. */
  count: number | null;
  probe: boolean;
  topic: string;
  /** host:port */
  where: string;
  environment: Environment;
  credential: PushCredentialFacts;
  /** True when --endpoint names a server that is not Apple's. */
  customEndpoint: boolean;
  /** `--profile`: the build the tokens come from. */
  profile: PushProfileFacts | null;
}

/** What `push --profile` says about the profile's build. */
export interface PushProfileFacts {
  file: string;
  /** The profile's Name: outside text. */
  name: string | null;
  /** Entitlements → aps-environment; null when the App ID has no push. */
  apsEnvironment: 'development' | 'production' | null;
  /** Where the build registers its device tokens; null when it cannot receive pushes. */
  tokenEnvironment: Environment | null;
  bundleId: string | null;
}

/** What the person is told about the credential a push uses. */
export type PushCredentialFacts =
  | { kind: 'certificate'; certificate: CertificateInfo }
  | { kind: 'token'; keyId: string; teamId: string };

export interface PushPorts extends Pick<
  FlowPorts,
  'readFile' | 'passphrase' | 'passphraseAtHand' | 'warn' | 'now' | 'parsePlist'
> {
  readStdin(): Promise<Buffer>;
  /**
   * A file's bytes as they are read, chunk by chunk (a tokens file may hold a million lines);
   * `-` is stdin. Opening errors are the same InputErrors as readFile's.
   */
  streamFile(path: string): AsyncIterable<Uint8Array>;
  /** A file of the package's templates/ folder, e.g. `payloads/alert.json`. */
  readTemplate(relativePath: string): Promise<string>;
  connect(options: ApnsConnectOptions): Promise<ApnsConnection>;
  randomBytes(size: number): Uint8Array;
  /** In [0, 1): the jitter of retry delays. */
  random(): number;
  sleep(ms: number): Promise<void>;
  /** Milliseconds on a monotonic clock (`monotonicMs`): the --timeout's deadline. */
  clock(): number;
  /**
   * The person asked the run to stop (Ctrl-C, or a SIGTERM): no new push starts, the answers
   * on their way are awaited and reported, and the run ends as stopped.
   */
  stopRequested(): boolean;
  progress(progress: PushProgress): void;
}

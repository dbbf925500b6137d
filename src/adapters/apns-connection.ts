/**
 * The HTTP/2 connection to APNs (or to a local stand-in): one TLS session with the client
 * certificate, many concurrent streams on it. Apple asks providers to keep one connection open
 * and reuse it rather than connect per notification, which it treats as abuse. How each failure
 * is told is in apns-failures.ts.
 */
import http2 from 'node:http2';
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import { parseErrorBody } from '../core/apns/reasons.js';
import type {
  ApnsConnection,
  ApnsConnectOptions,
  ApnsRequest,
  ApnsResponse,
} from '../flows/push-ports.js';
import type { ApnsConnectionError } from './apns-failures.js';
import {
  ConnectionFailures,
  describeCredentialError,
  type Goaway,
  type Phase,
} from './apns-failures.js';
import { monotonicMs } from './monotonic-clock.js';

const { NGHTTP2_CANCEL } = http2.constants;

/**
 * APNs answers are a status, two ids and at most `{"reason": "…", "timestamp": …}`: a few
 * hundred bytes. A server that sends more is not APNs; what is read of one answer stops here.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Opens the connection and resolves once the server has sent its HTTP/2 SETTINGS. Waiting for
 * them, not just for the TLS handshake, is what makes a rejected client certificate visible:
 * in TLS 1.3 the client finishes its handshake before the server has looked at the
 * certificate, so a server that refuses it (Node's `rejectUnauthorized`) just closes the
 * socket, and Node's http2 client reports neither an error nor a response, only a stream
 * closed with NGHTTP2_CANCEL.
 */
export function connectApns(options: ApnsConnectOptions): Promise<ApnsConnection> {
  try {
    return new Http2ApnsConnection(options).ready;
  } catch (error) {
    // tls.connect checks the certificate and key at once, before any byte is sent.
    return Promise.reject(describeCredentialError(error));
  }
}

class Http2ApnsConnection implements ApnsConnection {
  readonly url: string;
  readonly ready: Promise<ApnsConnection>;
  readonly #options: ApnsConnectOptions;
  readonly #failures: ConnectionFailures;
  readonly #session: http2.ClientHttp2Session;
  readonly #deadline: number;
  #phase: Phase = 'tcp';
  #goaway: Goaway | null = null;
  #error: Error | null = null;
  #closed = false;
  /** The TCP socket under TLS: how many bytes the server sent tells a refusal from a hang-up. */
  #tcp: net.Socket | null = null;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, as it last said (it may change it). */
  #maxConcurrentStreams = 100;
  /**
   * How each answer still awaited fails when the --timeout runs out. One timer for them all, at
   * the deadline they share: a timer per request cost more than the request's own bookkeeping.
   */
  readonly #awaiting = new Set<PendingAnswer>();
  #deadlineTimer: NodeJS.Timeout | null = null;
  /** Marks the connection dead, destroys the session, and fails a pending connect. */
  #end: (error: ApnsConnectionError) => void = () => {};

  constructor(options: ApnsConnectOptions) {
    this.#options = options;
    this.#failures = new ConnectionFailures(options);
    this.#deadline = options.deadline ?? monotonicMs() + options.timeoutMs;
    this.url = options.url;
    let settle!: { resolve(connection: ApnsConnection): void; reject(error: unknown): void };
    this.ready = new Promise<ApnsConnection>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const session = http2.connect(options.url, { createConnection: () => this.#openSocket() });
    this.#session = session;

    let pending = true;
    const timer = setTimeout(
      () => this.#end(this.#failures.timeout('connect', null)),
      this.#remainingMs(),
    );
    this.#end = (error: ApnsConnectionError) => {
      this.#closed = true;
      session.destroy();
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      settle.reject(error);
    };

    session.on('error', (error: Error) => {
      this.#error ??= error;
      this.#end(this.#describeFailure(error));
    });
    session.on('goaway', (code: number, lastStreamId: number, data: Buffer | undefined) => {
      // Node emits 'goaway' again for the frame it sends back; keep the server's.
      this.#goaway ??= {
        code,
        lastStreamId,
        reason: data && data.length > 0 ? parseErrorBody(data).reason : null,
      };
    });
    session.on('remoteSettings', (settings: http2.Settings) => {
      const advertised = settings.maxConcurrentStreams;
      if (typeof advertised === 'number' && advertised >= 0) {
        this.#maxConcurrentStreams = advertised;
      }
    });
    session.once('remoteSettings', () => {
      this.#phase = 'open';
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      settle.resolve(this);
    });
    session.on('close', () => {
      if (this.#deadlineTimer !== null) clearTimeout(this.#deadlineTimer);
      this.#end(this.#describeFailure(this.#error));
    });
  }

  get usable(): boolean {
    return (
      !this.#closed && this.#goaway === null && !this.#session.closed && !this.#session.destroyed
    );
  }

  get maxConcurrentStreams(): number {
    return this.#maxConcurrentStreams;
  }

  send(request: ApnsRequest): Promise<ApnsResponse> {
    return new Promise<ApnsResponse>((resolve, reject) => {
      if (!this.usable) {
        reject(this.#failures.notSent(this.#goaway));
        return;
      }
      const remaining = this.#remainingMs();
      if (remaining <= 0) {
        reject(this.#failures.timeout('answer', this.#goaway));
        return;
      }
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.#session.request(request.headers);
      } catch {
        // ERR_HTTP2_GOAWAY_SESSION or ERR_HTTP2_INVALID_SESSION: the session ended meanwhile.
        reject(this.#failures.notSent(this.#goaway));
        return;
      }
      const pending = new PendingAnswer(this, stream, resolve, reject);
      (stream as AnsweredStream)[PENDING] = pending;
      this.#awaiting.add(pending);
      this.#deadlineTimer ??= setTimeout(() => {
        for (const awaited of [...this.#awaiting]) this.#timedOut(awaited);
      }, remaining).unref();
      stream.on('response', Http2ApnsConnection.#onResponse);
      stream.on('data', Http2ApnsConnection.#onData);
      stream.on('error', Http2ApnsConnection.#onError);
      stream.on('close', Http2ApnsConnection.#onClose);
      stream.end(request.body);
    });
  }

  // The listeners every stream shares: `this` is the stream, its PendingAnswer holds the rest.

  static #onResponse(this: AnsweredStream, headers: http2.IncomingHttpHeaders): void {
    const pending = this[PENDING];
    pending.status = Number(headers[':status']);
    pending.apnsId = single(headers['apns-id']);
    pending.apnsUniqueId = single(headers['apns-unique-id']);
    pending.reportedEnvironment = single(headers['apns-setup-environment']);
    pending.date = single(headers.date);
  }

  static #onData(this: AnsweredStream, chunk: Buffer): void {
    const pending = this[PENDING];
    pending.bodyBytes += chunk.length;
    if (pending.bodyBytes <= MAX_ANSWER_BYTES) {
      (pending.chunks ??= []).push(chunk);
      return;
    }
    // An endless or huge body: stop reading (RST_STREAM CANCEL) instead of holding it.
    const connection = pending.connection;
    if (connection.#settle(pending)) {
      pending.reject(connection.#failures.answerTooLarge(pending.status, MAX_ANSWER_BYTES));
    }
    this.close(NGHTTP2_CANCEL);
  }

  static #onError(this: AnsweredStream, error: Error): void {
    this[PENDING].streamError ??= error;
  }

  static #onClose(this: AnsweredStream): void {
    const pending = this[PENDING];
    const connection = pending.connection;
    if (pending.status !== null) {
      // The status is what matters; a body cut short still names its reason, or says nothing.
      if (connection.#settle(pending)) {
        pending.resolve({
          status: pending.status,
          headers: {
            'apns-id': pending.apnsId,
            'apns-unique-id': pending.apnsUniqueId,
            'apns-setup-environment': pending.reportedEnvironment,
            date: pending.date,
          },
          body: pending.chunks === null ? NO_BODY : Buffer.concat(pending.chunks),
        });
      }
      return;
    }
    // The session's own error, GOAWAY or close may be reported just after the stream's.
    setImmediate(() => {
      if (connection.#settle(pending)) {
        pending.reject(connection.#streamFailure(this.id, this.rstCode, pending.streamError));
      }
    });
  }

  /** Whether the answer was still awaited; from now on it is not. */
  #settle(pending: PendingAnswer): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    this.#awaiting.delete(pending);
    return true;
  }

  #timedOut(pending: PendingAnswer): void {
    // A GOAWAY that arrived meanwhile is part of the story: the server was closing.
    if (this.#settle(pending)) pending.reject(this.#failures.timeout('answer', this.#goaway));
    pending.stream.close(NGHTTP2_CANCEL);
  }

  close(): Promise<void> {
    const session = this.#session;
    return new Promise<void>((resolve) => {
      if (session.destroyed) {
        resolve();
        return;
      }
      // Requests in flight may finish, within the --timeout: a server that never answers must
      // not keep the process alive past it.
      const timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, this.#remainingMs());
      session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (!session.closed) session.close();
    });
  }

  #remainingMs(): number {
    // setTimeout fires at once for more than 2^31 - 1 ms (about 24.8 days): cap a huge --timeout.
    return Math.min(Math.max(0, this.#deadline - monotonicMs()), MAX_TIMER_MS);
  }

  #streamFailure(
    id: number | undefined,
    rstCode: number,
    error: Error | null,
  ): ApnsConnectionError {
    const goaway = this.#goaway;
    if (goaway !== null) return this.#failures.goaway(goaway, id);
    if (this.#error !== null || this.#closed || this.#session.destroyed) {
      return this.#describeFailure(this.#error ?? error);
    }
    if (error !== null && !isStreamResetError(error)) return this.#describeFailure(error);
    return this.#failures.streamReset(rstCode, error);
  }

  /** Names what went wrong from the error (if any) and how far the connection had got. */
  #describeFailure(error: Error | null): ApnsConnectionError {
    return this.#failures.fromError(error, this.#phase, this.#goaway, this.#tcp?.bytesRead ?? 0);
  }

  #openSocket(): tls.TLSSocket {
    const { host, port, ca, certificatePem, keyPem } = this.#options;
    // TLS over a TCP socket of our own: its byte count says whether the server sent anything.
    const tcp = net.connect({ host, port });
    this.#tcp = tcp;
    tcp.once('connect', () => {
      if (this.#phase === 'tcp') this.#phase = 'tls';
    });
    tcp.on('error', (error: Error) => {
      this.#error ??= error;
      this.#end(this.#describeFailure(error));
    });
    const socket = tls.connect({
      socket: tcp,
      host,
      // RFC 6066: the server name is a host name, never an IP address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(ca === undefined ? {} : { ca }),
      // Token authentication presents no certificate: the bearer token in each request proves it.
      ...(certificatePem === null || keyPem === null ? {} : { cert: certificatePem, key: keyPem }),
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    });
    socket.once('secureConnect', () => {
      if (this.#phase === 'tls') this.#phase = 'http2';
      // A TLS server that did not agree to HTTP/2 (no ALPN h2) would answer the HTTP/2
      // preface as HTTP/1.1, or not at all: say what it is now.
      if (socket.alpnProtocol !== 'h2') {
        this.#end(this.#failures.notHttp2(socket.alpnProtocol || null));
      }
    });
    // A TLS 1.3 alert after the handshake (OpenSSL's s_server, Apple) reaches the socket but
    // neither the http2 session nor a stream-less connect: without this it would hang.
    socket.on('error', (error: Error) => {
      this.#error ??= error;
      this.#end(this.#describeFailure(error));
    });
    return socket;
  }
}

const PENDING = Symbol('apns-setup pending answer');
const NO_BODY = Buffer.alloc(0);

type AnsweredStream = http2.ClientHttp2Stream & { [PENDING]: PendingAnswer };

/**
 * One request on its way, and what has come back for it so far. A push to a tokens file keeps
 * up to 1,000 of these alive at once, each through many young-generation collections: one
 * object and listeners shared by every stream cost the collector less than a dozen closures
 * made per push.
 */
class PendingAnswer {
  status: number | null = null;
  apnsId: string | null = null;
  apnsUniqueId: string | null = null;
  reportedEnvironment: string | null = null;
  date: string | null = null;
  streamError: Error | null = null;
  chunks: Buffer[] | null = null;
  bodyBytes = 0;
  settled = false;

  constructor(
    readonly connection: Http2ApnsConnection,
    readonly stream: http2.ClientHttp2Stream,
    readonly resolve: (response: ApnsResponse) => void,
    readonly reject: (error: ApnsConnectionError) => void,
  ) {}
}

function isStreamResetError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_HTTP2_STREAM_ERROR' || code === 'ERR_HTTP2_STREAM_CANCEL';
}

function single(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

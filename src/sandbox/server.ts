/**
 * The local APNs-compatible server: HTTP/2 over TLS, client certificates required and verified
 * against the local portal CA, Apple's WWDR chain and `--client-ca`, every request answered by
 * the pure rules of core/apns/sandbox-rules.ts.
 *
 * Node does the certificate check (`rejectUnauthorized`): a missing, expired or untrusted
 * client certificate never reaches a stream. On TLS 1.3 the client only learns of it after
 * its handshake has "succeeded" (Node's http2 client sees its stream closed with code 8), so
 * every refusal is also written to the sandbox log with the reason.
 */
import { randomUUID } from 'node:crypto';
import http2, {
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import {
  answerPush,
  type ConnectionToken,
  type KnownToken,
  type NotificationLogEntry,
  type PushAnswer,
  type RequestHeaders,
  type SandboxTokenAuth,
} from '../core/apns/sandbox-rules.js';
import { InputError } from '../core/errors.js';
import { parseCertificate } from '../core/pki/certificate.js';
import { exportPkcs8Pem } from '../core/pki/keys.js';
import { encodePem } from '../core/pki/pem.js';
import { looksLikePemText } from '../core/pki/text.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import { readAppleCaCertificates } from './apple-trust.js';
import {
  describeBrokenSession,
  describeNoHttp2,
  describeTlsRefusal,
  describeUnresponsive,
  type ClosedConnectionLogEntry,
  type RefusalLogEntry,
} from './refusals.js';
import type { SandboxState } from './state.js';

export type SandboxLogEntry = NotificationLogEntry | RefusalLogEntry | ClosedConnectionLogEntry;

export interface StartSandboxOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  environment: Environment;
  state: Pick<SandboxState, 'server' | 'portalCa'>;
  /** More CAs to trust for client certificates (`--client-ca`): PEM text or DER, one each. */
  extraClientCas?: readonly Uint8Array[];
  /** null: every well-formed token is accepted. */
  knownTokens: ReadonlyMap<string, KnownToken> | null;
  /**
   * Token (.p8) authentication: the keys whose provider tokens are accepted. A connection may
   * then come without a client certificate, as at APNs; one that presents a certificate that
   * does not verify is still refused.
   */
  tokenAuth?: SandboxTokenAuth | null;
  log: (entry: SandboxLogEntry) => void;
  /** The clock (tests pass a fixed one; TLS itself always checks the real one). */
  now?: () => Date;
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS: how many requests a client may have open at once on one
   * connection, as APNs advertises (1,000 today). Node's server (nghttp2) holds clients to it:
   * a request past it sent before the client acknowledged the setting gets RST_STREAM
   * REFUSED_STREAM; after that, going past it ends the connection (RFC 9113 5.1.2 asks for a
   * stream error, PROTOCOL_ERROR or REFUSED_STREAM; nghttp2 makes it a connection error).
   */
  maxConcurrentStreams?: number;
}

export interface RunningSandbox {
  /** `https://127.0.0.1:PORT`: where a client connects (an unspecified --host becomes loopback). */
  url: string;
  host: string;
  port: number;
  /** Sends GOAWAY to every client, lets streams in flight finish, and stops listening. */
  close(): Promise<void>;
}

/** What APNs advertises today; provider code that ignores it must find out here. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 1000;

/** APNs payloads are 5 KB at most: keep enough to answer PayloadTooLarge, drop the rest. */
const MAX_KEPT_BODY_BYTES = 64 * 1024;
/** How long close() lets clients finish before it cuts them off. */
const CLOSE_GRACE_MS = 2000;
/**
 * Node's HTTP/2 server leaves some broken connections hanging: after refusing a header field
 * over 64 KB it stops reading and never closes the socket, which then sits in CLOSE-WAIT for
 * as long as the sandbox runs. A connection idle this long is sent a PING; one that has not
 * answered it this long after is closed.
 */
const LIVENESS_CHECK_MS = 1000;
const PING_TIMEOUT_MS = 2000;

export async function startSandbox(options: StartSandboxOptions): Promise<RunningSandbox> {
  const now = options.now ?? (() => new Date());
  const tokenAuth = options.tokenAuth ?? null;
  const appleCas = await readAppleCaCertificates();
  const maxConcurrentStreams = options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS;
  const server = http2.createSecureServer({
    key: exportPkcs8Pem(options.state.server.key),
    cert: options.state.server.certificatePem,
    // Replaces Node's default (Mozilla's web CAs): only these may issue client certificates.
    ca: [
      options.state.portalCa.certificatePem,
      ...appleCas,
      ...(options.extraClientCas ?? []).map(toPem),
    ],
    requestCert: true,
    // With token authentication a connection needs no certificate; one that presents a bad
    // certificate is refused just after the handshake instead (see 'secureConnection').
    rejectUnauthorized: tokenAuth === null,
    allowHTTP1: false,
    minVersion: 'TLSv1.2',
    // nghttp2 enforces it: a client past it loses the connection (see describeBrokenSession).
    settings: { maxConcurrentStreams },
  });

  const sessions = new Set<ServerHttp2Session>();
  /** Per connection: requests open now, and the most open at once (what broke it, maybe). */
  const openStreams = new WeakMap<ServerHttp2Session, { now: number; most: number }>();
  const liveness = new WeakMap<ServerHttp2Session, { bytes: number; pingSince: number | null }>();
  const connections = new Set<Socket>();
  const lastStreamIds = new WeakMap<ServerHttp2Session, number>();
  const peers = new WeakMap<ServerHttp2Session, CertificateInfo | null>();
  /** The provider token each connection has had accepted, and since when. */
  const connectionTokens = new WeakMap<ServerHttp2Session, ConnectionToken>();
  const log = (entry: SandboxLogEntry): void => {
    try {
      options.log(entry);
    } catch {
      // A logger that fails (a closed stdout) must not take the server down with it.
    }
  };

  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    const entry = describeTlsRefusal(error.code, verifyErrorOf(socket), error.message, now());
    if (entry) log(entry);
  });
  if (tokenAuth !== null) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized || peerCertificateDer(socket) === undefined) return;
      const entry = describeTlsRefusal(undefined, verifyErrorOf(socket), '', now());
      if (entry) log(entry);
      socket.destroy();
    });
  }
  server.on('unknownProtocol', (socket: TLSSocket) => {
    log(describeNoHttp2(now()));
    socket.destroy();
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', (error: NodeJS.ErrnoException) => {
      // A client that vanishes mid-session needs no word; one that broke HTTP/2 does.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      log(
        describeBrokenSession(
          error.code,
          error.message,
          openStreams.get(session)?.most ?? 0,
          maxConcurrentStreams,
          now(),
        ),
      );
    });
  });
  server.on(
    'stream',
    (
      stream: ServerHttp2Stream,
      headers: IncomingHttpHeaders,
      _flags: number,
      rawHeaders?: string[],
    ) => {
      stream.on('error', () => {
        // The client reset its stream: nothing to answer.
      });
      const session = stream.session as ServerHttp2Session | undefined;
      if (!session) return;
      const open = openStreams.get(session) ?? { now: 0, most: 0 };
      openStreams.set(session, open);
      open.now += 1;
      open.most = Math.max(open.most, open.now);
      stream.on('close', () => (open.now -= 1));
      lastStreamIds.set(session, Math.max(lastStreamIds.get(session) ?? 0, stream.id ?? 0));
      const certificate = peerCertificate(session, peers);
      if (certificate === null && tokenAuth === null) {
        // Only a verified certificate gets here (rejectUnauthorized); this guards the rules
        // against ever answering a connection that was not.
        log({
          event: 'connection-refused',
          time: now().toISOString(),
          reason: 'UNREADABLE_CERTIFICATE',
          explanation: 'the client certificate could not be read',
        });
        session.destroy();
        return;
      }
      readBody(stream, (body, bodyLength) => {
        let answer: PushAnswer;
        const time = now();
        try {
          answer = answerPush({
            method: String(headers[':method'] ?? ''),
            path: String(headers[':path'] ?? ''),
            headers: headerRecord(rawHeaders, headers),
            body,
            bodyLength,
            clientCertificate: certificate,
            tokenAuth,
            connectionToken: connectionTokens.get(session) ?? null,
            environment: options.environment,
            knownTokens: options.knownTokens,
            newApnsId: randomUUID,
            newUniqueId: randomUUID,
            now: time,
          });
        } catch {
          respond(
            stream,
            500,
            { 'apns-id': randomUUID(), 'content-type': 'application/json' },
            '{"reason":"InternalServerError"}',
          );
          return;
        }
        const accepted = answer.acceptedToken;
        if (accepted !== null && connectionTokens.get(session)?.token !== accepted) {
          connectionTokens.set(session, { token: accepted, since: time });
        }
        // Not an APNs header: it tells `apns-setup push --endpoint` which environment this
        // server plays, so its report names the environment that answered, not the one asked.
        // `date` is the sandbox's own clock, the one it judged the token's age by.
        respond(
          stream,
          answer.status,
          {
            ...answer.headers,
            date: time.toUTCString(),
            'apns-setup-environment': options.environment,
          },
          answer.body,
        );
        log(answer.logEntry);
      });
    },
  );

  await listen(server, options.host, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  const checkLiveness = (): void => {
    const time = performance.now();
    for (const session of sessions) {
      if (session.closed || session.destroyed) continue;
      const socket = session.socket;
      const bytes = socket.bytesRead + socket.bytesWritten;
      const watch = liveness.get(session) ?? { bytes: -1, pingSince: null };
      liveness.set(session, watch);
      if (watch.pingSince !== null) {
        if (time - watch.pingSince < PING_TIMEOUT_MS) continue;
        log(describeUnresponsive(now()));
        session.destroy();
        continue;
      }
      if (bytes !== watch.bytes) {
        watch.bytes = bytes;
        continue;
      }
      watch.pingSince = time;
      try {
        session.ping((error) => {
          if (error) return;
          watch.pingSince = null;
          watch.bytes = socket.bytesRead + socket.bytesWritten;
        });
      } catch {
        session.destroy();
      }
    }
  };
  const livenessTimer = setInterval(checkLiveness, LIVENESS_CHECK_MS);
  livenessTimer.unref();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    clearInterval(livenessTimer);
    closing ??= new Promise<void>((resolve) => {
      // Connections still in their TLS handshake, and clients that keep streams open, are cut
      // off after the grace period.
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of connections) socket.destroy();
      }, CLOSE_GRACE_MS);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const session of sessions) goAway(session, lastStreamIds.get(session) ?? 0);
    });
    return closing;
  };

  return { url: urlFor(options.host, port), host: options.host, port, close };
}

/** Node types authorizationError as an Error; at run time it is OpenSSL's code as a string. */
function verifyErrorOf(socket: TLSSocket): string | null {
  const value = socket.authorizationError as unknown;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return (value as NodeJS.ErrnoException).code ?? value.message;
  return null;
}

function toPem(certificate: Uint8Array): string {
  return looksLikePemText(certificate)
    ? Buffer.from(certificate).toString('utf8')
    : encodePem('CERTIFICATE', certificate);
}

/** The DER of the certificate the client presented, verified or not; undefined for none. */
function peerCertificateDer(socket: TLSSocket): Buffer | undefined {
  try {
    return socket.getPeerCertificate(true).raw;
  } catch {
    return undefined;
  }
}

/** The client's certificate when it verified; null for none (token authentication). */
function peerCertificate(
  session: ServerHttp2Session,
  cache: WeakMap<ServerHttp2Session, CertificateInfo | null>,
): CertificateInfo | null {
  const cached = cache.get(session);
  if (cached !== undefined) return cached;
  let info: CertificateInfo | null = null;
  const socket = session.socket as TLSSocket;
  const raw = socket.authorized ? peerCertificateDer(socket) : undefined;
  if (raw) {
    try {
      info = parseCertificate(raw);
    } catch {
      info = null;
    }
  }
  cache.set(session, info);
  return info;
}

/** Keeps the first MAX_KEPT_BODY_BYTES, counts the rest. */
function readBody(stream: ServerHttp2Stream, done: (body: Buffer, length: number) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let length = 0;
  stream.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (kept < MAX_KEPT_BODY_BYTES) {
      const part = chunk.subarray(0, MAX_KEPT_BODY_BYTES - kept);
      chunks.push(part);
      kept += part.length;
    }
  });
  stream.on('end', () => done(Buffer.concat(chunks, kept), length));
}

/**
 * The headers as sent, a repeated one as an array (Node's header object joins repeats with
 * ", ", which would hide DuplicateHeaders). `rawHeaders` is the flat name, value list Node
 * passes as the stream event's fourth argument.
 */
function headerRecord(
  rawHeaders: string[] | undefined,
  headers: IncomingHttpHeaders,
): RequestHeaders {
  if (!rawHeaders) return headers;
  const record: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const previous = record[name];
    if (previous === undefined) record[name] = value;
    else record[name] = [...(typeof previous === 'string' ? [previous] : previous), value];
  }
  return record;
}

function respond(
  stream: ServerHttp2Stream,
  status: number,
  headers: Record<string, string>,
  body: string | null,
): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond({ ':status': status, ...headers }, { endStream: body === null });
  if (body !== null) stream.end(body);
}

/** APNs says goodbye with GOAWAY and a `{"reason": "Shutdown"}` body (reference/apns.md). */
function goAway(session: ServerHttp2Session, lastStreamId: number): void {
  if (session.closed || session.destroyed) return;
  session.goaway(
    http2.constants.NGHTTP2_NO_ERROR,
    lastStreamId,
    Buffer.from(JSON.stringify({ reason: 'Shutdown' })),
  );
  session.close();
}

function listen(server: Http2SecureServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, host, port));
    server.once('error', onError);
    try {
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    } catch (error) {
      // Node checks the port's range before trying (ERR_SOCKET_BAD_PORT), and throws.
      server.off('error', onError);
      onError(error as NodeJS.ErrnoException);
    }
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case 'ERR_SOCKET_BAD_PORT':
      return new InputError('USAGE', `${port} is not a port number`, {
        hint: 'Pass --port with a number from 1 to 65535, or 0 for any free port.',
        cause: error,
      });
    case 'EADDRINUSE':
      return new InputError('USAGE', `port ${port} is in use on ${host}`, {
        hint: 'Pass another --port, or --port 0 for any free port.',
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new InputError('USAGE', `listening on port ${port} needs privileges this user lacks`, {
        hint: 'Use a port above 1023, e.g. --port 8443, or --port 0 for any free port.',
        cause: error,
      });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new InputError(
        'USAGE',
        `cannot listen on ${host}: it is not an address of this machine`,
        {
          hint: 'Pass --host 127.0.0.1 (the default), ::1, or an address of this machine.',
          cause: error,
        },
      );
    default:
      return error;
  }
}

function urlFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `https://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

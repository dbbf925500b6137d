/**
 * A small HTTP/2 TLS server, written independently of the client under test: it asks for a
 * client certificate, records every request exactly as it arrived (pseudo-headers, headers in
 * order, body bytes, which connection carried it) and answers from a script. Its server
 * certificate comes from the test CA, for 127.0.0.1, ::1 and localhost.
 */
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { TLSSocket, SecureVersion } from 'node:tls';
import { issueTestServerCertificate, testCa } from './test-ca.js';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

export interface RecordedRequest {
  /** 1 for the first connection the server accepted, 2 for the next, … */
  connection: number;
  method: string;
  path: string;
  authority: string | undefined;
  scheme: string | undefined;
  /** Every header as received, in order, pseudo-headers included; values are latin1 strings. */
  rawHeaders: [string, string][];
  /** The regular headers by name; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
  /** The subject CN of the client certificate, or null when none was presented. */
  clientCertificateCn: string | null;
  tlsVersion: string | null;
}

/** One scripted answer. */
export type Reply =
  | {
      status: number;
      headers?: Record<string, string>;
      /** An object is sent as JSON. */
      body?: string | Buffer | Record<string, unknown>;
      /** Answer after this many milliseconds. */
      delayMs?: number;
    }
  /** Read the request, never answer. */
  | { action: 'hang' }
  /** RST_STREAM with this HTTP/2 error code (default INTERNAL_ERROR). */
  | { action: 'reset'; code?: number }
  /**
   * GOAWAY carrying `{"reason": …}` (as APNs sends it), then close the connection, or leave it
   * open (and never answer on it) with `keepOpen`.
   */
  | { action: 'goaway'; reason?: string; code?: number; lastStreamId?: number; keepOpen?: boolean }
  /** A status, then a body of `bytes` bytes (endless without), written as the client reads it. */
  | { action: 'stream-body'; status: number; bytes?: number }
  /** Cut the TCP connection under the request: no GOAWAY, no answer. */
  | { action: 'close-socket' };

export interface RecordingServerOptions {
  /** false: record requests even from a client certificate the server does not trust. */
  rejectUnauthorized?: boolean;
  /** Force TLS 1.2 with 'TLSv1.2'. */
  maxVersion?: SecureVersion;
  /** Names the server certificate is issued for (default: localhost, 127.0.0.1 and ::1). */
  certificateFor?: { hostnames: string[]; ips: string[] };
  /** Answers for the requests in arrival order; after the last, `fallback` answers. */
  replies?: Reply[];
  /** Default: 200 with an apns-id (the request's, or a new one) and an apns-unique-id. */
  fallback?: (request: RecordedRequest) => Reply;
  /** HTTP/2 settings the server advertises, e.g. { maxConcurrentStreams: 20 }. */
  settings?: http2.Settings;
  /** The answer to each request waits for this (requests are still recorded as they come). */
  hold?: (request: RecordedRequest) => Promise<void> | null;
}

export interface RecordingServer {
  url: string;
  port: number;
  /** PEM of the CA that issued the server certificate (the test CA): what a client must trust. */
  caPem: string;
  requests: RecordedRequest[];
  /** How many TLS connections completed the handshake. */
  connections(): number;
  /** Errors of handshakes the server refused (e.g. an untrusted client certificate). */
  handshakeErrors: string[];
  /** Queue more answers. */
  reply(...replies: Reply[]): void;
  /** Requests received and not yet answered (or reset), now and at most. */
  inFlight(): number;
  peakInFlight(): number;
  /** Body bytes written by `stream-body` replies, all together. */
  bodyBytesWritten(): number;
  close(): Promise<void>;
}

export function acceptedReply(request: RecordedRequest): Reply {
  return {
    status: 200,
    headers: {
      'apns-id': request.headers['apns-id'] ?? randomUUID(),
      'apns-unique-id': randomUUID(),
    },
  };
}

export async function startRecordingServer(
  options: RecordingServerOptions = {},
): Promise<RecordingServer> {
  const serverCertificate = issueTestServerCertificate(
    now,
    options.certificateFor?.hostnames,
    options.certificateFor?.ips,
  );
  const ca = testCa();
  const queue: Reply[] = [...(options.replies ?? [])];
  const fallback = options.fallback ?? acceptedReply;
  const requests: RecordedRequest[] = [];
  const handshakeErrors: string[] = [];
  const sockets = new Set<TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const connectionOf = new WeakMap<http2.ServerHttp2Session, number>();
  let connectionCount = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let bodyBytesWritten = 0;

  const server = http2.createSecureServer({
    key: exportPkcs8Pem(serverCertificate.key),
    cert: serverCertificate.certificatePem,
    ca: ca.certificatePem,
    requestCert: true,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    allowHTTP1: false,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (error: Error & { code?: string }) => {
    handshakeErrors.push(error.code ?? error.message);
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    connectionCount += 1;
    connectionOf.set(session, connectionCount);
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on(
    'stream',
    (
      stream: http2.ServerHttp2Stream,
      _headers: http2.IncomingHttpHeaders,
      _flags: number,
      rawHeaders: string[],
    ) => {
      stream.on('error', () => {});
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      stream.on('close', () => (inFlight -= 1));
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < rawHeaders.length; i += 2)
        pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
      const pseudo = (name: string) => pairs.find(([n]) => n === name)?.[1];
      const headers: Record<string, string> = {};
      for (const [name, value] of pairs) if (!name.startsWith(':')) headers[name] = value;
      const session = stream.session as http2.ServerHttp2Session;
      const socket = session.socket as TLSSocket;
      const peer = socket.getPeerCertificate?.();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const request: RecordedRequest = {
          connection: connectionOf.get(session) ?? 0,
          method: pseudo(':method') ?? '',
          path: pseudo(':path') ?? '',
          authority: pseudo(':authority'),
          scheme: pseudo(':scheme'),
          rawHeaders: pairs,
          headers,
          body: Buffer.concat(chunks),
          clientCertificateCn: commonNameOf(peer?.subject?.CN),
          tlsVersion: socket.getProtocol?.() ?? null,
        };
        requests.push(request);
        const reply = queue.shift() ?? fallback(request);
        const held = options.hold?.(request) ?? null;
        if (held === null) perform(reply, stream, session);
        else void held.then(() => perform(reply, stream, session));
      });
    },
  );

  function perform(
    reply: Reply,
    stream: http2.ServerHttp2Stream,
    session: http2.ServerHttp2Session,
  ): void {
    if ('action' in reply) {
      switch (reply.action) {
        case 'hang':
          return;
        case 'reset':
          stream.close(reply.code ?? http2.constants.NGHTTP2_INTERNAL_ERROR);
          return;
        case 'goaway': {
          const data =
            reply.reason === undefined
              ? undefined
              : Buffer.from(JSON.stringify({ reason: reply.reason }));
          session.goaway(
            reply.code ?? http2.constants.NGHTTP2_NO_ERROR,
            reply.lastStreamId ?? 0,
            data,
          );
          if (!reply.keepOpen) setTimeout(() => session.destroy(), 20);
          return;
        }
        case 'stream-body': {
          if (stream.destroyed) return;
          stream.respond({ ':status': reply.status });
          const chunk = Buffer.alloc(16 * 1024, 0x78);
          let left = reply.bytes ?? Infinity;
          const pump = () => {
            while (left > 0 && !stream.destroyed) {
              const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
              left -= part.length;
              bodyBytesWritten += part.length;
              if (!stream.write(part)) return;
            }
            if (left <= 0 && !stream.destroyed) stream.end();
          };
          stream.on('drain', pump);
          pump();
          return;
        }
        case 'close-socket': {
          // The session's socket is a proxy that forbids destroy(): cut the real one.
          const port = session.socket.remotePort;
          [...sockets].find((socket) => socket.remotePort === port)?.destroy();
          return;
        }
      }
    }
    const send = () => {
      if (stream.destroyed) return;
      const body =
        reply.body === undefined
          ? undefined
          : typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
            ? reply.body
            : JSON.stringify(reply.body);
      stream.respond(
        { ':status': reply.status, ...reply.headers },
        { endStream: body === undefined },
      );
      if (body !== undefined) stream.end(body);
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: ca.certificatePem,
    requests,
    connections: () => connectionCount,
    handshakeErrors,
    reply: (...replies) => queue.push(...replies),
    inFlight: () => inFlight,
    peakInFlight: () => peakInFlight,
    bodyBytesWritten: () => bodyBytesWritten,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function commonNameOf(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

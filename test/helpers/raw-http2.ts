/**
 * HTTP/2 frames written by hand over TLS, for what Node's own http2 will not do: a server that
 * sends GOAWAY with a last stream id of 0 and keeps the connection open (Node's server replaces
 * 0 with the last stream it saw), and a client that opens more streams than the server allows
 * (Node's client queues them). Headers are HPACK literals without Huffman coding (RFC 7541
 * 6.2.2); nothing here decodes HPACK: the tests only count frames.
 */
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import { issueTestServerCertificate, testCa } from './test-ca.js';

export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

function hpackLength(value: number, prefixBits: number, first: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A header block of literals "without indexing, new name" (0x00), no Huffman. */
export function headerBlock(headers: [string, string][]): Buffer {
  return Buffer.concat(
    headers.flatMap(([name, value]) => {
      const n = Buffer.from(name, 'latin1');
      const v = Buffer.from(value, 'latin1');
      return [Buffer.from([0]), hpackLength(n.length, 7, 0), n, hpackLength(v.length, 7, 0), v];
    }),
  );
}

/** Splits a byte stream into frames as they arrive. */
class FrameReader {
  #buffer = Buffer.alloc(0);
  readonly #onFrame: (frame: Frame) => void;
  constructor(onFrame: (frame: Frame) => void) {
    this.#onFrame = onFrame;
  }
  push(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) return;
      this.#onFrame({
        type: this.#buffer[3]!,
        flags: this.#buffer[4]!,
        streamId: this.#buffer.readUInt32BE(5) & 0x7fffffff,
        payload: this.#buffer.subarray(9, 9 + length),
      });
      this.#buffer = this.#buffer.subarray(9 + length);
    }
  }
}

export interface RawServer {
  url: string;
  port: number;
  caPem: string;
  /** TLS connections accepted. */
  connections(): number;
  /** HEADERS frames received (requests), across connections. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A server that speaks just enough HTTP/2 for a client to send requests, and calls `onRequest`
 * for each HEADERS frame with a way to write frames back on that connection.
 */
export async function startRawServer(
  onRequest: (request: { streamId: number; connection: number; send(frame: Buffer): void }) => void,
): Promise<RawServer> {
  const now = new Date();
  const certificate = issueTestServerCertificate(now);
  const sockets = new Set<TLSSocket>();
  let connections = 0;
  let requests = 0;
  const server = createServer({
    key: exportPkcs8Pem(certificate.key),
    cert: certificate.certificatePem,
    ALPNProtocols: ['h2'],
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    connections += 1;
    const connection = connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(frame(FRAME.SETTINGS, 0, 0));
    let preface = true;
    let pending = Buffer.alloc(0);
    const reader = new FrameReader((f) => {
      if (f.type === FRAME.SETTINGS && (f.flags & ACK) === 0) {
        socket.write(frame(FRAME.SETTINGS, ACK, 0));
      } else if (f.type === FRAME.HEADERS) {
        requests += 1;
        onRequest({ streamId: f.streamId, connection, send: (bytes) => socket.write(bytes) });
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (!preface) return reader.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < PREFACE.length) return;
      preface = false;
      reader.push(pending.subarray(PREFACE.length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: testCa().certificatePem,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function goawayFrame(
  lastStreamId: number,
  code = 0,
  debug: Uint8Array = Buffer.alloc(0),
): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code, 4);
  return frame(FRAME.GOAWAY, 0, 0, Buffer.concat([payload, debug]));
}

export interface RawClientResult {
  /** The SETTINGS_MAX_CONCURRENT_STREAMS the server advertised, or null. */
  maxConcurrentStreams: number | null;
  /** Stream id → the HTTP/2 error code of the RST_STREAM the server sent for it. */
  resets: Map<number, number>;
  /** Stream ids the server answered with HEADERS. */
  answered: Set<number>;
  /** The GOAWAY the server sent, if it did. */
  goaway: { lastStreamId: number; code: number } | null;
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * A client that ignores the server's SETTINGS_MAX_CONCURRENT_STREAMS: it opens `streams`
 * requests at once (each a complete POST), then collects what comes back until every stream
 * is answered or reset, or `waitMs` passes.
 */
export function floodStreams(options: {
  url: string;
  ca: string;
  certificatePem: string;
  keyPem: string;
  streams: number;
  headers: [string, string][];
  body: Buffer;
  waitMs?: number;
}): Promise<RawClientResult> {
  const target = new URL(options.url);
  return new Promise((resolve, reject) => {
    const result: RawClientResult = {
      maxConcurrentStreams: null,
      resets: new Map(),
      answered: new Set(),
      goaway: null,
      closed: false,
    };
    const socket = tlsConnect({
      host: target.hostname,
      port: Number(target.port),
      ca: options.ca,
      cert: options.certificatePem,
      key: options.keyPem,
      ALPNProtocols: ['h2'],
    });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(finish, options.waitMs ?? 5000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let sent = false;
    const reader = new FrameReader((f) => {
      if (f.type === FRAME.SETTINGS && (f.flags & ACK) === 0) {
        for (let i = 0; i + 6 <= f.payload.length; i += 6) {
          if (f.payload.readUInt16BE(i) === 0x3) {
            result.maxConcurrentStreams = f.payload.readUInt32BE(i + 2);
          }
        }
        socket.write(frame(FRAME.SETTINGS, ACK, 0));
        if (!sent) {
          sent = true;
          const block = headerBlock(options.headers);
          const frames: Buffer[] = [];
          for (let i = 0; i < options.streams; i++) {
            const id = 1 + 2 * i;
            frames.push(frame(FRAME.HEADERS, END_HEADERS, id, block));
            frames.push(frame(FRAME.DATA, END_STREAM, id, options.body));
          }
          socket.write(Buffer.concat(frames));
        }
      } else if (f.type === FRAME.RST_STREAM) {
        result.resets.set(f.streamId, f.payload.readUInt32BE(0));
      } else if (f.type === FRAME.HEADERS) {
        result.answered.add(f.streamId);
      } else if (f.type === FRAME.GOAWAY) {
        result.goaway = {
          lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff,
          code: f.payload.readUInt32BE(4),
        };
      } else if (f.type === FRAME.PING && (f.flags & ACK) === 0) {
        socket.write(frame(FRAME.PING, ACK, 0, f.payload));
      }
      if (result.resets.size + result.answered.size >= options.streams) finish();
    });
    socket.on('secureConnect', () => {
      socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => {
      result.closed = true;
      finish();
    });
  });
}

/**
 * Sends one request whose header block is split over HEADERS and CONTINUATION frames (as a
 * client must for a header over 16 KB), then closes its side of the connection as a client
 * that gives up does. Resolves with whether the server closed its side within `waitMs`.
 */
export function sendBigHeader(options: {
  url: string;
  ca: string;
  certificatePem: string;
  keyPem: string;
  headers: [string, string][];
  waitMs: number;
}): Promise<{ closedByServer: boolean }> {
  const target = new URL(options.url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: target.hostname,
      port: Number(target.port),
      ca: options.ca,
      cert: options.certificatePem,
      key: options.keyPem,
      ALPNProtocols: ['h2'],
    });
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer });
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.resume();
    socket.on('end', () => finish(true));
    socket.on('secureConnect', () => {
      const block = headerBlock(options.headers);
      const frames = [PREFACE, frame(FRAME.SETTINGS, 0, 0)];
      for (let offset = 0; offset < block.length; offset += 16384) {
        const last = offset + 16384 >= block.length;
        frames.push(
          frame(
            offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION,
            last ? END_HEADERS : 0,
            1,
            block.subarray(offset, offset + 16384),
          ),
        );
      }
      frames.push(frame(FRAME.DATA, END_STREAM, 1, Buffer.from('{"aps":{}}')));
      socket.write(Buffer.concat(frames), () => setTimeout(() => socket.end(), 200));
    });
  });
}

/**
 * The HTTP/2 client against a local TLS server that records the raw requests: the bytes APNs
 * receives, one connection for many pushes, and every failure a user meets (timeouts, dropped
 * connections, GOAWAY, an untrusted server, a client certificate refused in TLS 1.3 and 1.2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as httpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ApnsConnectionError } from '../../src/adapters/apns-failures.js';
import { connectApns, MAX_ANSWER_BYTES } from '../../src/adapters/apns-connection.js';
import { monotonicMs } from '../../src/adapters/monotonic-clock.js';
import type { ApnsConnection, ApnsConnectOptions } from '../../src/flows/push-ports.js';
import { buildPushRequest } from '../../src/core/apns/request.js';
import { InputError } from '../../src/core/errors.js';
import {
  createCertificateAuthority,
  issueApnsCertificate,
} from '../../src/core/pki/issue-certificate.js';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import {
  startRecordingServer,
  type RecordingServer,
  type RecordingServerOptions,
} from '../helpers/recording-http2-server.js';
import { hasOpenssl3, opensslOk, tempDir } from '../helpers/openssl.js';
import { goawayFrame, startRawServer } from '../helpers/raw-http2.js';
import {
  issueSandboxCertificate,
  issueTestServerCertificate,
  testCa,
  testKey,
  type TestCertificate,
} from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const client = issueSandboxCertificate({ now, bundleId: 'com.example.push' });

let server: RecordingServer | null = null;
const open: ApnsConnection[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await server?.close();
  server = null;
});

async function start(options: RecordingServerOptions = {}): Promise<RecordingServer> {
  server = await startRecordingServer(options);
  return server;
}

function optionsFor(
  target: { url: string; port: number; caPem?: string },
  overrides: Partial<ApnsConnectOptions> = {},
  credential: TestCertificate = client,
): ApnsConnectOptions {
  return {
    url: target.url,
    host: '127.0.0.1',
    port: target.port,
    ca: target.caPem,
    certificatePem: credential.certificatePem,
    keyPem: exportPkcs8Pem(credential.key),
    timeoutMs: 5000,
    ...overrides,
  };
}

async function connect(options: ApnsConnectOptions): Promise<ApnsConnection> {
  const connection = await connectApns(options);
  open.push(connection);
  return connection;
}

function request(token = TOKEN, extra: Partial<Parameters<typeof buildPushRequest>[0]> = {}) {
  return buildPushRequest({
    token,
    certificate: { bundleId: 'com.example.push', topics: [], type: 'development' },
    payload: Buffer.from('{"aps":{"alert":"Hello"}}'),
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<ApnsConnectionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApnsConnectionError);
    return error as ApnsConnectionError;
  }
  throw new Error('expected the promise to be rejected');
}

/** A certificate laid out as Apple's, from a CA the server does not trust. */
function untrustedClient(): TestCertificate {
  const key = testKey('stranger-ca');
  const ca = createCertificateAuthority({
    commonName: 'Not the test CA',
    key,
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 86_400_000 * 30),
    serialNumber: '02',
  });
  const leafKey = testKey('stranger-leaf');
  const issued = issueApnsCertificate({
    ca: { key, certificatePem: ca.certificatePem },
    publicKey: leafKey,
    bundleId: 'com.example.push',
    teamId: 'A1B2C3D4E5',
    teamName: 'Stranger',
    type: 'development',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 86_400_000 * 30),
    serialNumber: randomBytes(8).toString('hex'),
  });
  return { ...issued, key: leafKey };
}

describe('connectApns: the request on the wire', () => {
  it('sends POST /3/device/<token> with the apns-* headers and the payload bytes', async () => {
    const s = await start();
    const connection = await connect(optionsFor(s));
    const req = request(TOKEN, {
      expiration: '1700000000',
      collapseId: 'café-updates',
      apnsId: '123E4567-E89B-12D3-A456-426614174000',
      priority: '5',
    });
    const response = await connection.send(req);

    expect(response.status).toBe(200);
    expect(response.headers['apns-id']).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(response.headers['apns-unique-id']).toMatch(/^[0-9a-f-]{36}$/);
    const [recorded] = s.requests;
    expect(recorded!.method).toBe('POST');
    expect(recorded!.path).toBe(`/3/device/${TOKEN}`);
    expect(recorded!.scheme).toBe('https');
    expect(recorded!.authority).toBe(`127.0.0.1:${s.port}`);
    expect(recorded!.headers).toEqual({
      'apns-topic': 'com.example.push',
      'apns-push-type': 'alert',
      'apns-priority': '5',
      'apns-expiration': '1700000000',
      'apns-collapse-id': Buffer.from('café-updates', 'utf8').toString('latin1'),
      'apns-id': '123e4567-e89b-12d3-a456-426614174000',
    });
    // APNs counts the collapse id in UTF-8 bytes: é must arrive as C3 A9.
    expect(Buffer.from(recorded!.headers['apns-collapse-id']!, 'latin1').toString('hex')).toBe(
      Buffer.from('café-updates', 'utf8').toString('hex'),
    );
    expect(recorded!.body.toString('utf8')).toBe('{"aps":{"alert":"Hello"}}');
    expect(recorded!.clientCertificateCn).toBe(
      'Apple Development IOS Push Services: com.example.push',
    );
    // Each header once: DuplicateHeaders is an APNs error.
    const names = recorded!.rawHeaders.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('returns the status and body of a refusal', async () => {
    const s = await start({
      replies: [
        {
          status: 410,
          headers: { 'apns-id': '00000000-0000-0000-0000-000000000001' },
          body: { reason: 'Unregistered', timestamp: 1700000000000 },
        },
      ],
    });
    const connection = await connect(optionsFor(s));
    const response = await connection.send(request());
    expect(response.status).toBe(410);
    expect(response.headers['apns-id']).toBe('00000000-0000-0000-0000-000000000001');
    expect(response.headers['apns-unique-id']).toBeNull();
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({
      reason: 'Unregistered',
      timestamp: 1700000000000,
    });
  });

  it('sends several pushes concurrently over one connection', async () => {
    const s = await start({
      // The first answer waits until all three requests are in: they must be in flight together.
      fallback: (r) => ({
        status: 200,
        headers: { 'apns-id': r.headers['apns-id'] ?? '' },
        delayMs: 50,
      }),
    });
    const connection = await connect(optionsFor(s));
    const tokens = ['aa', 'bb', 'cc'].map((b) => b.repeat(32));
    const responses = await Promise.all(tokens.map((t) => connection.send(request(t))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(s.connections()).toBe(1);
    expect(s.requests.map((r) => r.path).sort()).toEqual(tokens.map((t) => `/3/device/${t}`));
    expect(new Set(s.requests.map((r) => r.connection))).toEqual(new Set([1]));
  });
});

describe('connectApns: failures', () => {
  it('gives up on a server that never answers, naming the host and --timeout', async () => {
    const s = await start({ replies: [{ action: 'hang' }] });
    const connection = await connect(optionsFor(s, { timeoutMs: 300 }));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('timeout');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`127.0.0.1:${s.port} did not answer within 0.3 s (--timeout).`);
    expect(error.retryable).toBe(false);
  });

  it('gives up on a TCP server that never starts TLS', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await failure(
        connectApns(optionsFor({ url: `https://127.0.0.1:${port}`, port }, { timeoutMs: 300 })),
      );
      expect(error.failure).toBe('timeout');
      expect(error.message).toBe(
        `could not connect to 127.0.0.1:${port} within 0.3 s (--timeout).`,
      );
    } finally {
      silent.close();
    }
  });

  it('reports a refused connection as APNs unreachable', async () => {
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failure(
      connectApns(optionsFor({ url: `https://127.0.0.1:${port}`, port })),
    );
    expect(error.failure).toBe('unreachable');
    expect(error.message).toBe(`APNs unreachable: 127.0.0.1:${port} (connection refused).`);
    expect(error.hint).toContain('apns-setup sandbox');
  });

  it('reports a host name that does not resolve as APNs unreachable', async () => {
    const error = await failure(
      connectApns(
        optionsFor(
          { url: 'https://apns-setup-test.invalid:443', port: 443 },
          { host: 'apns-setup-test.invalid' },
        ),
      ),
    );
    expect(error.failure).toBe('unreachable');
    expect(error.message).toMatch(
      /^APNs unreachable: apns-setup-test\.invalid:443 \(the host name (does not resolve|could not be resolved now \(DNS\))\)\.$/,
    );
  });

  it('reports a server that drops the connection under a request', async () => {
    const s = await start({ replies: [{ action: 'close-socket' }] });
    const connection = await connect(optionsFor(s));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('connection-lost');
    expect(error.message).toMatch(
      new RegExp(`^the connection to 127\\.0\\.0\\.1:${s.port} closed before the server answered`),
    );
    expect(error.retryable).toBe(false);
    expect(connection.usable).toBe(false);
  });

  it('reports a stream reset with its HTTP/2 code', async () => {
    const s = await start({ replies: [{ action: 'reset' }] });
    const connection = await connect(optionsFor(s));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('stream-reset');
    expect(error.message).toBe(
      `127.0.0.1:${s.port} reset the request without answering (HTTP/2 INTERNAL_ERROR).`,
    );
    // The connection itself is still good for the next push.
    expect(connection.usable).toBe(true);
    expect((await connection.send(request())).status).toBe(200);
  });

  it('turns a GOAWAY into a retryable failure carrying its reason, and the connection unusable', async () => {
    const s = await start({ replies: [{ action: 'goaway', reason: 'Shutdown' }] });
    const connection = await connect(optionsFor(s));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('goaway');
    expect(error.retryable).toBe(true);
    expect(error.goawayReason).toBe('Shutdown');
    expect(error.message).toBe(
      `127.0.0.1:${s.port} closed the connection (GOAWAY, reason Shutdown) before answering.`,
    );
    expect(connection.usable).toBe(false);

    const next = await connect(optionsFor(s));
    expect((await next.send(request())).status).toBe(200);
    expect(s.connections()).toBe(2);
    expect(s.requests.map((r) => r.connection)).toEqual([1, 2]);
  });

  it('keeps a GOAWAY reason that is not worth retrying', async () => {
    const s = await start({
      replies: [{ action: 'goaway', reason: 'BadCertificate', lastStreamId: 1 }],
    });
    const connection = await connect(optionsFor(s));
    const error = await failure(connection.send(request()));
    expect(error.goawayReason).toBe('BadCertificate');
    expect(error.retryable).toBe(false);
  });

  it('refuses a server whose certificate is not trusted, pointing at --ca', async () => {
    const s = await start();
    const error = await failure(connectApns(optionsFor(s, { ca: undefined })));
    expect(error.failure).toBe('server-untrusted');
    expect(error.message).toMatch(
      /^the server's certificate is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): /,
    );
    expect(error.hint).toContain('--ca FILE');
    expect(s.requests).toHaveLength(0);
  });

  it('refuses a server certificate issued for another name', async () => {
    const s = await start({ certificateFor: { hostnames: ['apns.example'], ips: ['::1'] } });
    const error = await failure(connectApns(optionsFor(s)));
    expect(error.failure).toBe('server-untrusted');
    expect(error.message).toBe(
      "the server's certificate is not trusted: it is not issued for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID).",
    );
  });

  it('reports a client certificate refused in a TLS 1.3 handshake, not a hang', async () => {
    const s = await start();
    const error = await failure(
      connectApns(optionsFor(s, { timeoutMs: 10_000 }, untrustedClient())),
    );
    expect(error.failure).toBe('client-certificate-rejected');
    expect(error.message).toMatch(
      /^the server rejected the client certificate \(it closed the connection/,
    );
    expect(s.requests).toHaveLength(0);
    expect(s.connections()).toBe(0);
  });

  it('reports a client certificate refused in a TLS 1.2 handshake', async () => {
    const s = await start({ maxVersion: 'TLSv1.2' });
    const error = await failure(
      connectApns(optionsFor(s, { timeoutMs: 10_000 }, untrustedClient())),
    );
    expect(error.failure).toBe('client-certificate-rejected');
    expect(error.message).toBe(
      'the server rejected the client certificate (it closed the connection during the TLS handshake).',
    );
    expect(s.requests).toHaveLength(0);
  });

  it('speaks TLS 1.2 with a server that allows nothing newer', async () => {
    const s = await start({ maxVersion: 'TLSv1.2' });
    const connection = await connect(optionsFor(s));
    expect((await connection.send(request())).status).toBe(200);
    expect(s.requests[0]!.tlsVersion).toBe('TLSv1.2');
  });

  it('refuses to send on a closed connection, saying why', async () => {
    const s = await start();
    const connection = await connectApns(optionsFor(s));
    await connection.close();
    expect(connection.usable).toBe(false);
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('connection-lost');
    expect(error.message).toBe(`the connection to 127.0.0.1:${s.port} had already closed.`);
    // Nothing was written, so the flow may send it again on a new connection.
    expect(error.retryable).toBe(true);
  });
});

describe('connectApns: hostile or broken servers', () => {
  it('stops reading an answer of 20 MB at 64 KB, resets the stream and says so', async () => {
    const s = await start({
      replies: [{ action: 'stream-body', status: 200, bytes: 20 * 1024 * 1024 }],
    });
    const connection = await connect(optionsFor(s));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('answer-too-large');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `127.0.0.1:${s.port} sent an answer (HTTP 200) of more than ${MAX_ANSWER_BYTES / 1024} KB, where APNs answers are a few hundred bytes: apns-setup stopped reading it.`,
    );
    expect(error.retryable).toBe(false);
    // The server could write about one flow-control window more, not the 20 MB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(s.bodyBytesWritten()).toBeLessThan(1024 * 1024);
    // The stream was reset, not the connection: the next push goes through.
    expect((await connection.send(request())).status).toBe(200);
  });

  it('stops reading an endless answer, without waiting for --timeout', async () => {
    const s = await start({ replies: [{ action: 'stream-body', status: 400 }] });
    const connection = await connect(optionsFor(s, { timeoutMs: 60_000 }));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('answer-too-large');
    expect(s.bodyBytesWritten()).toBeLessThan(1024 * 1024);
  });

  it('says a plain HTTP server is not a TLS server (not that it refused the certificate)', async () => {
    const plain = httpServer((_request, response) => response.end('hello'));
    const port = await listen(plain);
    try {
      const error = await failure(
        connectApns(optionsFor({ url: `https://127.0.0.1:${port}`, port })),
      );
      expect(error.failure).toBe('not-tls');
      expect(error.message).toBe(
        `127.0.0.1:${port} did not answer in TLS: it is not an HTTPS server (a plain HTTP server or another protocol listens there).`,
      );
      expect(error.hint).toContain('https://');
    } finally {
      plain.close();
    }
  });

  it('says a server that hangs up before the TLS handshake did just that', async () => {
    const rude: Server = createServer((socket) => socket.destroy());
    const port = await listen(rude);
    try {
      const error = await failure(
        connectApns(optionsFor({ url: `https://127.0.0.1:${port}`, port })),
      );
      expect(error.failure).toBe('closed-before-tls');
      expect(error.message).toBe(
        `127.0.0.1:${port} closed the connection before the TLS handshake began (it sent nothing).`,
      );
      expect(error.message).not.toContain('certificate');
    } finally {
      rude.close();
    }
  });

  it('says a TLS server that does not agree to HTTP/2 (no ALPN h2) is not an HTTP/2 server', async () => {
    const certificate = issueTestServerCertificate(now);
    // An HTTPS/1.1 server that ignores ALPN, as many do: it answers the HTTP/2 preface as 1.1.
    const http1 = createTlsServer(
      { key: exportPkcs8Pem(certificate.key), cert: certificate.certificatePem },
      (socket) => {
        socket.on('error', () => {});
        socket.on('data', () =>
          socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
        );
      },
    );
    const port = await listen(http1);
    try {
      const error = await failure(
        connectApns(
          optionsFor({ url: `https://127.0.0.1:${port}`, port, caPem: testCa().certificatePem }),
        ),
      );
      expect(error.failure).toBe('not-http2');
      expect(error.message).toBe(
        `127.0.0.1:${port} is a TLS server but not an HTTP/2 one (the handshake did not agree on ALPN h2).`,
      );
    } finally {
      http1.close();
    }
  });

  it('reports the concurrency the server advertises (SETTINGS_MAX_CONCURRENT_STREAMS)', async () => {
    const s = await start({ settings: { maxConcurrentStreams: 7 } });
    const connection = await connect(optionsFor(s));
    expect(connection.maxConcurrentStreams).toBe(7);
  });

  it('neither connects nor sends once the --timeout deadline has passed', async () => {
    const s = await start();
    const late = await connectApns(optionsFor(s, { timeoutMs: 1000, deadline: 0 })).then(
      () => null,
      (e: unknown) => e as ApnsConnectionError,
    );
    expect(late?.failure).toBe('timeout');
    expect(late?.message).toBe(`could not connect to 127.0.0.1:${s.port} within 1 s (--timeout).`);

    const connection = await connect(
      optionsFor(s, { timeoutMs: 1000, deadline: monotonicMs() + 1000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('timeout');
    expect(s.requests).toHaveLength(0);
  });

  it('takes a --timeout longer than a timer can hold (about 24.8 days) as that long, not as none', async () => {
    const s = await start();
    const connection = await connect(optionsFor(s, { timeoutMs: 40 * 86_400_000 }));
    expect((await connection.send(request())).status).toBe(200);
  });

  it('refuses at once the requests a GOAWAY left out (past its last stream id), even on a connection left open', async () => {
    const raw = await startRawServer((r) => r.send(goawayFrame(0)));
    try {
      const connection = await connect(optionsFor(raw, { timeoutMs: 60_000 }));
      const error = await failure(connection.send(request()));
      expect(error.failure).toBe('goaway');
      expect(error.retryable).toBe(true);
      expect(connection.usable).toBe(false);
    } finally {
      await raw.close();
    }
  });

  it('names the GOAWAY when a request it kept was never answered', async () => {
    // Node's server puts the last stream it saw in its GOAWAY: this request may be processed.
    const s = await start({ replies: [{ action: 'goaway', keepOpen: true, reason: 'Shutdown' }] });
    const connection = await connect(optionsFor(s, { timeoutMs: 500 }));
    const error = await failure(connection.send(request()));
    expect(error.failure).toBe('timeout');
    expect(error.message).toBe(
      `127.0.0.1:${s.port} said it was closing the connection (GOAWAY, reason Shutdown) and then did not answer within 0.5 s (--timeout): the push may or may not have been delivered.`,
    );
  });
});

function listen(server: Server | TlsServer | HttpServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/**
 * A server nobody here wrote: `openssl s_server` verifies the client certificate itself and,
 * unlike Node's rejectUnauthorized, answers a bad one with a TLS alert.
 */
describe.skipIf(!hasOpenssl3)('connectApns against openssl s_server', () => {
  async function opensslServer(extra: string[]): Promise<{ port: number; stop(): void }> {
    const dir = tempDir();
    const certificate = issueTestServerCertificate(now);
    writeFileSync(dir.path('server.pem'), certificate.certificatePem);
    writeFileSync(dir.path('server.key'), exportPkcs8Pem(certificate.key));
    writeFileSync(dir.path('ca.pem'), testCa().certificatePem);
    const port = await freePort();
    const child: ChildProcess = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        dir.path('server.pem'),
        '-key',
        dir.path('server.key'),
        '-CAfile',
        dir.path('ca.pem'),
        '-Verify',
        '2',
        '-verify_return_error',
        '-alpn',
        'h2',
        ...extra,
      ],
      // stdin stays open: s_server stops at its end.
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ACCEPT')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`openssl s_server exited with ${code}`)));
    });
    return {
      port,
      stop: () => {
        child.kill();
        dir.remove();
      },
    };
  }

  for (const [version, extra] of [
    ['TLS 1.3', []],
    ['TLS 1.2', ['-tls1_2']],
  ] as const) {
    it(`names the TLS alert for a client certificate from an unknown CA (${version})`, async () => {
      const s = await opensslServer([...extra]);
      try {
        const error = await failure(
          connectApns(
            optionsFor(
              { url: `https://127.0.0.1:${s.port}`, port: s.port, caPem: testCa().certificatePem },
              { timeoutMs: 10_000 },
              untrustedClient(),
            ),
          ),
        );
        expect(error.failure).toBe('client-certificate-rejected');
        expect(error.message).toBe(
          "the server rejected the client certificate (it does not trust the certificate's issuer; TLS alert unknown_ca).",
        );
      } finally {
        s.stop();
      }
    });
  }
});

describe.skipIf(!hasOpenssl3)('connectApns: credentials OpenSSL 3 will not use', () => {
  it('says a SHA-1 signed certificate cannot be presented (exit 2), before connecting', async () => {
    const dir = tempDir();
    try {
      // OpenSSL does not check the signature of a self-signed certificate: make a CA sign it.
      const out = dir.path;
      const newKey = '-newkey rsa:2048 -nodes -days 30'.split(' ');
      await opensslOk(
        ['req', '-x509', ...newKey, '-subj', '/CN=Old CA'].concat([
          '-keyout',
          out('ca.key'),
          '-out',
          out('ca.pem'),
        ]),
      );
      await opensslOk(
        ['req', '-x509', ...newKey, '-subj', '/CN=Old push'].concat(
          ['-keyout', out('key.pem'), '-CA', out('ca.pem'), '-CAkey', out('ca.key')],
          ['-sha1', '-out', out('cert.pem')],
        ),
      );
      const error = (await connectApns({
        url: 'https://127.0.0.1:9',
        host: '127.0.0.1',
        port: 9,
        certificatePem: readFileSync(dir.path('cert.pem'), 'utf8'),
        keyPem: readFileSync(dir.path('key.pem'), 'utf8'),
        timeoutMs: 1000,
      }).then(
        () => null,
        (e: unknown) => e,
      )) as InputError;
      expect(error).toBeInstanceOf(InputError);
      expect(error.code).toBe('UNSUPPORTED_FORMAT');
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(
        'the certificate is signed with SHA-1 or MD5, which the OpenSSL 3 inside Node refuses to present in a TLS handshake.',
      );
    } finally {
      dir.remove();
    }
  });

  it("says a key that is not the certificate's is a mismatch (exit 2)", async () => {
    const error = (await connectApns({
      url: 'https://127.0.0.1:9',
      host: '127.0.0.1',
      port: 9,
      certificatePem: client.certificatePem,
      keyPem: exportPkcs8Pem(testKey('not-the-client')),
      timeoutMs: 1000,
    }).then(
      () => null,
      (e: unknown) => e,
    )) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('KEY_MISMATCH');
  });
});

async function freePort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The push journey with hand-written ports and real HTTP/2: Apple's two hosts are played by
 * two recording servers (the connect port sends each host to its server), so retries, the
 * second environment and the one-connection rule are checked on the wire.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectApns } from '../../src/adapters/apns-connection.js';
import { ApnsConnectionError } from '../../src/adapters/apns-failures.js';
import { parsePlist } from '../../src/adapters/plist.js';
import { isApnsSetupError } from '../../src/core/errors.js';
import { createCertificateAuthority } from '../../src/core/pki/issue-certificate.js';
import { exportEncryptedPkcs8Pem, exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { MAX_ATTEMPTS, MAX_FRUITLESS_CONNECTIONS } from '../../src/flows/push-delivery.js';
import type { ApnsConnectOptions, PushPorts } from '../../src/flows/push-ports.js';
import { pushEach, pushExitCode, sendPush, type PushInput } from '../../src/flows/send-push.js';
import { describePushProgress, explainPushResult } from '../../src/ui/render-push.js';
import { describeWarning } from '../../src/ui/warnings.js';
import { monotonicMs } from '../../src/adapters/monotonic-clock.js';
import { hasRealWorld, realWorldFile, repoRoot } from '../helpers/fixtures.js';
import { goawayFrame, startRawServer } from '../helpers/raw-http2.js';
import {
  startRecordingServer,
  type RecordingServer,
  type RecordingServerOptions,
} from '../helpers/recording-http2-server.js';
import {
  issueSandboxCertificate,
  issueUniversalCertificate,
  testCa,
  testKey,
  type TestCertificate,
} from '../helpers/test-ca.js';
import { distinctTokens } from '../helpers/device-tokens.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const TOKEN_A = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const TOKEN_B = 'b'.repeat(64);
const TOKEN_C = 'c0ffee00'.repeat(8);
const PROBE_BYTES = Buffer.alloc(32, 0xab);
const PROBE_TOKEN = 'ab'.repeat(32);
const PASSPHRASE = 'push test passphrase';

const sandboxCert = issueSandboxCertificate({ now, bundleId: 'com.example.push' });
const universalCert = issueUniversalCertificate({ now, bundleId: 'com.example.push' });

function ckPem(credential: TestCertificate): Buffer {
  return Buffer.from(credential.certificatePem + exportPkcs1Pem(credential.key));
}

let sandbox: RecordingServer;
let production: RecordingServer;

interface Harness {
  ports: PushPorts;
  /** Files by name; `-` is stdin. */
  files: Map<string, Buffer>;
  warnings: string[];
  progress: string[];
  sleeps: number[];
  connects: ApnsConnectOptions[];
  passphraseRequests: string[];
  /** Bytes streamFile hands out at a time. */
  chunkBytes: number;
  /**
   * Whether the fake sleeps move the clock on, as real ones would: for one push at a time (the
   * sleeps of concurrent pushes overlap, which a sum cannot tell).
   */
  sleepsMoveClock: boolean;
  /** Whether the person asked to stop (Ctrl-C): the command's signal, here a function. */
  stopRequested: () => boolean;
}

function harness(files: Record<string, Buffer | string> = {}): Harness {
  const h: Harness = {
    files: new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])),
    warnings: [],
    progress: [],
    sleeps: [],
    connects: [],
    passphraseRequests: [],
    chunkBytes: 64 * 1024,
    sleepsMoveClock: false,
    stopRequested: () => false,
    ports: undefined as never,
  };
  let slept = 0;
  h.ports = {
    parsePlist,
    readFile: (path) => {
      const bytes = h.files.get(path);
      if (!bytes) return Promise.reject(new Error(`no such test file ${path}`));
      return Promise.resolve(bytes);
    },
    passphrase: (request) => {
      h.passphraseRequests.push(request.subject);
      return Promise.resolve(PASSPHRASE);
    },
    passphraseAtHand: () => Promise.resolve(null),
    warn: (warning) => h.warnings.push(describeWarning(warning)),
    now: () => now,
    readStdin: () => Promise.resolve(Buffer.from('{"aps":{"alert":"from stdin"}}')),
    streamFile: async function* (path) {
      const bytes = h.files.get(path);
      if (!bytes) throw new Error(`no such test file ${path}`);
      for (let i = 0; i < bytes.length; i += h.chunkBytes) {
        yield bytes.subarray(i, i + h.chunkBytes);
      }
    },
    readTemplate: (path) =>
      Promise.resolve(readFileSync(join(repoRoot, 'templates', path), 'utf8')),
    // Apple's hosts are played by the local servers; anything else goes where it says.
    connect: (options) => {
      h.connects.push(options);
      const server =
        options.host === 'api.sandbox.push.apple.com'
          ? sandbox
          : options.host === 'api.push.apple.com'
            ? production
            : null;
      return connectApns(
        server === null
          ? options
          : { ...options, url: server.url, host: '127.0.0.1', port: server.port, ca: server.caPem },
      );
    },
    randomBytes: (size) => PROBE_BYTES.subarray(0, size),
    random: () => 0.5,
    sleep: (ms) => {
      h.sleeps.push(ms);
      if (h.sleepsMoveClock) slept += ms;
      return Promise.resolve();
    },
    clock: () => monotonicMs() + slept,
    stopRequested: () => h.stopRequested(),
    progress: (progress) => h.progress.push(describePushProgress(progress)),
  };
  return h;
}

function input(overrides: Partial<PushInput> = {}): PushInput {
  return { cert: 'ck.pem', tokens: [], timeoutMs: 5000, ...overrides };
}

async function servers(
  sandboxOptions: RecordingServerOptions = {},
  productionOptions: RecordingServerOptions = {},
) {
  sandbox = await startRecordingServer(sandboxOptions);
  production = await startRecordingServer(productionOptions);
}

beforeEach(async () => {
  await servers();
});

afterEach(async () => {
  await Promise.all([sandbox.close(), production.close()]);
});

async function restart(
  sandboxOptions: RecordingServerOptions,
  productionOptions: RecordingServerOptions = {},
) {
  await Promise.all([sandbox.close(), production.close()]);
  await servers(sandboxOptions, productionOptions);
}

async function inputError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isApnsSetupError(error) && error.exitCode === 2) return error;
    throw error;
  }
  throw new Error('expected an input error');
}

const alertTemplate = readFileSync(join(repoRoot, 'templates/payloads/alert.json'));

describe('testPush: the credential probe', () => {
  it('sends the alert template to a random token and counts BadDeviceToken as success', async () => {
    await restart({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input(), h.ports);

    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result).toMatchObject({
      token: PROBE_TOKEN,
      probe: true,
      environment: 'sandbox',
      endpoint: 'https://api.sandbox.push.apple.com',
      status: 400,
      reason: 'BadDeviceToken',
      ok: true,
      attempts: 1,
    });
    expect(result!.explanation).toContain(
      'APNs accepted this certificate for com.example.push in the sandbox',
    );
    expect(pushExitCode(results)).toBe(0);
    expect(h.connects).toHaveLength(1);
    expect(h.connects[0]).toMatchObject({
      url: 'https://api.sandbox.push.apple.com',
      host: 'api.sandbox.push.apple.com',
      port: 443,
      ca: undefined,
      timeoutMs: 5000,
    });
    expect(h.connects[0]!.certificatePem).toBe(sandboxCert.certificatePem);
    const [sent] = sandbox.requests;
    expect(sent!.path).toBe(`/3/device/${PROBE_TOKEN}`);
    expect(sent!.headers['apns-topic']).toBe('com.example.push');
    expect(sent!.headers['apns-push-type']).toBe('alert');
    expect(sent!.headers['apns-priority']).toBe('10');
    expect(sent!.body.equals(alertTemplate)).toBe(true);
    expect(h.progress[0]).toMatch(/^Sending a credential probe .* for com\.example\.push to /);
    expect(h.warnings).toEqual([]);
  });

  it('is not tried in production, even with a universal certificate', async () => {
    await restart({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const h = harness({ 'ck.pem': ckPem(universalCert) });
    const results = await sendPush(input(), h.ports);
    expect(results[0]!.ok).toBe(true);
    expect(production.requests).toHaveLength(0);
  });

  it('reports a 200 from a server that accepts any token as success too', async () => {
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const [result] = await sendPush(input(), h.ports);
    expect(result!.ok).toBe(true);
    expect(result!.status).toBe(200);
    expect(result!.apnsId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result!.apnsUniqueId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('testPush: several tokens', () => {
  it('sends every token, from flags and a tokens file, concurrently over one connection', async () => {
    const h = harness({
      'ck.pem': ckPem(sandboxCert),
      'tokens.txt': `# QA devices\n${TOKEN_B}\n\n  <${TOKEN_C.slice(0, 8)} ${TOKEN_C.slice(8)}>  # iPad\r\n${TOKEN_A.toUpperCase()}\n`,
    });
    await restart({
      fallback: (r) => ({
        status: 200,
        headers: { 'apns-id': '11111111-2222-3333-4444-555555555555' },
        delayMs: r.path.endsWith(TOKEN_A) ? 30 : 0,
      }),
    });
    const results = await sendPush(
      input({ tokens: [TOKEN_A, TOKEN_B.toUpperCase()], tokensFile: 'tokens.txt', alert: 'Hi' }),
      h.ports,
    );
    expect(results.map((r) => r.token)).toEqual([TOKEN_A, TOKEN_B, TOKEN_C]);
    expect(results.every((r) => r.ok && r.status === 200 && !r.probe)).toBe(true);
    expect(sandbox.connections()).toBe(1);
    expect(sandbox.requests).toHaveLength(3);
    expect(
      sandbox.requests.every((r) => r.body.toString() === '{"aps":{"alert":{"body":"Hi"}}}'),
    ).toBe(true);
    // Said as the repeats are met: the file repeats B, then A.
    expect(h.warnings).toEqual([
      'the device token bbbbbbbb…bbbbbbbb is listed more than once; it is sent once.',
      'the device token 740f4707…61bb78ad is listed more than once; it is sent once.',
    ]);
    expect(pushExitCode(results)).toBe(0);
  });

  it('sends a token repeated all over a tokens file once, warning about ten repeats and counting the rest', async () => {
    const distinct = distinctTokens(30);
    const lines = [...distinct, ...distinct, ...distinct.slice(0, 5)];
    const h = harness({ 'ck.pem': ckPem(sandboxCert), 'tokens.txt': lines.join('\n') });
    const results = await sendPush(input({ tokensFile: 'tokens.txt' }), h.ports);
    expect(results.map((r) => r.token)).toEqual(distinct);
    expect(sandbox.requests).toHaveLength(30);
    expect(h.progress[0]).toMatch(/^Sending 30 pushes for /);
    expect(h.warnings).toHaveLength(11);
    expect(h.warnings[10]).toBe(
      '25 more lines repeat a token listed before; each token is sent once.',
    );
  });

  it('exits 1 when any token is refused, and explains each', async () => {
    await restart({
      fallback: (r) =>
        r.path.endsWith(TOKEN_B)
          ? { status: 410, body: { reason: 'Unregistered', timestamp: 1700000000000 } }
          : { status: 200 },
    });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A, TOKEN_B] }), h.ports);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]!.explanation).toContain('2023-11-14T22:13:20.000Z');
    expect(pushExitCode(results)).toBe(1);
  });
});

describe('testPush: retries', () => {
  it('waits and sends again after 429, on the same connection', async () => {
    await restart({ replies: [{ status: 429, body: { reason: 'TooManyRequests' } }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const [result] = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(result).toMatchObject({ status: 200, ok: true, attempts: 2 });
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(h.sleeps[0]).toBeLessThanOrEqual(1000);
    expect(sandbox.requests.map((r) => r.connection)).toEqual([1, 1]);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts and reports the last answer`, async () => {
    await restart({ fallback: () => ({ status: 500, body: { reason: 'InternalServerError' } }) });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(results[0]).toMatchObject({
      status: 500,
      reason: 'InternalServerError',
      ok: false,
      attempts: MAX_ATTEMPTS,
    });
    expect(sandbox.requests).toHaveLength(MAX_ATTEMPTS);
    expect(h.sleeps).toHaveLength(MAX_ATTEMPTS - 1);
    // The cap doubles: the second wait is drawn from a range twice as high.
    expect(h.sleeps[1]!).toBeGreaterThan(h.sleeps[0]!);
    expect(pushExitCode(results)).toBe(1);
  });

  it('reconnects after 503 Shutdown', async () => {
    await restart({ replies: [{ status: 503, body: { reason: 'Shutdown' } }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const [result] = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(result).toMatchObject({ status: 200, ok: true, attempts: 2 });
    expect(sandbox.requests.map((r) => r.connection)).toEqual([1, 2]);
  });

  it('sends again on a new connection after a GOAWAY', async () => {
    await restart({ replies: [{ action: 'goaway', reason: 'Shutdown' }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const [result] = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(result).toMatchObject({ status: 200, ok: true, attempts: 2 });
    expect(sandbox.connections()).toBe(2);
    expect(sandbox.requests.map((r) => r.connection)).toEqual([1, 2]);
  });

  it('reports a GOAWAY reason that retrying cannot fix as the answer', async () => {
    await restart({ replies: [{ action: 'goaway', reason: 'BadCertificate', lastStreamId: 1 }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(results[0]).toMatchObject({ status: null, reason: 'BadCertificate', ok: false });
    expect(results[0]!.explanation).toContain('refused the client certificate');
    expect(sandbox.requests).toHaveLength(1);
  });

  it('does not resend a push whose connection dropped under it (it may have been delivered)', async () => {
    await restart({ replies: [{ action: 'close-socket' }] });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    // The token gets its own result saying so, not an error for the whole run.
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      token: TOKEN_A,
      status: null,
      reason: null,
      failure: 'connection-lost',
      ok: false,
      attempts: 1,
    });
    expect(results[0]!.explanation).toMatch(/closed before the server answered/);
    expect(results[0]!.hint).toContain('may or may not have been delivered');
    expect(pushExitCode(results)).toBe(1);
    expect(sandbox.requests).toHaveLength(1);
  });
});

describe('testPush: hostile or broken servers', () => {
  it('gives each of 200 tokens its own result against a server that answers 503, over at most a few connections', async () => {
    await restart({ fallback: () => ({ status: 503, body: { reason: 'ServiceUnavailable' } }) });
    const tokens = distinctTokens(200);
    const h = harness({ 'ck.pem': ckPem(sandboxCert), 'tokens.txt': tokens.join('\n') });
    const results = await sendPush(input({ tokensFile: 'tokens.txt' }), h.ports);
    expect(results.map((r) => r.token)).toEqual(tokens);
    // The reason is the server's, for each token: no GOAWAY it never sent.
    for (const result of results) {
      expect(result).toMatchObject({
        status: 503,
        reason: 'ServiceUnavailable',
        failure: null,
        ok: false,
        attempts: MAX_ATTEMPTS,
      });
    }
    expect(sandbox.connections()).toBeLessThanOrEqual(MAX_FRUITLESS_CONNECTIONS);
    expect(sandbox.requests).toHaveLength(200 * MAX_ATTEMPTS);
    expect(pushExitCode(results)).toBe(1);
  });

  it('resends at once on a new connection what a GOAWAY left out, though the server keeps the connection open', async () => {
    // GOAWAY with last stream id 0 (nothing processed), and the connection left open.
    const raw = await startRawServer((r) =>
      r.send(goawayFrame(0, 0, Buffer.from('{"reason":"Shutdown"}'))),
    );
    try {
      const h = harness({ 'ck.pem': ckPem(sandboxCert) });
      const apple = h.ports.connect;
      h.ports.connect = (options) =>
        h.connects.length === 0
          ? (h.connects.push(options),
            connectApns({
              ...options,
              url: raw.url,
              host: '127.0.0.1',
              port: raw.port,
              ca: raw.caPem,
            }))
          : apple(options);
      const [result] = await sendPush(input({ tokens: [TOKEN_A], timeoutMs: 60_000 }), h.ports);
      expect(result).toMatchObject({ status: 200, ok: true, attempts: 2 });
      // No backoff: the push was never processed, only a new connection was needed.
      expect(h.sleeps).toEqual([]);
      expect(raw.requests()).toBe(1);
      expect(sandbox.requests.map((r) => r.path)).toEqual([`/3/device/${TOKEN_A}`]);
    } finally {
      await raw.close();
    }
  });

  it('--timeout bounds the retries too: no wait starts that would end after it', async () => {
    await restart({ fallback: () => ({ status: 500, body: { reason: 'InternalServerError' } }) });
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    h.sleepsMoveClock = true;
    const [result] = await sendPush(input({ tokens: [TOKEN_A], timeoutMs: 1000 }), h.ports);
    expect(result).toMatchObject({ status: 500, reason: 'InternalServerError', ok: false });
    expect(result!.attempts).toBeLessThan(MAX_ATTEMPTS);
    expect(h.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(1000);
  });

  it('sends as many pushes at once as the server advertises (SETTINGS_MAX_CONCURRENT_STREAMS), not a fixed 100', async () => {
    const advertised = 250;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await restart({
      settings: { maxConcurrentStreams: advertised },
      // Answers wait until the server holds all it allows (or 5 s pass), so the most it held
      // at once is the most the client sent at once. The first push opens the connection alone.
      hold: () => (sandbox.requests.length === 1 ? null : gate),
    });
    const full = setInterval(() => sandbox.inFlight() >= advertised && release(), 10);
    const enough = setTimeout(release, 5000);
    const tokens = distinctTokens(600);
    const h = harness({ 'ck.pem': ckPem(sandboxCert), 'tokens.txt': tokens.join('\n') });
    try {
      const results = await sendPush(input({ tokensFile: 'tokens.txt' }), h.ports);
      expect(results.filter((r) => r.ok)).toHaveLength(600);
    } finally {
      clearInterval(full);
      clearTimeout(enough);
    }
    expect(sandbox.peakInFlight()).toBe(advertised);
    expect(sandbox.connections()).toBe(1);
  });

  it('reads piped tokens only as fast as they go out: pending pushes stay within what the server allows', async () => {
    await restart({ settings: { maxConcurrentStreams: 20 } });
    const tokens = distinctTokens(2000);
    const h = harness({ 'ck.pem': ckPem(sandboxCert), '-': `${tokens.join('\n')}\n` });
    h.chunkBytes = 65; // one line a chunk
    let read = 0;
    let reported = 0;
    let mostPending = 0;
    const stream = h.ports.streamFile;
    h.ports.streamFile = async function* (path) {
      for await (const chunk of stream(path)) {
        read += 1;
        mostPending = Math.max(mostPending, read - reported);
        yield chunk;
      }
    };
    const summary = await pushEach(input({ tokensFile: '-' }), h.ports, () => (reported += 1));
    expect(summary).toEqual({ count: 2000, accepted: 2000 });
    expect(read).toBe(2000);
    expect(mostPending).toBeLessThanOrEqual(21);
    expect(sandbox.connections()).toBe(1);
    expect(h.progress[0]).toMatch(/^Sending a push to each token read from stdin for /);
  });

  it('stops at a bad line piped to stdin: the pushes before it get their results, then the error (exit 2)', async () => {
    const h = harness({
      'ck.pem': ckPem(sandboxCert),
      '-': `${TOKEN_A}\n${TOKEN_B}\nnot-a-token\n${TOKEN_C}\n`,
    });
    const reported: string[] = [];
    const error = await pushEach(input({ tokensFile: '-' }), h.ports, (r) =>
      reported.push(r.token),
    ).catch((e: unknown) => e);
    expect(isApnsSetupError(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^stdin line 3: the device token contains "n"/);
    expect(reported.sort()).toEqual([TOKEN_A, TOKEN_B].sort());
    expect(sandbox.requests.map((r) => r.path)).not.toContain(`/3/device/${TOKEN_C}`);
  });
});

describe('pushEach: stopped on request (Ctrl-C)', () => {
  it('starts no push once asked to stop, reports those on their way, and ends as cancelled (130) with the count', async () => {
    await restart({ settings: { maxConcurrentStreams: 10 } });
    const tokens = distinctTokens(500);
    const h = harness({ 'ck.pem': ckPem(sandboxCert), 'tokens.txt': tokens.join('\n') });
    const reported: string[] = [];
    // The person presses Ctrl-C once 25 answers are in.
    h.stopRequested = () => reported.length >= 25;
    const error = await pushEach(input({ tokensFile: 'tokens.txt' }), h.ports, (r) =>
      reported.push(r.token),
    ).catch((e: unknown) => e);
    expect(isApnsSetupError(error) && error.exitCode).toBe(130);
    const sent = sandbox.requests.length;
    // Every push that went out was answered and reported; none started after the stop but
    // those already under way (at most the ten the server allows at once).
    expect(reported).toHaveLength(sent);
    expect(sent).toBeGreaterThanOrEqual(25);
    expect(sent).toBeLessThanOrEqual(25 + 10);
    expect((error as Error).message).toBe(
      `stopped on request after ${sent} pushes of 500, once their answers were in; the other ${500 - sent} tokens were not sent.`,
    );
  });

  it('a stop that ends the reading of piped tokens is the stop, not a read error', async () => {
    await restart({});
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    let stop = false;
    h.stopRequested = () => stop;
    // stdin: one token, then the stream fails as a destroyed stdin does.
    h.ports.streamFile = async function* () {
      yield Buffer.from(`${TOKEN_A}\n`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      stop = true;
      throw Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    };
    const reported: string[] = [];
    const error = await pushEach(input({ tokensFile: '-' }), h.ports, (r) =>
      reported.push(r.token),
    ).catch((e: unknown) => e);
    expect(isApnsSetupError(error) && error.exitCode).toBe(130);
    expect((error as Error).message).toBe(
      'stopped on request after 1 push, once their answers were in; no token read after that was sent.',
    );
    expect(reported).toEqual([TOKEN_A]);
  });

  it('a run whose every push is under way when asked to stop ends as it would have', async () => {
    await restart({});
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    h.stopRequested = () => sandbox.requests.length > 0;
    const summary = await pushEach(input({ tokens: [TOKEN_A] }), h.ports, () => undefined);
    expect(summary).toEqual({ count: 1, accepted: 1 });
  });
});

describe('testPush: environments', () => {
  it('explains BadCertificateEnvironment for a sandbox-only certificate pushed to production', async () => {
    await restart(
      {},
      { replies: [{ status: 403, body: { reason: 'BadCertificateEnvironment' } }] },
    );
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A], env: 'production' }), h.ports);
    expect(h.warnings).toEqual([
      '--env production, but this certificate is for the sandbox only: APNs will refuse it (usually with 403 BadCertificateEnvironment). Use --env sandbox, or make a production certificate.',
    ]);
    expect(h.connects[0]!.host).toBe('api.push.apple.com');
    expect(results[0]).toMatchObject({
      environment: 'production',
      endpoint: 'https://api.push.apple.com',
      status: 403,
      reason: 'BadCertificateEnvironment',
      ok: false,
    });
    expect(results[0]!.explanation).toBe(
      'This certificate is for the sandbox only, and you pushed to production.',
    );
    expect(results[0]!.hint).toContain('--env sandbox');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('tries production when the sandbox does not know a token, and says where it belongs', async () => {
    await restart({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const h = harness({ 'ck.pem': ckPem(universalCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A], env: 'auto' }), h.ports);
    expect(results[0]).toMatchObject({
      environment: 'production',
      endpoint: 'https://api.push.apple.com',
      status: 200,
      ok: true,
      attempts: 2,
    });
    expect(explainPushResult(results[0]!)).toEqual({
      explanation:
        'APNs accepted the notification for com.example.push in production: this token belongs to production (a TestFlight or App Store build), not the sandbox.',
      hint: 'Next time push this token with --env production.',
    });
    expect(sandbox.requests.map((r) => r.path)).toEqual([`/3/device/${TOKEN_A}`]);
    expect(production.requests.map((r) => r.path)).toEqual([`/3/device/${TOKEN_A}`]);
    expect(pushExitCode(results)).toBe(0);
  });

  it('says so when neither environment knows the token', async () => {
    const unknown = { fallback: () => ({ status: 400, body: { reason: 'BadDeviceToken' } }) };
    await restart(unknown, unknown);
    const h = harness({ 'ck.pem': ckPem(universalCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A] }), h.ports);
    expect(results[0]).toMatchObject({ environment: 'production', ok: false });
    expect(explainPushResult(results[0]!).explanation).toBe(
      'Neither the sandbox nor production recognised the device token.',
    );
    expect(pushExitCode(results)).toBe(1);
  });

  it('does not switch environments with an explicit --env', async () => {
    await restart({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const h = harness({ 'ck.pem': ckPem(universalCert) });
    const results = await sendPush(input({ tokens: [TOKEN_A], env: 'sandbox' }), h.ports);
    expect(results[0]).toMatchObject({ environment: 'sandbox', ok: false });
    expect(results[0]!.hint).toContain('--env production');
    expect(production.requests).toHaveLength(0);
  });

  it('uses Apple port 2197 when asked', async () => {
    const h = harness({ 'ck.pem': ckPem(sandboxCert) });
    await sendPush(input({ port: 2197 }), h.ports);
    expect(h.connects[0]).toMatchObject({
      url: 'https://api.sandbox.push.apple.com:2197',
      port: 2197,
    });
  });

  it('talks to a custom --endpoint trusting the --ca file, and never to Apple', async () => {
    await restart({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const h = harness({ 'ck.pem': ckPem(universalCert), 'ca.pem': testCa().certificatePem });
    const results = await sendPush(
      input({ tokens: [TOKEN_A], endpoint: sandbox.url, ca: 'ca.pem' }),
      h.ports,
    );
    expect(h.connects).toHaveLength(1);
    expect(h.connects[0]).toMatchObject({
      url: sandbox.url,
      host: '127.0.0.1',
      port: sandbox.port,
    });
    expect(h.connects[0]!.ca).toBe(testCa().certificatePem);
    // One server: a BadDeviceToken is the answer, not a reason to try elsewhere.
    expect(results[0]).toMatchObject({ environment: 'sandbox', endpoint: sandbox.url, ok: false });
    expect(production.requests).toHaveLength(0);
  });
});

describe('testPush: payloads', () => {
  const cases: [string, Partial<PushInput>, string, Record<string, string>][] = [
    [
      '--alert with its parts',
      { alert: 'Hello', title: 'T', subtitle: 'S', badge: '3', sound: 'default' },
      '{"aps":{"alert":{"title":"T","subtitle":"S","body":"Hello"},"badge":3,"sound":"default"}}',
      { 'apns-push-type': 'alert', 'apns-priority': '10' },
    ],
    [
      '--payload - (stdin)',
      { payload: '-' },
      '{"aps":{"alert":"from stdin"}}',
      { 'apns-push-type': 'alert' },
    ],
    [
      '--template background',
      { template: 'background' },
      readFileSync(join(repoRoot, 'templates/payloads/background.json'), 'utf8'),
      { 'apns-push-type': 'background', 'apns-priority': '5' },
    ],
  ];
  for (const [name, flags, body, headers] of cases) {
    it(`sends ${name}`, async () => {
      const h = harness({ 'ck.pem': ckPem(sandboxCert) });
      await sendPush(input({ tokens: [TOKEN_A], ...flags }), h.ports);
      expect(sandbox.requests[0]!.body.toString('utf8')).toBe(body);
      expect(sandbox.requests[0]!.headers).toMatchObject(headers);
    });
  }

  it('sends a payload file byte for byte (without a UTF-8 BOM)', async () => {
    const json = '{"aps":{"alert":"Grüße"},"custom":[1,2,3]}';
    const h = harness({
      'ck.pem': ckPem(sandboxCert),
      'payload.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]),
    });
    await sendPush(input({ tokens: [TOKEN_A], payload: 'payload.json' }), h.ports);
    expect(sandbox.requests[0]!.body.equals(Buffer.from(json))).toBe(true);
  });
});

describe('testPush: bad input is refused before connecting', () => {
  const refusals: [string, Partial<PushInput>, Record<string, string | Buffer>, RegExp][] = [
    ['a malformed --token', { tokens: ['abc'] }, {}, /^--token: the device token has 3 hex digits/],
    [
      'a bad line in --tokens-file',
      { tokensFile: 'tokens.txt' },
      { 'tokens.txt': `${TOKEN_A}\nnot-a-token\n` },
      /^tokens\.txt line 2: the device token contains "n"/,
    ],
    [
      'a tokens file with no tokens',
      { tokensFile: 'tokens.txt' },
      { 'tokens.txt': '# nothing yet\n\n' },
      /^tokens\.txt holds no device tokens\.$/,
    ],
    [
      'a payload that is not JSON',
      { payload: 'payload.json' },
      { 'payload.json': '{"aps": ' },
      /^payload\.json: the payload is not valid JSON/,
    ],
    [
      'a payload over 4096 bytes',
      { payload: 'big.json' },
      { 'big.json': JSON.stringify({ aps: { alert: 'x'.repeat(4100) } }) },
      /^big\.json: the payload is 4\d{3} bytes; APNs accepts at most 4096 bytes for alert pushes\.$/,
    ],
    [
      'two payload sources',
      { alert: 'Hi', template: 'badge' },
      {},
      /^--alert, --template each give the whole payload/,
    ],
    ['--badge without --alert', { badge: '2' }, {}, /^--badge is part of an alert/],
    ['an unknown template', { template: 'nope' }, {}, /^there is no payload template named "nope"/],
    [
      '--port with --endpoint',
      { endpoint: 'https://127.0.0.1:8443', port: 2197 },
      {},
      /^--port is for Apple's servers/,
    ],
    ['an http endpoint', { endpoint: 'http://127.0.0.1:8443' }, {}, /uses http, not https/],
    ['a bad priority', { priority: '7' }, {}, /^--priority "7" is not an APNs priority/],
    ['a collapse id over 64 bytes', { collapseId: 'é'.repeat(33) }, {}, /66 bytes in UTF-8/],
    [
      'stdin for both the payload and the tokens',
      { payload: '-', tokensFile: '-' },
      { '-': `${TOKEN_A}\n` },
      /^--payload - and --tokens-file - both read stdin; only one of them can\.$/,
    ],
    [
      'a line in --tokens-file too long to be a token list',
      { tokensFile: 'big.txt' },
      { 'big.txt': 'a'.repeat(100_000) },
      /^big\.txt line 1 is longer than 65536 characters/,
    ],
  ];
  for (const [name, flags, files, message] of refusals) {
    it(`refuses ${name} (exit 2)`, async () => {
      const h = harness({ 'ck.pem': ckPem(sandboxCert), ...files });
      const error = await inputError(sendPush(input({ tokens: [TOKEN_A], ...flags }), h.ports));
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
      expect(h.connects).toHaveLength(0);
      expect(sandbox.requests).toHaveLength(0);
    });
  }

  it('reads the token and payload before asking for a passphrase', async () => {
    const h = harness({
      'ck.pem': sandboxCert.certificatePem + exportEncryptedPkcs8Pem(sandboxCert.key, PASSPHRASE),
    });
    await inputError(sendPush(input({ tokens: ['xyz'] }), h.ports));
    expect(h.passphraseRequests).toEqual([]);
  });
});

describe('testPush: the credential', () => {
  it('takes --cert with --key, opening an encrypted key with the passphrase', async () => {
    const h = harness({
      'cert.pem': sandboxCert.certificatePem,
      'key.pem': exportEncryptedPkcs8Pem(sandboxCert.key, PASSPHRASE),
    });
    const [result] = await sendPush(input({ cert: 'cert.pem', key: 'key.pem' }), h.ports);
    expect(result!.ok).toBe(true);
    expect(h.passphraseRequests).toEqual(['the key in key.pem']);
    expect(sandbox.requests[0]!.clientCertificateCn).toBe(
      'Apple Development IOS Push Services: com.example.push',
    );
  });

  it('refuses a --key that is not the certificate key', async () => {
    const h = harness({
      'cert.pem': sandboxCert.certificatePem,
      'other.pem': exportPkcs1Pem(testKey('someone-else')),
    });
    const error = await inputError(
      sendPush(input({ cert: 'cert.pem', key: 'other.pem' }), h.ports),
    );
    expect(error.code).toBe('KEY_MISMATCH');
    expect(error.message).toBe('other.pem is not the private key of the certificate in cert.pem.');
    expect(h.connects).toHaveLength(0);
  });

  it('refuses a certificate without a key', async () => {
    const h = harness({ 'cert.pem': sandboxCert.certificatePem });
    const error = await inputError(sendPush(input({ cert: 'cert.pem' }), h.ports));
    expect(error.code).toBe('NO_PRIVATE_KEY');
    expect(error.message).toBe(
      'cert.pem holds the certificate but no private key, and no --key was given.',
    );
  });

  it('refuses a file with no certificate', async () => {
    const h = harness({ 'key.pem': exportPkcs1Pem(sandboxCert.key) });
    const error = await inputError(sendPush(input({ cert: 'key.pem' }), h.ports));
    expect(error.code).toBe('NO_CERTIFICATE');
  });

  it('warns about an expired certificate and still sends', async () => {
    const expired = issueSandboxCertificate({
      now,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    await restart({ rejectUnauthorized: false });
    const h = harness({ 'ck.pem': ckPem(expired) });
    await sendPush(input(), h.ports);
    expect(h.warnings).toEqual([
      'the certificate in ck.pem expired on 2021-01-01: APNs refuses expired certificates: make a new one: apns-setup renew --from ck.pem, upload its CSR at developer.apple.com, then apns-setup import.',
    ]);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('reports a client certificate the server refuses as a failure (exit 1), not a hang', async () => {
    const h = harness({ 'ck.pem': strangerCkPem() });
    const error = await sendPush(input({ topic: 'com.example.push' }), h.ports).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApnsConnectionError);
    expect((error as ApnsConnectionError).message).toMatch(
      /^the server rejected the client certificate \(it closed the connection/,
    );
    expect((error as ApnsConnectionError).exitCode).toBe(1);
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe.skipIf(!hasRealWorld)('testPush: real-world credentials', () => {
  it("warns about pushy's look-alike certificate (topics, no environment) and sends anyway", async () => {
    // pushy's test certificates chain to PushyTestRoot, which the local server does not know.
    await restart({ rejectUnauthorized: false });
    const h = harness({
      'multi-topic-client.p12': realWorldFile('pushy/multi-topic-client.p12'),
    });
    h.ports.passphrase = () => Promise.resolve('pushy-test');
    const results = await sendPush(input({ cert: 'multi-topic-client.p12' }), h.ports);
    expect(h.warnings[0]).toMatch(
      /^the certificate carries neither the sandbox nor the production push extension/,
    );
    expect(sandbox.requests[0]!.headers['apns-topic']).toBe('com.eatthepath.pushy');
    expect(sandbox.requests[0]!.clientCertificateCn).toBe(
      'Apple Push Services: com.eatthepath.pushy',
    );
    expect(results[0]!.ok).toBe(true);
  });
});

/** ck.pem of a self-signed certificate nobody trusts. */
function strangerCkPem(): Buffer {
  const key = testKey('stranger');
  const certificate = createCertificateAuthority({
    commonName: 'Stranger',
    key,
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    serialNumber: '05',
  });
  return Buffer.from(certificate.certificatePem + exportPkcs1Pem(key));
}

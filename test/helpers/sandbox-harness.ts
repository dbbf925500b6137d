/**
 * A sandbox started in process for a test file, the client certificates its local portal
 * issues, and a plain Node http2 client that reports what a caller would see: a response, or
 * the way the connection ended.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import http2 from 'node:http2';
import type { ApnsCertificateKind } from '../../src/core/pki/issue-certificate.js';
import { createCsr } from '../../src/core/pki/csr.js';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import { signCsrAsApple } from '../../src/sandbox/portal.js';
import {
  startSandbox,
  type RunningSandbox,
  type SandboxLogEntry,
  type StartSandboxOptions,
} from '../../src/sandbox/server.js';
import { loadOrCreateSandboxState, type SandboxState } from '../../src/sandbox/state.js';
import { testKey } from './test-ca.js';

export interface TestSandbox {
  sandbox: RunningSandbox;
  state: SandboxState;
  entries: SandboxLogEntry[];
  stop(): Promise<void>;
}

export async function startTestSandbox(
  options: Partial<Omit<StartSandboxOptions, 'log'>> & { state?: SandboxState } = {},
): Promise<TestSandbox> {
  const state = options.state ?? (await loadOrCreateSandboxState(null, new Date()));
  const entries: SandboxLogEntry[] = [];
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    environment: 'sandbox',
    knownTokens: null,
    ...options,
    state,
    log: (entry) => entries.push(entry),
  });
  return {
    sandbox,
    state,
    entries,
    stop: async () => {
      await sandbox.close();
      if (!options.state) await state.release();
    },
  };
}

export interface ClientIdentity {
  certificatePem: string;
  keyPem: string;
}

/**
 * A push certificate from the sandbox's local portal, as the demo gets one: CSR in, .cer out,
 * issued at `now` (the caller's clock: the sandbox checks it against the real one).
 */
export function portalIdentity(
  state: SandboxState,
  type: ApnsCertificateKind,
  options: { now: Date; bundleId?: string; key?: KeyObject },
): ClientIdentity {
  const key = options.key ?? testKey('leaf');
  const csr = createCsr({ key, email: 'dev@example.com', commonName: 'Sandbox test' });
  const issued = signCsrAsApple({
    portalCa: state.portalCa,
    csrDer: csr.der,
    bundleId: options.bundleId ?? 'com.example.push',
    teamId: 'A1B2C3D4E5',
    teamName: 'Example Team',
    type,
    now: options.now,
    serialNumber: randomBytes(8).toString('hex'),
  });
  return { certificatePem: issued.certificatePem, keyPem: exportPkcs8Pem(key) };
}

export type ClientOutcome =
  | { kind: 'response'; status: number; headers: http2.IncomingHttpHeaders; body: string }
  /**
   * The stream ended without a response: how Node's http2 client sees a refused handshake.
   * `error` is the session's error (the TLS alert) if there was one, else the stream's.
   */
  | { kind: 'closed'; rstCode: number; error: string | null };

export interface PushOptions {
  url: string;
  ca: string;
  identity?: ClientIdentity | { certificatePem: string; keyPem: string } | null;
  method?: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** One request on a fresh connection, as a provider would send it. */
export function sendPush(options: PushOptions): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const session = http2.connect(options.url, {
      ca: options.ca,
      ...(options.identity
        ? { cert: options.identity.certificatePem, key: options.identity.keyPem }
        : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    });
    let sessionError: string | null = null;
    session.on('error', (error: NodeJS.ErrnoException) => {
      sessionError = error.code ?? error.message;
    });
    const request = session.request({
      ':method': options.method ?? 'POST',
      ':path': options.path,
      ...options.headers,
    });
    let streamError: string | null = null;
    let response: http2.IncomingHttpHeaders | null = null;
    const chunks: Buffer[] = [];
    request.on('response', (headers) => {
      response = headers;
    });
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // Node cancels the stream (ERR_HTTP2_STREAM_CANCEL) with the session's error as cause.
      const cause = error.cause as NodeJS.ErrnoException | undefined;
      streamError = cause?.code ?? error.code ?? error.message;
    });
    request.on('close', () => {
      session.close();
      if (response) {
        resolve({
          kind: 'response',
          status: Number(response[':status']),
          headers: response,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      } else {
        resolve({
          kind: 'closed',
          rstCode: request.rstCode ?? -1,
          error: sessionError ?? streamError,
        });
      }
    });
    request.end(options.body ?? '{"aps":{"alert":"Hello"}}');
  });
}

/** Waits until the sandbox log holds an entry that `match` accepts (the log trails the reply). */
export async function waitForEntry(
  entries: SandboxLogEntry[],
  match: (entry: SandboxLogEntry) => boolean,
  timeoutMs = 5000,
): Promise<SandboxLogEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = entries.find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching sandbox log entry; log: ${JSON.stringify(entries)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

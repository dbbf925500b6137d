/**
 * The provider samples in templates/providers, run as a backend developer runs them (`php
 * send-push.php …`, `node send-push.mjs …`) against `apns-setup sandbox` in another process,
 * with a ck.pem these tests make: what each prints and its exit code for an accepted push,
 * APNs's rejections, a refused certificate and servers it cannot reach.
 *
 * PHP is a machine package (Debian: php-cli php-curl), installed by .ci/run. Where it is
 * missing the PHP cases say so and are skipped; under CI they fail.
 */
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  createCertificateAuthority,
  issueApnsCertificate,
} from '../../src/core/pki/issue-certificate.js';
import { exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { issueSandboxCertificate, testCa, testKey } from '../helpers/test-ca.js';

// The sandbox and the samples' TLS stacks check certificates against the process's clock (the
// shifted one under faketime too): the certificates here are issued relative to it.
const now = new Date();
const DAY = 86_400_000;

const PHP_MISSING =
  'PHP with curl is not installed: the PHP sample was not run (apt-get install php-cli php-curl)';
/** php on the PATH, with the curl extension, its libcurl built with HTTP/2. */
const hasPhp =
  spawnSync('php', [
    '-r',
    'exit(function_exists("curl_version") && (curl_version()["features"] & CURL_VERSION_HTTP2) ? 0 : 1);',
  ]).status === 0;
if (!hasPhp) console.warn(PHP_MISSING);

const BUNDLE_ID = 'com.example.samples';
const KNOWN_TOKEN = 'b'.repeat(64);
const UNKNOWN_TOKEN = 'c'.repeat(64);
const scratch = scratchDir('apns-setup-samples-');
const ckPem = join(scratch.path, 'ck.pem');
const rogueCkPem = join(scratch.path, 'rogue-ck.pem');
let sandbox: SandboxProcess;
let url = '';
let caFile = '';
let silent: Server;
let silentUrl = '';
const silentSockets = new Set<Socket>();

/** ck.pem as apns-setup writes it: the certificate, then the unencrypted PKCS#1 key. */
function writeCk(path: string, issued: { certificatePem: string }): void {
  writeFileSync(path, issued.certificatePem + exportPkcs1Pem(testKey('leaf')), { mode: 0o600 });
}

beforeAll(async () => {
  const testCaFile = join(scratch.path, 'test-ca.pem');
  writeFileSync(testCaFile, testCa().certificatePem);
  writeCk(ckPem, issueSandboxCertificate({ now, bundleId: BUNDLE_ID }));
  // The same kind of certificate from a CA the sandbox was not told to trust.
  const rogueKey = testKey('rogue-ca');
  const rogue = createCertificateAuthority({
    commonName: 'Rogue CA',
    key: rogueKey,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    serialNumber: '0a',
  });
  writeCk(
    rogueCkPem,
    issueApnsCertificate({
      ca: { key: rogueKey, certificatePem: rogue.certificatePem },
      publicKey: testKey('leaf'),
      bundleId: BUNDLE_ID,
      teamId: 'A1B2C3D4E5',
      teamName: 'Rogue',
      type: 'development',
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 365 * DAY),
      serialNumber: '0b',
    }),
  );

  const tokensFile = join(scratch.path, 'tokens.txt');
  writeFileSync(tokensFile, `${KNOWN_TOKEN}\n`);
  sandbox = spawnSandbox(['--json', '--client-ca', testCaFile, '--tokens', tokensFile]);
  ({ url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string });

  // A server that accepts the connection and never says a word: a stuck proxy, a black hole.
  silent = createServer((socket) => silentSockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
});

afterAll(async () => {
  await sandbox?.stop();
  for (const socket of silentSockets) socket.destroy();
  if (silent) await new Promise((resolve) => silent.close(resolve));
  scratch.remove();
});

interface SampleRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface Sample {
  name: string;
  /** Skips (or, under CI, fails) the test when the sample's language is not installed. */
  require(context: TestContext): void;
  /** Runs the sample with ck.pem, a token and a topic, its documented interface. */
  run(ck: string, token: string, topic: string, env?: Record<string, string>): Promise<SampleRun>;
}

async function runSample(command: string, args: string[], env: Record<string, string>) {
  const result = await execa(command, args, {
    env: { ...process.env, APNS_URL: url, APNS_CA: caFile, ...env },
    reject: false,
    stdin: 'ignore',
    // A sample that hangs fails its test here, before the test's own timeout, and is killed.
    timeout: 40_000,
  });
  const stderr = result.timedOut
    ? `${result.stderr}\n(still running after 40 s: killed)`
    : result.stderr;
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr };
}

const samples: Sample[] = [
  {
    name: 'PHP (send-push.php)',
    require: (context) => {
      if (hasPhp) return;
      if (process.env.CI) throw new Error(`${PHP_MISSING}; under CI .ci/run installs it`);
      context.skip(PHP_MISSING);
    },
    run: (ck, token, topic, env = {}) =>
      runSample(
        'php',
        [join(repoRoot, 'templates/providers/send-push.php'), ck, token, topic],
        env,
      ),
  },
  {
    name: 'Node (send-push.mjs)',
    require: () => undefined,
    run: (ck, token, topic, env = {}) =>
      runSample(
        'node',
        [join(repoRoot, 'templates/providers/send-push.mjs'), ck, token, '--topic', topic],
        env,
      ),
  },
];

/** The sandbox's JSON log line for a notification, found by its apns-id. */
async function loggedNotification(apnsId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const entry = JSON.parse(await sandbox.nextLine()) as Record<string, unknown>;
    if (entry.apnsId === apnsId) return entry;
  }
}

describe.each(samples)('the $name provider sample against the sandbox', (sample) => {
  it('an accepted push: one line with the apns-id, exit 0, and the sandbox received the alert', async (context) => {
    sample.require(context);
    const result = await sample.run(ckPem, KNOWN_TOKEN, BUNDLE_ID);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^accepted: apns-id [0-9a-f-]{36}$/);
    expect(result.exitCode).toBe(0);
    const apnsId = result.stdout.slice('accepted: apns-id '.length);
    expect(await loggedNotification(apnsId)).toMatchObject({
      status: 200,
      token: KNOWN_TOKEN,
      topic: BUNDLE_ID,
      pushType: 'alert',
      priority: '10',
      payload: { aps: { alert: { title: 'apns-setup' } } },
    });
  });

  it('a topic the certificate does not cover: rejected: 400 TopicDisallowed, exit 1', async (context) => {
    sample.require(context);
    const result = await sample.run(ckPem, KNOWN_TOKEN, 'com.example.other');
    expect(result.stdout).toBe('rejected: 400 TopicDisallowed');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
  });

  it('a token the sandbox does not know: rejected: 400 BadDeviceToken, exit 1', async (context) => {
    sample.require(context);
    const result = await sample.run(ckPem, UNKNOWN_TOKEN, BUNDLE_ID);
    expect(result.stdout).toBe('rejected: 400 BadDeviceToken');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
  });

  it('a certificate the server does not trust: one line saying the server refused it, exit 1', async (context) => {
    sample.require(context);
    const result = await sample.run(rogueCkPem, KNOWN_TOKEN, BUNDLE_ID);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `connection failed (${url}): the server closed the connection without answering; over ` +
        'TLS 1.3 that is how it refuses a client certificate (wrong environment, expired or revoked?)',
    );
    expect(result.exitCode).toBe(1);
  });

  it('a server it cannot reach (nothing listens): one line naming the server, exit 1', async (context) => {
    sample.require(context);
    const result = await sample.run(ckPem, KNOWN_TOKEN, BUNDLE_ID, {
      APNS_URL: 'https://127.0.0.1:1',
    });
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^connection failed \(https:\/\/127\.0\.0\.1:1\): .*(ECONNREFUSED|Couldn't connect).*$/,
    );
    expect(result.exitCode).toBe(1);
  });

  it('a server that never answers: no hang, one line saying no answer came, exit 1', async (context) => {
    sample.require(context);
    const result = await sample.run(ckPem, KNOWN_TOKEN, BUNDLE_ID, { APNS_URL: silentUrl });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`connection failed (${silentUrl}): no answer within 10 s`);
    expect(result.exitCode).toBe(1);
  });

  it('a ck.pem that does not exist: one line naming it, exit 2', async (context) => {
    sample.require(context);
    const missing = join(scratch.path, 'missing-ck.pem');
    const result = await sample.run(missing, KNOWN_TOKEN, BUNDLE_ID);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cannot read ${missing}: pass the ck.pem apns-setup wrote (certificate + unencrypted key)`,
    );
    expect(result.exitCode).toBe(2);
  });
});

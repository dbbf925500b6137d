/**
 * `apns-setup sandbox` from the built CLI: the first stdout line, a push with curl, the JSON
 * log line it prints, a clean stop on SIGTERM/SIGINT, and its usage errors.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import { loadOrCreateSandboxState } from '../../src/sandbox/state.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { portalIdentity } from '../helpers/sandbox-harness.js';
import { curl, hasCurl, spawnSandbox } from '../helpers/sandbox-process.js';
import { issueSandboxCertificate, testCa } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const scratch = scratchDir('apns-setup-sandbox-e2e-');
afterAll(() => scratch.remove());

interface Announcement {
  url: string;
  caFile: string;
}

function pushWithCurl(announcement: Announcement, ck: string, token: string, topic: string) {
  return curl([
    '--http2',
    '--cert',
    ck,
    '--cacert',
    announcement.caFile,
    '-H',
    `apns-topic: ${topic}`,
    '-d',
    '{"aps":{"alert":"from curl"}}',
    `${announcement.url}/3/device/${token}`,
  ]);
}

describe.skipIf(!hasCurl)('apns-setup sandbox --json', () => {
  it('announces itself, answers curl, logs the push as a JSON line, and stops on SIGTERM', async () => {
    const stateDir = join(scratch.path, 'state');
    const sandbox = spawnSandbox(['--json', '--port', '0', '--state', stateDir]);
    try {
      const announcement = JSON.parse(await sandbox.nextLine()) as Announcement;
      expect(Object.keys(announcement)).toEqual(['url', 'caFile']);
      expect(announcement.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(announcement.caFile).toBe(join(stateDir, 'ca.pem'));

      // The portal CA the sandbox made in --state issues the client certificate.
      const state = await loadOrCreateSandboxState(stateDir, now);
      expect(state.changes).toEqual([]);
      const identity = portalIdentity(state, 'development', { now, bundleId: 'com.example.e2e' });
      const ck = join(scratch.path, 'ck.pem');
      writeFileSync(ck, identity.certificatePem + identity.keyPem, { mode: 0o600 });

      const result = await pushWithCurl(announcement, ck, TOKEN, 'com.example.e2e');
      expect(result.status).toBe(200);
      const entry = JSON.parse(await sandbox.nextLine()) as Record<string, unknown>;
      expect(entry).toMatchObject({
        event: 'notification',
        status: 200,
        reason: null,
        apnsId: result.headers['apns-id'],
        apnsUniqueId: result.headers['apns-unique-id'],
        token: TOKEN,
        topic: 'com.example.e2e',
        payload: { aps: { alert: 'from curl' } },
      });
      await waitFor(() => sandbox.stderr().includes('Press Ctrl-C to stop.'));
      expect(sandbox.stderr()).toContain(
        `APNs sandbox listening on ${announcement.url} (behaves as sandbox). Trust its CA: ${announcement.caFile}`,
      );
      expect(sandbox.stderr()).toContain(
        `Push to it with: apns-setup push --cert ck.pem --endpoint ${announcement.url} --ca ${announcement.caFile}`,
      );
    } finally {
      const exit = await sandbox.stop('SIGTERM');
      expect(exit).toEqual({ exitCode: 0, signal: null });
    }
    expect(sandbox.stderr()).toContain('The sandbox has stopped.');
  });

  it('without --state keeps its CA in a temporary file that is gone once it stops (SIGINT)', async () => {
    const sandbox = spawnSandbox(['--json', '--port', '0']);
    let caFile = '';
    try {
      caFile = (JSON.parse(await sandbox.nextLine()) as Announcement).caFile;
      expect(existsSync(caFile)).toBe(true);
      await waitFor(() => sandbox.stderr().includes('Press Ctrl-C to stop.'));
      expect(sandbox.stderr()).toMatch(/pass --state DIR to keep it across runs/);
    } finally {
      expect(await sandbox.stop('SIGINT')).toEqual({ exitCode: 0, signal: null });
    }
    expect(existsSync(caFile)).toBe(false);
  });

  it('with --tokens and --client-ca: known tokens get 200, others BadDeviceToken', async () => {
    const tokens = join(scratch.path, 'tokens.txt');
    const other = randomBytes(32).toString('hex');
    writeFileSync(tokens, `# QA phones\n${TOKEN} com.example.push\n`);
    const caPath = join(scratch.path, 'client-ca.pem');
    writeFileSync(caPath, testCa().certificatePem);
    const leaf = issueSandboxCertificate({ now, bundleId: 'com.example.push' });
    const ck = join(scratch.path, 'test-ca-ck.pem');
    writeFileSync(ck, leaf.certificatePem + exportPkcs8Pem(leaf.key), { mode: 0o600 });

    const sandbox = spawnSandbox([
      '--json',
      '--port',
      '0',
      '--tokens',
      tokens,
      '--client-ca',
      caPath,
    ]);
    try {
      const announcement = JSON.parse(await sandbox.nextLine()) as Announcement;
      const known = await pushWithCurl(announcement, ck, TOKEN, 'com.example.push');
      expect(known.status).toBe(200);
      const unknown = await pushWithCurl(announcement, ck, other, 'com.example.push');
      expect([unknown.status, unknown.body]).toEqual([400, '{"reason":"BadDeviceToken"}']);
      await waitFor(() => sandbox.stderr().includes('Press Ctrl-C to stop.'));
      expect(sandbox.stderr()).toContain(`It knows the 1 device token in ${tokens}`);
      expect(sandbox.stderr()).toContain(
        `issued by its local portal CA, Apple's WWDR CAs, ${caPath}`,
      );
    } finally {
      expect(await sandbox.stop()).toEqual({ exitCode: 0, signal: null });
    }
  });

  it('without --json prints readable lines on stderr and nothing on stdout', async () => {
    const stateDir = join(scratch.path, 'state');
    const sandbox = spawnSandbox(['--port', '0', '--state', stateDir]);
    try {
      await waitFor(() => /listening on (https:\/\/\S+) /.test(sandbox.stderr()));
      const url = /listening on (https:\/\/\S+) /.exec(sandbox.stderr())![1]!;
      const state = await loadOrCreateSandboxState(stateDir, now);
      const identity = portalIdentity(state, 'production', { now, bundleId: 'com.example.e2e' });
      const ck = join(scratch.path, 'prod-ck.pem');
      writeFileSync(ck, identity.certificatePem + identity.keyPem, { mode: 0o600 });
      const result = await pushWithCurl(
        { url, caFile: state.caFile },
        ck,
        TOKEN,
        'com.example.e2e',
      );
      expect([result.status, result.body]).toEqual([403, '{"reason":"BadCertificateEnvironment"}']);
      await waitFor(() => sandbox.stderr().includes('403 BadCertificateEnvironment'));
      expect(sandbox.stderr()).toMatch(
        /\d\d:\d\d:\d\d 403 BadCertificateEnvironment → 740f4707…61bb78ad \(com\.example\.e2e\): The client certificate is for the other environment\./,
      );
    } finally {
      expect(await sandbox.stop()).toEqual({ exitCode: 0, signal: null });
    }
    expect(sandbox.unreadLines()).toEqual([]);
  });
});

describe('apns-setup sandbox usage errors', () => {
  it('a port in use: exit 2, one line naming the port and the way out', async () => {
    const first = spawnSandbox(['--json', '--port', '0']);
    try {
      const { url } = JSON.parse(await first.nextLine()) as Announcement;
      const port = new URL(url).port;
      const result = await runCli(['sandbox', '--port', port]);
      expect(result.exitCode).toBe(2);
      expectCleanFailure(result);
      expect(result.stderr).toContain(`Error: port ${port} is in use on 127.0.0.1`);
      expect(result.stderr).toContain('Pass another --port, or --port 0 for any free port.');
    } finally {
      await first.stop();
    }
  });

  it('a --client-ca that holds no certificate: exit 2', async () => {
    const path = join(scratch.path, 'not-a-ca.pem');
    writeFileSync(path, 'just some text\n');
    const result = await runCli(['sandbox', '--client-ca', path]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(path);
  });

  it('a --client-ca that is a leaf, not a CA: a warning that no client chains to it', async () => {
    const leaf = issueSandboxCertificate({ now, bundleId: 'com.example.push' });
    const path = join(scratch.path, 'leaf-as-ca.pem');
    writeFileSync(path, leaf.certificatePem);
    const sandbox = spawnSandbox(['--json', '--port', '0', '--client-ca', path]);
    try {
      await sandbox.nextLine();
      expect(sandbox.stderr()).toContain(
        `Warning: ${path}: Apple Development IOS Push Services: com.example.push is not a CA certificate, so no client certificate chains to it.`,
      );
    } finally {
      expect(await sandbox.stop()).toEqual({ exitCode: 0, signal: null });
    }
  });

  it('a --tokens file with a bad token: exit 2, naming the file and the line', async () => {
    const path = join(scratch.path, 'bad-tokens.txt');
    writeFileSync(path, `${TOKEN}\nnot-a-token\n`);
    const result = await runCli(['sandbox', '--tokens', path]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`${path}: line 2: the device token contains "n"`);
  });

  it('a missing --tokens file: exit 2', async () => {
    const result = await runCli(['sandbox', '--tokens', join(scratch.path, 'nope.txt')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('nope.txt: no such file');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sandbox');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

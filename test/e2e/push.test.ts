/**
 * `apns-setup push` as a user runs it: the built CLI in a child process, pushing over HTTP/2
 * to a recording server in this test process (--endpoint + --ca), with exit codes, the
 * human report, --json, and the real certificate of a 2016 tutorial.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportEncryptedPkcs8Pem, exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, realWorldPath } from '../helpers/fixtures.js';
import {
  startRecordingServer,
  type RecordingServer,
  type RecordingServerOptions,
} from '../helpers/recording-http2-server.js';
import { issueSandboxCertificate, testCa } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const TOKEN_A = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const TOKEN_B = 'b'.repeat(64);
const PASSPHRASE = 'e2e push passphrase';
const scratch = scratchDir();
const file = (name: string) => join(scratch.path, name);
const certificate = issueSandboxCertificate({ now, bundleId: 'com.example.e2e' });

let server: RecordingServer | null = null;

beforeAll(() => {
  writeFileSync(file('ca.pem'), testCa().certificatePem);
  writeFileSync(file('ck.pem'), certificate.certificatePem + exportPkcs1Pem(certificate.key));
  writeFileSync(file('cert.pem'), certificate.certificatePem);
  writeFileSync(file('key.pem'), exportEncryptedPkcs8Pem(certificate.key, PASSPHRASE));
  writeFileSync(file('bad.json'), '{"aps": {"alert": "unterminated}');
  writeFileSync(file('passphrase.txt'), 'Sekr3t-PASS-word\n', { mode: 0o600 });
});

afterAll(() => scratch.remove());

afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(options: RecordingServerOptions = {}): Promise<RecordingServer> {
  server = await startRecordingServer(options);
  return server;
}

function push(s: RecordingServer, args: string[], options: Parameters<typeof runCli>[1] = {}) {
  return runCli(['push', '--endpoint', s.url, '--ca', file('ca.pem'), ...args], options);
}

describe('apns-setup push', () => {
  it('proves a certificate with the credential probe: exit 0, explained', async () => {
    const s = await start({ replies: [{ status: 400, body: { reason: 'BadDeviceToken' } }] });
    const result = await push(s, ['--cert', file('ck.pem')]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^✓ \(probe\) {2}400 BadDeviceToken {2}https:\/\/127\.0\.0\.1:\d+, which does not say its environment \(explained as the sandbox, as asked\)$/m,
    );
    expect(result.stdout).toMatch(
      /^ {2}The server at 127\.0\.0\.1:\d+ accepted this certificate for com\.example\.e2e in the sandbox: the test token was refused as unknown, which is the expected answer to a credential probe\.$/m,
    );
    expect(result.stderr).toContain('Sending a credential probe');
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.path).toMatch(/^\/3\/device\/[0-9a-f]{64}$/);
    expect(s.requests[0]!.headers['apns-topic']).toBe('com.example.e2e');
  });

  it('prints the contract JSON for several tokens and exits 1 when one is refused', async () => {
    const s = await start({
      fallback: (r) =>
        r.path.endsWith(TOKEN_B)
          ? { status: 410, body: { reason: 'Unregistered', timestamp: 1700000000000 } }
          : {
              status: 200,
              headers: {
                'apns-id': '9f4e2b1c-0000-4000-8000-000000000001',
                'apns-unique-id': '2a1b3c4d-0000-4000-8000-000000000002',
              },
            },
    });
    const result = await push(s, [
      '--cert',
      file('ck.pem'),
      '--token',
      TOKEN_A,
      '--token',
      TOKEN_B,
      '--alert',
      'Hello',
      '--json',
    ]);

    expect(result.exitCode).toBe(1);
    const results = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(results.map((r) => Object.keys(r))).toEqual([
      [
        'token',
        'environment',
        'endpoint',
        'status',
        'apnsId',
        'apnsUniqueId',
        'reason',
        'ok',
        'explanation',
        'hint',
      ],
      expect.any(Array),
    ]);
    expect(results[0]).toEqual({
      token: TOKEN_A,
      environment: 'sandbox',
      endpoint: s.url,
      status: 200,
      apnsId: '9f4e2b1c-0000-4000-8000-000000000001',
      apnsUniqueId: '2a1b3c4d-0000-4000-8000-000000000002',
      reason: null,
      ok: true,
      explanation: `The server at ${s.url.replace('https://', '')} accepted the notification for com.example.e2e in the sandbox.`,
      hint: null,
    });
    expect(results[1]).toMatchObject({
      token: TOKEN_B,
      status: 410,
      reason: 'Unregistered',
      ok: false,
    });
    expect(results[1]!.explanation).toContain('since 2023-11-14T22:13:20.000Z');
    expect(s.connections()).toBe(1);
    expect(s.requests.map((r) => r.body.toString())).toEqual([
      '{"aps":{"alert":{"body":"Hello"}}}',
      '{"aps":{"alert":{"body":"Hello"}}}',
    ]);
  });

  it('reports a refusal with ✗, the explanation and the fix (exit 1)', async () => {
    const s = await start({ replies: [{ status: 400, body: { reason: 'TopicDisallowed' } }] });
    const result = await push(s, [
      '--cert',
      file('ck.pem'),
      '--token',
      TOKEN_A,
      '--topic',
      'com.other.app',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'Warning: this certificate is for com.example.e2e alone, not com.other.app',
    );
    expect(result.stdout).toContain('✗ 740f4707…61bb78ad  400 TopicDisallowed');
    expect(result.stdout).toMatch(
      /The server at 127\.0\.0\.1:\d+ does not allow this certificate to push to com\.other\.app; this certificate is for com\.example\.e2e only\./,
    );
    expect(result.stdout).toContain('Pass --topic com.example.e2e');
  });

  it('takes --cert with --key and the passphrase from the environment, and the payload from stdin', async () => {
    const s = await start();
    const result = await push(
      s,
      ['--cert', file('cert.pem'), '--key', file('key.pem'), '--token', TOKEN_A, '--payload', '-'],
      { env: { APNS_SETUP_PASSPHRASE: PASSPHRASE }, input: '{"aps":{"badge":1}}' },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('✓ 740f4707…61bb78ad  200');
    expect(s.requests[0]!.body.toString()).toBe('{"aps":{"badge":1}}');
  });

  const badInputs: [string, string[], RegExp][] = [
    [
      'an invalid token',
      ['--cert', 'ck.pem', '--token', '<740f4707 bebcf74f>'],
      /^Error: --token: the device token has 16 hex digits/,
    ],
    [
      'a payload that is not JSON',
      ['--cert', 'ck.pem', '--token', TOKEN_A, '--payload', 'bad.json'],
      /^Error: bad\.json: the payload is not valid JSON/,
    ],
    [
      'a passphrase file given as the payload, without quoting it (line and column instead)',
      ['--cert', 'ck.pem', '--token', TOKEN_A, '--payload', 'passphrase.txt'],
      /^Error: passphrase\.txt: the payload is not valid JSON: at line 1, column 1\.$/m,
    ],
    ['a missing certificate', ['--cert', 'missing.pem'], /^Error: missing\.pem/],
    ['an unknown --env', ['--cert', 'ck.pem', '--env', 'staging'], /--env/],
  ];
  it('--debug shows the stack of a payload that is not JSON, and still not its content', async () => {
    const s = await start();
    const args = ['--cert', 'ck.pem', '--token', TOKEN_A, '--payload', 'passphrase.txt', '--debug'];
    const result = await push(s, args, { cwd: scratch.path });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('Sekr3t');
  });

  for (const [name, args, message] of badInputs) {
    it(`refuses ${name} with exit 2 and sends nothing`, async () => {
      const s = await start();
      const result = await push(s, args, { cwd: scratch.path });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('Sekr3t');
      expect(result.stdout).toBe('');
      expectCleanFailure(result);
      expect(s.requests).toHaveLength(0);
    });
  }

  it('refuses a server it does not trust without --ca (exit 1)', async () => {
    const s = await start();
    const result = await runCli(['push', '--cert', file('ck.pem'), '--endpoint', s.url]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^Error: the server's certificate is not trusted \(/m);
    expect(result.stderr).toContain('Pass --ca FILE for a local sandbox');
    expectCleanFailure(result);
    expect(s.requests).toHaveLength(0);
  });

  it('gives up on a server that never answers after --timeout (exit 1)', async () => {
    const s = await start({ replies: [{ action: 'hang' }] });
    const result = await push(s, ['--cert', file('ck.pem'), '--timeout', '1']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `Error: 127.0.0.1:${s.port} did not answer within 1 s (--timeout).`,
    );
    expectCleanFailure(result);
  });
});

describe.skipIf(!hasRealWorld)(
  'apns-setup push with a real Apple certificate (2015, SHA-1)',
  () => {
    const ck = () => realWorldPath('Ingibjorg__iOS-Push-Notifications-Simulator/ck.pem');

    it('builds the request for its bundle id, then says why TLS cannot present it (exit 2)', async () => {
      const s = await start({ rejectUnauthorized: false });
      const result = await push(s, ['--cert', ck(), '--token', TOKEN_A, '--json']);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^Warning: the certificate in .*ck\.pem expired on 2016-11-21/m,
      );
      expect(result.stderr).toMatch(
        /^Sending a push for com\.razeware\.WenderCast to 127\.0\.0\.1:\d+ \(not Apple's; asked for the sandbox\) with com\.razeware\.WenderCast \(development \(sandbox\)\), team S95JHWHY2R…$/m,
      );
      expect(result.stderr).toMatch(
        /^Error: .*ck\.pem: the certificate is signed with SHA-1 or MD5, which the OpenSSL 3 inside Node refuses to present in a TLS handshake\.$/m,
      );
      expect(result.stderr).toContain('Apple has signed push certificates with SHA-256 since 2016');
      expect(s.requests).toHaveLength(0);
    });
  },
);

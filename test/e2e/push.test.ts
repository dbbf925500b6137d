/**
 * `apns-setup push` as a user runs it: the built CLI in a child process, pushing over HTTP/2
 * to a recording server in this test process (--endpoint + --ca), with exit codes, the
 * human report, --json, and the real certificate of a 2016 tutorial.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
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
import { distinctTokens } from '../helpers/device-tokens.js';

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
    // The push gets its result like any other: no answer, and why.
    expect(result.stdout).toMatch(
      /^✗ \(probe\) {2}no answer \(timeout\) {2}https:\/\/127\.0\.0\.1:\d+/m,
    );
    expect(result.stdout).toContain(`  127.0.0.1:${s.port} did not answer within 1 s (--timeout).`);
    expect(result.stderr).not.toContain('Error:');
  });
});

describe('apns-setup push: many tokens, streamed', () => {
  it('reads a tokens file of 17,000 tokens (over 1 MiB) and answers for each in one JSON array', async () => {
    const list = distinctTokens(17_000);
    writeFileSync(file('many.txt'), `${list.join('\r\n')}\r\n`);
    const s = await start();
    const result = await push(s, [
      '--cert',
      file('ck.pem'),
      '--tokens-file',
      file('many.txt'),
      '--json',
      '--timeout',
      '120',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const objects = JSON.parse(result.stdout) as { token: string; ok: boolean }[];
    expect(objects).toHaveLength(17_000);
    expect(new Set(objects.map((o) => o.token))).toEqual(new Set(list));
    expect(objects.every((o) => o.ok)).toBe(true);
    expect(result.stderr).toContain('Sending 17000 pushes');
    expect(s.connections()).toBe(1);
  });

  it('prints one line a token as answers arrive, explains each kind of answer once, then sums up', async () => {
    const [a, b, c] = distinctTokens(3);
    const s = await start({
      fallback: (r) =>
        r.path.endsWith(c!)
          ? { status: 410, body: { reason: 'Unregistered' } }
          : { status: 200, headers: { 'apns-id': '9f4e2b1c-0000-4000-8000-000000000001' } },
    });
    const result = await push(s, [
      '--cert',
      file('ck.pem'),
      '--token',
      a!,
      '--token',
      b!,
      '--token',
      c!,
    ]);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.split('\n');
    const accepted = lines.filter((l) => l.startsWith('✓ '));
    expect(accepted).toHaveLength(2);
    // The first acceptance is explained; the second is its line alone.
    expect(lines.filter((l) => l.includes('accepted the notification'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('✗ '))).toEqual([
      expect.stringMatching(/^✗ 00000000…00000003 {2}410 Unregistered {2}/),
    ]);
    expect(lines.at(-1)).toBe('2 of 3 pushes were accepted; not accepted: 1 × 410 Unregistered.');
  });

  it('a tokens file that is missing, a folder or a dangling link: one line each, exit 2, nothing sent', async () => {
    const s = await start();
    mkdirSync(file('tokens-folder'), { recursive: true });
    symlinkSync(file('gone.txt'), file('dangling-tokens.txt'));
    const cases: [string, RegExp][] = [
      ['absent-tokens.txt', /^Error: .*absent-tokens\.txt: no such file$/m],
      ['tokens-folder', /^Error: .*tokens-folder: is a folder, not a file$/m],
      ['dangling-tokens.txt', /^Error: .*dangling-tokens\.txt: .*(link|points)/m],
    ];
    for (const [name, message] of cases) {
      const result = await push(s, ['--cert', file('ck.pem'), '--tokens-file', file(name)]);
      expect(result.exitCode, result.stderr).toBe(2);
      expectCleanFailure(result);
      expect(result.stderr).toMatch(message);
    }
    expect(s.requests).toHaveLength(0);
  });

  it('reads tokens piped to stdin (--tokens-file -), and refuses stdin for the payload too (exit 2)', async () => {
    const [a, b] = distinctTokens(2);
    const s = await start();
    const piped = await push(s, ['--cert', file('ck.pem'), '--tokens-file', '-', '--json'], {
      input: `${a}\n${b}\n${a}\n`,
    });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect((JSON.parse(piped.stdout) as unknown[]).length).toBe(2);
    expect(piped.stderr).toContain(
      'Warning: the device token 00000000…00000001 is listed more than once; it is sent once.',
    );

    const both = await push(
      s,
      ['--cert', file('ck.pem'), '--tokens-file', '-', '--payload', '-', '--json'],
      { input: `${a}\n` },
    );
    expect(both.exitCode).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toMatch(
      /^Error: --payload - and --tokens-file - both read stdin; only one of them can\.$/m,
    );
    expectCleanFailure(both);
    expect(s.requests).toHaveLength(2);
  });

  it('keeps stdout one JSON document when a bad line piped in stops the run (exit 2)', async () => {
    const [a, b] = distinctTokens(2);
    const s = await start();
    const result = await push(s, ['--cert', file('ck.pem'), '--tokens-file', '-', '--json'], {
      input: `${a}\n${b}\nnot-a-token\n${'c'.repeat(64)}\n`,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^Error: stdin line 3: the device token contains "n"/m);
    const objects = JSON.parse(result.stdout) as { token: string; ok: boolean }[];
    expect(objects.every((o) => o.ok && o.token !== 'c'.repeat(64))).toBe(true);
    expect(s.requests.some((r) => r.path.endsWith('c'.repeat(64)))).toBe(false);
  });
});

describe('apns-setup push against hostile or broken servers', () => {
  it('gives each token the answer the server gave when it answers 503 to everything, over a few connections', async () => {
    const list = distinctTokens(200);
    writeFileSync(file('two-hundred.txt'), list.join('\n'));
    const s = await start({
      fallback: () => ({ status: 503, body: { reason: 'ServiceUnavailable' } }),
    });
    const result = await push(s, [
      '--cert',
      file('ck.pem'),
      '--tokens-file',
      file('two-hundred.txt'),
      '--json',
    ]);
    expect(result.exitCode).toBe(1);
    const objects = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(objects).toHaveLength(200);
    for (const object of objects) {
      expect(object).toMatchObject({ status: 503, reason: 'ServiceUnavailable', ok: false });
    }
    expect(s.connections()).toBeLessThanOrEqual(3);
  });

  it('escapes the control characters a server puts in its reason; --json keeps them exact', async () => {
    const reason = '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007';
    const s = await start({ fallback: () => ({ status: 400, body: { reason } }) });
    const text = await push(s, ['--cert', file('ck.pem'), '--token', TOKEN_A]);
    expect(text.exitCode).toBe(1);
    expect(controlCharacters(text.stdout + text.stderr)).toEqual([]);
    expect(text.stdout).toContain('400 \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07');
    const json = await push(s, ['--cert', file('ck.pem'), '--token', TOKEN_A, '--json']);
    expect((JSON.parse(json.stdout) as { reason: string }[])[0]!.reason).toBe(reason);
  });

  it('escapes the control characters of a GOAWAY debug data reason', async () => {
    const reason = 'Bye\u001b]0;owned\u0007';
    const s = await start({ replies: [{ action: 'goaway', reason, lastStreamId: 1 }] });
    const result = await push(s, ['--cert', file('ck.pem'), '--token', TOKEN_A]);
    expect(result.exitCode).toBe(1);
    expect(controlCharacters(result.stdout + result.stderr)).toEqual([]);
    expect(result.stdout).toContain('no status, Bye\\x1b]0;owned\\x07');
  });

  it('says a plain HTTP server is not an HTTPS server, not that it refused the certificate', async () => {
    const plain = createHttpServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as { port: number }).port;
    try {
      const result = await runCli([
        'push',
        '--cert',
        file('ck.pem'),
        '--endpoint',
        `https://127.0.0.1:${port}`,
        '--ca',
        file('ca.pem'),
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(
        `Error: 127.0.0.1:${port} did not answer in TLS: it is not an HTTPS server`,
      );
      expect(result.stderr).not.toContain('rejected the client certificate');
      expectCleanFailure(result);
    } finally {
      plain.close();
    }
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

/** The control characters in `text`, newlines apart: what must never reach a terminal raw. */
function controlCharacters(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f);
  });
}

/**
 * The two halves together, as a user runs them: `apns-setup sandbox` in one process, `apns-setup
 * push` in another, a client certificate trusted through --client-ca. (The provider samples in
 * templates/providers meet the sandbox in provider-samples.test.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueApnsCertificate,
} from '../../src/core/pki/issue-certificate.js';
import { exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { cliPath, runCli, scratchDir } from '../helpers/cli.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import {
  issueSandboxCertificate,
  issueUniversalCertificate,
  testCa,
  testKey,
} from '../helpers/test-ca.js';
import { distinctTokens, tokensFileText } from '../helpers/device-tokens.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const scratch = scratchDir();
const TOKEN = 'a'.repeat(64);
let sandbox: SandboxProcess;
let url = '';
let caFile = '';
let productionSandbox: SandboxProcess;
let productionUrl = '';
let productionCaFile = '';
const universalCk = join(scratch.path, 'universal-ck.pem');
const sandboxOnlyCk = join(scratch.path, 'sandbox-ck.pem');

function writeCk(path: string, issued: { certificatePem: string }, key = testKey('leaf')): void {
  writeFileSync(path, issued.certificatePem + exportPkcs1Pem(key), { mode: 0o600 });
}

async function start(
  args: string[],
): Promise<{ process: SandboxProcess; url: string; caFile: string }> {
  const process = spawnSandbox([
    '--json',
    '--client-ca',
    join(scratch.path, 'test-ca.pem'),
    ...args,
  ]);
  const first = JSON.parse(await process.nextLine()) as { url: string; caFile: string };
  return { process, url: first.url, caFile: first.caFile };
}

/** `apns-setup push` with the universal certificate to the production sandbox, as a child. */
function spawnPush(args: string[]) {
  const child = spawn(
    'node',
    [
      cliPath,
      'push',
      '--cert',
      universalCk,
      '--endpoint',
      productionUrl,
      '--ca',
      productionCaFile,
      ...args,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited };
}

beforeAll(async () => {
  writeFileSync(join(scratch.path, 'test-ca.pem'), testCa().certificatePem);
  writeFileSync(join(scratch.path, 'tokens.txt'), `${TOKEN}\n`);
  writeCk(universalCk, issueUniversalCertificate({ now, bundleId: 'com.example.pair' }));
  writeCk(sandboxOnlyCk, issueSandboxCertificate({ now, bundleId: 'com.example.pair' }));
  ({ process: sandbox, url, caFile } = await start(['--tokens', join(scratch.path, 'tokens.txt')]));
  ({
    process: productionSandbox,
    url: productionUrl,
    caFile: productionCaFile,
  } = await start(['--env', 'production']));
});

afterAll(async () => {
  await sandbox?.stop();
  await productionSandbox?.stop();
  scratch.remove();
});

interface PushJson {
  token: string;
  endpoint: string;
  status: number | null;
  ok: boolean;
  reason: string | null;
  apnsId: string | null;
  apnsUniqueId: string | null;
  explanation: string;
}

describe('push against the sandbox', () => {
  it('delivers to a known token: exit 0, 200 with apns-id and apns-unique-id, and the sandbox logs it', async () => {
    const result = await runCli([
      'push',
      '--cert',
      universalCk,
      '--endpoint',
      url,
      '--ca',
      caFile,
      '--token',
      TOKEN,
      '--alert',
      'Hi',
      '--json',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const [only] = JSON.parse(result.stdout) as PushJson[];
    expect(only).toMatchObject({ token: TOKEN, status: 200, ok: true });
    expect(only!.apnsId).toMatch(/^[0-9a-f-]{36}$/);
    expect(only!.apnsUniqueId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = JSON.parse(await sandbox.nextLine()) as Record<string, unknown>;
    expect(JSON.stringify(logged)).toContain(only!.apnsId!);
    expect(JSON.stringify(logged)).toContain('com.example.pair');
  });

  it('--env production against a sandbox that plays the sandbox: says which server answered and the environment it reports', async () => {
    const args = ['push', '--cert', universalCk, '--endpoint', url, '--ca', caFile];
    const text = await runCli([...args, '--env', 'production', '--token', TOKEN]);
    expect(text.exitCode, text.stderr).toBe(0);
    await sandbox.nextLine();
    const where = url.replace('https://', '');
    expect(text.stderr).toContain(`to ${where} (not Apple's; asked for production)`);
    expect(text.stdout).toContain(`  ${url}, which reports the sandbox`);
    expect(text.stdout).toContain(
      `The server at ${where} accepted the notification for com.example.pair in the sandbox.`,
    );
    expect(text.stdout).not.toContain('in production');
    const json = await runCli([...args, '--env', 'production', '--token', TOKEN, '--json']);
    await sandbox.nextLine();
    const [only] = JSON.parse(json.stdout) as (PushJson & { environment: string })[];
    expect(only).toMatchObject({ environment: 'sandbox', endpoint: url, ok: true });
  });

  it('proves the certificate with the credential probe (no --token): BadDeviceToken means accepted, exit 0', async () => {
    const result = await runCli([
      'push',
      '--cert',
      universalCk,
      '--endpoint',
      url,
      '--ca',
      caFile,
      '--json',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const [probe] = JSON.parse(result.stdout) as PushJson[];
    expect(probe).toMatchObject({ status: 400, reason: 'BadDeviceToken', ok: true });
    expect(probe!.explanation).toMatch(/accepted this certificate/i);
    await sandbox.nextLine();
  });

  it('an unknown token is refused: exit 1 with the reason explained', async () => {
    const result = await runCli([
      'push',
      '--cert',
      universalCk,
      '--endpoint',
      url,
      '--ca',
      caFile,
      '--token',
      'b'.repeat(64),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toContain('BadDeviceToken');
    await sandbox.nextLine();
  });

  it('a sandbox-only certificate against a production server: BadCertificateEnvironment, explained', async () => {
    const result = await runCli([
      'push',
      '--cert',
      sandboxOnlyCk,
      '--endpoint',
      productionUrl,
      '--ca',
      productionCaFile,
      '--token',
      TOKEN,
      '--json',
    ]);
    expect(result.exitCode).toBe(1);
    const [only] = JSON.parse(result.stdout) as PushJson[];
    expect(only).toMatchObject({ status: 403, reason: 'BadCertificateEnvironment', ok: false });
    expect(only!.explanation).toMatch(/sandbox/i);
  });

  it('a certificate from a CA the server does not trust is reported as rejected, not a hang', async () => {
    const rogueKey = testKey('rogue-ca');
    const rogue = createCertificateAuthority({
      commonName: 'Rogue CA',
      key: rogueKey,
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000),
      serialNumber: '0a',
    });
    const leaf = issueApnsCertificate({
      ca: { key: rogueKey, certificatePem: rogue.certificatePem },
      publicKey: testKey('leaf'),
      bundleId: 'com.example.pair',
      teamId: 'A1B2C3D4E5',
      teamName: 'Rogue',
      type: 'universal',
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 86_400_000),
      serialNumber: '0b',
    });
    const rogueCk = join(scratch.path, 'rogue-ck.pem');
    writeCk(rogueCk, leaf);
    const result = await runCli([
      'push',
      '--cert',
      rogueCk,
      '--endpoint',
      url,
      '--ca',
      caFile,
      '--token',
      TOKEN,
    ]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/rejected the client certificate/i);
  });

  it('a push to a tokens file keeps compiled code that the next pushes take, with or without a tokens file', async () => {
    // push --tokens-file changes V8's heap flags for the run; V8 keeps its flags in the code it
    // compiles, and refuses code kept under other flags. The file is not written again when
    // V8 took it.
    const own = await start([]);
    try {
      const home = join(scratch.path, 'code-cache-home');
      mkdirSync(home);
      const folder = join(home, 'apns-setup', 'code-cache');
      const tokensFile = join(scratch.path, 'two.txt');
      writeFileSync(tokensFile, `${'1'.repeat(64)}\n${'2'.repeat(64)}\n`);
      const push = async (...tokens: string[]) => {
        const result = await runCli(
          ['push', '--cert', universalCk, '--endpoint', own.url, '--ca', own.caFile, ...tokens],
          { env: { XDG_CACHE_HOME: home } },
        );
        expect(result.exitCode, result.stderr).toBe(0);
      };
      await push('--tokens-file', tokensFile);
      const [name, ...others] = readdirSync(folder);
      expect(others).toEqual([]);
      expect(name).toMatch(/^push\./);
      const kept = statSync(join(folder, name!));
      await push('--token', TOKEN);
      await push('--tokens-file', tokensFile);
      await push('--tokens-file', tokensFile);
      const after = statSync(join(folder, name!));
      expect([after.ino, after.mtimeMs]).toEqual([kept.ino, kept.mtimeMs]);
      expect(readdirSync(folder)).toEqual([name]);
    } finally {
      await own.process.stop();
    }
  });

  it('a long push to a tokens file keeps code as whole as a one-token push keeps (V8 drops no bytecode of its start-up)', async () => {
    // V8 drops the bytecode of functions not run in five full collections. 15,000 tokens take a
    // dozen: without --no-flush-bytecode for the run, the start-up's code was gone by the end,
    // half of it was kept (150 of 300 KB), and every later push, which takes kept code as it
    // is, compiled the rest anew.
    const own = await start([]);
    const keptAfter = async (name: string, ...input: string[]): Promise<number> => {
      const home = join(scratch.path, `whole-code-${name}`);
      mkdirSync(home);
      const folder = join(home, 'apns-setup', 'code-cache');
      const result = await runCli(
        ['push', '--cert', universalCk, '--endpoint', own.url, '--ca', own.caFile, ...input],
        { env: { XDG_CACHE_HOME: home } },
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const [file, ...others] = readdirSync(folder);
      expect(others).toEqual([]);
      return statSync(join(folder, file!)).size;
    };
    const tokensFile = join(scratch.path, 'fifteen-thousand.txt');
    writeFileSync(tokensFile, tokensFileText(15_000));
    try {
      const oneToken = await keptAfter('one', '--token', TOKEN);
      const long = await keptAfter('long', '--tokens-file', tokensFile);
      expect(long).toBeGreaterThan(oneToken * 0.9);
    } finally {
      await own.process.stop();
    }
  });

  it('keeps within the requests at once the sandbox allows (--max-streams): every token answered, no connection lost', async () => {
    const limited = await start(['--max-streams', '3']);
    try {
      const tokens = distinctTokens(40);
      writeFileSync(join(scratch.path, 'forty.txt'), tokens.join('\n'));
      const result = await runCli([
        'push',
        '--cert',
        universalCk,
        '--endpoint',
        limited.url,
        '--ca',
        limited.caFile,
        '--tokens-file',
        join(scratch.path, 'forty.txt'),
        '--json',
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      const objects = JSON.parse(result.stdout) as PushJson[];
      expect(objects.filter((o) => o.status === 200)).toHaveLength(40);
      const logged = await Promise.all(tokens.map(() => limited.process.nextLine()));
      expect(logged.every((line) => line.includes('"event":"notification"'))).toBe(true);
      expect(limited.process.stderr()).toContain(
        'It allows 3 requests at once per connection (SETTINGS_MAX_CONCURRENT_STREAMS; APNs allows 1000)',
      );
    } finally {
      await limited.process.stop();
    }
  });

  it('prints each answer as it arrives: a token piped on stdin is answered on stdout before the next is written', async () => {
    const { child, exited } = spawnPush(['--tokens-file', '-']);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const answerFor = async (token: string) => {
      for (;;) {
        const next = await lines.next();
        if (next.done) throw new Error(`stdout ended before the answer for ${token}`);
        if (next.value.includes(`…${token.slice(-8)}`)) return next.value;
      }
    };
    const first = `${'1'.repeat(56)}aaaa0001`;
    const second = `${'1'.repeat(56)}aaaa0002`;
    try {
      child.stdin.write(`${first}\n`);
      expect(await answerFor(first)).toMatch(/^✓ .*200/);
      child.stdin.write(`${second}\n`);
      expect(await answerFor(second)).toMatch(/^✓ .*200/);
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      // A failed expectation leaves it waiting on stdin: it must not outlive the test.
      child.kill();
    }
  });

  it('Ctrl-C stops a long push: the answers on their way are printed, the --json document is closed, and it says how many were sent (exit 130)', async () => {
    const total = 200_000;
    const tokensFile = join(scratch.path, 'many-tokens.txt');
    writeFileSync(tokensFile, tokensFileText(total));
    const { child, exited } = spawnPush([
      '--tokens-file',
      tokensFile,
      '--timeout',
      '600',
      '--json',
    ]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // Some answers are in: the person presses Ctrl-C.
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.split('\n').length > 3) resolve();
        }),
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    const answered = JSON.parse(stdout) as PushJson[];
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.length).toBeLessThan(total);
    expect(answered.every((r) => r.ok)).toBe(true);
    expect(stderr).toContain('Stopping: no new push starts');
    expect(stderr).toContain(
      `Error: stopped on request after ${answered.length} pushes of ${total}, once their answers were in; the other ${total - answered.length} tokens were not sent.`,
    );
  });

  it('Ctrl-C stops a push reading tokens from stdin, though stdin stays open (exit 130)', async () => {
    const { child, exited } = spawnPush(['--tokens-file', '-']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      child.stdin.write(`${'2'.repeat(64)}\n`);
      expect((await lines.next()).value).toMatch(/^✓ 22222222…22222222 {2}200/);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain(
      'Error: stopped on request after 1 push, once their answers were in; no token read after that was sent.',
    );
  });

  it('with --json, stdout stays a JSON document when no answer comes (unreachable): exit 1', async () => {
    const result = await runCli([
      'push',
      '--cert',
      universalCk,
      '--endpoint',
      'https://127.0.0.1:1',
      '--json',
    ]);
    expect(result.exitCode).toBe(1);
    const [only] = JSON.parse(result.stdout) as (PushJson & { endpoint: string })[];
    expect(only).toMatchObject({
      ok: false,
      status: null,
      reason: 'unreachable',
      endpoint: 'https://127.0.0.1:1',
    });
    expect(result.stderr).toContain('unreachable');
  });
});

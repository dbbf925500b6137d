/** The README's main job: `npm run demo`, the whole recipe offline, and `demo --out`. */
import { execa } from 'execa';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { opensslOk } from '../helpers/openssl.js';
import { spawnSandbox } from '../helpers/sandbox-process.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

describe('demo', () => {
  it('npm run demo proves the whole flow offline, without a TTY, and leaves nothing behind', async () => {
    // A private TMPDIR: whatever the demo puts in the temporary folder must be gone after it.
    const tmp = join(scratch.path, 'tmp');
    mkdirSync(tmp);
    const result = await execa('npm', ['run', '--silent', 'demo'], {
      cwd: repoRoot,
      reject: false,
      stdin: 'ignore',
      env: { ...process.env, APNS_SETUP_PASSPHRASE: undefined, NO_COLOR: '1', TMPDIR: tmp },
      extendEnv: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain("issued by apns-setup's local portal stand-in, NOT Apple");
    expect(result.stderr).toMatch(/The sandbox accepted the push: 200 apns-id [0-9a-f-]{36}/);
    expect(result.stderr).toContain('It works');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('--out keeps every file with the right modes, and a made-up passphrase in passphrase.txt (0600)', async () => {
    const out = join(scratch.path, 'kept');
    const result = await runCli(['demo', '--out', out]);
    expect(result.exitCode, result.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      [
        'CertificateSigningRequest.certSigningRequest',
        'apns.p12',
        'aps.cer',
        'cert.pem',
        'ck.pem',
        'key.pem',
        'key.unencrypted.pem',
        'passphrase.txt',
        'portal-ca.pem',
      ].sort(),
    );
    for (const secret of [
      'apns.p12',
      'ck.pem',
      'key.pem',
      'key.unencrypted.pem',
      'passphrase.txt',
    ]) {
      expect(statSync(join(out, secret)).mode & 0o777, secret).toBe(0o600);
    }
    const passphrase = readFileSync(join(out, 'passphrase.txt'), 'utf8').trim();
    expect(result.stdout + result.stderr).not.toContain(passphrase);
    const p12 = await opensslOk([
      'pkcs12',
      '-in',
      join(out, 'apns.p12'),
      '-passin',
      `pass:${passphrase}`,
      '-nodes',
    ]);
    expect(p12.stdout).toContain('friendlyName: Apple Push Services: com.example.apns-setup-demo');
    await opensslOk([
      'pkey',
      '-in',
      join(out, 'key.pem'),
      '-passin',
      `pass:${passphrase}`,
      '-noout',
    ]);
  });

  it('its ck.pem works against a long-running sandbox that trusts the kept portal-ca.pem', async () => {
    const out = join(scratch.path, 'kept');
    await opensslOk(['verify', '-CAfile', join(out, 'portal-ca.pem'), join(out, 'cert.pem')]);
    const sandbox = spawnSandbox(['--json', '--client-ca', join(out, 'portal-ca.pem')]);
    try {
      const { url, caFile } = JSON.parse(await sandbox.nextLine()) as {
        url: string;
        caFile: string;
      };
      const push = await runCli([
        'push',
        '--cert',
        join(out, 'ck.pem'),
        '--endpoint',
        url,
        '--ca',
        caFile,
        '--token',
        'c'.repeat(64),
      ]);
      expect(push.exitCode, push.stderr).toBe(0);
    } finally {
      await sandbox.stop();
    }
  });

  it('with APNS_SETUP_PASSPHRASE uses it and writes no passphrase.txt', async () => {
    const out = join(scratch.path, 'env');
    const result = await runCli(['demo', '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'demo pass 42' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(out)).not.toContain('passphrase.txt');
    await opensslOk([
      'pkey',
      '-in',
      join(out, 'key.pem'),
      '-passin',
      'pass:demo pass 42',
      '-noout',
    ]);
  });

  it('refuses an --out folder that is not empty, touching nothing', async () => {
    const out = join(scratch.path, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const result = await runCli(['demo', '--out', out]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('is not empty');
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});

describe('demo interrupted', () => {
  it('Ctrl-C mid-run removes the scratch folder (keys included) and exits 130', async () => {
    const tmp = join(scratch.path, 'tmp-interrupted');
    mkdirSync(tmp);
    const child = execa('node', [cliPath, 'demo'], {
      reject: false,
      stdin: 'ignore',
      env: { ...process.env, APNS_SETUP_PASSPHRASE: undefined, NO_COLOR: '1', TMPDIR: tmp },
      extendEnv: false,
    });
    // Interrupt once the key exists on disk: the moment a leak would matter.
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Made key.pem')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toContain('Cancelled');
    expect(readdirSync(tmp)).toEqual([]);
  });
});

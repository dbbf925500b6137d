/**
 * `renew` as a person whose certificate expires next month runs it, and `demo --csr`, which lets
 * them try the whole recipe offline with their own key: the live files are never touched.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, realWorldPath } from '../helpers/fixtures.js';
import { openssl } from '../helpers/openssl.js';
import { spawnSandbox } from '../helpers/sandbox-process.js';
import {
  issueTestServerCertificate,
  issueUniversalCertificate,
  testKey,
} from '../helpers/test-ca.js';

// The real clock: the built CLI reads it, and the folder is named after its date.
const now = new Date();
const DAY = 24 * 60 * 60 * 1000;
const env = { APNS_SETUP_PASSPHRASE: 'renewal passphrase 2' };
const scratch = scratchDir();
afterAll(() => scratch.remove());

/** A live folder as import leaves it: ck.pem with 19 days left, and the CSR it was made from. */
function liveFolder(name: string): string {
  const dir = join(scratch.path, name, 'certs');
  mkdirSync(dir, { recursive: true });
  const live = issueUniversalCertificate({
    now,
    bundleId: 'com.example.renew',
    notBefore: new Date(now.getTime() - 346 * DAY),
    notAfter: new Date(now.getTime() + 19 * DAY + 60 * 60 * 1000),
  });
  writeFileSync(join(dir, 'ck.pem'), live.certificatePem + exportPkcs1Pem(testKey('leaf')), {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'cert.pem'), live.certificatePem);
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex'),
    ]),
  );
}

const today = () => new Date().toISOString().slice(0, 10);
/** No global git config: the CSR subject must not come from this machine's. */
const noGit = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

describe('renew', () => {
  let live: string;
  let before: Record<string, string>;
  let result: Awaited<ReturnType<typeof runCli>>;
  let fresh: string;

  beforeAll(async () => {
    live = liveFolder('first');
    // The CSR the live certificate was made from, kept beside it: its subject is reused.
    const csr = await runCli(
      ['csr', '--email', 'ops@example.com', '--common-name', 'Renew Push', '--out', live],
      { env },
    );
    expect(csr.exitCode, csr.stderr).toBe(0);
    before = snapshot(live);
    result = await runCli(['renew', '--from', join(live, 'ck.pem')], { env: { ...env, ...noGit } });
    fresh = join(scratch.path, 'first', `com.example.renew-${today()}`);
  });

  it('makes a new key (0600) and CSR beside the live folder, named after the bundle id and today', () => {
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(fresh).sort()).toEqual(
      ['CertificateSigningRequest.certSigningRequest', 'key.pem'].sort(),
    );
    expect(statSync(join(fresh, 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('never touches the live files', () => {
    expect(snapshot(live)).toEqual(before);
  });

  it('takes the CSR subject from the CSR beside the live files', async () => {
    const subject = await openssl([
      'req',
      '-in',
      join(fresh, 'CertificateSigningRequest.certSigningRequest'),
      '-noout',
      '-subject',
    ]);
    expect(subject.stdout).toContain('CN = Renew Push');
    expect(subject.stdout).toContain('ops@example.com');
    expect(result.stderr).toContain('CSR subject from the CSR beside the live files');
  });

  it('says the bundle id, the live expiry and days left, where to upload, and the next command', () => {
    expect(result.stderr).toContain(
      'Renewing the push certificate for com.example.renew (sandbox & production), team A1B2C3D4E5.',
    );
    expect(result.stderr).toMatch(
      /The live one \(.*ck\.pem\) expires on \d{4}-\d\d-\d\d, in 19 days, and keeps working until then; renew did not touch it\./,
    );
    expect(result.stderr).toContain(
      'Open https://developer.apple.com/account/resources/certificates/add',
    );
    expect(result.stderr).toContain(
      'Choose "Apple Push Notification service SSL (Sandbox & Production)" (as the live one)',
    );
    expect(result.stderr).toContain('Pick the App ID com.example.renew');
    expect(result.stderr).toContain(
      `Run: apns-setup import ~/Downloads/aps.cer --key ${join(fresh, 'key.pem')}`,
    );
    expect(result.stderr).toMatch(/revoke it in the portal/);
  });

  it('refuses the live folder as --out, and a folder that is not empty, writing nothing', async () => {
    const intoLive = await runCli(['renew', '--from', join(live, 'ck.pem'), '--out', live], {
      env,
    });
    expect(intoLive.exitCode).toBe(2);
    expectCleanFailure(intoLive);
    expect(intoLive.stderr).toContain(
      "is the live certificate's folder, which renew never writes to",
    );
    expect(snapshot(live)).toEqual(before);
    const again = await runCli(['renew', '--from', join(live, 'ck.pem')], { env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/com\.example\.renew-\d{4}-\d\d-\d\d is not empty/);
  });

  it('without a live CSR, the subject comes from git config', async () => {
    const dir = liveFolder('git');
    const gitconfig = join(scratch.path, 'gitconfig');
    writeFileSync(gitconfig, '[user]\n\temail = jane@example.com\n\tname = Jane Appleseed\n');
    const run = await runCli(
      ['renew', '--from', join(dir, 'cert.pem'), '--out', join(dir, '..', 'next')],
      {
        env: { ...env, GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1' },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('CSR subject from git config');
    const subject = await openssl([
      'req',
      '-in',
      join(dir, '..', 'next', 'CertificateSigningRequest.certSigningRequest'),
      '-noout',
      '-subject',
    ]);
    expect(subject.stdout).toContain('CN = Jane Appleseed');
  });

  it('--reuse-key makes the CSR with the live key', async () => {
    const dir = liveFolder('reuse');
    const out = join(dir, '..', 'reused');
    const run = await runCli(
      ['renew', '--from', join(dir, 'ck.pem'), '--reuse-key', '--out', out],
      {
        env: { ...env, ...noGit },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('A CSR for the live key');
    const csrKey = await openssl([
      'req',
      '-in',
      join(out, 'CertificateSigningRequest.certSigningRequest'),
      '-noout',
      '-pubkey',
    ]);
    const liveKey = await openssl(['pkey', '-in', join(dir, 'ck.pem'), '-pubout']);
    expect(csrKey.stdout).toBe(liveKey.stdout);
  });

  it('a certificate that is not a push certificate is refused (exit 2)', async () => {
    const dir = join(scratch.path, 'server');
    mkdirSync(dir);
    writeFileSync(join(dir, 'server.pem'), issueTestServerCertificate(now).certificatePem);
    const run = await runCli(['renew', '--from', join(dir, 'server.pem')], { env });
    expect(run.exitCode).toBe(2);
    expectCleanFailure(run);
    expect(run.stderr).toContain('which is not an Apple Push Notification certificate');
  });

  it.skipIf(!hasRealWorld)(
    'an expired certificate is fine to renew: that is the point',
    async () => {
      const dir = join(scratch.path, 'expired');
      mkdirSync(dir);
      copyFileSync(
        realWorldPath('Ingibjorg__iOS-Push-Notifications-Simulator/ck.pem'),
        join(dir, 'ck.pem'),
      );
      const run = await runCli(
        ['renew', '--from', join(dir, 'ck.pem'), '--out', join(dir, 'next')],
        {
          env: { ...env, ...noGit },
        },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/expired on 2016-11-21: nothing pushes with it any more/);
      expect(run.stderr).toContain('Choose "Apple Push Notification service SSL (Sandbox)"');
      expect(run.stderr).toContain('a neutral CSR subject: Apple ignores it');
    },
  );
});

describe('demo --csr: the offline loop with your own key', () => {
  it('signs your CSR (NOT Apple), then import, sandbox and push work together as it says', async () => {
    const dir = join(scratch.path, 'own');
    const csr = await runCli(
      ['csr', '--email', 'me@example.com', '--common-name', 'Mine', '--out', dir],
      {
        env,
      },
    );
    expect(csr.exitCode, csr.stderr).toBe(0);
    const signed = await runCli(
      [
        'demo',
        '--csr',
        join(dir, 'CertificateSigningRequest.certSigningRequest'),
        '--bundle-id',
        'com.example.mine',
      ],
      { cwd: scratch.path },
    );
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect(signed.stderr).toContain('NOT Apple');
    expect(readdirSync(dir).sort()).toEqual(
      [
        'CertificateSigningRequest.certSigningRequest',
        'aps.cer',
        'key.pem',
        'portal-ca.pem',
      ].sort(),
    );

    // The three commands it printed, run as printed (the port made free for the test).
    const commands = signed.stderr
      .split('\n')
      .filter((line) => line.startsWith('  apns-setup '))
      .map((line) => line.trim().split(/\s+/).slice(1));
    expect(commands.map((c) => c[0])).toEqual(['import', 'sandbox', 'push']);
    const imported = await runCli(commands[0]!, { env, cwd: scratch.path });
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.stderr).toContain("issued by apns-setup's local portal stand-in, NOT Apple");
    const sandboxArgs = commands[1]!.map((a) => (a === '8443' ? '0' : a)).slice(1);
    const sandbox = spawnSandbox(['--json', ...sandboxArgs], { cwd: scratch.path });
    try {
      const { url } = JSON.parse(await sandbox.nextLine()) as { url: string };
      const pushArgs = commands[2]!.map((a) => (a === 'https://127.0.0.1:8443' ? url : a));
      const pushed = await runCli(pushArgs, { cwd: scratch.path });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^✓ \(probe\)/m);
    } finally {
      await sandbox.stop();
    }
  });

  it('--csr without --bundle-id is a usage error', async () => {
    const run = await runCli(['demo', '--csr', 'x.csr']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--csr needs --bundle-id');
  });
});

/**
 * `check`, the CI gate, end to end: the exit code is the verdict (0 ok, 1 expiring within
 * --days, 2 unreadable, 3 expired; worst wins), the table is for people, the JSON for scripts.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, loadExpected, realWorldPath } from '../helpers/fixtures.js';
import { hasOpenssl3, opensslOk } from '../helpers/openssl.js';
import { buildProfile } from '../helpers/profiles.js';
import {
  issueProductionCertificate,
  issueSandboxCertificate,
  issueUniversalCertificate,
  testKey,
} from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const DAY = 24 * 60 * 60 * 1000;
const scratch = scratchDir('apns-setup-check-');
afterAll(() => scratch.remove());

interface CheckReport {
  days: number;
  results: {
    file: string;
    status: string;
    bundleId: string | null;
    notAfter: string | null;
    daysLeft: number | null;
    message: string;
  }[];
}

let counter = 0;
function folder(): string {
  const path = join(scratch.path, `case-${++counter}`);
  mkdirSync(path);
  return path;
}

/** A folder with a sandbox .cer (DER), a production cert.pem and a universal ck.pem, valid a year. */
function validCertificates(): string {
  const dir = folder();
  writeFileSync(
    join(dir, 'aps_development.cer'),
    issueSandboxCertificate({ now, bundleId: 'com.example.dev' }).der,
  );
  writeFileSync(
    join(dir, 'cert.pem'),
    issueProductionCertificate({ now, bundleId: 'com.example.prod' }).certificatePem,
  );
  mkdirSync(join(dir, 'nested'));
  writeFileSync(
    join(dir, 'nested', 'ck.pem'),
    issueUniversalCertificate({ now, bundleId: 'com.example.both' }).certificatePem +
      testKey('leaf').export({ type: 'pkcs1', format: 'pem' }).toString(),
  );
  return dir;
}

function rowOf(stdout: string, file: string): string {
  const row = stdout.split('\n').find((line) => line.startsWith(`${file} `));
  if (!row) throw new Error(`no row for ${file} in:\n${stdout}`);
  return row;
}

describe('check on certificates issued today (valid 365 days)', () => {
  let dir: string;
  beforeAll(() => {
    dir = validCertificates();
  });

  it('exits 0 and prints one row per certificate', async () => {
    const result = await runCli(['check', dir]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FILE +BUNDLE ID +TYPE +EXPIRES +DAYS LEFT +STATUS$/);
    expect(lines).toHaveLength(4);
    const expires = new Date(now.getTime() + 365 * DAY).toISOString().slice(0, 10);
    for (const [file, bundleId, type] of [
      ['aps_development.cer', 'com.example.dev', 'development'],
      ['cert.pem', 'com.example.prod', 'production'],
      [join('nested', 'ck.pem'), 'com.example.both', 'universal'],
    ] as const) {
      expect(rowOf(result.stdout, join(dir, file))).toMatch(
        new RegExp(` ${bundleId.replace(/\./g, '\\.')} +${type} +${expires} +36[45] +ok$`),
      );
    }
  });

  it('--days 400: every one is expiring, exit 1', async () => {
    const result = await runCli(['check', dir, '--days', '400']);
    expect(result.exitCode).toBe(1);
    expect(rowOf(result.stdout, join(dir, 'cert.pem'))).toMatch(/ expiring$/);
    expect(result.stdout).toContain(`${join(dir, 'cert.pem')}: expires on `);
    expect(result.stdout).toMatch(/: expires on \d{4}-\d\d-\d\d, in 36\d days$/m);
    // The advice is said once for the run, not once per file.
    expect(result.stdout).toContain(
      'These 3 push certificates need a successor: make a new one: apns-setup renew --from the old certificate, upload its CSR at developer.apple.com, then apns-setup import.',
    );
    expect(result.stdout.split('make a new one')).toHaveLength(2);
  });

  it('--json: the contract shape, and nothing else on stdout', async () => {
    const result = await runCli(['check', dir, '--json', '--days', '30']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as CheckReport;
    expect(report.days).toBe(30);
    expect(report.results.map((r) => r.file)).toEqual([
      join(dir, 'aps_development.cer'),
      join(dir, 'cert.pem'),
      join(dir, 'nested', 'ck.pem'),
    ]);
    for (const r of report.results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['file', 'status', 'bundleId', 'notAfter', 'daysLeft', 'message']),
      );
      expect(r.status).toBe('ok');
      expect(Date.parse(r.notAfter!) - now.getTime()).toBeGreaterThan(364 * DAY);
      expect(r.daysLeft).toBeGreaterThanOrEqual(364);
      expect(r.message).toMatch(/^valid until \d{4}-\d\d-\d\d \(36[45] days left\)$/);
    }
    expect(report.results.map((r) => r.bundleId)).toEqual([
      'com.example.dev',
      'com.example.prod',
      'com.example.both',
    ]);
  });

  it('keys and CSRs in a walked folder are skipped; named explicitly they are invalid', async () => {
    const mixed = folder();
    copyFileSync(join(dir, 'cert.pem'), join(mixed, 'cert.pem'));
    writeFileSync(join(mixed, 'key.pem'), testKey('leaf').export({ type: 'pkcs8', format: 'pem' }));
    const csr = await runCli([
      'csr',
      '--email',
      'a@example.com',
      '--common-name',
      'Check',
      '--out',
      join(mixed, 'req'),
      '--insecure',
    ]);
    expect(csr.exitCode, csr.stderr).toBe(0);
    // The CSR under a name check looks at.
    copyFileSync(
      join(mixed, 'req', 'CertificateSigningRequest.certSigningRequest'),
      join(mixed, 'req', 'request.pem'),
    );

    const walked = await runCli(['check', mixed, '--json']);
    expect(walked.exitCode, walked.stdout).toBe(0);
    expect((JSON.parse(walked.stdout) as CheckReport).results.map((r) => r.file)).toEqual([
      join(mixed, 'cert.pem'),
    ]);

    const named = await runCli([
      'check',
      join(mixed, 'cert.pem'),
      join(mixed, 'key.pem'),
      join(mixed, 'req', 'request.pem'),
    ]);
    expect(named.exitCode).toBe(2);
    expect(rowOf(named.stdout, join(mixed, 'key.pem'))).toMatch(/ invalid$/);
    expect(rowOf(named.stdout, join(mixed, 'req', 'request.pem'))).toMatch(/ invalid$/);
    expect(named.stdout).toContain(`${join(mixed, 'key.pem')}: it holds no certificate\n`);
  });

  it('a certificate not valid yet is invalid (exit 2)', async () => {
    const future = folder();
    writeFileSync(
      join(future, 'future.cer'),
      issueSandboxCertificate({
        now,
        notBefore: new Date(now.getTime() + 10 * DAY),
        notAfter: new Date(now.getTime() + 375 * DAY),
      }).der,
    );
    const result = await runCli(['check', future]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/future\.cer: not valid until \d{4}-\d\d-\d\d/);
  });
});

describe('check over more certificates than the table measures (it prints as it reads)', () => {
  // 150 files in folders of different depths: the table fixes its widths after 100 rows.
  let dir: string;
  const files: string[] = [];
  beforeAll(() => {
    const production = join(validCertificates(), 'cert.pem');
    dir = folder();
    for (let i = 0; i < 150; i++) {
      const sub = i < 100 ? 'a' : join('deeper-folder-name', 'z');
      mkdirSync(join(dir, sub), { recursive: true });
      const file = join(dir, sub, `cert-${String(i).padStart(3, '0')}.pem`);
      files.push(file);
      copyFileSync(production, file);
    }
  });

  it('one header, a row per file in walk order, every FILE cell as wide as the longest path', async () => {
    const result = await runCli(['check', dir]);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('FILE '))).toHaveLength(1);
    expect(lines.slice(1).map((line) => line.split(' ')[0])).toEqual(files);
    const bundleColumn = lines[0]!.indexOf('BUNDLE ID');
    for (const line of lines.slice(1)) {
      expect(line.slice(bundleColumn - 2, bundleColumn + 17)).toBe('  com.example.prod ');
    }
  });

  it('--json: one document with every result', async () => {
    const result = await runCli(['check', dir, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as CheckReport;
    expect(report.results.map((r) => r.file)).toEqual(files);
  });
});

describe.skipIf(!hasRealWorld)('check with expired and unreadable files: the worst wins', () => {
  const expired = () => realWorldPath('fastlane__fastlane/aps_development.cer');

  it('a real expired certificate beside a valid one: exit 3', async () => {
    const dir = validCertificates();
    copyFileSync(expired(), join(dir, 'old.cer'));
    const result = await runCli(['check', dir]);
    expect(result.exitCode).toBe(3);
    // Days from the certificate's own notAfter and this test's clock; the CLI read its clock a
    // moment later, so a day boundary may fall between the two readings.
    const { notAfter } = loadExpected().files.find(
      (f) => f.path === 'fastlane__fastlane/aps_development.cer',
    )!.certificates[0]!;
    const left = Math.floor((Date.parse(notAfter) - now.getTime()) / DAY);
    const days = `(${left}|${left - 1})`;
    const ago = Math.floor((now.getTime() - Date.parse(notAfter)) / DAY);
    expect(rowOf(result.stdout, join(dir, 'old.cer'))).toMatch(
      new RegExp(` com\\.si\\.ChatSecure\\.debug +development +2016-01-20 +${days} +expired$`),
    );
    expect(result.stdout).toMatch(
      // Whole days since it ended, rounded down (the CLI's clock may have crossed a day since).
      new RegExp(`old\\.cer: expired on 2016-01-20 \\((${ago}|${ago + 1}) days ago\\)$`, 'm'),
    );
  });

  it('a corrupt .pem beside a valid certificate: exit 2, the row names the file once', async () => {
    const dir = validCertificates();
    writeFileSync(join(dir, 'broken.pem'), 'this is not a certificate\n');
    const result = await runCli(['check', dir]);
    expect(result.exitCode).toBe(2);
    const broken = join(dir, 'broken.pem');
    expect(rowOf(result.stdout, broken)).toMatch(/ - +- +- +- +invalid$/);
    expect(result.stdout).toContain(
      `${broken}: it is not a certificate, key, CSR, .p12 or .p7b that apns-setup can read\n  Expected`,
    );
    expect(result.stdout.split(broken)).toHaveLength(3); // the row and the problem line
    const json = JSON.parse((await runCli(['check', dir, '--json'])).stdout) as CheckReport;
    const entry = json.results.find((r) => r.file === broken)!;
    expect(entry).toMatchObject({
      status: 'invalid',
      bundleId: null,
      notAfter: null,
      daysLeft: null,
    });
    expect(entry.message).not.toContain(broken);
  });

  it('expired and corrupt together: exit 3', async () => {
    const dir = folder();
    copyFileSync(expired(), join(dir, 'old.cer'));
    writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n');
    const result = await runCli(['check', dir, '--json']);
    expect(result.exitCode).toBe(3);
    const report = JSON.parse(result.stdout) as CheckReport;
    expect(report.results.map((r) => [r.file, r.status])).toEqual([
      [join(dir, 'broken.pem'), 'invalid'],
      [join(dir, 'old.cer'), 'expired'],
    ]);
  });

  it('expiring and corrupt together: exit 2', async () => {
    const dir = validCertificates();
    writeFileSync(join(dir, 'broken.pem'), 'garbage');
    const result = await runCli(['check', dir, '--days', '400']);
    expect(result.exitCode).toBe(2);
  });
});

describe.skipIf(!hasOpenssl3)('check a passphrase-protected .p12', () => {
  let p12: string;
  beforeAll(async () => {
    const dir = folder();
    const bundle = join(dir, 'bundle.txt');
    writeFileSync(
      bundle,
      issueSandboxCertificate({ now, bundleId: 'com.example.locked' }).certificatePem +
        testKey('leaf').export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    p12 = join(dir, 'push.p12');
    await opensslOk(['pkcs12', '-export', '-in', bundle, '-out', p12, '-passout', 'pass:p12 pass']);
  });

  it('without a passphrase: invalid, says where a passphrase comes from, never prompts', async () => {
    const result = await runCli(['check', p12]);
    expect(result.exitCode).toBe(2);
    expect(rowOf(result.stdout, p12)).toMatch(/ invalid$/);
    expect(result.stdout).toContain(
      `${p12}: it is protected by a passphrase, and check never asks for one\n  Set APNS_SETUP_PASSPHRASE or pass --passphrase-file FILE.`,
    );
    expect(result.stdout).not.toContain('no terminal');
  });

  it('with APNS_SETUP_PASSPHRASE it is read', async () => {
    const result = await runCli(['check', p12, '--json'], {
      env: { APNS_SETUP_PASSPHRASE: 'p12 pass' },
    });
    expect(result.exitCode, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout) as CheckReport;
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ status: 'ok', bundleId: 'com.example.locked' });
  });

  it('with a wrong passphrase: invalid, and the passphrase is not repeated', async () => {
    const result = await runCli(['check', p12], { env: { APNS_SETUP_PASSPHRASE: 'not it' } });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`${p12}: the passphrase does not open it`);
    expect(result.stdout + result.stderr).not.toContain('not it');
  });
});

describe('check on the folder import writes', () => {
  it('passes beside the protected apns.p12, saying it was skipped (check never asks)', async () => {
    const dir = folder();
    const made = await runCli(['demo', '--out', dir]);
    expect(made.exitCode, made.stderr).toBe(0);
    const result = await runCli(['check', dir, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as CheckReport & { skipped: { file: string }[] };
    // aps.cer, cert.pem and ck.pem hold the push certificate; portal-ca.pem the CA that issued it.
    expect(report.results.map((r) => [r.file, r.status])).toEqual(
      ['aps.cer', 'cert.pem', 'ck.pem', 'portal-ca.pem'].map((name) => [join(dir, name), 'ok']),
    );
    expect(report.skipped.map((s) => s.file)).toEqual([join(dir, 'apns.p12')]);
    expect(result.stderr).toContain(
      `${join(dir, 'apns.p12')}: skipped: a .p12 protected by a passphrase`,
    );
    // Named explicitly, the same file is a failure: the user asked about it.
    const named = await runCli(['check', join(dir, 'apns.p12')]);
    expect(named.exitCode).toBe(2);
  });
});

describe('check --print-ci and usage', () => {
  it('--print-ci github prints a workflow YAML that runs apns-setup check, exit 0', async () => {
    const result = await runCli(['check', '--print-ci', 'github']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const yaml = result.stdout;
    expect(yaml).not.toContain('\t');
    // A minimal structural read: top-level keys, and each line's indentation a multiple of 2
    // that grows by at most one level at a time under a key ending with ':'.
    const lines = yaml.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const topLevel = lines.filter((l) => /^\S/.test(l)).map((l) => l.replace(/:.*$/, ''));
    expect(topLevel).toEqual(expect.arrayContaining(['name', 'on', 'jobs']));
    let previous = 0;
    // A block scalar (`run: |`) holds a shell script: its lines are text, not YAML structure.
    let block: number | null = null;
    for (const [i, line] of lines.entries()) {
      const indent = /^ */.exec(line)![0].length;
      if (block !== null && indent > block) continue;
      block = line.trimEnd().endsWith('|') ? indent : null;
      expect(indent % 2, line).toBe(0);
      if (indent > previous) {
        const parent = lines[i - 1]!.trim();
        expect(parent.endsWith(':') || parent.startsWith('- '), `${parent} → ${line}`).toBe(true);
        expect(indent - previous, line).toBeLessThanOrEqual(4);
      }
      expect(line, 'mapping or list entry').toMatch(/^ *(- )?([\w-]+:( .*)?|[^:]+)$|^ *- /);
      previous = indent;
    }
    expect(yaml).toMatch(/^ {4}runs-on: \S+/m);
    expect(yaml).toMatch(/^ {4}steps:$/m);
    expect(yaml).toMatch(/^ {6}- run: \|\n(?: {10}.*\n)* {12}npx --no-install apns-setup check /m);
  });

  it('--print-ci github takes the paths and --days of the command that printed it', async () => {
    const defaults = await runCli(['check', '--print-ci', 'github']);
    expect(defaults.stdout).toMatch(/^ +CERT_PATHS: 'certs\/'$/m);
    expect(defaults.stdout).toMatch(/^ +DAYS: '30'$/m);
    const custom = await runCli(['check', '--print-ci', 'github', 'push-certs/', '--days', '10']);
    expect(custom.exitCode).toBe(0);
    expect(custom.stdout).toMatch(/^ +CERT_PATHS: 'push-certs\/'$/m);
    expect(custom.stdout).toMatch(/^ +DAYS: '10'$/m);
    expect(custom.stdout).toMatch(/^ +- 'push-certs\/\*\*'$/m);
    expect(custom.stdout).not.toMatch(/\{\{(paths|days|pathGlob)\}\}/);
  });

  it("the workflow's check step runs a project's own apns-setup (a dev dependency) before any published one", async () => {
    const project = folder();
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(cliPath, join(project, 'node_modules', '.bin', 'apns-setup'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'provider', devDependencies: { 'apns-setup': '^0.1.0' } }),
    );
    mkdirSync(join(project, 'certs'));
    writeFileSync(
      join(project, 'certs', 'aps.cer'),
      issueSandboxCertificate({ now, bundleId: 'com.example.ci' }).der,
    );
    const yaml = (await runCli(['check', '--print-ci', 'github', 'certs/', '--days', '400']))
      .stdout;
    const lines = yaml.split('\n');
    const start = lines.findIndex((l) => /^ +- run: \|$/.test(l));
    const script = lines
      .slice(start + 1)
      .filter((l) => /^ {10}/.test(l))
      .map((l) => l.slice(10))
      .join('\n');
    expect(script).toContain('npx --yes apns-setup@0 check');
    const env = { ...process.env, CERT_PATHS: 'certs/', DAYS: '400', NO_COLOR: '1' };
    const run = spawnSync('bash', ['-e', '-c', script], { cwd: project, env, encoding: 'utf8' });
    // The local apns-setup ran: a certificate with a year left is within 400 days, exit 1.
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/certs\/aps\.cer +com\.example\.ci +development .* expiring$/m);
  });

  it('check with no paths: exit 2, says what to pass', async () => {
    const result = await runCli(['check']);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('check needs the certificate files or folders');
    expect(result.stderr).toContain('apns-setup check certs/');
  });

  it('a folder with no certificates: exit 2', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'README.md'), '# nothing here\n');
    const result = await runCli(['check', dir]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`no certificates found in ${dir}`);
    expect(result.stdout).toBe('');
  });

  it('a missing path: exit 2, names it', async () => {
    const missing = join(scratch.path, 'no-such-folder');
    const result = await runCli(['check', missing]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`${missing}: no such file or folder`);
  });
});

describe.skipIf(!hasOpenssl3)(
  'check beside certificates: token keys and provisioning profiles',
  () => {
    /** A folder as a team keeps it: the push certificate, the auth key, and two profiles. */
    function pushSetUp(): string {
      const dir = folder();
      writeFileSync(
        join(dir, 'aps.cer'),
        issueSandboxCertificate({ now, bundleId: 'com.example.app' }).der,
      );
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(
        join(dir, 'AuthKey_ABC123DEFG.p8'),
        privateKey.export({ type: 'pkcs8', format: 'pem' }),
      );
      writeFileSync(
        join(dir, 'Dev.mobileprovision'),
        buildProfile({ now, bundleId: 'com.example.app', expiresInDays: 10 }),
      );
      writeFileSync(
        join(dir, 'Store.mobileprovision'),
        buildProfile({
          now,
          bundleId: 'com.example.app',
          apsEnvironment: 'production',
          devices: null,
          expiresInDays: 200,
        }),
      );
      return dir;
    }

    it('lists the .p8 as never expiring, with the reminder once, and a profile expiring like a certificate', async () => {
      const dir = pushSetUp();
      const result = await runCli(['check', dir, '--days', '30']);
      // The development profile ends in 10 days: within --days, so the gate fails (exit 1).
      expect(result.exitCode, result.stderr).toBe(1);
      expect(rowOf(result.stdout, join(dir, 'AuthKey_ABC123DEFG.p8'))).toMatch(
        / - +token key +never +- +ok$/,
      );
      const tenDays = new Date(now.getTime() + 10 * DAY).toISOString().slice(0, 10);
      expect(rowOf(result.stdout, join(dir, 'Dev.mobileprovision'))).toMatch(
        new RegExp(
          ` com\\.example\\.app +profile \\(development\\) +${tenDays} +(9|10) +expiring$`,
        ),
      );
      expect(rowOf(result.stdout, join(dir, 'Store.mobileprovision'))).toMatch(
        / com\.example\.app +profile \(production\) +\S+ +(199|200) +ok$/,
      );
      expect(result.stdout).toContain(
        `${join(dir, 'Dev.mobileprovision')}: expires on ${tenDays}, in `,
      );
      expect(result.stdout).toContain('Regenerate it at developer.apple.com');
      const reminders = result.stdout
        .split('\n')
        .filter((line) => line.includes('revoked at developer.apple.com → Keys'));
      expect(reminders).toEqual([
        'A token key (.p8) never expires; revoked at developer.apple.com → Keys, it fails at once: prove it with apns-setup push --auth-key.',
      ]);
      // The push certificate's renewal advice is not given: only the profile is expiring.
      expect(result.stdout).not.toContain('push certificate needs a successor');
    });

    it('--json: each result says its kind; a token key has no expiry and its key id', async () => {
      const dir = pushSetUp();
      const result = await runCli(['check', dir, '--json', '--days', '5']);
      expect(result.exitCode, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as {
        results: (CheckReport['results'][number] & {
          kind: string;
          type: string | null;
          keyId?: string;
        })[];
      };
      const byName = new Map(report.results.map((r) => [r.file.split('/').pop(), r]));
      expect(byName.get('AuthKey_ABC123DEFG.p8')).toMatchObject({
        kind: 'token-key',
        status: 'ok',
        keyId: 'ABC123DEFG',
        notAfter: null,
        daysLeft: null,
      });
      expect(byName.get('Dev.mobileprovision')).toMatchObject({
        kind: 'provisioning-profile',
        status: 'ok',
        bundleId: 'com.example.app',
        type: 'development',
      });
      expect(byName.get('aps.cer')).toMatchObject({ kind: 'certificate', type: 'development' });
    });

    it('an expired profile fails the gate as an expired certificate does (exit 3)', async () => {
      const dir = folder();
      writeFileSync(join(dir, 'Old.mobileprovision'), buildProfile({ now, expiresInDays: -3 }));
      const result = await runCli(['check', dir]);
      expect(result.exitCode).toBe(3);
      expect(rowOf(result.stdout, join(dir, 'Old.mobileprovision'))).toMatch(/ expired$/);
      const ended = new Date(now.getTime() - 3 * DAY).toISOString().slice(0, 10);
      expect(result.stdout).toMatch(
        new RegExp(`expired on ${ended} \\(3 days ago\\) \\(provisioning profile\\)`),
      );
      expect(result.stdout).toContain('Regenerate it at developer.apple.com');
    });

    it('an RSA key named .p8 is invalid with the reason, exit 2', async () => {
      const dir = folder();
      writeFileSync(
        join(dir, 'AuthKey_ZZZ999YYYX.p8'),
        testKey('leaf').export({ type: 'pkcs8', format: 'pem' }),
      );
      const result = await runCli(['check', dir]);
      expect(result.exitCode).toBe(2);
      expect(rowOf(result.stdout, join(dir, 'AuthKey_ZZZ999YYYX.p8'))).toMatch(/ invalid$/);
      expect(result.stdout).toMatch(/AuthKey_ZZZ999YYYX\.p8: .*RSA/);
    });
  },
);

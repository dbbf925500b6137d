/**
 * Every sentence true, as a new user meets it: a certificate in its last days is said to be so
 * by every command that shows it (not only `check`); an expired one is said to be unable to push;
 * a locked .p12 still shows its layout in text; a next step with a path holding spaces can be
 * pasted into a shell; the old-Node warning claims nothing the project does not do.
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEncryptedPkcs8Pem, exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { cliPath, runCli, scratchDir } from '../helpers/cli.js';
import { runInPty } from '../helpers/pty.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { issueSandboxCertificate, testCa, testKey } from '../helpers/test-ca.js';

// The real clock: the built CLI and the sandbox read it.
const now = new Date();
const DAY = 24 * 60 * 60 * 1000;
const PASSPHRASE = 'renewal window 19';
const env = { APNS_SETUP_PASSPHRASE: PASSPHRASE };
const scratch = scratchDir();
// A folder whose name needs quoting in a shell.
const home = join(scratch.path, "My Certs (Tom's)");

/** Ends 19 days and an hour from now: inside the 30-day renewal window. */
const closing = issueSandboxCertificate({
  now,
  bundleId: 'com.example.closing',
  notBefore: new Date(now.getTime() - 346 * DAY),
  notAfter: new Date(now.getTime() + 19 * DAY + 60 * 60 * 1000),
});
const expired = issueSandboxCertificate({
  now,
  bundleId: 'com.example.ended',
  notBefore: new Date(now.getTime() - 400 * DAY),
  notAfter: new Date(now.getTime() - 35 * DAY),
});

const at = (name: string) => join(home, name);

beforeAll(() => {
  mkdirSync(home);
  writeFileSync(at('aps.cer'), closing.der);
  writeFileSync(at('key.pem'), exportEncryptedPkcs8Pem(testKey('leaf'), PASSPHRASE), {
    mode: 0o600,
  });
  writeFileSync(at('closing-ck.pem'), closing.certificatePem + exportPkcs1Pem(testKey('leaf')), {
    mode: 0o600,
  });
  writeFileSync(
    at('closing.p12'),
    writePkcs12({
      key: testKey('leaf'),
      certificates: [closing.der],
      passphrase: PASSPHRASE,
      profile: 'compatible',
    }),
  );
  writeFileSync(
    at('ended.p12'),
    writePkcs12({
      key: testKey('leaf'),
      certificates: [expired.der],
      passphrase: PASSPHRASE,
      profile: 'compatible',
    }),
  );
  writeFileSync(join(scratch.path, 'test-ca.pem'), testCa().certificatePem);
});
afterAll(() => scratch.remove());

const LAST_DAYS = /It is in its last 30 days: make its successor now, while it still works/;

describe('a certificate with 19 days left', () => {
  it('import says so and names the renewal, and its next step can be pasted', async () => {
    const result = await runCli(['import', at('aps.cer'), '--key', at('key.pem')], {
      env,
      cwd: scratch.path,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/It expires on \d{4}-\d\d-\d\d, in 19 days\./);
    expect(result.stderr).toMatch(LAST_DAYS);
    expect(result.stderr).toContain(`apns-setup renew --from 'My Certs (Tom'\\''s)/ck.pem'`);
    expect(result.stderr).toContain(`apns-setup push --cert 'My Certs (Tom'\\''s)/ck.pem'`);
  });

  it('--force over a ck.pem others could read: the backup is 0600, and it says the old key was exposed', async () => {
    chmodSync(at('ck.pem'), 0o644);
    const result = await runCli(['import', at('aps.cer'), '--key', at('key.pem'), '--force'], {
      env,
      cwd: scratch.path,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const backup = readdirSync(home).find((n) => n.startsWith('ck.pem.bak-'))!;
    expect(statSync(join(home, backup)).mode & 0o777).toBe(0o600);
    expect(result.stderr).toContain(
      'Warning: the old ck.pem was readable by other users; its backup is 0600 now, but treat that key as exposed',
    );
    expect(result.stderr.match(/readable by other users/g)).toHaveLength(1);
  });

  it('convert says so too', async () => {
    const out = join(scratch.path, 'converted');
    const result = await runCli(['convert', at('closing.p12'), '--out', out], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(LAST_DAYS);
  });

  it('inspect shows a Renew line', async () => {
    const result = await runCli(['inspect', at('closing-ck.pem')]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}Valid +.* \(19 days left\)$/m);
    expect(result.stdout).toMatch(/^ {2}Renew +make its successor now, while it still works/m);
  });

  it('inspect of a certificate with a year left has no Renew line', async () => {
    const year = issueSandboxCertificate({ now, bundleId: 'com.example.year' });
    writeFileSync(at('year.pem'), year.certificatePem);
    const result = await runCli(['inspect', at('year.pem')]);
    expect(result.stdout).not.toMatch(/Renew/);
  });

  describe('push', () => {
    let sandbox: SandboxProcess;
    let url = '';
    let caFile = '';
    beforeAll(async () => {
      sandbox = spawnSandbox(['--json', '--client-ca', join(scratch.path, 'test-ca.pem')]);
      ({ url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string });
    });
    afterAll(() => sandbox?.stop());

    it('warns before sending, and still proves the certificate', async () => {
      const result = await runCli([
        'push',
        '--cert',
        at('closing-ck.pem'),
        '--endpoint',
        url,
        '--ca',
        caFile,
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /^Warning: the certificate in .*closing-ck\.pem expires on \d{4}-\d\d-\d\d, in 19 days: make its successor now/m,
      );
    });
  });
});

describe('an expired certificate', () => {
  it('convert writes the files but says plainly they cannot push, and what to do', async () => {
    const out = join(scratch.path, 'ended');
    const result = await runCli(['convert', at('ended.p12'), '--out', out], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /The files for com\.example\.ended \(development \(sandbox\)\), team A1B2C3D4E5 are written, but its certificate expired on \d{4}-\d\d-\d\d: APNs refuses it, so they cannot push\./,
    );
    expect(result.stderr).toMatch(/To push again: make a new one/);
    expect(result.stderr).not.toContain('is ready');
    expect(result.stderr).not.toContain('Next: prove');
  });

  it('inspect says it cannot push any more', async () => {
    writeFileSync(at('ended.pem'), expired.certificatePem);
    const result = await runCli(['inspect', at('ended.pem')]);
    expect(result.stdout).toMatch(/^ {2}Renew +it cannot push any more: make a new one/m);
  });
});

describe('a .p12 that will not open without its passphrase', () => {
  it('inspect still shows its layout and key bags in text, as with --json', async () => {
    const result = await runCli(['inspect', at('closing.p12')]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      `${at('closing.p12')}: PKCS#12 (.p12), protected by a passphrase`,
    );
    expect(result.stdout).toMatch(/^ {2}Private key +one key bag, encrypted$/m);
    expect(result.stdout).toMatch(
      /^ {2}PKCS#12 +certificates .*, key .*, MAC sha1 \(2048 iterations\)$/m,
    );
    expect(result.stdout).toMatch(/^ {2}Opens in +.*openssl-3/m);
    expect(result.stderr).toMatch(/needs a passphrase/);
  });
});

describe('text from outside on a terminal', () => {
  it("a certificate's subject cannot clear the screen or set the title; --json keeps it exact", async () => {
    const hostile = 'com.example.\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007';
    const issued = issueSandboxCertificate({ now, bundleId: hostile });
    writeFileSync(at('hostile.pem'), issued.certificatePem);
    const text = await runCli(['inspect', at('hostile.pem')]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout + text.stderr).not.toContain('\u001b');
    expect(text.stdout).toMatch(
      /^ {2}Bundle id +com\.example\.\\x1b\[2J\\x1b\[31mPWNED\\x1b\]0;title\\x07$/m,
    );
    const json = await runCli(['inspect', at('hostile.pem'), '--json']);
    const [entry] = JSON.parse(json.stdout) as { certificate: { bundleId: string } }[];
    expect(entry!.certificate.bundleId).toBe(hostile);
  });
});

describe('the Node.js it runs on', () => {
  it('in a terminal, a Node past its end of life is said once, with the date and what to do', () => {
    const shown = runInPty({
      argv: [process.execPath, cliPath, 'inspect', join(scratch.path, 'absent.pem')],
      env: { NO_COLOR: '1', TERM: 'xterm' },
      steps: [],
      timeout: 30,
    });
    expect(shown.exitCode).toBe(2);
    const warnings = shown.output.split(/\r?\n/).filter((line) => line.includes('Node.js'));
    // Node 20 reached its end of life on 2026-04-30; 22 and later are supported.
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(warnings).toEqual([
        `Warning: Node.js ${process.versions.node} gets no security fixes since 2026-04-30 (end of life); upgrade to Node 22 or later.`,
      ]);
    } else {
      expect(warnings).toEqual([]);
    }
  });

  it('without a terminal (a script, CI), it says nothing about the Node version', async () => {
    const result = await runCli(['inspect', join(scratch.path, 'absent.pem')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('Node.js');
  });
});

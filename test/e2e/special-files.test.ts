/**
 * Files that are not regular files, and links that lead nowhere, as a user meets them: each
 * gets one clear line and exit 2 (or, met in a folder by `check`, a note), never a hang or
 * "something unexpected went wrong … please report it".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const scratch = scratchDir('apns-setup-special-');
afterAll(() => scratch.remove());
const at = (...parts: string[]) => join(scratch.path, ...parts);
const unix = process.platform !== 'win32';
const options = { now: new Date(), bundleId: 'com.example.special' };

function expectNoBugReport(stderr: string): void {
  expect(stderr).not.toMatch(/something unexpected went wrong|please report it/);
}

describe.skipIf(!unix)('a named pipe', () => {
  it('in a folder: check skips it with a note and finishes', async () => {
    mkdirSync(at('certs'));
    writeFileSync(at('certs', 'aps.cer'), issueSandboxCertificate(options).der);
    execFileSync('mkfifo', [at('certs', 'zz.pem')]);
    const result = await runCli(['check', at('certs')]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      `${at('certs', 'zz.pem')}: skipped: a named pipe (FIFO), not a regular file (check reads only regular files)`,
    );
    expect(result.stdout).toContain('com.example.special');
  });

  it('named as input: one clear line, exit 2', async () => {
    execFileSync('mkfifo', [at('named.pem')]);
    const result = await runCli(['inspect', at('named.pem')]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(
      `Error: ${at('named.pem')}: is a named pipe (FIFO), not a regular file`,
    );
  });
});

describe.skipIf(!unix)('symbolic links that lead nowhere', () => {
  it('a loop as input: exit 2, says it is a loop', async () => {
    symlinkSync(at('loop-b.pem'), at('loop-a.pem'));
    symlinkSync(at('loop-a.pem'), at('loop-b.pem'));
    const result = await runCli(['inspect', at('loop-a.pem')]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expectNoBugReport(result.stderr);
    expect(result.stderr).toContain(`Error: ${at('loop-a.pem')}: is a symbolic link loop`);
  });

  it('a dangling link as input: exit 2, says where it leads', async () => {
    symlinkSync(at('gone.cer'), at('dangling.cer'));
    const result = await runCli(['check', at('dangling.cer')]);
    expect(result.exitCode).toBe(2);
    expectNoBugReport(result.stderr + result.stdout);
    expect(result.stdout + result.stderr).toContain(
      'is a symbolic link to something that does not exist',
    );
  });

  it('a loop as --out: exit 2, says it is a loop, writes nothing', async () => {
    symlinkSync(at('out-b'), at('out-a'));
    symlinkSync(at('out-a'), at('out-b'));
    const result = await runCli(
      ['csr', '--email', 'me@example.com', '--common-name', 'Special', '--out', at('out-a')],
      { env: { APNS_SETUP_PASSPHRASE: 'a passphrase' } },
    );
    expect(result.exitCode).toBe(2);
    expectNoBugReport(result.stderr);
    expect(result.stderr).toContain(`${at('out-a')}: is a symbolic link loop`);
  });
});

describe('a passphrase file of 128 MiB', () => {
  it('gets its own message, not the certificate-size one', async () => {
    writeFileSync(at('huge-pass.txt'), '');
    truncateSync(at('huge-pass.txt'), 128 * 1024 * 1024);
    const csr = await runCli([
      'csr',
      '--email',
      'me@example.com',
      '--common-name',
      'Special',
      '--out',
      at('csr-out'),
      '--passphrase-file',
      at('huge-pass.txt'),
    ]);
    expect(csr.exitCode).toBe(2);
    expectCleanFailure(csr);
    expect(csr.stderr).toContain(
      `${at('huge-pass.txt')} is too large for a passphrase file, which holds one line`,
    );
    expect(csr.stderr).not.toMatch(/certificates, keys, CSRs/);
  });
});

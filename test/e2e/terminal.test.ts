/**
 * In a real terminal (a pseudo-terminal driven by test/helpers/pty-drive.py), passphrases are
 * asked for, masked, confirmed, and Ctrl-C cancels with exit 130.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, scratchDir } from '../helpers/cli.js';
import { runInPty, type PtyRun } from '../helpers/pty.js';
import { opensslOk } from '../helpers/openssl.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

// The real clock: the certificate meets the built CLI, which reads it.
const now = new Date();
const scratch = scratchDir();
afterAll(() => scratch.remove());

function drive(args: string[], steps: { expect: string; send: string }[]): PtyRun {
  return runInPty({
    argv: [process.execPath, cliPath, ...args],
    env: { APNS_SETUP_PASSPHRASE: null, NO_COLOR: '1', TERM: 'xterm' },
    steps,
    timeout: 40,
  });
}

describe('in a terminal', () => {
  it('csr asks for a new passphrase twice, masks it, and encrypts key.pem with it', async () => {
    const out = join(scratch.path, 'tty');
    const secret = 'typed in a terminal 9';
    const result = drive(
      ['csr', '--email', 'tty@example.com', '--common-name', 'TTY', '--out', out],
      [
        { expect: '[Pp]assphrase', send: `${secret}\r` },
        { expect: '[Pp]assphrase', send: `${secret}\r` },
      ],
    );
    expect(result.error).toBeUndefined();
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).not.toContain(secret);
    await opensslOk(['pkey', '-in', join(out, 'key.pem'), '-passin', `pass:${secret}`, '-noout']);
  });

  it('Ctrl-C at the passphrase prompt cancels with exit 130 and writes nothing', () => {
    const out = join(scratch.path, 'cancelled');
    const result = drive(
      ['csr', '--email', 'tty@example.com', '--common-name', 'TTY', '--out', out],
      [{ expect: '[Pp]assphrase', send: '\u0003' }],
    );
    expect(result.exitCode, result.output).toBe(130);
    expect(existsSync(join(out, 'key.pem'))).toBe(false);
  });

  // import is a command in a file of its own (dist/commands/import.cjs); the prompt it asks with
  // is loaded from dist/vendor/ when the question comes.
  it('import asks for the passphrase of an encrypted key.pem, masked, and writes every file', () => {
    const issued = issueSandboxCertificate({ now });
    const cer = join(scratch.path, 'aps.cer');
    writeFileSync(cer, issued.der);
    const key = join(scratch.path, 'key.pem');
    const secret = 'opens key.pem 4';
    writeFileSync(
      key,
      issued.key.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: secret,
      }),
    );
    const out = join(scratch.path, 'imported');
    const result = drive(
      ['import', cer, '--key', key, '--out', out],
      [{ expect: '[Pp]assphrase', send: `${secret}\r` }],
    );
    expect(result.error).toBeUndefined();
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).not.toContain(secret);
    expect(readFileSync(join(out, 'ck.pem'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
  });
});

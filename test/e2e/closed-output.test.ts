/**
 * Output that cannot be written. The reader of stdout goes away (`apns-setup check certs/ |
 * head -1`): the process ends as SIGPIPE ends a C program, quietly, with the status a shell
 * shows for it (141); it used to end with Node's stack trace for an unhandled EPIPE. A write
 * that fails otherwise (a full disk, here /dev/full) is said in one line, exit 1; it used to
 * be lost without a word, exit 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, scratchDir } from '../helpers/cli.js';
import { runInPty, type PtyRun } from '../helpers/pty.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const scratch = scratchDir('apns-setup-closed-output-');
afterAll(() => scratch.remove());

// This file's clock is the real one: the certificate is read by the built CLI.
const certificate = join(scratch.path, 'aps.cer');
writeFileSync(certificate, issueSandboxCertificate({ now: new Date() }).der);

const commandLines = [
  ['--version'],
  ['--help'],
  ['inspect', certificate],
  ['inspect', certificate, '--json'],
  ['check', certificate, '--days', '30'],
];

/** Runs the CLI with `stdout` as its standard output; its exit code and what it said on stderr. */
function run(
  args: string[],
  stdout: 'closed' | number,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ['ignore', stdout === 'closed' ? 'pipe' : stdout, 'pipe'],
    env: { ...process.env, NO_COLOR: '1', APNS_SETUP_PASSPHRASE: undefined },
  });
  // Closed before the child has started: its first write finds no reader.
  if (stdout === 'closed') child.stdout!.destroy();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('stdout closed by its reader', () => {
  it.each(commandLines)('%s … ends quietly with 141, as SIGPIPE would', async (...args) => {
    const result = await run(args, 'closed');
    expect(result).toEqual({ code: 141, stderr: '' });
  });
});

describe.skipIf(!existsSync('/dev/full'))('stdout that refuses the write (/dev/full)', () => {
  it.each(commandLines)('%s … says so in one line, exit 1', async (...args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = await run(args, full);
      expect(result).toEqual({
        code: 1,
        stderr: 'Error: writing the output failed: no space left on device (ENOSPC).\n',
      });
    } finally {
      closeSync(full);
    }
  });
});

describe.skipIf(!existsSync('/dev/full'))('the same, with stderr on a terminal', () => {
  /** `--version > /dev/full` in a pseudo-terminal: what the terminal showed, and the exit code. */
  function inTerminal(env: Record<string, string | null>): PtyRun {
    return runInPty({
      argv: ['sh', '-c', 'exec "$0" "$1" --version > /dev/full', process.execPath, cliPath],
      env: { TERM: 'xterm', NO_COLOR: null, ...env },
      steps: [],
      timeout: 30,
    });
  }

  it('marks Error: in red, as every other error is', () => {
    const result = inTerminal({});
    expect(result.exitCode).toBe(1);
    expect(result.output.trim()).toBe(
      '\u001b[31mError:\u001b[39m writing the output failed: no space left on device (ENOSPC).',
    );
  });

  it('keeps it plain under NO_COLOR', () => {
    const result = inTerminal({ NO_COLOR: '1' });
    expect(result.exitCode).toBe(1);
    expect(result.output.trim()).toBe(
      'Error: writing the output failed: no space left on device (ENOSPC).',
    );
  });
});

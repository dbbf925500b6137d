/**
 * Runs the real `openssl` CLI for interop tests: arguments, optional stdin, and what it said.
 * Tests only — apns-setup itself never needs OpenSSL at run time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface OpensslResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function openssl(args: string[], stdin?: string | Buffer): Promise<OpensslResult> {
  const result = await execa('openssl', args, {
    input: stdin ?? '',
    reject: false,
    encoding: 'utf8',
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Like openssl() but throws with its stderr when it fails: for setup steps. */
export async function opensslOk(args: string[], stdin?: string | Buffer): Promise<OpensslResult> {
  const result = await openssl(args, stdin);
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  }
  return result;
}

function detectOpenssl3(): boolean {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return probe.status === 0 && /^OpenSSL 3\./.test(probe.stdout);
}

/** Whether an OpenSSL 3 CLI is on PATH (interop tests skip without one). */
export const hasOpenssl3 = detectOpenssl3();

if (!hasOpenssl3) console.warn('OpenSSL 3 CLI not found: the openssl interop tests are skipped.');

/** A fresh temporary folder, and a function that removes it. */
export function tempDir(prefix = 'apns-setup-test-'): {
  dir: string;
  path: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

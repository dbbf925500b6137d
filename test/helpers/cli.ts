/** Runs the built CLI (dist/cli.cjs, the bin) as a user would: a child process with no TTY. */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export const cliPath = join(repoRoot, 'dist', 'cli.cjs');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    APNS_SETUP_PASSPHRASE: undefined,
    NO_COLOR: '1',
    ...options.env,
  };
  const result = await execa('node', [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    extendEnv: false,
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A scratch folder removed after the test file. */
export function scratchDir(prefix = 'apns-setup-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** What every failure must look like: one or two lines, no stack trace. */
export function expectCleanFailure(result: CliResult): void {
  if (result.exitCode === 0) throw new Error(`expected a failure, got exit 0: ${result.stdout}`);
  const lines = result.stderr.trim().split('\n');
  if (lines.length > 3)
    throw new Error(`expected at most 3 lines on stderr, got:\n${result.stderr}`);
  if (/^\s+at /m.test(result.stderr)) throw new Error(`stack trace on stderr:\n${result.stderr}`);
}

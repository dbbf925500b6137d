/**
 * A command run in a real pseudo-terminal by test/helpers/pty-drive.py, which answers its
 * prompts as a person would: what the terminal showed, and how the command ended.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export interface PtySpec {
  argv: string[];
  /** Added to the test's environment; null removes a variable. */
  env?: Record<string, string | null>;
  /** Each waits for `expect` (a regex) on the screen, then types `send`. */
  steps?: { expect: string; send: string }[];
  /** The terminal's size; without it the terminal has none (0×0). */
  columns?: number;
  rows?: number;
  /** Seconds before the command is killed (30 when not given). */
  timeout?: number;
}

export interface PtyRun {
  exitCode: number | null;
  /** Everything the terminal showed, escape sequences included. */
  output: string;
  /** Set when a step's text never appeared, or the timeout ran out. */
  error?: string;
}

export function runInPty(spec: PtySpec): PtyRun {
  const out = execFileSync(
    'python3',
    [join(repoRoot, 'test/helpers/pty-drive.py'), JSON.stringify(spec)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as PtyRun;
}

/**
 * `apns-setup sandbox` as a user runs it: the built CLI in a child process, its stdout read
 * line by line as it comes, stopped with a signal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { cliPath } from './cli.js';
import { repoRoot } from './fixtures.js';

export interface SandboxProcess {
  child: ChildProcess;
  /** The next stdout line (waits for it). */
  nextLine(timeoutMs?: number): Promise<string>;
  stderr(): string;
  /** Stdout lines received and not yet taken by nextLine(). */
  unreadLines(): string[];
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number | null; signal: string | null }>;
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

export function spawnSandbox(args: string[], options: { cwd?: string } = {}): SandboxProcess {
  const child = spawn('node', [cliPath, 'sandbox', ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (exitCode, signal) => resolve({ exitCode, signal })),
  );
  return {
    child,
    nextLine: (timeoutMs = 15_000) => {
      const ready = lines.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no stdout line within ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`the sandbox exited; stderr: ${stderr}`));
        });
      });
    },
    stderr: () => stderr,
    unreadLines: () => [...lines],
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    exited,
  };
}

export const hasCurl = spawnSync('curl', ['--version']).status === 0;

export interface CurlResult {
  exitCode: number;
  status: number | null;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

/** curl, a client nobody here wrote: `-i` output split into status, headers and body. */
export async function curl(args: string[]): Promise<CurlResult> {
  const result = await execa('curl', ['-sS', '-i', ...args], { reject: false });
  const [head = '', ...rest] = result.stdout.split(/\r?\n\r?\n/);
  const [statusLine = '', ...headerLines] = head.split(/\r?\n/);
  const status = /^HTTP\/\S+ (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    exitCode: result.exitCode ?? -1,
    status: status ? Number(status[1]) : null,
    headers,
    body: status ? rest.join('\n\n') : '',
    stderr: result.stderr,
  };
}

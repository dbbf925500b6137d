/**
 * A run stopped while it writes: by SIGINT or SIGTERM (Ctrl-C, `kill`, a CI job cancelled), or
 * by SIGKILL. It used to leave hidden temporary files holding the unencrypted key until a later
 * run removed them, and a publish cut short left part of a set that only --force could finish.
 * Each case runs a child process writing through writeOutputFiles (this source, bundled by
 * esbuild), paused at a chosen step, and stops it there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  isJournalFileName,
  isTemporaryFileName,
  writeOutputFiles,
  type OutputFile,
} from '../../src/adapters/output-files.js';

const NAMES = ['key.pem', 'key.unencrypted.pem', 'ck.pem', 'cert.pem', 'apns.p12'];
const runOf = (tag: string): OutputFile[] =>
  NAMES.map((name) => ({
    name,
    contents: `${name} from run ${tag}: -----BEGIN PRIVATE KEY-----\n`,
    secret: name !== 'cert.pem',
  }));
const now = new Date();

let work: string;
let script: string;
let out: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'apns-setup-interrupted-'));
  const entry = join(work, 'entry.ts');
  const src = (path: string) =>
    fileURLToPath(new URL(`../../src/adapters/${path}`, import.meta.url));
  await writeFile(
    entry,
    [
      `export * from ${JSON.stringify(src('output-files.ts'))};`,
      `export * from ${JSON.stringify(src('stop-signal.ts'))};`,
      `export * from ${JSON.stringify(src('direct-file-system.ts'))};\n`,
    ].join('\n'),
  );
  const bundle = join(work, 'bundle.mjs');
  const esbuild = fileURLToPath(new URL('../../node_modules/.bin/esbuild', import.meta.url));
  spawnSync(esbuild, [entry, '--bundle', '--platform=node', '--format=esm', `--outfile=${bundle}`]);
  expect(existsSync(bundle)).toBe(true);
  script = join(work, 'writer.mjs');
  // argv: folder, where to pause ('temp:N' before the Nth temporary file is created, 'opened:N'
  // once it is created but before its open returns, 'publish:N' at the Nth link that publishes
  // a file), run tag, 'listen' to act as a command
  // that listens for stop signals (demo, sandbox), or 'exit' to exit at the pause.
  await writeFile(
    script,
    `import { directFileSystem as fs, listenForStopSignal, writeOutputFiles } from ${JSON.stringify(pathToFileURL(bundle).href)};
const [dir, pauseAt, tag, listen] = process.argv.slice(2);
const [step, nth] = pauseAt.split(':');
const names = ${JSON.stringify(NAMES)};
const counts = { temp: 0, opened: 0, publish: 0 };
const pause = () => {
  // As the bin does when its output is closed under it (cli.ts): the process exits there.
  if (listen === 'exit') process.exit(141);
  process.stdout.write('paused\\n');
  return new Promise(() => setInterval(() => undefined, 1000));
};
// The bin's own file system, paused where asked. Its calls run in place, as the bin's do: a
// call left running on the thread pool could create a file after an exit had removed it.
const fileSystem = {
  ...fs,
  open: async (path, flags, mode) => {
    const temporary = String(path).includes('.apns-setup-tmp-') && flags === 'wx';
    if (temporary && step === 'temp' && ++counts.temp === Number(nth)) await pause();
    const handle = await fs.open(path, flags, mode);
    if (temporary && step === 'opened' && ++counts.opened === Number(nth)) await pause();
    return handle;
  },
  link: async (from, to) => {
    if (!String(to).includes('.bak-') && step === 'publish' && ++counts.publish === Number(nth)) await pause();
    return fs.link(from, to);
  },
};
if (listen === 'listen') {
  const stop = listenForStopSignal();
  stop.signal.then((signal) => { console.log('stopped by ' + signal); process.exit(0); });
}
const files = names.map((name) => ({ name, contents: name + ' from run ' + tag + ': -----BEGIN PRIVATE KEY-----\\n', secret: name !== 'cert.pem' }));
await writeOutputFiles(dir, files, { force: false, now: new Date(), fileSystem });
console.log('finished');
`,
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
beforeEach(async () => {
  out = await mkdtemp(join(work, 'out-'));
});

function start(pauseAt: string, tag: string, mode: 'listen' | 'exit' | null = null): ChildProcess {
  return spawn(process.execPath, [script, out, pauseAt, tag, ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function untilPaused(child: ChildProcess): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('paused')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before pausing`)));
  });
}

function ended(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

async function stopAt(
  pauseAt: string,
  signal: NodeJS.Signals,
  tag = 'A',
): Promise<{ code: number | null; signal: string | null }> {
  const child = start(pauseAt, tag);
  const exit = ended(child);
  await untilPaused(child);
  child.kill(signal);
  return exit;
}

async function contentsOf(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort())
    result[name] = await readFile(join(dir, name), 'utf8');
  return result;
}

const completeSet = (tag: string) =>
  Object.fromEntries(
    runOf(tag)
      .map((file): [string, string] => [file.name, file.contents as string])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

describe.skipIf(process.platform === 'win32')('a write stopped by a signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s while the temporary files are written: none is left, and the process ends by the signal',
    async (signal) => {
      const result = await stopAt('temp:3', signal);
      expect(result.signal).toBe(signal);
      // Two temporary files, one with the unencrypted key, were on disk when it stopped.
      expect(await readdir(out)).toEqual([]);
      await writeOutputFiles(out, runOf('B'), { force: false, now });
      expect(await contentsOf(out)).toEqual(completeSet('B'));
    },
  );

  it('an exit while the temporary files are written (output closed under the bin): none is left', async () => {
    const child = start('temp:3', 'A', 'exit');
    const result = await ended(child);
    expect(result.code).toBe(141);
    // Two temporary files, one with the unencrypted key, were on disk when it exited.
    expect(await readdir(out)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s once a temporary file is created but before its open has returned: it is not left either',
    async (signal) => {
      // The open ran on Node's thread pool: the file is on disk before the code that opened it
      // hears so. A signal in between used to leave it, the unencrypted key perhaps.
      const result = await stopAt('opened:2', signal);
      expect(result.signal).toBe(signal);
      expect(await readdir(out)).toEqual([]);
    },
  );

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s in the middle of publishing: no temporary file is left, and a re-run without --force finishes the set',
    async (signal) => {
      const result = await stopAt('publish:3', signal);
      expect(result.signal).toBe(signal);
      const left = await readdir(out);
      expect(left.filter(isTemporaryFileName)).toEqual([]);
      // Two files were published; the journal says they are that run's, with no content.
      expect(left.filter((name) => !isJournalFileName(name)).sort()).toEqual([
        'key.pem',
        'key.unencrypted.pem',
      ]);
      const [journal] = left.filter(isJournalFileName);
      expect(await readFile(join(out, journal!), 'utf8')).not.toContain('PRIVATE KEY');

      const written = await writeOutputFiles(out, runOf('B'), { force: false, now });
      expect(written.map((file) => file.backupPath)).toEqual(NAMES.map(() => null));
      expect(await contentsOf(out)).toEqual(completeSet('B'));
    },
  );

  it('SIGKILL in the middle of publishing: a re-run without --force finishes the set and removes what the killed run left', async () => {
    const result = await stopAt('publish:2', 'SIGKILL');
    expect(result.signal).toBe('SIGKILL');
    // Nothing can clean up after SIGKILL: its temporary files are still there.
    expect((await readdir(out)).filter(isTemporaryFileName).length).toBeGreaterThan(0);
    await writeOutputFiles(out, runOf('B'), { force: false, now });
    expect(await contentsOf(out)).toEqual(completeSet('B'));
  });

  it('a file of the stopped run that was changed since is the user’s: --force is needed', async () => {
    await stopAt('publish:3', 'SIGINT');
    await writeFile(join(out, 'key.pem'), 'edited by hand');
    const error: unknown = await writeOutputFiles(out, runOf('B'), { force: false, now }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'FILE_EXISTS',
      message: `${join(out, 'key.pem')} already exists`,
    });
    // key.unencrypted.pem is still recognised as the stopped run's.
    await writeOutputFiles(out, runOf('B'), { force: true, now });
    expect((await readdir(out)).filter((name) => name.includes('.bak-'))).toEqual([
      expect.stringMatching(/^key\.pem\.bak-/),
    ]);
  });

  it('the journal of a run that is still alive proves nothing: its files are not taken', async () => {
    await writeFile(join(out, 'key.pem'), 'key.pem from run A: -----BEGIN PRIVATE KEY-----\n');
    // A journal under the pid of a live process (the one that runs this test file's runner).
    await writeFile(
      join(out, `.apns-setup-journal-${process.ppid}-abc123`),
      JSON.stringify({ files: { 'key.pem': 'ignored' } }),
    );
    const error: unknown = await writeOutputFiles(out, runOf('B'), { force: false, now }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'FILE_EXISTS' });
  });

  it('a command that listens for stop signals gets the signal, after the temporary files are removed', async () => {
    const child = start('publish:2', 'A', 'listen');
    const exit = ended(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await untilPaused(child);
    child.kill('SIGINT');
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(output).toContain('stopped by SIGINT');
    expect((await readdir(out)).filter(isTemporaryFileName)).toEqual([]);
  });
});

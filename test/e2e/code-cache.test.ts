/**
 * The code cache of the commands in a file of their own (src/command-file.ts), seen from the
 * outside: which files the built CLI keeps, with which modes, when it keeps none, and that a run
 * from kept code prints what a run without it prints. Whether V8 took the code shows in what
 * the run does with the file: code V8 refuses is replaced after the run, code it took is left
 * as it was. (How much time it saves is `npm run bench`'s to say.)
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheFolder } from '../../src/command-file.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { runCli, scratchDir, type CliResult } from '../helpers/cli.js';
import { realWorldPath } from '../helpers/fixtures.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

const certificate = realWorldPath('fastlane__fastlane/aps_development.cer');
const node = `${process.version}-${process.arch}`;
const keptName = new RegExp(
  `^inspect\\.[0-9a-f]{32}\\.${node.replace(/\./g, '\\.')}\\.crc32\\.v8$`,
);

let homes = 0;
/** A cache home of its own for one test, and the folder the CLI keeps its code in there. */
function cacheHome(): { home: string; folder: string } {
  const home = join(scratch.path, `cache-${++homes}`);
  mkdirSync(home);
  return { home, folder: join(home, 'apns-setup', 'code-cache') };
}

/** The report without its count of days, which a run after midnight would change. */
const report = (result: CliResult): string => result.stdout.replace(/\d+ days/g, 'N days');

function inspect(home: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['inspect', certificate], { env: { XDG_CACHE_HOME: home, ...env } });
}

function kept(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

describe('the code cache of a command in a file of its own', () => {
  it('a run that worked keeps its compiled code, in a folder that is the user’s alone; the next runs use it and print the same', async () => {
    const { home, folder } = cacheHome();
    const uncached = await inspect(home, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(uncached.exitCode).toBe(0);
    expect(kept(folder)).toEqual([]);

    const first = await inspect(home);
    expect(first.exitCode).toBe(0);
    expect(report(first)).toBe(report(uncached));
    const names = kept(folder);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(keptName);
    const file = join(folder, names[0]!);
    if (process.platform !== 'win32') {
      expect(statSync(folder).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'apns-setup')).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const before = statSync(file);
    expect(before.size).toBeGreaterThan(10_000);

    for (let run = 0; run < 2; run++) {
      const again = await inspect(home);
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toBe(first.stderr);
      expect(report(again)).toBe(report(first));
    }
    const after = statSync(file);
    expect([after.ino, after.mtimeMs, after.size]).toEqual([
      before.ino,
      before.mtimeMs,
      before.size,
    ]);
    expect(kept(folder)).toEqual(names);
  });

  it('convert, which compiles the key derivation’s WebAssembly mid-run, keeps code its next runs take', async () => {
    // The compile runs with one V8 flag changed (adapters/wasm-tiering.ts), put back at once:
    // kept under other flags, the code would be refused, and written again, by every next run.
    const { home, folder } = cacheHome();
    const p12 = join(scratch.path, 'wasm.p12');
    writeFileSync(
      p12,
      writePkcs12({
        key: testKey('leaf'),
        certificates: [
          issueSandboxCertificate({ now: new Date(), bundleId: 'com.example.cache' }).der,
        ],
        passphrase: 'cache pass',
        profile: 'compatible',
      }),
    );
    const convert = (n: number) =>
      runCli(['convert', p12, '--out', join(scratch.path, `wasm-out-${n}`)], {
        env: { XDG_CACHE_HOME: home, APNS_SETUP_PASSPHRASE: 'cache pass' },
      });
    expect((await convert(1)).exitCode).toBe(0);
    const names = kept(folder);
    expect(names).toHaveLength(1);
    const file = join(folder, names[0]!);
    const before = statSync(file);
    for (const n of [2, 3]) expect((await convert(n)).exitCode).toBe(0);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it.each([
    ['not V8’s at all', (file: string) => writeFileSync(file, Buffer.alloc(4096, 0x5a))],
    [
      'cut short, as a run that stopped mid-write would leave it',
      (file: string) => {
        truncateSync(file, Math.floor(statSync(file).size / 2));
      },
    ],
    [
      // V8 checks the header and the length, not what follows: this one only the seal catches.
      'damaged inside, every byte of its second half inverted',
      (file: string) => {
        const bytes = readFileSync(file);
        for (let i = bytes.length >> 1; i < bytes.length; i++) bytes[i] = ~bytes[i]! & 0xff;
        writeFileSync(file, bytes);
      },
    ],
    [
      'damaged inside by one bit, in the middle',
      (file: string) => {
        const bytes = readFileSync(file);
        const middle = bytes.length >> 1;
        bytes[middle] = bytes[middle]! ^ 0x01;
        writeFileSync(file, bytes);
      },
    ],
  ])(
    'a cache file that is %s is not run: the file is compiled anew, and replaced by good code after the run',
    async (_, spoil) => {
      const { home, folder } = cacheHome();
      const first = await inspect(home);
      const [name] = kept(folder);
      const file = join(folder, name!);
      const good = readFileSync(file);
      spoil(file);
      const spoilt = readFileSync(file);

      const again = await inspect(home);
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toBe('');
      expect(report(again)).toBe(report(first));
      expect(kept(folder)).toEqual([name]);
      const replaced = readFileSync(file);
      expect(replaced.equals(spoilt)).toBe(false);
      expect(replaced.length).toBeGreaterThan(good.length / 2);

      // …and the code that replaced it is taken: the next run leaves it as it is.
      const before = statSync(file);
      expect((await inspect(home)).exitCode).toBe(0);
      expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    },
  );

  it('a run that did its work and reported a failure keeps its code: check of an expired certificate (exit 3)', async () => {
    const { home, folder } = cacheHome();
    const result = await runCli(['check', certificate], { env: { XDG_CACHE_HOME: home } });
    expect(result.exitCode).toBe(3);
    expect(kept(folder)).toEqual([expect.stringMatching(/^check\.[0-9a-f]{32}\./)]);
  });

  it('a run refused for its input keeps nothing (it compiled too little to be worth keeping)', async () => {
    const { home, folder } = cacheHome();
    const result = await runCli(['inspect', join(scratch.path, 'no-such.cer')], {
      env: { XDG_CACHE_HOME: home },
    });
    expect(result.exitCode).toBe(2);
    expect(kept(folder)).toEqual([]);
  });

  it('NODE_DISABLE_COMPILE_CACHE=1, the switch of Node’s own compile cache, keeps nothing and makes no folder', async () => {
    const { home } = cacheHome();
    expect((await inspect(home, { NODE_DISABLE_COMPILE_CACHE: '1' })).exitCode).toBe(0);
    expect(readdirSync(home)).toEqual([]);
  });

  it.runIf(process.platform !== 'win32')(
    'a folder others may write to, or a link, is neither read nor written: the run compiles its file as usual',
    async () => {
      const open = cacheHome();
      const first = await inspect(open.home);
      const [name] = kept(open.folder);
      // Code someone else could have put there: V8 would run it.
      const planted = Buffer.alloc(4096, 0x41);
      writeFileSync(join(open.folder, name!), planted);
      chmodSync(open.folder, 0o777);
      const result = await inspect(open.home);
      expect(result.exitCode).toBe(0);
      expect(report(result)).toBe(report(first));
      expect(kept(open.folder)).toEqual([name]);
      expect(readFileSync(join(open.folder, name!)).equals(planted)).toBe(true);

      const linked = cacheHome();
      mkdirSync(join(linked.home, 'apns-setup'));
      const elsewhere = join(linked.home, 'elsewhere');
      mkdirSync(elsewhere, { mode: 0o700 });
      symlinkSync(elsewhere, linked.folder);
      expect((await inspect(linked.home)).exitCode).toBe(0);
      expect(readdirSync(elsewhere)).toEqual([]);
    },
  );

  it('keeps the newest four files of a command (two versions or two Nodes used in turn keep theirs); older ones go when a new one is kept', async () => {
    const { home, folder } = cacheHome();
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const earlier = (n: number): string => `inspect.${String(n).repeat(32)}.${node}.v8`;
    const otherNode = `inspect.${'5'.repeat(32)}.v18.0.0-${process.arch}.v8`;
    const otherCommand = `check.${'0'.repeat(32)}.${node}.v8`;
    // Oldest first: earlier(1) a day before earlier(2), and so on; the other command oldest.
    const names = [otherCommand, earlier(1), earlier(2), otherNode, earlier(3)];
    const day = 24 * 60 * 60;
    names.forEach((name, index) => {
      writeFileSync(join(folder, name), 'old', { mode: 0o600 });
      const time = Date.now() / 1000 - (names.length - index) * day;
      utimesSync(join(folder, name), time, time);
    });
    expect((await inspect(home)).exitCode).toBe(0);
    const left = readdirSync(folder);
    const inspects = left.filter((name) => name.startsWith('inspect.'));
    expect(inspects).toHaveLength(4);
    expect(left).not.toContain(earlier(1));
    for (const name of [earlier(2), otherNode, earlier(3), otherCommand])
      expect(left).toContain(name);
    expect(inspects.filter((name) => keptName.test(name) && !names.includes(name))).toHaveLength(1);
  });

  it('removes the temporary files of a write cut short (a minute old), not one being written', async () => {
    const { home, folder } = cacheHome();
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const abandoned = `inspect.${'1'.repeat(32)}.${node}.v8.4242.tmp`;
    const fresh = `inspect.${'2'.repeat(32)}.${node}.v8.4343.tmp`;
    const otherCommand = `check.${'3'.repeat(32)}.${node}.v8.4444.tmp`;
    for (const name of [abandoned, fresh, otherCommand]) {
      writeFileSync(join(folder, name), 'half', { mode: 0o600 });
    }
    // Times on this process's clock, which the CLI shares (under faketime too); a file's own
    // mtime would be the kernel's.
    const now = Date.now() / 1000;
    utimesSync(join(folder, fresh), now, now);
    utimesSync(join(folder, abandoned), now - 3600, now - 3600);
    utimesSync(join(folder, otherCommand), now - 3600, now - 3600);
    expect((await inspect(home)).exitCode).toBe(0);
    const left = readdirSync(folder);
    expect(left).not.toContain(abandoned);
    expect(left).toContain(fresh);
    expect(left).toContain(otherCommand);
  });
});

describe('where the code cache is kept', () => {
  it.each([
    ['linux', { XDG_CACHE_HOME: '/xdg' }, '/home/u', '/xdg/apns-setup/code-cache'],
    ['linux', {}, '/home/u', '/home/u/.cache/apns-setup/code-cache'],
    ['linux', { XDG_CACHE_HOME: 'relative' }, '/home/u', '/home/u/.cache/apns-setup/code-cache'],
    ['darwin', {}, '/Users/u', '/Users/u/Library/Caches/apns-setup/code-cache'],
    ['darwin', { XDG_CACHE_HOME: '/xdg' }, '/Users/u', '/xdg/apns-setup/code-cache'],
    ['linux', {}, '', null],
    ['linux', {}, 'relative-home', null],
  ] as const)('%s, %o, home %s: %s', (platform, env, home, folder) => {
    expect(codeCacheFolder(env, platform, home)).toBe(folder);
  });

  it.each([
    [
      { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' },
      'C:\\Users\\u\\AppData\\Local\\apns-setup\\code-cache',
    ],
    [{ XDG_CACHE_HOME: 'D:\\cache' }, 'D:\\cache\\apns-setup\\code-cache'],
    [{}, null],
  ] as const)('Windows, %o: %s', (env, folder) => {
    expect(codeCacheFolder(env, 'win32', '')).toBe(folder);
  });
});

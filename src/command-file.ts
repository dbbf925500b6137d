/**
 * A command's own file (dist/commands/NAME.cjs), loaded as require() loads it, but compiled
 * from V8's code cache: the code an earlier run of the same file compiled, kept in the user's
 * cache folder (`~/.cache/apns-setup/code-cache`; `~/Library/Caches/…` on macOS,
 * `%LOCALAPPDATA%\…` on Windows; under `$XDG_CACHE_HOME` when that is set).
 *
 * Compiling the file (200–340 KB) is the largest part of a command's start-up that is ours, and
 * Node 20 keeps no compiled code between runs (module.enableCompileCache is Node 22's). The
 * code is kept after a run that went through (the bin says which), so that it holds every
 * function that run compiled, not only the file's top level; a run refused early would keep
 * little.
 *
 * What keeps it safe:
 * - V8 runs what the cache holds, so only a folder that is the user's alone is used: a real
 *   folder (no link), owned by this user, that no one else can write; else nothing is cached.
 * - V8 checks its version, its flags and the length of the source, not the source: the name of
 *   a cache file holds the digest the build took of the command's file, so code never meets
 *   another build.
 * - It is written under a temporary name and renamed, so a run beside it never reads half a
 *   file, and sealed with a checksum, so a file damaged inside is never run (V8 checks only
 *   its header); what is refused is compiled as usual, and replaced after the run.
 * - It holds code alone: nothing the run read or computed (no key, no passphrase).
 * - `NODE_DISABLE_COMPILE_CACHE=1`, the switch of Node's own compile cache, turns it off.
 * No failure of the cache fails the command: without it the file is compiled, as before.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, posix, win32 } from 'node:path';
import type * as nodeModule from 'node:module';
import type * as vm from 'node:vm';

/** A command's file, run. */
export interface CommandFile {
  /** What it exports. */
  readonly exports: unknown;
  /** Keeps the code this run compiled for the next runs, where no cache was there to use. */
  keepCompiledCode(): void;
}

/**
 * The folder that holds the code cache, or null where there is no home to put it in. Paths
 * follow `platform`'s rules, so that each platform's answer can be checked on any.
 */
export function codeCacheFolder(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  home: string,
): string | null {
  const paths = platform === 'win32' ? win32 : posix;
  const root = cacheRoot(env, platform, home, paths);
  return root === null ? null : paths.join(root, 'apns-setup', 'code-cache');
}

/** The user's cache folder, as each platform's conventions place it. */
function cacheRoot(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  home: string,
  paths: typeof posix,
): string | null {
  const { XDG_CACHE_HOME: xdg, LOCALAPPDATA: localAppData } = env;
  if (xdg !== undefined && paths.isAbsolute(xdg)) return xdg;
  if (platform === 'win32') {
    return localAppData !== undefined && paths.isAbsolute(localAppData) ? localAppData : null;
  }
  if (!paths.isAbsolute(home)) return null;
  return platform === 'darwin' ? paths.join(home, 'Library', 'Caches') : paths.join(home, '.cache');
}

/**
 * The folder, made if missing, when it is this user's alone: a folder, not a link, owned by
 * this user and writable by no one else (where the system has owners and modes).
 */
function privateFolder(folder: string): string | null {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stat = lstatSync(folder);
    if (!stat.isDirectory()) return null;
    if (process.platform === 'win32') return folder;
    if (stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return null;
    return folder;
  } catch {
    return null;
  }
}

/** Where the compiled code of a command's `source` is kept, for this Node. */
interface CacheFile {
  path: string;
  /** Whether a file of the folder is one of this command's, of any build and any Node. */
  sameCommand(name: string): boolean;
  /** Whether it is one of this command's temporary files (a write cut short leaves one). */
  temporaryOfCommand(name: string): boolean;
}

/** A write takes milliseconds: a temporary file older than this belongs to no running one. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * How many files of one command are kept, the newest: enough for two versions of apns-setup
 * used in turn (a global install and npx, two projects) or two Nodes, each keeping its own,
 * and a bound on what upgrades leave behind.
 */
const KEPT_PER_COMMAND = 4;

function cacheFileOf(folder: string, file: string, digest: string): CacheFile {
  const command = `${basename(file, '.cjs')}.`;
  return {
    path: join(folder, `${command}${digest}.${process.version}-${process.arch}.${SEAL_NAME}.v8`),
    sameCommand: (name) => name.startsWith(command) && name.endsWith('.v8'),
    temporaryOfCommand: (name) => name.startsWith(command) && name.endsWith('.tmp'),
  };
}

/**
 * A cache file is the CRC-32 of V8's data, then that data. V8 checks the data's header (its
 * version, flags, length), but a release build does not check the rest: a file damaged inside
 * would be run, and could crash every run until deleted. So what does not match its checksum
 * is not given to V8, and is replaced after the run, as a missing one would be.
 *
 * A checksum, not a cryptographic digest: it is there for damage (a disk, a copy cut short),
 * which CRC-32 finds for certain in any burst of up to 32 bits, and else misses once in four
 * billion. Against someone who can write the file no digest helps, as they would write its
 * digest too: privateFolder is what keeps them out. SHA-256, used before, cost 28 instructions
 * a byte, 8 million of a push's start-up (300 KB); zlib's CRC-32 takes 1 million, and loading
 * node:zlib 2.5 million more.
 */
const SEAL_BYTES = 4;

/**
 * How the files are sealed, in their names: a file that an earlier build sealed with SHA-256
 * is another file, not one that two installs used in turn would each refuse and rewrite.
 */
const SEAL_NAME = 'crc32';

function crc32(data: Uint8Array): number {
  return process.getBuiltinModule('node:zlib').crc32(data);
}

function sealed(data: Buffer): Buffer {
  const seal = Buffer.alloc(SEAL_BYTES);
  seal.writeUInt32BE(crc32(data));
  return Buffer.concat([seal, data]);
}

/** V8's data in a cache file, when the file is whole; undefined when missing or damaged. */
function unsealedOrNothing(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= SEAL_BYTES) return undefined;
  const data = bytes.subarray(SEAL_BYTES);
  return crc32(data) === bytes.readUInt32BE(0) ? data : undefined;
}

/**
 * Writes `data` through a temporary name, then removes the oldest files of the same command
 * beyond KEPT_PER_COMMAND, and its temporary files that a write cut short left. Any failure
 * leaves the folder as it was, or with an old file.
 */
function replaceCacheFile(cache: CacheFile, data: Buffer): void {
  const temporary = `${cache.path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, cache.path);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // it was never written
    }
    return;
  }
  try {
    const folder = dirname(cache.path);
    const files = readdirSync(folder)
      .filter((name) => cache.sameCommand(name) || cache.temporaryOfCommand(name))
      .map((name) => ({
        name,
        path: join(folder, name),
        mtimeMs: lstatSync(join(folder, name)).mtimeMs,
      }));
    const others = files
      .filter((file) => cache.sameCommand(file.name) && file.path !== cache.path)
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    const abandoned = files.filter(
      (file) =>
        cache.temporaryOfCommand(file.name) && Date.now() - file.mtimeMs > ABANDONED_AFTER_MS,
    );
    for (const old of [...others.slice(KEPT_PER_COMMAND - 1), ...abandoned]) unlinkSync(old.path);
  } catch {
    // an old file left behind costs disk, not correctness
  }
}

/** CommonJS's wrapper, as Node's loader puts it around a file: the same lines, the same names. */
type CommonJsBody = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/**
 * Runs `file` as require() would (it is in require's cache afterwards), compiled from the code
 * cache when one is kept for its `digest` and V8 takes it.
 */
export function loadCommandFile(
  file: string,
  digest: string,
  env: NodeJS.ProcessEnv = process.env,
): CommandFile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- --version and help need none
  const { Script } = require('node:vm') as typeof vm;
  // CommonJS's Module class, as the bin's own module was made by it: node:module's exports
  // would load the ES module loader with them (~0.5 ms), which no command here needs.
  const Module = module.constructor as typeof nodeModule.Module;
  const source = readFileSync(file, 'utf8');
  const wanted = env.NODE_DISABLE_COMPILE_CACHE
    ? null
    : codeCacheFolder(env, process.platform, env.HOME ?? '');
  const folder = wanted === null ? null : privateFolder(wanted);
  const cacheFile = folder === null ? null : cacheFileOf(folder, file, digest);
  const cachedData = cacheFile === null ? undefined : unsealedOrNothing(cacheFile.path);

  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const body = script.runInThisContext() as CommonJsBody;
  const commandModule = new Module(file);
  commandModule.filename = file;
  const requireFromFile = Module.createRequire(file);
  requireFromFile.cache[file] = commandModule;
  const exports: unknown = commandModule.exports;
  body.call(exports, exports, requireFromFile, commandModule, file, dirname(file));
  commandModule.loaded = true;

  const taken = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: commandModule.exports,
    keepCompiledCode: () => {
      if (cacheFile === null || taken) return;
      try {
        replaceCacheFile(cacheFile, sealed(script.createCachedData()));
      } catch {
        // no cache this time
      }
    },
  };
}

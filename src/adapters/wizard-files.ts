/**
 * The wizard's files: its state file (written atomically, no secret in it), the .cer a browser
 * drops into Downloads, and the certificates and .p12 files a person keeps nearby.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** ~/Downloads, when it exists. */
export async function downloadsDir(home = homedir()): Promise<string | null> {
  const dir = join(home, 'Downloads');
  try {
    return (await stat(dir)).isDirectory() ? dir : null;
  } catch {
    return null;
  }
}

export function expandHome(path: string, home = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** The time a file system stamped on a file: its own clock, not the process's. */
export async function fileTime(path: string): Promise<Date | null> {
  try {
    return (await stat(path)).mtime;
  } catch {
    return null;
  }
}

/**
 * Resolves with the first .cer in `dir` written after `since` (a browser's finished download:
 * its size has stopped changing), polling until `signal` aborts.
 */
export async function watchForCertificate(
  dir: string,
  since: Date,
  signal: AbortSignal,
  intervalMs = 500,
): Promise<string> {
  const sizes = new Map<string, number>();
  while (!signal.aborted) {
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      // The folder went away or is unreadable for now: keep watching.
    }
    for (const name of names.filter((n) => /\.cer$/i.test(n)).sort()) {
      const path = join(dir, name);
      try {
        const info = await stat(path);
        if (!info.isFile() || info.mtime <= since || info.size === 0) continue;
        if (sizes.get(path) === info.size) return path;
        sizes.set(path, info.size);
      } catch {
        // Gone between readdir and stat (a browser renaming its partial download).
      }
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
  return new Promise<string>(() => undefined);
}

/** Files ending in one of `extensions` in these folders (not recursive), newest first. */
export async function listFiles(dirs: string[], extensions: RegExp): Promise<string[]> {
  const found: { path: string; mtime: number }[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!extensions.test(name) || name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        const info = await stat(path);
        if (info.isFile()) found.push({ path, mtime: info.mtimeMs });
      } catch {
        // Vanished meanwhile.
      }
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.path);
}

/** The folders under `dir`, one level down (where an output folder of the wizard usually is). */
export async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

export async function readTextIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Replaces a small file that holds no secret, atomically (a temporary file, then rename): the
 * state file is always either the old or the new one, even after Ctrl-C.
 */
export async function replaceTextFile(path: string, contents: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, contents, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

export async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Writes a new file (never over an existing one); false when it exists. */
export async function writeNewTextFile(path: string, contents: string): Promise<boolean> {
  await mkdir(join(path, '..'), { recursive: true });
  try {
    await writeFile(path, contents, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * The file system calls output-files.ts makes. Those that do not wait on the disk (open, write
 * into the page cache, stat, link, rename, unlink, readdir) are made in place, synchronously;
 * fsync, which waits on the device, goes to Node's thread pool, so the five temporary files of
 * an import are synced side by side, and the wait a slow disk makes is spent where Ctrl-C is
 * still heard. Made as promises, each a thread-pool round trip, these calls cost `import` more
 * in hops (and in starting the pool's threads at the first) than in work: some 5 ms of its run.
 *
 * Not node:fs/promises: loading it (with readline, the watchers and the rest it loads) costs a
 * command some 2–5 ms, and nothing else `import` or `convert` run needs it. The errors are
 * node:fs's own, the same code, syscall and path as the promise calls give.
 */
import {
  accessSync,
  closeSync,
  fchmodSync,
  fstatSync,
  fsync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type MakeDirectoryOptions,
  type Mode,
  type OpenMode,
  type Stats,
} from 'node:fs';

/** An open file, as output-files uses one: FileHandle's methods of the same names. */
export interface OutputFileHandle {
  chmod(mode: Mode): Promise<void>;
  writeFile(data: string | Uint8Array): Promise<void>;
  readFile(): Promise<Buffer>;
  sync(): Promise<void>;
  stat(): Promise<Stats>;
  close(): Promise<void>;
}

/** What output-files asks of the file system; node:fs/promises is one, and tests make others. */
export interface OutputFileSystem {
  access(path: string, mode?: number): Promise<void>;
  link(existingPath: string, newPath: string): Promise<void>;
  lstat(path: string): Promise<Stats>;
  mkdir(path: string, options: MakeDirectoryOptions & { recursive: true }): Promise<unknown>;
  open(path: string, flags: OpenMode, mode?: Mode): Promise<OutputFileHandle>;
  readdir(path: string): Promise<string[]>;
  rename(oldPath: string, newPath: string): Promise<void>;
  stat(path: string): Promise<Stats>;
  unlink(path: string): Promise<void>;
}

/**
 * A synchronous call's result or error, as a promise (the executor turns a throw into a
 * rejection), so callers cannot tell it from a hop.
 */
function made<T>(call: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(call()));
}

function handleOf(fd: number): OutputFileHandle {
  return {
    chmod: (mode) => made(() => fchmodSync(fd, mode)),
    // With a descriptor, node:fs writes and reads from the file's position, as FileHandle does.
    writeFile: (data) => made(() => writeFileSync(fd, data)),
    readFile: () => made(() => readFileSync(fd)),
    sync: () =>
      new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))),
    stat: () => made(() => fstatSync(fd)),
    close: () => made(() => closeSync(fd)),
  };
}

export const directFileSystem: OutputFileSystem = {
  access: (path, mode) => made(() => accessSync(path, mode)),
  link: (from, to) => made(() => linkSync(from, to)),
  lstat: (path) => made(() => lstatSync(path)),
  mkdir: (path, options) => made(() => mkdirSync(path, options)),
  open: (path, flags, mode) => made(() => handleOf(openSync(path, flags, mode))),
  readdir: (path) => made(() => readdirSync(path)),
  rename: (from, to) => made(() => renameSync(from, to)),
  stat: (path) => made(() => statSync(path)),
  unlink: (path) => made(() => unlinkSync(path)),
};

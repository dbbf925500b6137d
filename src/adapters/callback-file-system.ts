/**
 * The file system calls output-files.ts makes, on node:fs's callbacks rather than
 * node:fs/promises: loading that module (with readline, the watchers and the rest it loads)
 * costs a command some 5 ms, more than writing its five files with their fsyncs, and nothing
 * else `import` or `convert` run needs it. The same calls, the same errors (node:fs's), the same
 * thread pool; a file is an open descriptor with the few methods output-files uses.
 */
import {
  access,
  close,
  fchmod,
  fstat,
  fsync,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
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

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

/** A node:fs call with its callback, as a promise. */
function called<T>(call: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, value) => (error ? reject(error) : resolve(value)));
  });
}

function handleOf(fd: number): OutputFileHandle {
  return {
    chmod: (mode) => called((done) => fchmod(fd, mode, (error) => done(error, undefined))),
    // With a descriptor, node:fs writes and reads from the file's position, as FileHandle does.
    writeFile: (data) => called((done) => writeFile(fd, data, (error) => done(error, undefined))),
    readFile: () => called((done) => readFile(fd, done)),
    sync: () => called((done) => fsync(fd, (error) => done(error, undefined))),
    stat: () => called((done) => fstat(fd, done)),
    close: () => called((done) => close(fd, (error) => done(error, undefined))),
  };
}

export const callbackFileSystem: OutputFileSystem = {
  access: (path, mode) => called((done) => access(path, mode, (error) => done(error, undefined))),
  link: (from, to) => called((done) => link(from, to, (error) => done(error, undefined))),
  lstat: (path) => called((done) => lstat(path, done)),
  mkdir: (path, options) => called((done) => mkdir(path, options, done)),
  open: async (path, flags, mode) =>
    handleOf(await called<number>((done) => open(path, flags, mode, done))),
  readdir: (path) => called((done) => readdir(path, done)),
  rename: (from, to) => called((done) => rename(from, to, (error) => done(error, undefined))),
  stat: (path) => called((done) => stat(path, done)),
  unlink: (path) => called((done) => unlink(path, (error) => done(error, undefined))),
};

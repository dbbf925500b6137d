/**
 * The one place input files are read. Every failure is an InputError whose message starts with
 * the path as the user typed it, so the CLI can print it as is.
 *
 * Only regular files are read. A named pipe opened the ordinary way blocks until something
 * writes to it — `check` in CI would wait forever — so files are opened with O_NONBLOCK (which
 * never blocks, and changes nothing for a regular file) and fstat decides. The passphrase file
 * is the exception: `--passphrase-file <(…)` is how a secret is passed without a file on disk.
 *
 * The file system's promises are fs.promises, not node:fs/promises: the same module, loaded on
 * its first use rather than when a command's file loads, where it costs some 2–5 ms (it loads
 * readline, among others). `inspect` and `check` of a certificate never need it, nor do
 * `import` and `convert`: output files are written with node:fs's own calls
 * (direct-file-system.ts). The other adapters that need promises take fs.promises too.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  promises as fs,
  readSync,
  type Stats,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { InputError } from '../core/errors.js';
import { decodeText } from '../core/pki/text.js';
import { capitalise } from '../core/capitalise.js';

/** Certificates, keys, CSRs and .p12 files are a few KB; anything near 1 MiB is the wrong file. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

/** A passphrase file holds one line (openssl `-passin file:` reads only the first). */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

export interface ReadInputOptions {
  maxBytes?: number;
  /** What the file should be, for hints: "the certificate", "the passphrase file". */
  what?: string;
  /** Read pipes and devices too (`--passphrase-file <(…)`, /dev/stdin), waiting for them. */
  allowStreams?: boolean;
}

/** O_NONBLOCK does not exist on Windows, where opening a pipe by name does not block either. */
const OPEN_WITHOUT_WAITING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export async function readInputFile(path: string, options: ReadInputOptions = {}): Promise<Buffer> {
  const limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES,
    what: options.what ?? 'the file',
  };
  return options.allowStreams ? readFileOrStream(path, limits) : readRegularFile(path, limits);
}

interface Limits {
  maxBytes: number;
  what: string;
}

/**
 * A regular file, read with the file system's calls made in place rather than on Node's thread
 * pool: for a file of a few KB each hop there costs more than the read (some four hops a file,
 * ~1 ms of a command's start-up). Nothing here can wait: O_NONBLOCK opens a pipe without waiting
 * for a writer, and only a regular file, whose size fstat gave, is read.
 */
async function readRegularFile(path: string, limits: Limits): Promise<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, OPEN_WITHOUT_WAITING);
  } catch (error) {
    throw await describeOpenError(path, limits.what, error);
  }
  try {
    const stats = fstatSync(fd);
    refuseUnreadable(path, stats, limits, false);
    // Read to the end, up to one byte past the cap: a file that grew since fstat, or one whose
    // size says 0 though it has content (/proc, some FUSE and network file systems), is
    // measured by what it holds.
    let buffer = Buffer.alloc(Math.min(stats.size, limits.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limits.maxBytes) break;
        const larger = Buffer.alloc(Math.min(2 * length + 4096, limits.maxBytes + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return checkedContent(path, buffer.subarray(0, length), limits);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw await describeOpenError(path, limits.what, error);
  } finally {
    closeSync(fd);
  }
}

/** A regular file, or a pipe or device (`--passphrase-file <(…)`, /dev/stdin), waiting for it. */
async function readFileOrStream(path: string, limits: Limits): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw await describeOpenError(path, limits.what, error);
  }
  try {
    // fstat on the open handle, not stat on the path: the file we measure is the file we read.
    refuseUnreadable(path, await handle.stat(), limits, true);
    // Pipes and devices have no size: read at most one byte past the cap so that a huge stream
    // is refused without being held in memory.
    return checkedContent(path, await readAtMost(handle, limits.maxBytes + 1), limits);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw await describeOpenError(path, limits.what, error);
  } finally {
    await handle.close();
  }
}

/** A folder, a file too large, or (unless streams are read) anything but a regular file. */
function refuseUnreadable(path: string, stats: Stats, limits: Limits, streams: boolean): void {
  if (stats.isDirectory()) throw directoryError(path);
  if (!stats.isFile() && !streams) throw notRegularError(path, limits.what, stats);
  if (stats.isFile() && stats.size > limits.maxBytes) {
    throw tooLargeError(path, stats.size, limits.maxBytes);
  }
}

/** The bytes read, refused when there are more than the cap or none. */
function checkedContent(path: string, bytes: Buffer, limits: Limits): Buffer {
  if (bytes.length > limits.maxBytes) throw tooLargeError(path, null, limits.maxBytes);
  if (bytes.length === 0) {
    throw new InputError('FILE_EMPTY', `${path}: is empty`, {
      hint: `${capitalise(limits.what)} has no content: export or download it again`,
    });
  }
  return bytes;
}

/**
 * The first line of a passphrase file, without its line ending, as `openssl -passin file:` reads
 * it. Its content never goes into an error: only the path and the size do.
 */
export async function readPassphraseFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readInputFile(path, {
      maxBytes: MAX_PASSPHRASE_FILE_BYTES,
      what: 'the passphrase file',
      allowStreams: true,
    });
  } catch (error) {
    // The generic "export or download it again" and "certificates are a few KB" fit a
    // certificate, not a file the user wrote; and callers prefix the file being opened
    // ("key.pem: "), so these name their own path.
    if (error instanceof InputError && error.code === 'FILE_EMPTY') {
      throw new InputError('FILE_EMPTY', `${path} is empty: put the passphrase on its first line`, {
        hint: '--passphrase-file takes a file whose first line is the passphrase',
      });
    }
    if (error instanceof InputError && error.code === 'FILE_TOO_LARGE') {
      throw new InputError(
        'FILE_TOO_LARGE',
        `${path} is too large for a passphrase file, which holds one line`,
        {
          hint: `--passphrase-file takes a file whose first line is the passphrase (at most ${formatSize(MAX_PASSPHRASE_FILE_BYTES)} is read): is this the right file?`,
        },
      );
    }
    throw error;
  }
  // decodeText drops a BOM and turns CRLF into LF: Notepad and PowerShell write both.
  const text = decodeText(bytes);
  const newline = text.indexOf('\n');
  const firstLine = newline === -1 ? text : text.slice(0, newline);
  if (firstLine.startsWith('-----BEGIN ')) {
    throw new InputError(
      'WRONG_KIND',
      `${path}: is a PEM file (a key or certificate), not a passphrase file`,
      {
        hint: '--passphrase-file takes a file whose first line is the passphrase',
      },
    );
  }
  return firstLine;
}

async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, limit - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

/** Why an input could not be opened or read, in one line with what to do. */
export async function describeOpenError(
  path: string,
  what: string,
  error: unknown,
): Promise<unknown> {
  switch (errnoCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      if (await isSymbolicLink(path)) return danglingLinkError(path, what, error);
      return new InputError('FILE_NOT_FOUND', `${path}: no such file`, {
        hint: isAbsolute(path)
          ? `check the path to ${what}`
          : `check the path to ${what} (relative to ${process.cwd()})`,
        cause: error,
      });
    case 'EISDIR':
      return directoryError(path);
    case 'EACCES':
    case 'EPERM':
      return new InputError('FILE_UNREADABLE', `${path}: permission denied`, {
        hint: `make ${what} readable by your user (ls -l shows its owner and mode)`,
        cause: error,
      });
    case 'ELOOP':
      return linkLoopError(path, what, error);
    case 'ENXIO': // a socket: open(2) refuses it
      return new InputError('FILE_UNREADABLE', `${path}: is a socket, not a regular file`, {
        hint: `pass ${what} itself`,
        cause: error,
      });
    default:
      return error;
  }
}

/** Whether `path` is itself a symbolic link (false when it cannot be looked at). */
export async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await fs.lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `ln -s a b; ln -s b a`: the links lead to each other and never to a file. */
export function linkLoopError(path: string, what: string, cause?: unknown): InputError {
  return new InputError('FILE_UNREADABLE', `${path}: is a symbolic link loop`, {
    hint: `the link leads back to itself (ls -l shows where it points): link it to ${what} itself`,
    cause,
  });
}

/** A link whose target was moved or deleted. */
export function danglingLinkError(path: string, what: string, cause?: unknown): InputError {
  return new InputError(
    'FILE_NOT_FOUND',
    `${path}: is a symbolic link to something that does not exist`,
    {
      hint: `ls -l shows where it points: link it to ${what}, or pass the file itself`,
      cause,
    },
  );
}

type FileKind = Pick<Stats, 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>;

/** What a non-regular file is, in words: "a named pipe (FIFO)". */
export function describeFileType(stats: FileKind): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function notRegularError(path: string, what: string, stats: Stats): InputError {
  return new InputError(
    'FILE_UNREADABLE',
    `${path}: is ${describeFileType(stats)}, not a regular file`,
    {
      hint: `pass ${what} itself; apns-setup reads input only from regular files`,
    },
  );
}

export function directoryError(path: string): InputError {
  return new InputError('IS_A_DIRECTORY', `${path}: is a folder, not a file`, {
    hint: 'pass a file inside it (only `check` takes folders)',
  });
}

function tooLargeError(path: string, size: number | null, maxBytes: number): InputError {
  const actual = size === null ? `more than ${formatSize(maxBytes)}` : formatSize(size);
  return new InputError('FILE_TOO_LARGE', `${path}: is ${actual}, too large to read`, {
    hint: `certificates, keys, CSRs and .p12 files are a few KB (at most ${formatSize(maxBytes)} is read): is this the right file?`,
  });
}

/** "512 bytes", "3.2 KiB", "50 MiB": binary units, as `ls -lh` shows them. */
export function formatSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 'bytes';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const rounded = value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${unit}`;
}

/** The errno name ("ENOENT") of a Node system error, for the file adapters' error mapping. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined;
}

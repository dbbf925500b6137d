/**
 * An input file read as a stream of chunks, for inputs that may be far larger than a
 * certificate (a tokens file of a million lines): nothing is held but the chunk being read, and
 * the reading waits for the reader. `-` is stdin. Opening errors read as input-files.ts's.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { InputError } from '../core/errors.js';
import { errnoCode } from './input-files.js';

const CHUNK_BYTES = 64 * 1024;

export async function* streamInputFile(
  path: string,
  stdin: NodeJS.ReadableStream,
  what = 'the file',
): AsyncGenerator<Uint8Array> {
  if (path === '-') {
    for await (const chunk of stdin) {
      yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    }
    return;
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw describeOpenError(path, what, error);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw directoryError(path);
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null));
      } catch (error) {
        throw describeOpenError(path, what, error);
      }
      if (bytesRead === 0) return;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

function describeOpenError(path: string, what: string, error: unknown): unknown {
  switch (errnoCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
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
    default:
      return error;
  }
}

function directoryError(path: string): InputError {
  return new InputError('IS_A_DIRECTORY', `${path}: is a folder, not a file`, {
    hint: 'pass a file inside it (only `check` takes folders)',
  });
}

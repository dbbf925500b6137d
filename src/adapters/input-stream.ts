/**
 * An input file read as a stream of chunks, for inputs that may be far larger than a
 * certificate (a tokens file of a million lines): nothing is held but the chunk being read, and
 * the reading waits for the reader. `-` is stdin. Opening errors read as input-files.ts's.
 */
// fs.promises, loaded on first use: see input-files.ts.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { describeOpenError, directoryError } from './input-files.js';

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
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw await describeOpenError(path, what, error);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw directoryError(path);
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null));
      } catch (error) {
        throw await describeOpenError(path, what, error);
      }
      if (bytesRead === 0) return;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

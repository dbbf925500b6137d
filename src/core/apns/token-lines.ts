/**
 * A tokens file read as it streams in, one chunk at a time: lines come out as soon as they are
 * complete, so 100,000 tokens never sit in memory together. The file may come from a Windows
 * editor or a PowerShell redirect: a UTF-8 or UTF-16 byte-order mark, UTF-16 without one, CRLF.
 */
import { InputError } from '../errors.js';
import { isNormalDeviceToken, normalizeDeviceToken } from './device-token.js';

/** Far longer than any token with its spaces, brackets and comment: a longer line is no list. */
export const MAX_TOKEN_LINE_CHARS = 64 * 1024;

/** Turns chunks of bytes into lines of text, holding at most one unfinished line. */
export class TokenLineSplitter {
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  #head: number[] = [];
  #partial = '';
  #lines = 0;
  readonly #label: string;

  /** `label` names the source in errors: a file name, or `stdin`. */
  constructor(label: string) {
    this.#label = label;
  }

  /** The complete lines this chunk finishes, without their line endings. */
  push(chunk: Uint8Array): string[] {
    if (this.#decoder === null) {
      // The encoding is read from the first four bytes: wait for them.
      const taken = chunk.subarray(0, 4 - this.#head.length);
      this.#head.push(...taken);
      if (this.#head.length < 4) return [];
      return this.#start(Uint8Array.from(this.#head), chunk.subarray(taken.length));
    }
    return this.#split(this.#decoder.decode(chunk, { stream: true }));
  }

  /** The last line, if the input did not end with a line ending. */
  end(): string[] {
    const lines =
      this.#decoder === null
        ? this.#start(Uint8Array.from(this.#head), new Uint8Array(0))
        : this.#split(this.#decoder.decode());
    const last = this.#partial;
    this.#partial = '';
    if (last !== '') {
      this.#lines += 1;
      lines.push(last);
    }
    return lines;
  }

  /** How many lines have come out: the number of the last one. */
  get lineNumber(): number {
    return this.#lines;
  }

  #start(head: Uint8Array, rest: Uint8Array): string[] {
    const encoding = encodingOf(head);
    this.#decoder = new TextDecoder(encoding);
    return [
      ...this.#split(this.#decoder.decode(head, { stream: true })),
      ...this.#split(this.#decoder.decode(rest, { stream: true })),
    ];
  }

  #split(text: string): string[] {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop()!;
    if (this.#partial.length > MAX_TOKEN_LINE_CHARS) {
      throw new InputError(
        'USAGE',
        `${this.#label} line ${this.#lines + parts.length + 1} is longer than ${MAX_TOKEN_LINE_CHARS} characters, far longer than a device token: this is not a list of tokens.`,
        { hint: 'Pass a file with one hex device token a line (comments after # are ignored).' },
      );
    }
    this.#lines += parts.length;
    return parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}

/** TextDecoder drops a byte-order mark by itself; UTF-16 without one is told by its zeros. */
function encodingOf(b: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[3] === 0) return 'utf-16le';
  if (b.length >= 4 && b[0] === 0 && b[1] !== 0 && b[2] === 0) return 'utf-16be';
  return 'utf-8';
}

/**
 * The token on a line of a tokens file, normalised, or null for a blank line or a comment
 * (`#` to the end of the line). A line that holds something else throws, naming the line.
 */
export function tokenOfLine(line: string, label: string, lineNumber: number): string | null {
  if (isNormalDeviceToken(line)) return line;
  const text = line.replace(/#.*$/, '').trim();
  if (text === '') return null;
  try {
    return normalizeDeviceToken(text);
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(error.code, `${label} line ${lineNumber}: ${error.message}`, {
        hint: error.hint,
        cause: error,
      });
    }
    throw error;
  }
}

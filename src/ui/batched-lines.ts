/**
 * Lines for stdout gathered into few writes. A push to 100,000 tokens prints a line per answer;
 * a write each cost more CPU than the HTTP/2 requests themselves. Answers arrive in bursts, so
 * the lines of one turn of the event loop go out together, at its end: a person watching still
 * sees each as its answer arrives, and a pipe reads whole lines.
 */

/** Past this many characters the lines go out at once: memory stays small whatever comes. */
const FLUSH_AT = 64 * 1024;

export class BatchedLines {
  readonly #write: (text: string) => void;
  #lines: string[] = [];
  #size = 0;
  #scheduled = false;

  /** `write` gets whole lines joined by newlines, without the last one's newline. */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  add(lines: readonly string[]): void {
    for (const line of lines) {
      this.#lines.push(line);
      this.#size += line.length + 1;
    }
    if (this.#size >= FLUSH_AT) {
      this.flush();
    } else if (this.#lines.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is held now; before anything else reaches the screen (a summary, an error). */
  flush(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('\n');
    this.#lines = [];
    this.#size = 0;
    this.#write(text);
  }
}

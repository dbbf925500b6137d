/**
 * The one place that writes to the terminal. Data (JSON, tables a script may parse, generated
 * files) goes to stdout; everything said to a person goes to stderr.
 */
import { escapeControlCharacters } from '../core/safe-text.js';
import { renderForTerminal, renderPlain, styleFor, type Style } from './style.js';

export interface Ui {
  /** Machine-readable output: stdout. */
  data(text: string): void;
  /** A line for the person: stderr. */
  say(line: string): void;
  warn(line: string): void;
  success(line: string): void;
  /** The error line(s) of a failed command. */
  fail(message: string, hint?: string | null, debug?: string | null): void;
  readonly style: Style;
  readonly stdoutIsTTY: boolean;
}

export interface UiStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export function createUi({ stdout, stderr, env }: UiStreams): Ui {
  const style = styleFor(Boolean(stderr.isTTY), env);
  // Everything written is escaped here, the one place that writes: text from outside cannot
  // drive the terminal, whichever sentence carried it. JSON is unchanged (it has no raw control
  // characters), and so is the style's own colour.
  const safe = (text: string) => renderForTerminal(text, escapeControlCharacters);
  // Output sent to a file or a pipe gets no colour, whatever stderr is.
  const safeData = stdout.isTTY
    ? safe
    : (text: string) => renderPlain(text, escapeControlCharacters);
  const line = (text: string) => stderr.write(`${safe(text)}\n`);
  return {
    data: (text) => stdout.write(safeData(text.endsWith('\n') ? text : `${text}\n`)),
    say: line,
    warn: (text) => line(`${style.yellow('Warning:')} ${text}`),
    success: (text) => line(style.green(text)),
    fail: (message, hint, debug) => {
      line(`${style.red('Error:')} ${message}`);
      if (hint) line(hint);
      if (debug) line(style.dim(debug));
    },
    style,
    stdoutIsTTY: Boolean(stdout.isTTY),
  };
}

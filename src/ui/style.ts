/**
 * ANSI styling, only when the stream is a terminal and NO_COLOR / TERM=dumb are not set.
 *
 * A style does not write escape sequences itself: it marks where they go, with markers no input
 * can forge (a random nonce per process), and the console turns the marks into sequences after
 * it has escaped every control character of the text (see core/safe-text.ts). So a certificate's
 * subject holding `\e[31m` shows as text, while apns-setup's own red stays red.
 */
import { randomBytes } from 'node:crypto';
import { wantsColour } from './output-failed.js';
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
}

const plain: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
  green: (t) => t,
};

/**
 * The nonce and the pattern of its marks, made by the first mark: until a style is used (never,
 * where output is no terminal) there is nothing to find, and no start-up spends on them.
 */
let marks: { nonce: string; pattern: RegExp } | undefined;

function mark(code: number): string {
  if (marks === undefined) {
    const nonce = randomBytes(6).toString('hex');
    marks = { nonce, pattern: new RegExp(`\\u{E000}${nonce}(\\d+)\\u{E001}`, 'gu') };
  }
  return `\u{E000}${marks.nonce}${code}\u{E001}`;
}

function wrap(open: number, close: number) {
  return (text: string) => `${mark(open)}${text}${mark(close)}`;
}

/**
 * The text as a terminal gets it: control characters escaped (escape), then the style marks
 * turned into SGR sequences.
 */
export function renderForTerminal(text: string, escape: (piece: string) => string): string {
  if (marks === undefined) return escape(text);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(marks.pattern)) {
    out += escape(text.slice(last, match.index)) + `\u001b[${match[1]}m`;
    last = match.index + match[0].length;
  }
  return out + escape(text.slice(last));
}

/**
 * The text as a file or a pipe gets it: control characters escaped, the style marks dropped.
 * Colour is chosen by stderr's terminal, and stdout may be redirected where stderr is not.
 */
export function renderPlain(text: string, escape: (piece: string) => string): string {
  return escape(marks === undefined ? text : text.replace(marks.pattern, ''));
}

const ansi: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  green: wrap(32, 39),
};

export function styleFor(isTTY: boolean, env: NodeJS.ProcessEnv): Style {
  return wantsColour(isTTY, env) ? ansi : plain;
}

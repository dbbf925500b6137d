/**
 * Text from outside (a server's reason, GOAWAY debug data, a header value, a certificate
 * field, a file name) reaches a person's terminal only through here: a control character in it
 * could clear the screen, move the cursor, set the window title or hide the rest of the line.
 * Each is shown as a visible escape instead: ESC as `\e`, BEL as `\a`, the others as `\xNN`
 * or `\uNNNN`. JSON output needs none of this: JSON.stringify escapes control characters.
 */

/**
 * C0 controls (newlines and tabs included: the text goes inside a line), DEL, C1 controls,
 * and the Unicode format characters that reorder or hide text (bidi overrides and isolates,
 * zero-width marks, the line and paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = {
  '\u001b': '\\e',
  '\u0007': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** `text` with every control character written out, safe to print inside a line. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    const named = NAMED[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

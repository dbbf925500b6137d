/**
 * Text from outside (a server's reason, certificate fields, a .p12's friendly name, file names)
 * reaches a terminal with its control characters escaped: `\e[2J` must not clear the screen,
 * nor `\e]0;…\a` set the window title, nor a bidi override reorder what a person reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** CONTROL, newlines and tabs: whatever escapeToOneLine changes. Not global: test() only. */
// eslint-disable-next-line no-control-regex -- as above
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Tabs and newlines stay; every other control character is shown as its escape. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/**
 * Outside text that must stay inside one line (a server's reason in a result row, a profile's
 * name in a table): control characters escaped, and newlines and tabs too, so that it cannot
 * start a line of its own that reads like another.
 */
export function escapeToOneLine(text: string): string {
  // Most text has nothing to escape; this runs on every line of a push of a million tokens.
  if (!NOT_ONE_LINE.test(text)) return text;
  return escapeControlCharacters(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Text from outside cannot drive the terminal; apns-setup's own colours still show. */
import { describe, expect, it } from 'vitest';
import { escapeControlCharacters, escapeToOneLine } from '../../src/core/safe-text.js';
import { createUi } from '../../src/ui/console.js';
import { styleFor } from '../../src/ui/style.js';

const HOSTILE = '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007';

function capture(isTTY: boolean, env: NodeJS.ProcessEnv = {}, stdoutIsTTY = isTTY) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[], tty: boolean) =>
    ({ isTTY: tty, write: (text: string) => sink.push(text) }) as unknown as NodeJS.WriteStream;
  const ui = createUi({ stdout: stream(out, stdoutIsTTY), stderr: stream(err, isTTY), env });
  return { ui, out, err };
}

describe('escapeControlCharacters', () => {
  it('shows escapes, bells and bidi overrides as text; keeps tabs, newlines and other text', () => {
    expect(escapeControlCharacters(HOSTILE)).toBe('\\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07');
    expect(escapeControlCharacters('a\tb\nc\rd\u0000')).toBe('a\tb\nc\\x0dd\\x00');
    expect(escapeControlCharacters('evil\u202egnp.exe')).toBe('evil\\u202egnp.exe');
    expect(escapeControlCharacters('\u0085 C1')).toBe('\\x85 C1');
    expect(escapeControlCharacters('Zoë — 証明書 ✓')).toBe('Zoë — 証明書 ✓');
  });
});

describe('the console', () => {
  it('escapes outside text in everything it writes, to stderr and stdout', () => {
    const { ui, out, err } = capture(false);
    ui.say(`Certificate: ${HOSTILE}`);
    ui.fail(`file ${HOSTILE}`, `hint ${HOSTILE}`);
    ui.data(`row ${HOSTILE}`);
    for (const text of [...out, ...err]) {
      expect(escapeControlCharacters(text)).toBe(text);
    }
    expect(err[0]).toBe('Certificate: \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07\n');
  });

  it('turns no imitation of its colour marks into a sequence, before or after it colours', () => {
    const imitation = '\u{E000}0123456789ab31\u{E001}red?';
    const before = capture(true);
    before.ui.say(imitation);
    expect(before.err[0]).toBe(`${imitation}\n`);
    const after = capture(true);
    after.ui.say(`${styleFor(true, {}).green('✓')} ${imitation}`);
    expect(after.err[0]).toBe(`\u001b[32m✓\u001b[39m ${imitation}\n`);
  });

  it('keeps its own colours in a terminal, and only its own', () => {
    const { ui, err } = capture(true);
    const style = styleFor(true, {});
    ui.say(`${style.red('✗')} ${HOSTILE}`);
    expect(err[0]).toBe(`\u001b[31m✗\u001b[39m \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07\n`);
  });

  it('colours what goes to stdout only when stdout is a terminal too, and escapes it either way', () => {
    const imitation = '\u{E000}0123456789ab31\u{E001}';
    const redirected = capture(true, {}, false);
    const style = redirected.ui.style;
    redirected.ui.data(`${style.green('✓')} ${style.dim(HOSTILE)} ${imitation}`);
    redirected.ui.say(style.green('✓'));
    expect(redirected.out[0]).toBe(`✓ \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07 ${imitation}\n`);
    expect(redirected.err[0]).toBe('\u001b[32m✓\u001b[39m\n');
    const terminal = capture(true);
    terminal.ui.data(terminal.ui.style.green('✓'));
    expect(terminal.out[0]).toBe('\u001b[32m✓\u001b[39m\n');
  });

  it('JSON stays exact: it holds no raw control character to escape', () => {
    const { ui, out } = capture(false);
    const document = JSON.stringify({ reason: HOSTILE });
    ui.data(document);
    expect(JSON.parse(out[0]!)).toEqual({ reason: HOSTILE });
  });
});

describe('escapeToOneLine', () => {
  it('keeps outside text on its line: newlines, tabs and carriage returns escaped with the rest', () => {
    expect(escapeToOneLine('Bad\nDevice\tToken\r\u001b[2J')).toBe(
      'Bad\\nDevice\\tToken\\x0d\\x1b[2J',
    );
  });
});

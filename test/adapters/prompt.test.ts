import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPrompter } from '../../src/adapters/prompt.js';
import { CancelledError, isApnsSetupError } from '../../src/core/errors.js';

/**
 * A terminal for @inquirer/prompts: keys go in on stdin, the screen comes out on stderr. Keys
 * are typed only once the prompt they answer is on the screen, so nothing depends on timing.
 */
class FakeTerminal {
  readonly stdin = new PassThrough();
  readonly stderr: Writable;
  screen = '';
  private cursor = 0;
  private waiting: { text: string; resolve: () => void } | null = null;

  constructor() {
    this.stderr = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.screen += stripVTControlCharacters(chunk.toString());
        this.check();
        done();
      },
    });
    // Inquirer ends the stream it writes to when a prompt is done; piping never ends the real
    // process.stderr, so this stand-in must not end either.
    this.stderr.end = () => this.stderr;
  }

  /** Waits for `text` to appear after what was already seen, then types `keys`. */
  async type(text: string, keys: string): Promise<void> {
    await this.waitFor(text);
    this.stdin.write(keys);
  }

  waitFor(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = { text, resolve };
      this.check();
    });
  }

  private check(): void {
    if (!this.waiting) return;
    const at = this.screen.indexOf(this.waiting.text, this.cursor);
    if (at === -1) return;
    this.cursor = at + this.waiting.text.length;
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve();
  }

  prompter(isInteractive = true) {
    return createPrompter({
      stdin: this.stdin as unknown as NodeJS.ReadStream,
      stderr: this.stderr as unknown as NodeJS.WriteStream,
      isInteractive,
    });
  }
}

describe('createPrompter().password', () => {
  it('asks on stderr, masks what is typed and returns it', async () => {
    const terminal = new FakeTerminal();
    const answer = terminal.prompter().password('Passphrase for the key in key.pem:');
    await terminal.type('? Passphrase for the key in key.pem:', 'hunter22\r');
    expect(await answer).toBe('hunter22');
    expect(terminal.screen).toContain('********');
    expect(terminal.screen).not.toContain('hunter22');
  });

  it('with confirm asks twice, and asks again when the answers differ', async () => {
    const terminal = new FakeTerminal();
    const answer = terminal.prompter().password('New passphrase:', { confirm: true });
    await terminal.type('? New passphrase:', 'first try\r');
    await terminal.type('? Enter it again to confirm:', 'first tyr\r');
    await terminal.waitFor('The two passphrases differ. Try again.');
    await terminal.type('? New passphrase:', 'second try\r');
    await terminal.type('? Enter it again to confirm:', 'second try\r');
    expect(await answer).toBe('second try');
  });

  it('refuses an empty answer unless allowed', async () => {
    const terminal = new FakeTerminal();
    const prompter = terminal.prompter();
    const refused = prompter.password('Passphrase:');
    await terminal.type('? Passphrase:', '\r');
    await terminal.type('The passphrase cannot be empty.', 'x\r');
    expect(await refused).toBe('x');

    const allowed = prompter.password('Password of the .p12:', { allowEmpty: true });
    await terminal.type('? Password of the .p12:', '\r');
    expect(await allowed).toBe('');
  });

  it('turns Ctrl-C into a CancelledError (exit 130)', async () => {
    const terminal = new FakeTerminal();
    const answer = terminal.prompter().password('Passphrase:');
    await terminal.type('? Passphrase:', '\x03');
    const error: unknown = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).toMatchObject({ code: 'CANCELLED', exitCode: 130 });
  });

  it('fails fast without a terminal, and shows nothing', async () => {
    const terminal = new FakeTerminal();
    const error: unknown = await terminal
      .prompter(false)
      .password('Passphrase for the key:')
      .catch((e: unknown) => e);
    expect(isApnsSetupError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NO_TTY', exitCode: 2 });
    expect(terminal.screen).toBe('');
  });
});

/**
 * The one prompt wrapper. Prompts go to stderr (stdout carries data and --json), and fail fast
 * without a terminal. @inquirer/prompts is imported only when a prompt is shown: loading it
 * costs about 135 ms that `check` in CI should not pay.
 */
import { CancelledError, InputError } from '../core/errors.js';
import { escapeControlCharacters } from '../core/safe-text.js';

export interface PasswordOptions {
  /** Ask twice and ask again until both answers match (for a new passphrase). */
  confirm?: boolean;
  /** Accept an empty answer (a .p12 exported with no password). */
  allowEmpty?: boolean;
}

export interface Prompter {
  password(message: string, options?: PasswordOptions): Promise<string>;
}

export interface PromptIo {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  isInteractive: boolean;
}

export function createPrompter(io: PromptIo): Prompter {
  return {
    async password(message, options = {}) {
      if (!io.isInteractive) {
        throw new InputError('NO_TTY', `Cannot ask "${message}": there is no terminal`, {
          hint: 'run it in a terminal, or pass the answer with a flag (see --help)',
        });
      }
      const { password } = await import('@inquirer/prompts');
      const context = { input: io.stdin, output: io.stderr, clearPromptOnDone: false };
      const validate = (value: string): true | string =>
        options.allowEmpty === true || value !== '' ? true : 'The passphrase cannot be empty.';
      // The message names a file: its name reaches the terminal escaped.
      const ask = (text: string): Promise<string> =>
        password({ message: escapeControlCharacters(text), mask: '*', validate }, context);

      try {
        for (;;) {
          const first = await ask(message);
          if (options.confirm !== true) return first;
          const second = await ask('Enter it again to confirm:');
          if (first === second) return first;
          io.stderr.write('The two passphrases differ. Try again.\n');
        }
      } catch (error) {
        // Ctrl-C. @inquirer/prompts 7 does not re-export the class, and its docs match on name.
        if (error instanceof Error && error.name === 'ExitPromptError') throw new CancelledError();
        throw error;
      }
    },
  };
}

/**
 * The wizard's questions in a terminal, with @inquirer/prompts (loaded on the first question).
 * Prompts go to stderr, as everything said to a person. Ctrl-C is a cancel (exit 130); a prompt
 * aborted by the program (a .cer appeared in Downloads) resolves with what appeared.
 */
import { CancelledError } from '../core/errors.js';
import { escapeControlCharacters } from '../core/safe-text.js';
import type { PromptSpec } from '../flows/wizard/ports.js';

export interface TerminalIo {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** Asks one question; `abortWith` ends the prompt early with that answer (the input prompt). */
export async function askInTerminal(
  prompt: PromptSpec,
  io: TerminalIo,
  abortWith?: Promise<string>,
): Promise<string | boolean | string[]> {
  const inquirer = await import('@inquirer/prompts');
  prompt = escapedPrompt(prompt);
  const controller = new AbortController();
  const context = {
    input: io.stdin,
    output: io.stderr,
    clearPromptOnDone: false,
    signal: controller.signal,
  };
  let early: string | null = null;
  void abortWith?.then((value) => {
    early = value;
    controller.abort();
  });
  try {
    switch (prompt.type) {
      case 'select':
        return await inquirer.select(
          {
            message: prompt.message,
            choices: prompt.choices,
            ...(prompt.default === undefined ? {} : { default: prompt.default }),
            pageSize: 12,
          },
          context,
        );
      case 'input':
        return await inquirer.input(
          {
            message: prompt.message,
            ...(prompt.default === undefined ? {} : { default: prompt.default }),
            required: prompt.required,
          },
          context,
        );
      case 'confirm':
        return await inquirer.confirm(
          { message: prompt.message, default: prompt.default },
          context,
        );
      case 'checkbox':
        return await inquirer.checkbox(
          {
            message: prompt.message,
            choices: prompt.choices,
            required: true,
            pageSize: 12,
          },
          context,
        );
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortPromptError' && early !== null) {
      io.stderr.write('\n');
      return early;
    }
    // Ctrl-C. @inquirer/prompts 7 does not re-export the class; its docs match on the name.
    if (error instanceof Error && error.name === 'ExitPromptError') throw new CancelledError();
    throw error;
  } finally {
    controller.abort();
  }
}

/** File names and folder names in a question reach the terminal escaped, as all outside text. */
function escapedPrompt(prompt: PromptSpec): PromptSpec {
  const e = escapeControlCharacters;
  switch (prompt.type) {
    case 'select':
      return {
        ...prompt,
        message: e(prompt.message),
        choices: prompt.choices.map((c) => ({
          ...c,
          name: e(c.name),
          ...(c.description === undefined ? {} : { description: e(c.description) }),
        })),
      };
    case 'checkbox':
      return {
        ...prompt,
        message: e(prompt.message),
        choices: prompt.choices.map((c) => ({ ...c, name: e(c.name) })),
      };
    default:
      return { ...prompt, message: e(prompt.message) };
  }
}

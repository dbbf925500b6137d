/**
 * Running a command once its command line is read, by commander (command-line.ts) or as a plain
 * command line (one-command.ts): the context it runs in, and the exit code of the contract for
 * whatever it throws. No commander here, so that a plain command line never loads it.
 */
import { compileWithLateTierUp } from './adapters/wasm-tiering.js';
import { isApnsSetupError, type ExitCode } from './core/errors.js';
import { wrapWasmCompile } from './core/wasm-module.js';
import type { CommandContext, CommandModule } from './commands/context.js';
import { createUi, type Ui } from './ui/console.js';
import { describeUnexpectedError } from './ui/messages.js';

export function createCommandContext(): CommandContext {
  return {
    ui: createUi({ stdout: process.stdout, stderr: process.stderr, env: process.env }),
    env: process.env,
    cwd: process.cwd(),
    // Node makes process.stdin on first use, a stream and a few modules: only if a command reads
    // it, or asks whether a person is there, and that only where stderr is a terminal.
    get stdin() {
      return process.stdin;
    },
    stderr: process.stderr,
    isInteractive: Boolean(process.stderr.isTTY && process.stdin.isTTY),
    now: () => new Date(),
  };
}

function warnOnOldNode(ui: Ui): void {
  const major = Number(process.versions.node.split('.')[0]);
  // Node 20 reached end of life on 2026-04-30; one line, and only where a person reads it.
  if (major < 22 && process.stderr.isTTY) {
    ui.warn(
      `Node.js ${process.versions.node} gets no security fixes since 2026-04-30 (end of life); upgrade to Node 22 or later.`,
    );
  }
}

/** The command's run, its failure said and mapped to its exit code. */
export async function runCommand(
  load: () => Promise<CommandModule>,
  args: string[],
  options: Record<string, unknown>,
  context: CommandContext,
  debug: boolean,
): Promise<ExitCode> {
  // Before any key is derived: the derivation's WebAssembly is compiled on first use.
  wrapWasmCompile(compileWithLateTierUp);
  try {
    warnOnOldNode(context.ui);
    const module = await load();
    return await module.run(args, options, context);
  } catch (error) {
    return failed(error, context.ui, debug);
  }
}

/** What went wrong, said once, and its exit code: the command's own, else 2. */
export function failed(error: unknown, ui: Ui, debug: boolean): ExitCode {
  if (isApnsSetupError(error)) {
    ui.fail(error.message, error.hint, debug ? (error.stack ?? null) : null);
    return error.exitCode;
  }
  ui.fail(
    describeUnexpectedError(error),
    null,
    debug && error instanceof Error
      ? (error.stack ?? null)
      : 'Run again with --debug to see the stack trace, and please report it.',
  );
  return 2;
}

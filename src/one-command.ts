/**
 * A command in a file of its own (dist/commands/NAME.cjs, scripts/build.mjs): its module, and
 * its command line as a table the build read from commander (plain-command-line.ts). The bin
 * requires it when the command line names that command, so a run loads one file of CommonJS:
 * the commands scripts and CI run (inspect, check, import, convert, push) start close to Node's
 * own start-up, without commander. A command line that is not plain (help, a usage error, a
 * misspelt option) is the program's to answer: run() returns null, and the bin runs the program,
 * where commander answers it. test/e2e/one-command.test.ts compares the bin's answers with the
 * program's.
 */
import type { ExitCode } from './core/errors.js';
import type { CommandModule } from './commands/context.js';
import { parsePlainCommandLine, type PlainCommandLine } from './plain-command-line.js';
import { createCommandContext, runCommand } from './run-command.js';

export function oneCommand(
  module: CommandModule,
  commandLine: PlainCommandLine,
): (argv: string[]) => Promise<ExitCode> | null {
  return (argv) => {
    const parsed = parsePlainCommandLine(argv, commandLine);
    if (!parsed) return null;
    const { args, options, debug } = parsed;
    return runCommand(() => Promise.resolve(module), args, options, createCommandContext(), debug);
  };
}

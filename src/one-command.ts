/**
 * A command in a file of its own (dist/commands/NAME.cjs, scripts/build.mjs): the command line
 * with that command alone registered, and its module bundled with it. The bin requires it when
 * the command line names that command, so a run loads one file of CommonJS, not the program and
 * a chain of ES modules: the commands scripts and CI run (inspect, check, import, convert,
 * push) start close to Node's own start-up. Commander answers every command line that names the
 * command as the whole program would: test/e2e/one-command.test.ts compares the two.
 */
import { runCommandLine } from './command-line.js';
import type { ExitCode } from './core/errors.js';
import type { CommandModule } from './commands/context.js';
import { commandDefinitions, type CommandName } from './commands/definitions.js';

export function oneCommand(
  name: CommandName,
  module: CommandModule,
): (argv: string[], version: string) => Promise<ExitCode> {
  const definitions = commandDefinitions.filter((definition) => definition.name === name);
  return (argv, version) =>
    runCommandLine(argv, version, definitions, () => Promise.resolve(module));
}

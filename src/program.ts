/**
 * The program, dist/program.js: every command on one command line, each command's module
 * imported when it runs (commands/modules.ts). The bin runs it for every command that has no
 * file of its own (one-command.ts), and for each command line such a file leaves to commander.
 * The build renders the help of all from it, and those files' plain command lines.
 */
import {
  describePlainCommandLines,
  renderHelp as renderHelpOf,
  runCommandLine,
  type RenderedHelp,
} from './command-line.js';
import type { ExitCode } from './core/errors.js';
import { commandDefinitions } from './commands/definitions.js';
import { commandModules } from './commands/modules.js';
import type { PlainCommandLine } from './plain-command-line.js';

export type { RenderedHelp } from './command-line.js';

export function runProgram(argv: string[], version: string): Promise<ExitCode> {
  return runCommandLine(argv, version, commandDefinitions, (name) => commandModules[name]());
}

/** Every help text, as the program writes it to a stdout `width` columns wide. */
export function renderHelp(version: string, width: number): RenderedHelp {
  return renderHelpOf(version, commandDefinitions, width);
}

/** The plain command lines (plain-command-line.ts) of the commands named, for the build. */
export function plainCommandLines(version: string, names: readonly string[]): PlainCommandLine[] {
  return describePlainCommandLines(
    version,
    commandDefinitions.filter((definition) => names.includes(definition.name)),
  );
}

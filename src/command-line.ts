/**
 * The command line, behind the bin (cli.ts): registers the commands, runs one, and maps every
 * error to the exit code of the contract, which it returns to the bin. It is given the commands
 * and how to load each one's module: the program (program.ts) registers them all and imports the
 * module of the one it runs; a command in a file of its own (one-command.ts) registers itself
 * alone, its module bundled beside.
 */
import { Command, CommanderError, type Option } from 'commander';
import type { ExitCode } from './core/errors.js';
import { escapeControlCharacters } from './core/safe-text.js';
import type { CommandModule } from './commands/context.js';
import {
  EXIT_CODES_HELP,
  type CommandDefinition,
  type CommandName,
  optionValueNameOf,
} from './commands/definitions.js';
import type { OptionValueName } from './commands/option-values.js';
import type { PlainArgument, PlainCommandLine, PlainOption } from './plain-command-line.js';
import { createCommandContext, failed, runCommand } from './run-command.js';
import { createUi, type Ui } from './ui/console.js';

/**
 * Commander echoes what it did not understand; an option's value may be a secret typed out of
 * habit (`-pSekr3t`, as openssl takes a password, or `--passphrase=…`). Keep the option's name,
 * never its value: `--name=value` → `--name=…`, `-xVALUE` → `-x…`.
 */
function redactOptionValues(text: string): string {
  return text
    .replace(/(--[\w-]+)=[^\s']+/g, '$1=…')
    .replace(/(unknown option ')(-[^-'\s])[^'\s]+'/g, "$1$2…'");
}

/** Where commander's help and errors go, and how wide its help is wrapped. */
export interface ProgramOutput {
  ui: Ui;
  /** The width commander wraps help to. */
  helpWidth(): number;
}

/**
 * The command tree: the commands given, with their flags and help, and the output they go to;
 * no actions. runCommandLine runs it, and the build renders its help (renderHelp).
 */
export function buildProgram(
  version: string,
  commands: readonly CommandDefinition[],
  output: ProgramOutput,
): Command {
  const program = new Command('apns-setup')
    .description('Get a working Apple Push Notification service certificate, and prove it works.')
    .version(version, '-V, --version')
    .option('--debug', 'show a stack trace when something fails')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => output.ui.data(text.replace(/\n$/, '')),
      // Commander echoes an unknown option verbatim: `--passphrase=hunter2` must not reach a log.
      writeErr: (text) => process.stderr.write(escapeControlCharacters(redactOptionValues(text))),
      getOutHelpWidth: () => output.helpWidth(),
    })
    .addHelpText('after', EXIT_CODES_HELP);
  for (const definition of commands) definition.configure(program.command(definition.name));
  return program;
}

/** Help as the bin writes it: the program's (`--help`) and each command's (`<command> --help`). */
export interface RenderedHelp {
  program: string;
  commands: Record<string, string>;
}

/**
 * Every help text, byte for byte as written to a stdout `width` columns wide. The build keeps
 * them (scripts/build.mjs) so that the bin can answer a request for help without loading
 * commander; they come from this tree, as commander's own answer does.
 */
export function renderHelp(
  version: string,
  commands: readonly CommandDefinition[],
  width: number,
): RenderedHelp {
  let written = '';
  // The console uses only write() and isTTY of it; no terminal, no colour.
  const stdout = {
    isTTY: false,
    write: (text: string) => {
      written += text;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const ui = createUi({ stdout, stderr: stdout, env: {} });
  const program = buildProgram(version, commands, { ui, helpWidth: () => width });
  const helpOf = (command: Command) => {
    written = '';
    command.outputHelp();
    return written;
  };
  return {
    program: helpOf(program),
    commands: Object.fromEntries(program.commands.map((c) => [c.name(), helpOf(c)])),
  };
}

/** Commander's own state that is not in its types: what would make a command line less plain. */
interface CommanderInternals {
  _allowUnknownOption: boolean;
  _allowExcessArguments: boolean;
  _passThroughOptions: boolean;
  _enablePositionalOptions: boolean;
  _storeOptionsAsProperties: boolean;
  _lifeCycleHooks: Record<string, unknown[]>;
  _getHelpOption(): Option | null;
}

/**
 * Each command's command line as a table (plain-command-line.ts): what its file reads without
 * commander. The build writes it into that file. Whatever a command uses of commander that the
 * plain reading does not know fails here, so the build fails rather than a command line being
 * read otherwise than commander reads it.
 */
export function describePlainCommandLines(
  version: string,
  commands: readonly CommandDefinition[],
): PlainCommandLine[] {
  // Nothing is written: the tree is read, never run.
  const silent = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const ui = createUi({ stdout: silent, stderr: silent, env: {} });
  const program = buildProgram(version, commands, { ui, helpWidth: () => 80 });
  const helpOption = (program as unknown as CommanderInternals)._getHelpOption();
  // What the program reads wherever it stands on the command line, before the command does.
  const programFlags = new Set(
    [...program.options, ...(helpOption ? [helpOption] : [])].flatMap((option) => [
      option.long,
      option.short,
    ]),
  );
  return program.commands.map((command) => {
    const name = command.name() as CommandName;
    const notPlain = (what: string) =>
      new Error(`${name}: ${what} is not known to src/plain-command-line.ts`);
    for (const owner of [program, command]) {
      const internals = owner as unknown as CommanderInternals;
      if (
        internals._allowUnknownOption ||
        internals._allowExcessArguments ||
        internals._passThroughOptions ||
        internals._enablePositionalOptions ||
        internals._storeOptionsAsProperties ||
        Object.values(internals._lifeCycleHooks).some((hooks) => hooks.length > 0)
      ) {
        throw notPlain('a setting of commander');
      }
    }
    const options = command.options.map((option): PlainOption => {
      const extra = option as unknown as { conflictsWith: string[]; implied?: unknown };
      const flags = [option.long, option.short].filter((flag) => flag !== undefined);
      if (flags.some((flag) => programFlags.has(flag)))
        throw notPlain(`${option.flags}, the program's`);
      if (
        option.optional ||
        option.variadic ||
        option.presetArg !== undefined ||
        option.envVar !== undefined ||
        extra.conflictsWith.length > 0 ||
        extra.implied !== undefined
      ) {
        throw notPlain(option.flags);
      }
      let parser: OptionValueName | undefined;
      if (option.parseArg && !option.argChoices) {
        parser = optionValueNameOf(option.parseArg);
        if (!parser) throw notPlain(`the parser of ${option.flags}`);
      }
      return {
        flags,
        key: option.attributeName(),
        kind: option.required ? 'value' : option.negate ? 'negated-switch' : 'switch',
        ...(option.argChoices ? { choices: [...option.argChoices] } : {}),
        ...(parser ? { parser } : {}),
        mandatory: option.mandatory,
      };
    });
    const args = command.registeredArguments.map((argument): PlainArgument => {
      if (argument.parseArg || argument.defaultValue !== undefined) {
        throw notPlain(`the argument ${argument.name()}`);
      }
      return { required: argument.required, variadic: argument.variadic };
    });
    return {
      name,
      options,
      arguments: args,
      defaults: structuredClone(command.opts<Record<string, unknown>>()),
    };
  });
}

/** The module of the command named, to run it. */
export type LoadCommand = (name: CommandName) => Promise<CommandModule>;

export async function runCommandLine(
  argv: string[],
  version: string,
  commands: readonly CommandDefinition[],
  load: LoadCommand,
): Promise<ExitCode> {
  const context = createCommandContext();
  const { ui } = context;
  const debug = argv.includes('--debug');

  let exitCode: ExitCode = 0;
  const program = buildProgram(version, commands, {
    ui,
    // commander's own default: the terminal's width, else 80.
    helpWidth: () => (process.stdout.isTTY ? process.stdout.columns : 80),
  });
  for (const definition of commands) {
    const command = program.commands.find((c) => c.name() === definition.name)!;
    command.action(async (...actionArgs: unknown[]) => {
      // commander passes the positional arguments, then the options object, then the command.
      const self = actionArgs.at(-1) as Command;
      const options = self.opts<Record<string, unknown>>();
      exitCode = await runCommand(() => load(definition.name), self.args, options, context, debug);
    });
  }

  // `apns-setup` alone, in a terminal: the wizard. Scripts and CI get the help and exit 2.
  const bare = argv.length <= 2;
  try {
    await program.parseAsync(bare && context.isInteractive ? [...argv, 'wizard'] : argv, {
      from: 'node',
    });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // commander ends `help` and `help <command>` with this code too, exit code 0: help asked
      // for, as with --help. Exit code 1 is no command at all without a terminal (the help went
      // to stderr), a usage error.
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      // commander has already printed "error: …" and the hint; usage errors are exit 2.
      return 2;
    }
    return failed(error, ui, debug);
  }
}

/**
 * The command line, behind the bin (cli.ts): registers the commands, runs one, and maps every
 * error to the exit code of the contract, which it returns to the bin. It is given the commands
 * and how to load each one's module: the program (program.ts) registers them all and imports the
 * module of the one it runs; a command in a file of its own (one-command.ts) registers itself
 * alone, its module bundled beside.
 */
import { Command, CommanderError } from 'commander';
import { isApnsSetupError, type ExitCode } from './core/errors.js';
import { escapeControlCharacters } from './core/safe-text.js';
import type { CommandContext, CommandModule } from './commands/context.js';
import {
  EXIT_CODES_HELP,
  type CommandDefinition,
  type CommandName,
} from './commands/definitions.js';
import { createUi, type Ui } from './ui/console.js';
import { describeUnexpectedError } from './ui/messages.js';

function warnOnOldNode(ui: Ui): void {
  const major = Number(process.versions.node.split('.')[0]);
  // Node 20 reached end of life on 2026-04-30; one line, and only where a person reads it.
  if (major < 22 && process.stderr.isTTY) {
    ui.warn(
      `Node.js ${process.versions.node} gets no security fixes since 2026-04-30 (end of life); upgrade to Node 22 or later.`,
    );
  }
}

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
interface ProgramOutput {
  ui: Ui;
  /** The width commander wraps help to. */
  helpWidth(): number;
}

/**
 * The command tree: the commands given, with their flags and help, and the output they go to;
 * no actions. runCommandLine runs it, and the build renders its help (renderHelp).
 */
function buildProgram(
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

/** The module of the command named, to run it. */
export type LoadCommand = (name: CommandName) => Promise<CommandModule>;

export async function runCommandLine(
  argv: string[],
  version: string,
  commands: readonly CommandDefinition[],
  load: LoadCommand,
): Promise<ExitCode> {
  const ui = createUi({ stdout: process.stdout, stderr: process.stderr, env: process.env });
  const debug = argv.includes('--debug');
  const context: CommandContext = {
    ui,
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
      const args = self.args;
      warnOnOldNode(ui);
      const module = await load(definition.name);
      exitCode = await module.run(args, options, context);
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
}

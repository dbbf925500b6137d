#!/usr/bin/env node
/**
 * The bin: runs the command line (a command's own file, or the program) and exits with its code,
 * or as SIGPIPE would when its output is closed under it. The only place that calls
 * process.exit.
 *
 * Start-up is part of the design. `apns-setup --version` is what scripts run to see that the
 * tool is there, and `--help` what a person runs first: both are answered here, from what the
 * build wrote (the version, inlined; the help, in dist/help.json), before commander, the command
 * list or anything else is loaded. So this file is built apart, as CommonJS (dist/cli.cjs):
 * Node's ES module loader alone costs some 7 % of `node -e 0`.
 *
 * The commands scripts and CI run are each one CommonJS file (one-command.ts), required here
 * when the command line names one; it runs a plain command line without commander. The rest,
 * and every command line such a file leaves to commander, run in the program, dist/program.js:
 * ES modules, whose chunks keep the prompt library, the task list and the wizard's journeys
 * apart until they are reached.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';
import type * as tty from 'node:tty';
import { join } from 'node:path';
import { loadCommandFile } from './command-file.js';
import { prerenderedHelp } from './prerendered-help.js';
import { outputFailedLine, wantsColour } from './ui/output-failed.js';

/** package.json's version, inlined by the build (scripts/build.mjs). */
declare const APNS_SETUP_VERSION: string;
/**
 * The commands built into a file of their own, dist/commands/NAME.cjs, each with the digest the
 * build took of that file (scripts/build.mjs).
 */
declare const APNS_SETUP_ONE_FILE_COMMANDS: Readonly<Record<string, string>>;

/** A command's own file: its run, or null for a command line that is the program's to answer. */
type RunPlainCommandLine = (argv: string[]) => Promise<number> | null;

/**
 * The command commander would run: the first argument, or the second after the program's one
 * option that takes no value. Anything else (no command, help, an unknown option first) is the
 * program's to answer.
 */
function commandNamed(args: readonly string[]): string | undefined {
  return args[0] === '--debug' ? args[1] : args[0];
}

/** What a shell reports for a process that SIGPIPE ended (128 + 13). */
const EXIT_OUTPUT_CLOSED = 141;

/**
 * The reader of stdout or stderr went away (`apns-setup check certs/ | head -1`, `… | true`).
 * A C program would die of SIGPIPE at its next write, quietly; Node ignores that signal and
 * reports EPIPE as an 'error' event, which unhandled ends the process with a stack trace. So
 * the process ends as SIGPIPE would end it, at once and quietly, and with the status a shell
 * shows for it (stop-signal.ts's clean-ups, such as temporary files holding keys, run on exit).
 * Any other failed write (a full disk under `> file`) ends it with status 1, said on stderr
 * when that is not the stream that failed.
 */
function endWhenOutputFails(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => outputFailed(stream, error));
}

function outputFailed(stream: NodeJS.WriteStream, error: NodeJS.ErrnoException): never {
  if (error.code === 'EPIPE') process.exit(EXIT_OUTPUT_CLOSED);
  if (stream === process.stdout) process.stderr.write(outputFailedText(error));
  process.exit(1);
}

function outputFailedText(error: NodeJS.ErrnoException): string {
  // Node's message is 'ENOSPC: no space left on device, write': the words in the middle.
  const reason = /^\w+: ([^,]+)/.exec(error.message)?.[1] ?? 'unknown error';
  return `${outputFailedLine(reason, error.code, wantsColour(isTerminal(2), process.env))}\n`;
}

/**
 * Whether the file descriptor is a terminal. node:tty would load net and every stream module
 * (a tenth of Node's start-up), so it is asked only about a character device that is not
 * /dev/null, where scripts and benchmarks send what they do not read.
 */
function isTerminal(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    if (!stats.isCharacterDevice()) return false;
    if (process.platform !== 'win32' && stats.rdev === statSync('/dev/null').rdev) return false;
  } catch {
    // no answer here: node:tty's
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for a device
  return (require('node:tty') as typeof tty).isatty(fd);
}

/**
 * The answer to `--version`, or help that is not for a terminal, written to stdout's file
 * descriptor and done: no Node stream. Making process.stdout and process.stderr was 17 million
 * instructions, a fifth of Node's own start-up and most of what `--version` cost beyond it.
 * Ends as a stream's failure would: 141 for a reader gone, else the one line and 1.
 */
function answerDirectly(text: string): number {
  const bytes = Buffer.from(text);
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      // A non-blocking pipe that is full: its reader is behind, not gone.
      if (failure.code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      if (failure.code === 'EPIPE') return EXIT_OUTPUT_CLOSED;
      try {
        writeSync(2, outputFailedText(failure));
      } catch {
        // stderr is gone too: the exit code says it
      }
      return 1;
    }
  }
  return 0;
}

/**
 * Whether a command ran through, and so compiled what its next runs will need: it succeeded (0),
 * or it did its work and reported what it found (1: a push refused, a certificate expiring; 3:
 * one expired). Not refused input (2), which ends before the work, nor a stop (130, 141).
 */
function ranThrough(code: number): boolean {
  return code === 0 || code === 1 || code === 3;
}

/** How the command line ended: its exit code, and whether Node's streams may hold output. */
interface Outcome {
  code: number;
  streams: boolean;
}

async function main(argv: string[]): Promise<Outcome> {
  const args = argv.slice(2);
  // `--version` (or `-V`) and nothing else: the version alone, as commander prints it.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    return { code: answerDirectly(`${APNS_SETUP_VERSION}\n`), streams: false };
  }
  // The build wrote it through the console (ui.data), as commander's answer would be written.
  // __dirname: this file runs only as CommonJS, beside dist/help.json. Whether stdout is a
  // terminal is asked only of a request for help; a terminal's width is its stream's to tell.
  let terminal: boolean | undefined;
  const stdoutIsTerminal = () => (terminal ??= isTerminal(1));
  const help = prerenderedHelp(args, join(__dirname, 'help.json'), {
    get isTTY() {
      return stdoutIsTerminal();
    },
    get columns() {
      return stdoutIsTerminal() ? process.stdout.columns : undefined;
    },
  });
  if (help !== null && !stdoutIsTerminal()) return { code: answerDirectly(help), streams: false };
  endWhenOutputFails(process.stdout);
  endWhenOutputFails(process.stderr);
  if (help !== null) {
    process.stdout.write(help);
    return { code: 0, streams: true };
  }
  const name = commandNamed(args);
  // Object.hasOwn: `toString` is no command, though every object answers to it.
  if (name !== undefined && Object.hasOwn(APNS_SETUP_ONE_FILE_COMMANDS, name)) {
    const digest = APNS_SETUP_ONE_FILE_COMMANDS[name]!;
    // A CommonJS file, run without Node's ES module loader, and compiled from the code an
    // earlier run kept (command-file.ts). Its path is built at run time, so the build never
    // bundles the command here.
    const command = loadCommandFile(join(__dirname, 'commands', `${name}.cjs`), digest);
    const ran = (command.exports as { run: RunPlainCommandLine }).run(argv);
    if (ran !== null) {
      const code = await ran;
      if (ranThrough(code)) command.keepCompiledCode();
      return { code, streams: true };
    }
  }
  const { runProgram } = await import('./program.js');
  return { code: await runProgram(argv, APNS_SETUP_VERSION), streams: true };
}

void main(process.argv).then(({ code, streams }) => {
  process.exitCode = code;
  if (!streams) return;
  // Let pending writes to piped stdout/stderr flush before the process ends. A write that
  // failed is reported here too, and may be before its 'error' event.
  process.stdout.write('', (error?: Error | null) =>
    error ? outputFailed(process.stdout, error) : process.exit(code),
  );
});

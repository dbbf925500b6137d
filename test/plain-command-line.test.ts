/**
 * A command in a file of its own reads a plain command line without commander
 * (src/plain-command-line.ts), from a table the build reads off commander's tree. What it reads
 * must be what commander reads: the same positional arguments and the same options object (so
 * the command runs the same), and nothing commander would refuse or answer itself (help, the
 * version, usage errors: those it leaves to the program). Here both read thousands of command
 * lines, made at random from each command's own options, values that parse and values that do
 * not, and the program's own options; wherever the plain reading answers, commander's answer is
 * the same.
 */
import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, describePlainCommandLines } from '../src/command-line.js';
import { commandDefinitions } from '../src/commands/definitions.js';
import { parsePlainCommandLine, type PlainCommandLine } from '../src/plain-command-line.js';
import { createUi } from '../src/ui/console.js';
import { seededRandom } from './helpers/seeded-random.js';

const oneFileCommands = ['inspect', 'check', 'import', 'convert', 'push'];
const commandLines = describePlainCommandLines('1.2.3', commandDefinitions).filter(({ name }) =>
  oneFileCommands.includes(name),
);
const commandLine = (name: string) => commandLines.find((table) => table.name === name)!;

interface Reading {
  args: string[];
  options: Record<string, unknown>;
  debug: boolean;
}

/** What commander gives the command's action, or null where it refuses or answers itself. */
async function commanderReading(argv: string[]): Promise<Reading | null> {
  const silent = {
    isTTY: false,
    write: () => true,
  } as unknown as NodeJS.WriteStream;
  const ui = createUi({ stdout: silent, stderr: silent, env: {} });
  const program = buildProgram('1.2.3', commandDefinitions, { ui, helpWidth: () => 80 });
  let reading: Reading | null = null;
  for (const command of [program, ...program.commands]) {
    command.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    command.action((...actionArgs: unknown[]) => {
      const self = actionArgs.at(-1) as Command;
      reading = {
        args: self.args,
        options: { ...self.opts() },
        debug: program.opts().debug === true,
      };
    });
  }
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return null;
    throw error;
  }
  return reading;
}

const oddTokens = [
  '--debug',
  '--help',
  '-h',
  '-V',
  '--version',
  '--',
  '-',
  '',
  '-5',
  '--bogus',
  '--json=1',
  '-x',
  'help',
];

/** The pieces a command line is made of: each option with values it takes and refuses. */
function piecesOf(table: PlainCommandLine): string[][] {
  const pieces: string[][] = [['a.cer'], ['certs'], ['key.pem'], ...oddTokens.map((t) => [t])];
  for (const option of table.options) {
    const flag = option.flags[0]!;
    if (option.kind !== 'value') {
      pieces.push([flag], [`${flag}=yes`]);
      continue;
    }
    const values = option.choices
      ? [...option.choices, 'bogus']
      : option.parser
        ? ['30', '0', '007', '-1', 'soon', '']
        : ['out', '-', '', '--json', '--debug', '-V', 'a=b'];
    for (const value of values) pieces.push([flag, value], [`${flag}=${value}`]);
    pieces.push([flag]);
  }
  return pieces;
}

/** A command line's least: its required arguments and mandatory options. */
function needs(table: PlainCommandLine): string[] {
  return [
    ...table.arguments.filter((argument) => argument.required).map(() => 'a.cer'),
    ...table.options
      .filter((option) => option.mandatory)
      .flatMap((option) => [option.flags[0]!, 'x']),
  ];
}

describe('a plain command line', () => {
  it.each(oneFileCommands)(
    '%s: wherever it is read without commander, commander reads it the same',
    async (name) => {
      const table = commandLine(name);
      const pieces = piecesOf(table);
      const next = seededRandom(name.length * 7919);
      let plain = 0;
      let tried = 0;
      for (let round = 0; round < 1500; round += 1) {
        const argv = ['node', 'apns-setup'];
        if (next() < 0.2) argv.push('--debug');
        argv.push(name);
        // Half of them start with what the command needs (its arguments, its mandatory
        // options), so that a good share are plain.
        if (next() < 0.5) argv.push(...needs(table));
        const count = Math.floor(next() * 6);
        for (let i = 0; i < count; i += 1)
          argv.push(...pieces[Math.floor(next() * pieces.length)]!);
        const read = parsePlainCommandLine(argv, table);
        tried += 1;
        if (read === null) continue;
        plain += 1;
        expect(await commanderReading(argv), JSON.stringify(argv.slice(2))).toEqual(read);
      }
      // The comparison compared something: a good share of the lines were plain.
      expect(plain / tried).toBeGreaterThan(0.15);
    },
  );

  it('is read for what scripts and CI run', () => {
    const read = (name: string, ...args: string[]) =>
      parsePlainCommandLine(['node', 'apns-setup', ...args], commandLine(name));
    expect(read('check', 'check', '--days', '14', 'certs/', '--json')).toEqual({
      args: ['certs/'],
      options: { days: 14, json: true },
      debug: false,
    });
    expect(read('check', 'check')).toEqual({ args: [], options: { days: 30 }, debug: false });
    expect(read('inspect', '--debug', 'inspect', 'aps.cer', 'push.p12')).toEqual({
      args: ['aps.cer', 'push.p12'],
      options: {},
      debug: true,
    });
    expect(
      read('push', 'push', '--cert', 'ck.pem', '--token', 'a1', '--token=b2', '--env', 'auto'),
    ).toEqual({
      args: [],
      options: { cert: 'ck.pem', token: ['a1', 'b2'], env: 'auto', timeout: 15 },
      debug: false,
    });
    expect(read('import', 'import', 'aps.cer', '--key', 'key.pem', '--out=certs')).toEqual({
      args: ['aps.cer'],
      options: { key: 'key.pem', out: 'certs', p12Profile: 'compatible' },
      debug: false,
    });
    expect(read('convert', 'convert', 'Certificates.p12', '--p12-profile', 'modern')).toEqual({
      args: ['Certificates.p12'],
      options: { out: '.', p12Profile: 'modern' },
      debug: false,
    });
  });

  it('is left to commander where commander would answer or refuse it', () => {
    const read = (name: string, ...args: string[]) =>
      parsePlainCommandLine(['node', 'apns-setup', ...args], commandLine(name));
    for (const [name, ...args] of [
      ['check', 'check', '--days', 'soon'],
      ['check', 'check', '--days'],
      ['check', 'check', '--help'],
      ['check', 'check', '-V'],
      ['inspect', 'inspect'],
      ['inspect', 'inspect', '--jsn', 'a.cer'],
      ['inspect', 'inspect', '--', '-a.cer'],
      ['import', 'import', 'aps.cer'],
      ['convert', 'convert', 'a.p12', 'b.p12'],
      ['push', 'push', '--env', 'staging'],
      ['push', 'push', '--alert', '--debug'],
    ] as const) {
      expect(read(name, ...args), args.join(' ')).toBeNull();
    }
  });
});

describe('the table of a plain command line', () => {
  it('is refused by the build for what the plain reading does not know', () => {
    const definition = {
      name: 'inspect' as const,
      configure: (command: Command) => {
        command.option('--level [n]', 'an optional value');
      },
    };
    expect(() => describePlainCommandLines('1.2.3', [definition])).toThrow(
      /inspect: --level \[n\] is not known/,
    );
  });
});

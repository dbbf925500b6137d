/**
 * The bin answers a request for help itself, from the help the build rendered (dist/help.json),
 * without loading commander (test/e2e/startup.test.ts says what it loads). What it prints must
 * be what commander prints: each request, for the program and for every command and in every
 * form, is answered by the bin and by commander (the same program without the bin's own answers,
 * test/helpers/commander-cli.mjs), and the two answers are compared byte for byte, exit code and
 * stderr included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/commands/definitions.js';
import type { PrerenderedHelp, PrerenderedText } from '../../src/prerendered-help.js';
import type { RenderedHelp } from '../../src/program.js';
import { cliPath } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { runInPty } from '../helpers/pty.js';
import { commanderCliPath, expectSameAnswer } from '../helpers/same-answer.js';

const names = commandDefinitions.map(({ name }) => name);
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};

describe('help, without a terminal: the bin prints what commander prints', () => {
  it.each([
    ['the program', [['--help'], ['-h'], ['help']]],
    ...names.map((name): [string, string[][]] => [
      name,
      [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ],
    ]),
  ])('%s: in each form, the same bytes, on stdout, exit 0', async (_, forms) => {
    for (const args of forms) {
      const answered = await expectSameAnswer(args);
      expect(answered.exitCode, args.join(' ')).toBe(0);
      expect(answered.stdout.length, args.join(' ')).toBeGreaterThan(0);
      expect(answered.stderr.length, args.join(' ')).toBe(0);
    }
  });

  it('--version: the version in package.json, as commander prints it', async () => {
    for (const args of [['--version'], ['-V']]) {
      const answered = await expectSameAnswer(args);
      expect(answered.stdout).toBe(`${version}\n`);
    }
  });

  // What is not one of those forms for a command of ours is commander's to answer, whatever it
  // is: help of the program, an error, or a command run.
  it.each([
    [['help', 'nosuch']],
    [['nosuch', '--help']],
    [['help', 'help']],
    [['help', 'constructor']],
    [['constructor', '--help']],
    [['--help', 'check']],
    [['check', '--help', '--json']],
    [['--debug', '--help']],
    [['help', 'check', 'push']],
  ])('%j: the same answer as commander', async (args) => {
    await expectSameAnswer(args);
  });
});

describe('dist/help.json', () => {
  it('holds a text for the program and every command, and says which are good on any terminal', async () => {
    const help = JSON.parse(
      readFileSync(join(repoRoot, 'dist/help.json'), 'utf8'),
    ) as PrerenderedHelp;
    const { renderHelp } = (await import(
      pathToFileURL(join(repoRoot, 'dist/program.js')).href
    )) as { renderHelp(version: string, width: number): RenderedHelp };
    expect(Object.keys(help.commands)).toEqual(names);
    // A terminal from 80 to 300 columns, and one wider than any line. Beyond the longest line
    // nothing wraps, so these are all the texts a terminal from 80 columns can get.
    const widths = [...Array.from({ length: 221 }, (_, i) => 80 + i), 100_000];
    const rendered = widths.map((width) => renderHelp(version, width));
    const unwrapped = rendered.at(-1)!;
    const lines = [unwrapped.program, ...Object.values(unwrapped.commands)].flatMap((text) =>
      text.split('\n'),
    );
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(300);
    const topics: [string, PrerenderedText, (r: RenderedHelp) => string][] = [
      ['the program', help.program, (r) => r.program],
      ...names.map((name): [string, PrerenderedText, (r: RenderedHelp) => string] => [
        name,
        help.commands[name]!,
        (r) => r.commands[name]!,
      ]),
    ];
    for (const [topic, entry, textOf] of topics) {
      const atEachWidth = new Set(rendered.map(textOf));
      expect(atEachWidth.has(entry.text), topic).toBe(true);
      expect(entry.sameAtAnyWidthFrom80, topic).toBe(atEachWidth.size === 1);
    }
  });
});

describe('help in a terminal', () => {
  /** What a terminal `columns` wide shows of `node script ...args`. */
  function shown(script: string, args: string[], columns: number) {
    return runInPty({
      argv: [process.execPath, script, ...args],
      env: { NO_COLOR: '1', TERM: 'xterm' },
      steps: [],
      columns,
      timeout: 30,
    });
  }

  it('a wide terminal gets the help wrapped to its width, as commander wraps it', () => {
    const wide = shown(cliPath, ['check', '--help'], 200);
    expect(wide.exitCode).toBe(0);
    expect(wide).toEqual(shown(commanderCliPath, ['check', '--help'], 200));
    // Not the text for 80 columns: a line that wraps there is whole here.
    expect(wide.output).toMatch(
      /^ {2}--keychain +keep the passphrase in the OS keychain, and read it from there next time\r$/m,
    );
  });
});

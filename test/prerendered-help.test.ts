/**
 * When the bin may answer a request for help from the build's texts, and when commander must:
 * the forms it knows, the commands it has a text for, and the terminal's width.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prerenderedHelp, type PrerenderedHelp } from '../src/prerendered-help.js';
import { scratchDir } from './helpers/cli.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

const helpFile = join(scratch.path, 'help.json');
const help: PrerenderedHelp = {
  program: { text: 'program help\n', sameAtAnyWidthFrom80: false },
  commands: {
    check: { text: 'check help\n', sameAtAnyWidthFrom80: false },
    demo: { text: 'demo help\n', sameAtAnyWidthFrom80: true },
  },
};
writeFileSync(helpFile, JSON.stringify(help));
const pipe = { isTTY: false };

describe('the help the build rendered', () => {
  it.each([
    [['--help'], 'program help\n'],
    [['-h'], 'program help\n'],
    [['help'], 'program help\n'],
    [['check', '--help'], 'check help\n'],
    [['check', '-h'], 'check help\n'],
    [['help', 'check'], 'check help\n'],
  ])('without a terminal, %j is answered from it', (args, text) => {
    expect(prerenderedHelp(args, helpFile, pipe)).toBe(text);
  });

  it.each([
    [[]],
    [['check']],
    [['--help', 'check']],
    [['check', '--help', '--json']],
    [['help', 'check', 'demo']],
    [['nosuch', '--help']],
    [['help', 'nosuch']],
    [['constructor', '--help']],
    [['help', '__proto__']],
    [['help', '']],
    [['--version']],
  ])('%j is left to commander', (args) => {
    expect(prerenderedHelp(args, helpFile, pipe)).toBeNull();
  });

  it('in a terminal, only a text the same at any width from 80, and only from 80 columns', () => {
    expect(prerenderedHelp(['demo', '--help'], helpFile, { isTTY: true, columns: 80 })).toBe(
      'demo help\n',
    );
    expect(prerenderedHelp(['help', 'demo'], helpFile, { isTTY: true, columns: 300 })).toBe(
      'demo help\n',
    );
    expect(prerenderedHelp(['demo', '--help'], helpFile, { isTTY: true, columns: 79 })).toBeNull();
    expect(prerenderedHelp(['demo', '--help'], helpFile, { isTTY: true })).toBeNull();
    expect(prerenderedHelp(['check', '--help'], helpFile, { isTTY: true, columns: 80 })).toBeNull();
    expect(prerenderedHelp(['--help'], helpFile, { isTTY: true, columns: 120 })).toBeNull();
  });

  it('without the file, commander answers', () => {
    expect(prerenderedHelp(['--help'], join(scratch.path, 'absent.json'), pipe)).toBeNull();
  });
});

/**
 * The bin answers some command lines without the program (dist/program.js): help and the version
 * from what the build wrote, and the commands built into a file of their own. What it prints
 * must be what the program prints: these run both and compare every byte.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { cliPath } from './cli.js';
import { repoRoot } from './fixtures.js';

/** dist/program.js run as the bin runs it, with none of the bin's own answers. */
export const commanderCliPath = join(repoRoot, 'test/helpers/commander-cli.mjs');

export interface Answer {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** What `node script ...args` writes without a terminal, every byte (nothing trimmed). */
export async function answerOf(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Answer> {
  const { exitCode, stdout, stderr } = await execa('node', [script, ...args], {
    stripFinalNewline: false,
    reject: false,
    stdin: 'ignore',
    env: { APNS_SETUP_PASSPHRASE: undefined, NO_COLOR: '1', ...env },
  });
  return { exitCode, stdout, stderr };
}

/**
 * The frames of a stack trace (--debug) name the files the code ran from, and how many there are
 * depends on who called: that differs between the two by design. The other lines must not.
 */
const withoutFrames = (answer: Answer): Answer => ({
  ...answer,
  stderr: answer.stderr.replace(/(^ {4}at .+\n)+/gm, '    at …\n'),
});

/** The bin's answer, once it is seen to be the program's. */
export async function expectSameAnswer(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Answer> {
  const [bin, program] = await Promise.all([
    answerOf(cliPath, args, env),
    answerOf(commanderCliPath, args, env),
  ]);
  expect(withoutFrames(bin), args.join(' ')).toEqual(withoutFrames(program));
  return bin;
}

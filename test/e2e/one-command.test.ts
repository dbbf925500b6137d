/**
 * inspect, check, import, convert and push are each built into a file of their own
 * (dist/commands/NAME.cjs, src/one-command.ts), which the bin requires when the command line
 * names one; the rest of the e2e suite runs them that way. Such a file reads a plain command
 * line itself, without commander, and leaves every other (usage errors, suggestions, help) to
 * the program. Either way its answer must be what the whole program answers: usage errors, the
 * redaction of option values, failures, reports. Each command line here is answered by the bin
 * and by the program (test/helpers/commander-cli.mjs) and the two answers are compared byte for
 * byte.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { expectSameAnswer } from '../helpers/same-answer.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

// The real clock: the certificate meets the built CLI, which reads it.
const now = new Date();
const scratch = scratchDir();
afterAll(() => scratch.remove());

const oneFileCommands = ['check', 'convert', 'import', 'inspect', 'push'];

describe('the commands in a file of their own', () => {
  it('are these five, each built into dist/commands/', () => {
    expect(readdirSync(join(repoRoot, 'dist/commands')).sort()).toEqual(
      oneFileCommands.map((name) => `${name}.cjs`),
    );
  });

  it.each(oneFileCommands)(
    '%s: usage errors are answered as the program answers them',
    async (name) => {
      for (const args of [
        [name, '--bogus'],
        [name, '--jsn'],
        [name, '--passphrase=hunter2'],
        [name, '-pSekr3t'],
        ['--debug', name, '--bogus'],
        ['--debug', name, join(scratch.path, 'missing.pem')],
        [name, join(scratch.path, 'missing.pem')],
      ]) {
        const answered = await expectSameAnswer(args);
        expect(answered.exitCode, args.join(' ')).toBe(2);
        expect(answered.stderr, args.join(' ')).not.toMatch(/hunter2|Sekr3t/);
      }
    },
  );

  it('each command answers its own usage errors as the program does', async () => {
    for (const args of [
      ['inspect'],
      ['check', '--days', 'soon'],
      ['check', '--days'],
      ['import', join(scratch.path, 'aps.cer')],
      ['convert'],
      ['push', '--priority', '7'],
      ['push', '--cert'],
    ]) {
      const answered = await expectSameAnswer(args);
      expect(answered.exitCode, args.join(' ')).toBe(2);
    }
  });

  it('a run that works prints the same report through either', async () => {
    const cer = join(scratch.path, 'aps.cer');
    writeFileSync(cer, issueSandboxCertificate({ now }).der);
    for (const args of [
      ['inspect', cer],
      ['inspect', '--json', cer],
      ['check', cer, '--days', '30'],
      ['--debug', 'check', '--json', cer],
    ]) {
      const answered = await expectSameAnswer(args);
      expect(answered.exitCode, args.join(' ')).toBe(0);
      expect(answered.stdout, args.join(' ')).toContain('aps.cer');
    }
  });
});

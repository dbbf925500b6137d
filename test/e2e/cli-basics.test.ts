import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';

const version = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

describe('the apns-setup binary', () => {
  it('prints its version and exits 0', async () => {
    const result = await runCli(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('lists every command and the exit codes in --help', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    for (const command of ['csr', 'import', 'convert', 'inspect', 'check']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toMatch(/^\s+130\s+cancelled/m);
  });

  it('shows examples in a command help', async () => {
    const result = await runCli(['import', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      '$ apns-setup import ~/Downloads/aps_development.cer --key certs/key.pem',
    );
  });

  it('`help` and `help <command>` print the same help as --help, and exit 0 as it does', async () => {
    const pairs: [string[], string[]][] = [
      [['help'], ['--help']],
      [
        ['help', 'check'],
        ['check', '--help'],
      ],
    ];
    for (const [asked, same] of pairs) {
      const result = await runCli(asked);
      const expected = await runCli(same);
      expect(result.exitCode, asked.join(' ')).toBe(0);
      expect(result.stdout).toBe(expected.stdout);
      expect(result.stderr).toBe('');
    }
  });

  it('without a terminal and without a command prints help to stderr and exits 2', async () => {
    const result = await runCli([]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: apns-setup');
  });

  it('refuses an unknown flag or command with exit 2 and no stack trace', async () => {
    for (const args of [
      ['inspect', '--frobnicate', 'x'],
      ['frobnicate'],
      ['check', '--days', 'soon', 'x'],
    ]) {
      const result = await runCli(args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expectCleanFailure(result);
      expect(result.stderr).toMatch(/error: /);
    }
  });

  it('refuses a missing required flag with exit 2 and names it', async () => {
    const result = await runCli(['csr', '--email', 'me@example.com']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--common-name');
  });

  it('suggests the command a typo meant', async () => {
    const result = await runCli(['imprt', 'aps.cer']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'imprt'");
    expect(result.stderr).toContain('Did you mean import?');
  });

  it('never echoes the value of an unknown --option=value (it may be a passphrase)', async () => {
    const result = await runCli([
      'csr',
      '--passphrase=hunter2',
      '--email',
      'a@example.com',
      '--common-name',
      'x',
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--passphrase=…'");
    expect(result.stderr).not.toContain('hunter2');
  });

  it("never echoes a password stuck to a short option, openssl's habit (-pSekr3t)", async () => {
    const result = await runCli(['convert', 'x.p12', '-pSekr3t']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '-p…'");
    expect(result.stderr).not.toContain('Sekr3t');
  });
});

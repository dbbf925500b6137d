/**
 * What the README says is true: every command is in its table, the PKCS#12 profiles open where
 * it says (as `inspect` reports), and the offline loop it shows works as written.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../src/commands/definitions.js';
import { writePkcs12 } from '../src/core/pki/pkcs12-write.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { repoRoot } from './helpers/fixtures.js';
import { spawnSandbox } from './helpers/sandbox-process.js';
import { issueUniversalCertificate, testKey } from './helpers/test-ca.js';

// The real clock: the built CLI and the sandbox read it.
const now = new Date();
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const scratch = scratchDir();
afterAll(() => scratch.remove());

/** The rows of the markdown table that follows `heading`. */
function tableAfter(heading: string): string[][] {
  const lines = readme.slice(readme.indexOf(heading)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('the README', () => {
  it('lists every command in its commands table, with an example that runs it', () => {
    const rows = tableAfter('### Commands');
    for (const { name } of commandDefinitions) {
      const row = rows.find((r) => r[0]!.startsWith(`\`${name}\``));
      expect(row, name).toBeDefined();
      expect(row![1], name).toContain(`apns-setup ${name === 'wizard' ? 'wizard' : name}`);
    }
  });

  it('says where each PKCS#12 profile opens, as inspect reports it', async () => {
    const names: Record<string, string> = {
      'openssl-3': 'OpenSSL 3',
      'node-tls': 'Node `tls`',
      'macos-keychain': 'macOS Keychain',
      java: 'Java',
      'go-pkcs12': 'Go',
    };
    const issued = issueUniversalCertificate({ now, bundleId: 'com.example.readme' });
    for (const [profile, cell] of tableAfter('### PKCS#12 profiles').map(
      (r) => [r[0]!.replace(/`| \(default\)/g, ''), r[2]!] as const,
    )) {
      const file = join(scratch.path, `${profile}.p12`);
      writeFileSync(
        file,
        writePkcs12({
          key: testKey('leaf'),
          certificates: [issued.der],
          passphrase: 'readme',
          profile: profile as 'compatible' | 'modern',
        }),
      );
      const inspected = await runCli(['inspect', file, '--json'], {
        env: { APNS_SETUP_PASSPHRASE: 'readme' },
      });
      const [entry] = JSON.parse(inspected.stdout) as { pkcs12: { readableBy: string[] } }[];
      // The consumers the README names before "only" (or a ';') are the ones it opens in.
      const opensIn = cell.split(/ only|;/)[0]!;
      for (const [id, name] of Object.entries(names)) {
        expect(opensIn.includes(name), `${profile}: ${name}`).toBe(
          entry!.pkcs12.readableBy.includes(id),
        );
      }
    }
  });

  it('shows an offline loop whose commands work together, as written', async () => {
    const block = /<!-- tested: offline-loop -->\s*```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands = block
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .map((words) => words.slice(1).map((w) => w.replace(/^"(.*)"$/, '$1')));
    const env = { APNS_SETUP_PASSPHRASE: 'offline loop' };
    const cwd = scratch.path;
    // The common name is two words in quotes: put them back together.
    const csr = commands[0]!.join(' ').replace('"MyApp Push"', 'MyApp_Push').split(' ');
    expect((await runCli(csr, { env, cwd })).exitCode).toBe(0);
    for (const command of commands.slice(1, 3)) {
      const result = await runCli(command, { env, cwd });
      expect(result.exitCode, `${command.join(' ')}\n${result.stderr}`).toBe(0);
    }
    const sandboxCommand = commands[3]!;
    expect(sandboxCommand[0]).toBe('sandbox');
    const sandbox = spawnSandbox(
      [...sandboxCommand.slice(1).map((w) => (w === '8443' ? '0' : w)), '--json'],
      { cwd },
    );
    try {
      const { url } = JSON.parse(await sandbox.nextLine()) as { url: string };
      const push = commands[4]!.map((w) => (w === 'https://127.0.0.1:8443' ? url : w));
      const pushed = await runCli(push, { cwd });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^✓ \(probe\)/m);
    } finally {
      await sandbox.stop();
    }
  });

  it('shows an offline loop with a token key whose commands work together, as written', async () => {
    const block = /<!-- tested: offline-token-loop -->\s*```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const [sandboxCommand, pushCommand] = block
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).slice(1));
    expect(sandboxCommand![0]).toBe('sandbox');
    const cwd = scratchDir('apns-setup-readme-token-').path;
    const sandbox = spawnSandbox(
      [...sandboxCommand!.slice(1).map((w) => (w === '8443' ? '0' : w)), '--json'],
      { cwd },
    );
    try {
      const { url } = JSON.parse(await sandbox.nextLine()) as { url: string };
      // KEYID stands for the id the sandbox made: its one AuthKey_*.p8.
      const [name] = readdirSync(join(cwd, '.sandbox')).filter((n) => /^AuthKey_.*\.p8$/.test(n));
      const keyId = /^AuthKey_(.*)\.p8$/.exec(name!)![1]!;
      const push = pushCommand!.map((w) =>
        w === 'https://127.0.0.1:8443' ? url : w.replace('KEYID', keyId),
      );
      const pushed = await runCli(push, { cwd });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      expect(pushed.stdout).toMatch(/^✓ \(probe\)/m);
      expect(pushed.stdout).toContain(`the token of key ${keyId} for team SANDBOX001`);
    } finally {
      await sandbox.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

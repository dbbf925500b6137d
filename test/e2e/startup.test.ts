/**
 * Start-up is part of the design: each command loads only what it needs. Measured on Node 20,
 * @inquirer/prompts costs ~135 ms, execa ~176 ms, listr2 ~45 ms, node-forge ~84 ms. This test
 * asserts what is loaded, not how long it takes (timings belong in `npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { hasOpenssl3 } from '../helpers/openssl.js';
import { buildProfile } from '../helpers/profiles.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const scratch = scratchDir();
afterAll(() => scratch.remove());

function loadedPackages(args: string[]): Set<string> {
  const trace = join(scratch.path, `trace-${args[0] ?? 'none'}.txt`);
  writeFileSync(trace, '');
  try {
    execFileSync(
      process.execPath,
      ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs'), cliPath, ...args],
      {
        env: { ...process.env, TRACE_IMPORTS_FILE: trace, APNS_SETUP_PASSPHRASE: undefined },
        stdio: 'ignore',
      },
    );
  } catch {
    // Exit codes other than 0 are expected for some commands; only the trace matters here.
  }
  const packages = new Set<string>();
  for (const url of readFileSync(trace, 'utf8').split('\n')) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (match) packages.add(match[1]!);
  }
  return packages;
}

describe('start-up', () => {
  it('--version loads only commander', () => {
    const loaded = loadedPackages(['--version']);
    expect([...loaded]).toEqual(['commander']);
  });

  it('check and import do not load prompts, task lists or execa', () => {
    const cer = join(scratch.path, 'aps.cer');
    writeFileSync(cer, issueSandboxCertificate({ now }).der);
    for (const args of [
      ['check', cer],
      ['import', cer, '--key', join(scratch.path, 'missing-key.pem')],
      ['inspect', cer],
    ]) {
      const loaded = loadedPackages(args);
      expect(loaded.has('commander'), 'the trace recorded nothing').toBe(true);
      // The plist parser (and its XML parser) loads only when a provisioning profile is met.
      for (const heavy of [
        '@inquirer/prompts',
        '@inquirer/core',
        'listr2',
        'execa',
        'plist',
        '@xmldom/xmldom',
      ]) {
        expect(loaded.has(heavy), `${args[0]!} loaded ${heavy}`).toBe(false);
      }
    }
  });

  it.skipIf(!hasOpenssl3)('inspect loads the plist parser once it meets a profile', () => {
    const profile = join(scratch.path, 'MyApp.mobileprovision');
    writeFileSync(profile, buildProfile({ now }));
    const loaded = loadedPackages(['inspect', profile]);
    expect(loaded.has('plist')).toBe(true);
    expect(loaded.has('@inquirer/prompts')).toBe(false);
  });

  it('no command loads @napi-rs/keyring: with --keychain only its helper process would', () => {
    // The OS keychain (src/adapters/keychain.ts) runs @napi-rs/keyring in a helper process that
    // it starts only when --keychain is used; the CLI's own process never loads it. Each command
    // here runs far enough to load what it needs (a flow, its adapters), then fails or ends.
    const cer = join(scratch.path, 'keychain-aps.cer');
    writeFileSync(cer, issueSandboxCertificate({ now }).der);
    const missing = join(scratch.path, 'missing');
    for (const args of [
      ['--version'],
      ['check', cer],
      ['inspect', cer],
      ['import', cer, '--key', join(missing, 'key.pem')],
      ['convert', join(missing, 'push.p12')],
      ['csr', '--email', 'dev@example.com', '--common-name', 'Push', '--out', missing],
      ['push', '--cert', join(missing, 'ck.pem')],
      ['sandbox', '--tokens', join(missing, 'tokens.txt')],
      ['renew', '--from', join(missing, 'ck.pem')],
      ['wizard', '--journey', 'new', '--out', join(missing, 'wizard'), '--yes'],
      ['demo'],
    ]) {
      const loaded = loadedPackages(args);
      expect(loaded.has('commander'), 'the trace recorded nothing').toBe(true);
      for (const name of loaded) {
        expect(name.startsWith('@napi-rs/keyring'), `${args.join(' ')} loaded ${name}`).toBe(false);
      }
    }
  });

  it("the wizard's first screen loads the prompt library, not the journeys nor node-forge", () => {
    const trace = join(scratch.path, 'trace-wizard.txt');
    writeFileSync(trace, '');
    const spec = {
      argv: [
        process.execPath,
        '--import',
        join(repoRoot, 'test/helpers/trace-imports.mjs'),
        cliPath,
      ],
      env: { TRACE_IMPORTS_FILE: trace, NO_COLOR: '1', TERM: 'xterm' },
      // Ctrl-C at the first question: what was loaded by then is what the first screen cost.
      steps: [{ expect: 'What would you like to do', send: '\u0003' }],
      timeout: 30,
    };
    execFileSync('python3', [join(repoRoot, 'test/helpers/pty-drive.py'), JSON.stringify(spec)]);
    const urls = readFileSync(trace, 'utf8').split('\n');
    expect(urls.some((u) => u.includes('@inquirer/prompts'))).toBe(true);
    for (const heavy of ['node_modules/node-forge', 'node_modules/listr2', 'node_modules/execa']) {
      expect(
        urls.filter((u) => u.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
    expect(urls.filter((u) => /dist\/(flows\/wizard\/run-wizard|core\/pki\/)/.test(u))).toEqual([]);
  });
});

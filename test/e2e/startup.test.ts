/**
 * Start-up is part of the design: each command loads only what it needs. Measured on Node 20,
 * @inquirer/prompts costs ~135 ms, execa ~176 ms, listr2 ~45 ms, node-forge 50–80 ms. This test
 * asserts what is loaded, not how long it takes (timings belong in `npm run bench`).
 *
 * dist/ is bundled (scripts/build.mjs): the bin (dist/cli.cjs, CommonJS) requires the file of
 * a command built on its own (dist/commands/NAME.cjs, CommonJS, with what it loads lazily in
 * dist/vendor/), or imports the program (dist/program.js, ESM), which loads a few chunks; each
 * file holds code from several sources and packages, and node-forge is required from
 * node_modules. So what a command loaded is read from
 * two records: the trace of every module it loaded (ES modules as they are resolved, CommonJS
 * ones from require's cache at exit; test/helpers/trace-imports.mjs) and dist/meta.json,
 * esbuild's map of what went into each output file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/commands/definitions.js';
import { cliPath, scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { runInPty } from '../helpers/pty.js';
import { hasOpenssl3, opensslOk } from '../helpers/openssl.js';
import { buildProfile } from '../helpers/profiles.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const scratch = scratchDir();
afterAll(() => scratch.remove());

interface BuildMeta {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}
const meta = JSON.parse(readFileSync(join(repoRoot, 'dist/meta.json'), 'utf8')) as BuildMeta;

interface Loaded {
  /** The files of dist/ the command loaded, relative to the checkout. */
  chunks: string[];
  /** Those of them it loaded as CommonJS (they were in require's cache). */
  commonjs: string[];
  /** Every package whose code it loaded, bundled into a chunk or from node_modules. */
  packages: Set<string>;
  /** Our own sources (src/…) whose code it loaded. */
  sources: Set<string>;
  /** Files it loaded straight from node_modules, relative to the checkout. */
  external: string[];
}

/** What the trace (its lines: `import <url>` or `require <url>`) says was loaded. */
function whatLoaded(lines: string[]): Loaded {
  const loaded: Loaded = {
    chunks: [],
    commonjs: [],
    packages: new Set(),
    sources: new Set(),
    external: [],
  };
  const required = new Set(
    lines.filter((line) => line.startsWith('require ')).map((line) => line.slice(8)),
  );
  const urls = new Set(lines.map((line) => line.slice(line.indexOf(' ') + 1)));
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const path = relative(repoRoot, fileURLToPath(url));
    const output = meta.outputs[path];
    if (output) loaded.chunks.push(path);
    else if (path.startsWith('node_modules/')) loaded.external.push(path);
    if (output && required.has(url)) loaded.commonjs.push(path);
    const inputs = output
      ? Object.keys(output.inputs).filter((input) => output.inputs[input]!.bytesInOutput > 0)
      : [path];
    for (const input of inputs) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      if (match) loaded.packages.add(match[1]!);
      else if (input.startsWith('src/')) loaded.sources.add(input);
    }
  }
  return loaded;
}

function traced(
  args: string[],
  env: Record<string, string | undefined> = { APNS_SETUP_PASSPHRASE: undefined },
): Loaded {
  const trace = join(scratch.path, `trace-${args[0] ?? 'none'}.txt`);
  writeFileSync(trace, '');
  try {
    execFileSync(
      process.execPath,
      ['--import', join(repoRoot, 'test/helpers/trace-imports.mjs'), cliPath, ...args],
      { env: { ...process.env, TRACE_IMPORTS_FILE: trace, ...env }, stdio: 'ignore' },
    );
  } catch {
    // Exit codes other than 0 are expected for some commands; only the trace matters here.
  }
  return whatLoaded(readFileSync(trace, 'utf8').split('\n'));
}

function loadedPackages(args: string[], env?: Record<string, string | undefined>): Set<string> {
  return traced(args, env).packages;
}

/** The prompt library (@inquirer/prompts and the packages of each prompt), and the others. */
// The plist parser (and its XML parser) loads only when a provisioning profile is met.
const HEAVY = ['@inquirer/', 'listr2', 'execa', 'node-forge', 'plist', '@xmldom/xmldom'];
const heavyIn = (packages: Set<string>, heavy: string): boolean =>
  [...packages].some((name) => name === heavy || (heavy.endsWith('/') && name.startsWith(heavy)));

/**
 * aps.cer and its key.pem, as `apns-setup csr` writes the key (encrypted with 'pw'), in the
 * scratch folder under names that start with `prefix`: enough for a whole import.
 */
function certificateAndKey(prefix: string): { cer: string; key: string } {
  const issued = issueSandboxCertificate({ now });
  const cer = join(scratch.path, `${prefix}aps.cer`);
  writeFileSync(cer, issued.der);
  const key = join(scratch.path, `${prefix}key.pem`);
  writeFileSync(
    key,
    issued.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }),
  );
  return { cer, key };
}

describe('start-up', () => {
  it('the trace sees bundled packages and node-forge (the records this test reads are right)', () => {
    const csr = traced([
      'csr',
      '--email',
      'dev@example.com',
      '--common-name',
      'Push',
      '--out',
      join(scratch.path, 'csr'),
      '--insecure',
    ]);
    expect(csr.packages.has('commander')).toBe(true);
    expect(csr.packages.has('node-forge')).toBe(true);
    expect(csr.sources.has('src/core/pki/csr.ts')).toBe(true);
  });

  it('the bin is CommonJS, and it is what package.json names', () => {
    const bin = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      }
    ).bin['apns-setup'];
    expect(join(repoRoot, bin ?? '')).toBe(cliPath);
    expect(traced(['--version']).commonjs).toEqual(['dist/cli.cjs']);
  });

  it('--version and a request for help, in each form and for each command, load the bin alone: no package, no ES module', () => {
    for (const args of [
      ['--version'],
      ['-V'],
      ['--help'],
      ['-h'],
      ['help'],
      ['check', '-h'],
      ['help', 'check'],
      ...commandDefinitions.map(({ name }) => [name, '--help']),
    ]) {
      const loaded = traced(args);
      expect(loaded.chunks, args.join(' ')).toEqual(['dist/cli.cjs']);
      expect(loaded.commonjs, args.join(' ')).toEqual(['dist/cli.cjs']);
      expect([...loaded.packages], args.join(' ')).toEqual([]);
    }
  });

  it('--version and --help, to a pipe, a file or /dev/null, make no Node stream: no net, tty nor stream module', () => {
    const stdouts: { name: string; fd: () => number | 'pipe' }[] = [
      { name: 'a pipe', fd: () => 'pipe' },
      { name: 'a file', fd: () => openSync(join(scratch.path, 'answer.txt'), 'w') },
      ...(existsSync('/dev/null')
        ? [{ name: '/dev/null', fd: () => openSync('/dev/null', 'w') }]
        : []),
    ];
    for (const args of [['--version'], ['--help'], ['check', '--help']]) {
      for (const stdout of stdouts) {
        const list = join(scratch.path, 'builtins-answer.txt');
        const fd = stdout.fd();
        const result = spawnSync(
          process.execPath,
          ['-r', join(repoRoot, 'test/helpers/builtins-loaded.cjs'), cliPath, ...args],
          {
            env: { ...process.env, BUILTINS_LOADED_FILE: list },
            stdio: ['ignore', fd, 'pipe'],
            encoding: 'utf8',
          },
        );
        if (typeof fd === 'number') closeSync(fd);
        const what = `${args.join(' ')} to ${stdout.name}`;
        expect(result.status, what).toBe(0);
        if (stdout.name === 'a pipe')
          expect(result.stdout, what).toMatch(/^(\d+\.\d+\.\d+|Usage: )/);
        const builtins = readFileSync(list, 'utf8').split('\n');
        expect(builtins, 'the list was recorded').toContain('NativeModule fs');
        for (const stream of ['net', 'tty', 'stream', 'internal/streams/writable']) {
          expect(builtins, `${what} loaded ${stream}`).not.toContain(`NativeModule ${stream}`);
        }
      }
    }
    expect(readFileSync(join(scratch.path, 'answer.txt'), 'utf8')).toMatch(/^Usage: apns-setup/);
  });

  it('inspect, check, import, convert and push load the bin and their own file alone: CommonJS, no ES module', () => {
    const cer = join(scratch.path, 'own-file-aps.cer');
    writeFileSync(cer, issueSandboxCertificate({ now }).der);
    const missing = join(scratch.path, 'missing');
    for (const [name, args] of [
      ['inspect', ['inspect', cer]],
      ['check', ['check', cer]],
      ['check', ['--debug', 'check', cer]],
      ['import', ['import', cer, '--key', join(missing, 'key.pem'), '--out', missing]],
      ['convert', ['convert', join(missing, 'push.p12')]],
      ['push', ['push', '--cert', join(missing, 'ck.pem'), '--token', 'a'.repeat(64)]],
    ] as const) {
      const loaded = traced([...args]);
      const files = ['dist/cli.cjs', `dist/commands/${name}.cjs`];
      expect(loaded.chunks.sort(), args.join(' ')).toEqual(files);
      expect(loaded.commonjs.sort(), args.join(' ')).toEqual(files);
      // A plain command line is read from the table the build wrote: commander stays unloaded.
      expect(loaded.sources.has('src/plain-command-line.ts'), args.join(' ')).toBe(true);
      expect(loaded.packages.has('commander'), args.join(' ')).toBe(false);
    }
  });

  it('check, inspect and import load neither prompts, task lists, execa nor node-forge', () => {
    const { cer, key } = certificateAndKey('');
    const out = join(scratch.path, 'imported');
    const runs: [string, Loaded][] = [
      ['check', traced(['check', cer])],
      ['inspect', traced(['inspect', cer])],
      [
        'import',
        traced(['import', cer, '--key', key, '--out', out], {
          APNS_SETUP_PASSPHRASE: 'pw',
        }),
      ],
    ];
    expect(readFileSync(join(out, 'ck.pem'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    for (const [command, { packages, sources }] of runs) {
      expect(sources.has(`src/commands/${command}.ts`), 'the trace recorded nothing').toBe(true);
      for (const heavy of HEAVY) {
        expect(heavyIn(packages, heavy), `${command} loaded ${heavy}`).toBe(false);
      }
    }
  });

  it('inspect, check, import and convert load neither node:fs/promises nor node:perf_hooks (some 2–5 ms each, with what they load)', () => {
    const { cer, key } = certificateAndKey('builtins-');
    const imported = join(scratch.path, 'builtins-imported');
    for (const args of [
      ['inspect', cer],
      ['check', cer],
      ['import', cer, '--key', key, '--out', imported],
      ['convert', join(imported, 'apns.p12'), '--out', join(scratch.path, 'builtins-converted')],
    ]) {
      const list = join(scratch.path, `builtins-${args[0]}.txt`);
      execFileSync(
        process.execPath,
        ['-r', join(repoRoot, 'test/helpers/builtins-loaded.cjs'), cliPath, ...args],
        {
          env: { ...process.env, BUILTINS_LOADED_FILE: list, APNS_SETUP_PASSPHRASE: 'pw' },
          stdio: 'ignore',
        },
      );
      const builtins = readFileSync(list, 'utf8').split('\n');
      expect(builtins, 'the list was recorded').toContain('NativeModule internal/crypto/x509');
      for (const heavy of ['fs/promises', 'internal/fs/promises', 'perf_hooks']) {
        expect(builtins, `${args[0]} loaded ${heavy}`).not.toContain(`NativeModule ${heavy}`);
      }
    }
    // Each ran to its end: import wrote its files, convert its own from import's .p12.
    expect(readFileSync(join(scratch.path, 'builtins-converted', 'ck.pem'), 'utf8')).toContain(
      'BEGIN RSA PRIVATE KEY',
    );
  });

  it.skipIf(!hasOpenssl3)(
    'convert loads no node-forge, for a Keychain (RC2) .p12 nor for the one it wrote',
    async () => {
      const issued = issueSandboxCertificate({ now });
      const bundle = join(scratch.path, 'bundle.pem');
      writeFileSync(
        bundle,
        issued.certificatePem + issued.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      );
      const keychain = join(scratch.path, 'keychain.p12');
      // -legacy: RC2-40 for the certificate, 3DES for the key, as Keychain Access exports.
      await opensslOk([
        'pkcs12',
        '-export',
        '-legacy',
        '-in',
        bundle,
        '-passout',
        'pass:pw',
        '-out',
        keychain,
      ]);
      const env = { APNS_SETUP_PASSPHRASE: 'pw' };
      const rc2 = traced(['convert', keychain, '--out', join(scratch.path, 'from-rc2')], env);
      expect(readFileSync(join(scratch.path, 'from-rc2', 'ck.pem'), 'utf8')).toContain(
        'BEGIN CERTIFICATE',
      );
      expect(rc2.sources.has('src/commands/convert.ts'), 'the trace recorded nothing').toBe(true);
      expect(rc2.packages.has('node-forge')).toBe(false);
      // The apns.p12 it wrote (3DES, the compatible profile) needs no forge at all.
      const again = traced(
        ['convert', join(scratch.path, 'from-rc2', 'apns.p12'), '--out', join(scratch.path, 'b')],
        env,
      );
      expect(again.sources.has('src/commands/convert.ts'), 'the trace recorded nothing').toBe(true);
      expect(again.packages.has('node-forge')).toBe(false);
    },
  );

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
    // (`--version` loads no package at all: the test above.)
    const cer = join(scratch.path, 'keychain-aps.cer');
    writeFileSync(cer, issueSandboxCertificate({ now }).der);
    const missing = join(scratch.path, 'missing');
    for (const args of [
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
      const { packages: loaded, sources } = traced(args);
      expect(sources.has(`src/commands/${args[0]}.ts`), 'the trace recorded nothing').toBe(true);
      for (const name of loaded) {
        expect(name.startsWith('@napi-rs/keyring'), `${args.join(' ')} loaded ${name}`).toBe(false);
      }
    }
  });

  it("the wizard's first screen loads the prompt library, not the journeys nor node-forge", () => {
    const trace = join(scratch.path, 'trace-wizard.txt');
    writeFileSync(trace, '');
    runInPty({
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
    });
    const loaded = whatLoaded(readFileSync(trace, 'utf8').split('\n'));
    // @inquirer/prompts only re-exports: the code that ran is in @inquirer/core and the prompts.
    expect(loaded.packages.has('@inquirer/core')).toBe(true);
    // iconv-lite and chardet: the editor prompt's, which the wizard does not use (scripts/build.mjs).
    for (const heavy of ['node-forge', 'listr2', 'execa', 'iconv-lite', 'chardet']) {
      expect(loaded.packages.has(heavy), heavy).toBe(false);
    }
    expect(
      [...loaded.sources].filter((s) => /^src\/(flows\/wizard\/run-wizard|core\/pki\/)/.test(s)),
    ).toEqual([]);
  });
});

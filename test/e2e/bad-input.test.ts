/**
 * Every bad input, for every command that reads files: exit 2, one line saying what is wrong
 * with which file and one saying what to do, no stack trace (but one with --debug), and no
 * output file written.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  mkdirSync,
  openSync,
  closeSync,
  ftruncateSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli, scratchDir, type CliResult } from '../helpers/cli.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';
import { hasOpenssl3, openssl, opensslOk } from '../helpers/openssl.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const PASSPHRASE = 'bad input pass 9';
const env = { APNS_SETUP_PASSPHRASE: PASSPHRASE };
const scratch = scratchDir('apns-setup-bad-input-');
const at = (name: string) => join(scratch.path, name);
afterAll(() => scratch.remove());

/** The good files the bad ones stand beside. */
const good = { cer: at('aps.cer'), key: at('key.pem'), p12: at('push.p12') };

interface BadInput {
  name: string;
  path: string;
  /** What the first stderr line must say about it. */
  says: RegExp;
}

const bad: Record<string, BadInput> = {
  empty: { name: 'an empty file', path: at('empty.cer'), says: /is empty/ },
  random: {
    name: 'random bytes',
    path: at('random.cer'),
    says: /not a certificate, key, CSR|not valid DER/,
  },
  truncatedDer: { name: 'truncated DER', path: at('truncated.cer'), says: /cut short/ },
  truncatedPem: {
    name: 'a PEM with BEGIN and no END',
    path: at('truncated.pem'),
    says: /no END line/,
  },
  badBase64: { name: 'bad base64', path: at('bad-base64.pem'), says: /not valid base64/ },
  folder: { name: 'a folder', path: at('a-folder'), says: /is a folder, not a file/ },
  missing: { name: 'a missing file', path: at('missing.cer'), says: /no such file/ },
  huge: { name: 'a 50 MB file', path: at('huge.cer'), says: /is 50 MiB, too large to read/ },
};
const csrPath = () => join(scratch.path, 'csr', 'CertificateSigningRequest.certSigningRequest');
const keyOnly = at('key-only.pem');

beforeAll(async () => {
  const issued = issueSandboxCertificate({ now, bundleId: 'com.example.bad' });
  writeFileSync(good.cer, issued.der);
  writeFileSync(
    good.key,
    testKey('leaf').export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: PASSPHRASE,
    }),
  );
  writeFileSync(keyOnly, testKey('leaf').export({ type: 'pkcs8', format: 'pem' }));

  writeFileSync(bad.empty!.path, '');
  // Random bytes that start like DER would still be random: force a non-DER, non-PEM start.
  writeFileSync(bad.random!.path, Buffer.concat([Buffer.from([0x7f]), randomBytes(2047)]));
  writeFileSync(
    bad.truncatedDer!.path,
    issued.der.subarray(0, Math.floor(issued.der.length * 0.6)),
  );
  const pemLines = issued.certificatePem.trimEnd().split('\n');
  writeFileSync(bad.truncatedPem!.path, `${pemLines.slice(0, 8).join('\n')}\n`);
  pemLines[3] = `${pemLines[3]!.slice(0, 50)}!!@@##$$%%^^&&`;
  writeFileSync(bad.badBase64!.path, `${pemLines.join('\n')}\n`);
  mkdirSync(bad.folder!.path);
  // Sparse, as `truncate -s 50M` makes it: no 50 MB written to the disk.
  const fd = openSync(bad.huge!.path, 'w');
  ftruncateSync(fd, 50 * 1024 * 1024);
  closeSync(fd);

  const csr = await runCli([
    'csr',
    '--email',
    'bad@example.com',
    '--common-name',
    'Bad Input',
    '--out',
    join(scratch.path, 'csr'),
    '--insecure',
  ]);
  expect(csr.exitCode, csr.stderr).toBe(0);
});

let outCounter = 0;
function freshOut(): string {
  return at(`out-${++outCounter}`);
}

/** exit 2; "Error: <file>: …" then a hint; nothing on stdout. */
function expectRefusal(result: CliResult, file: string, says: RegExp): void {
  expect(result.exitCode, result.stderr).toBe(2);
  expectCleanFailure(result);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^Error: /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(says);
  expect(lines[1]!.trim().length, 'a hint saying what to do').toBeGreaterThan(10);
  expect(result.stdout).toBe('');
}

describe.each(Object.entries(bad))('%s', (_key, input) => {
  it(`inspect: exit 2, says what is wrong with ${input.name} and what to do`, async () => {
    expectRefusal(await runCli(['inspect', input.path]), input.path, input.says);
  });

  it('inspect --json: the entry carries the error, stdout is still JSON', async () => {
    const result = await runCli(['inspect', '--json', input.path]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    const [entry] = JSON.parse(result.stdout) as { file: string; error: { message: string } }[];
    expect(entry!.file).toBe(input.path);
    expect(entry!.error.message).toMatch(input.says);
  });

  it('import (as the .cer): exit 2, nothing written', async () => {
    const out = freshOut();
    const result = await runCli(['import', input.path, '--key', good.key, '--out', out], { env });
    expectRefusal(result, input.path, input.says);
    expect(existsSync(out)).toBe(false);
  });

  it('import (as --key): exit 2, nothing written', async () => {
    const out = freshOut();
    const result = await runCli(['import', good.cer, '--key', input.path, '--out', out], { env });
    expectRefusal(result, input.path, input.says);
    expect(existsSync(out)).toBe(false);
  });

  it('convert: exit 2, an existing empty output folder stays empty', async () => {
    const out = freshOut();
    mkdirSync(out);
    const result = await runCli(['convert', input.path, '--out', out], { env });
    expectRefusal(result, input.path, input.says);
    expect(readdirSync(out)).toEqual([]);
  });

  it('--debug shows the stack trace', async () => {
    for (const args of [
      ['inspect', input.path],
      ['import', input.path, '--key', good.key, '--out', freshOut()],
      ['convert', input.path, '--out', freshOut()],
    ]) {
      const result = await runCli([...args, '--debug'], { env });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^Error: /);
      expect(result.stderr, args.join(' ')).toMatch(/^\s+at /m);
    }
  });
});

describe.each(Object.entries(bad).filter(([key]) => key !== 'folder' && key !== 'missing'))(
  'check %s',
  (_key, input) => {
    it('is an invalid row, exit 2, with what is wrong and what to do', async () => {
      const result = await runCli(['check', input.path]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe('');
      const problem = result.stdout.split('\n').findIndex((l) => l.startsWith(`${input.path}: `));
      expect(problem, result.stdout).toBeGreaterThan(0);
      const lines = result.stdout.split('\n');
      expect(lines[problem]).toMatch(input.says);
      expect(lines[problem + 1]).toMatch(/^ {2}\S/);
      expect(result.stdout).not.toMatch(/^\s+at /m);
    });
  },
);

describe('check: a missing path and an empty folder', () => {
  it('a missing path: exit 2 and the path; --debug adds the stack', async () => {
    expectRefusal(await runCli(['check', bad.missing!.path]), bad.missing!.path, /no such file/);
    const debug = await runCli(['check', bad.missing!.path, '--debug']);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('a folder with no certificate in it: exit 2', async () => {
    expectRefusal(
      await runCli(['check', bad.folder!.path]),
      bad.folder!.path,
      /no certificates found/,
    );
  });
});

describe('a CSR or a key where a certificate belongs', () => {
  it('import: the CSR as the .cer says to upload it', async () => {
    const out = freshOut();
    const result = await runCli(['import', csrPath(), '--key', good.key, '--out', out], { env });
    expectRefusal(result, csrPath(), /is a certificate signing request \(CSR\), not a certificate/);
    expect(result.stderr).toMatch(/Upload this CSR/);
    expect(existsSync(out)).toBe(false);
  });

  it('import: the key as the .cer', async () => {
    const out = freshOut();
    const result = await runCli(['import', good.key, '--key', good.key, '--out', out], { env });
    expectRefusal(result, good.key, /is a private key, not a certificate/);
    expect(existsSync(out)).toBe(false);
  });

  it('import: the certificate as --key', async () => {
    const out = freshOut();
    const result = await runCli(['import', good.cer, '--key', good.cer, '--out', out], { env });
    expectRefusal(result, good.cer, /holds no private key/);
    expect(existsSync(out)).toBe(false);
  });

  it('convert: the CSR, the key, the certificate alone', async () => {
    for (const [file, says] of [
      [csrPath(), /is a certificate signing request \(CSR\), not a \.p12/],
      [keyOnly, /holds only a private key, no certificate/],
      [good.cer, /is a certificate without its private key/],
    ] as const) {
      const out = freshOut();
      // No passphrase source: the answer must not depend on one.
      const result = await runCli(['convert', file, '--out', out]);
      expectRefusal(result, file, says);
      expect(result.stderr).toContain('apns-setup import');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('check, named explicitly: invalid, exit 2', async () => {
    const result = await runCli(['check', csrPath(), keyOnly]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`${csrPath()}: it holds no certificate`);
    expect(result.stdout).toContain(`${keyOnly}: it holds no certificate`);
  });

  it('inspect is the one command for which they are good input', async () => {
    const result = await runCli(['inspect', csrPath(), keyOnly]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${csrPath()}: certificate signing request`);
    expect(result.stdout).toContain(`${keyOnly}: private key`);
  });
});

describe('a wrong passphrase', () => {
  const wrong = { APNS_SETUP_PASSPHRASE: 'not the passphrase' };

  it('import: exit 2, says so, does not repeat it, writes nothing', async () => {
    const out = freshOut();
    const result = await runCli(['import', good.cer, '--key', good.key, '--out', out], {
      env: wrong,
    });
    expectRefusal(result, good.key, /passphrase/);
    expect(result.stderr).not.toContain('not the passphrase');
    expect(existsSync(out)).toBe(false);
  });

  it('inspect: exit 2 for the encrypted key it was asked to open', async () => {
    const result = await runCli(['inspect', good.key], { env: wrong });
    expectRefusal(result, good.key, /passphrase/);
    expect(result.stderr).not.toContain('not the passphrase');
  });

  it.skipIf(!hasOpenssl3)('convert and check a .p12: exit 2', async () => {
    const bundle = at('p12-input.pem');
    writeFileSync(
      bundle,
      issueSandboxCertificate({ now }).certificatePem +
        testKey('leaf').export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      bundle,
      '-out',
      good.p12,
      '-passout',
      `pass:${PASSPHRASE}`,
    ]);
    const out = freshOut();
    const converted = await runCli(['convert', good.p12, '--out', out], { env: wrong });
    expectRefusal(converted, good.p12, /the passphrase does not open it/);
    expect(existsSync(out)).toBe(false);
    const checked = await runCli(['check', good.p12], { env: wrong });
    expect(checked.exitCode).toBe(2);
    expect(checked.stdout).toContain(`${good.p12}: the passphrase does not open it`);
    expect(checked.stdout + checked.stderr).not.toContain('not the passphrase');
  });

  it('a --passphrase-file that does not exist: exit 2, names it', async () => {
    const out = freshOut();
    const result = await runCli([
      'import',
      good.cer,
      '--key',
      good.key,
      '--out',
      out,
      '--passphrase-file',
      at('no-pass.txt'),
    ]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain(at('no-pass.txt'));
    expect(existsSync(out)).toBe(false);
  });
});

describe('an unknown flag', () => {
  it.each([
    [['inspect', '--frobnicate', 'x.cer']],
    [['import', 'x.cer', '--key', 'key.pem', '--frobnicate']],
    [['convert', 'x.p12', '--frobnicate']],
    [['check', 'certs', '--frobnicate']],
  ])('%j: exit 2, names the flag and where help is', async (args) => {
    const result = await runCli(args);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain("error: unknown option '--frobnicate'");
    expect(result.stderr).toContain('--help');
    expect(result.stdout).toBe('');
  });
});

describe('inspect with good and bad files together', () => {
  it('reports the good ones on stdout and each bad one on stderr, exit 2', async () => {
    const result = await runCli(['inspect', good.cer, bad.missing!.path, bad.empty!.path]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toMatch(new RegExp(`^${good.cer}: certificate$`, 'm'));
    expect(result.stdout).toMatch(/^ {2}Bundle id +com\.example\.bad$/m);
    expect(result.stdout).not.toContain(bad.missing!.path);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    expect(errors).toEqual([
      `Error: ${bad.missing!.path}: no such file`,
      `Error: ${bad.empty!.path}: is empty`,
    ]);
  });
});

// Reported, not fixed here (src/core/pki/pkcs12-read.ts is outside this change): a .p12 whose
// integrity check (MAC) fails is always blamed on the passphrase, even when the passphrase is
// right and decrypts every bag — the file is damaged. DESIGN: "a damaged file is not blamed on
// the passphrase".
describe.skipIf(!hasOpenssl3)('a damaged .p12 with the right passphrase', () => {
  it('is called damaged, not a wrong passphrase', async () => {
    const bundle = at('damaged-input.pem');
    writeFileSync(
      bundle,
      issueSandboxCertificate({ now }).certificatePem +
        testKey('leaf').export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    const p12 = at('damaged.p12');
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      bundle,
      '-out',
      p12,
      '-passout',
      `pass:${PASSPHRASE}`,
    ]);
    // OpenSSL 3's MacData ends the file: 04 20 <32-byte digest> 04 08 <8-byte salt> 02 02 08 00.
    const bytes = readFileSync(p12);
    expect(bytes.subarray(-14)).toEqual(
      Buffer.concat([
        Buffer.from([0x04, 0x08]),
        bytes.subarray(-12, -4),
        Buffer.from([2, 2, 8, 0]),
      ]),
    );
    bytes[bytes.length - 15]! ^= 0x01; // the last byte of the MAC digest
    writeFileSync(p12, bytes);
    const premise = await openssl([
      'pkcs12',
      '-in',
      p12,
      '-passin',
      `pass:${PASSPHRASE}`,
      '-noout',
    ]);
    expect(premise.stderr).toMatch(/mac verify/i);

    const result = await runCli(['inspect', p12], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('the passphrase does not open it');
    expect(result.stderr).toMatch(/damaged/);
  });
});

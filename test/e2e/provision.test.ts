/**
 * The classic recipe end to end with the built CLI: csr → (Apple signs the CSR: here the test
 * CA, laid out as Apple's) → import, with every output opened by the real openssl CLI.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePem } from '../../src/core/pki/pem.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { openssl, opensslOk } from '../helpers/openssl.js';
import {
  issueSandboxCertificate,
  issueUniversalCertificate,
  testCa,
  testKey,
} from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const PASSPHRASE = 'correct horse battery staple 7';
const env = { APNS_SETUP_PASSPHRASE: PASSPHRASE };
const scratch = scratchDir();
const certs = join(scratch.path, 'certs');
let outputs: string[] = [];

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Plays Apple's portal: a universal APNs certificate for the CSR's public key, as DER. */
function signCsr(csrPath: string, out: string): void {
  const [block] = parsePem(readFileSync(csrPath));
  const spki = createPublicKey({
    key: extractCsrPublicKey(block!.der),
    format: 'der',
    type: 'spki',
  });
  const issued = issueUniversalCertificate({
    now,
    key: spki as never,
    bundleId: 'com.example.recipe',
  });
  writeFileSync(out, issued.der);
}

/** The SubjectPublicKeyInfo inside a CSR, via openssl (a client nobody here wrote). */
function extractCsrPublicKey(der: Buffer): Buffer {
  const path = join(scratch.path, 'req.der');
  writeFileSync(path, der);
  const pem = execFileSync('openssl', ['req', '-inform', 'DER', '-in', path, '-pubkey', '-noout'], {
    encoding: 'utf8',
  });
  return parsePem(pem)[0]!.der;
}

beforeAll(async () => {
  const csr = await runCli(
    [
      'csr',
      '--email',
      'dev@example.com',
      '--common-name',
      'Recipe Push',
      '--country',
      'de',
      '--out',
      certs,
    ],
    { env },
  );
  expect(csr.exitCode, csr.stderr).toBe(0);
});
afterAll(() => scratch.remove());

describe('csr', () => {
  it('writes an encrypted PKCS#8 key (0600) and a CSR that openssl verifies', async () => {
    const keyPem = readFileSync(join(certs, 'key.pem'), 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(mode(join(certs, 'key.pem'))).toBe(0o600);
    await opensslOk([
      'pkey',
      '-in',
      join(certs, 'key.pem'),
      '-passin',
      `pass:${PASSPHRASE}`,
      '-noout',
    ]);
    const csrPath = join(certs, 'CertificateSigningRequest.certSigningRequest');
    expect(mode(csrPath)).toBe(0o644);
    const verify = await opensslOk([
      'req',
      '-in',
      csrPath,
      '-verify',
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    expect(verify.stdout + verify.stderr).toMatch(/verify OK/i);
    expect(verify.stdout).toContain('subject=C=DE,CN=Recipe Push,emailAddress=dev@example.com');
  });

  it('refuses to overwrite without --force, and keeps a backup with --force', async () => {
    const before = readFileSync(join(certs, 'key.pem'));
    const again = await runCli(
      ['csr', '--email', 'dev@example.com', '--common-name', 'Again', '--out', certs],
      { env },
    );
    expect(again.exitCode).toBe(2);
    expectCleanFailure(again);
    expect(again.stderr).toMatch(/already exists?/);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(certs, 'key.pem'))).toEqual(before);

    const other = join(scratch.path, 'forced');
    await runCli(['csr', '--email', 'a@example.com', '--common-name', 'One', '--out', other], {
      env,
    });
    const first = readFileSync(join(other, 'key.pem'));
    const forced = await runCli(
      ['csr', '--email', 'a@example.com', '--common-name', 'Two', '--out', other, '--force'],
      {
        env,
      },
    );
    expect(forced.exitCode, forced.stderr).toBe(0);
    const backups = readdirSync(other).filter((n) => n.startsWith('key.pem.bak-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(other, backups[0]!))).toEqual(first);
    expect(mode(join(other, backups[0]!))).toBe(0o600);
    expect(readFileSync(join(other, 'key.pem'))).not.toEqual(first);
  });

  it('names an output path in its errors as its summary does: as typed, under the working folder', async () => {
    const args = ['csr', '--email', 'a@example.com', '--common-name', 'Typed', '--out', 'typed/'];
    const first = await runCli(args, { cwd: scratch.path, env });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout + first.stderr).toContain(`  ${join('typed', 'key.pem')} `);

    const again = await runCli(args, { cwd: scratch.path, env });
    expect(again.exitCode).toBe(2);
    expectCleanFailure(again);
    expect(again.stderr).toContain(
      `Error: ${join('typed', 'key.pem')} and 1 more of the files to write already exist`,
    );
    expect(again.stderr).not.toContain(scratch.path);

    writeFileSync(join(scratch.path, 'plain-file'), 'not a folder\n');
    const through = await runCli([...args.slice(0, -1), join('plain-file', 'sub')], {
      cwd: scratch.path,
      env,
    });
    expect(through.exitCode).toBe(2);
    expect(through.stderr).toContain(
      `Error: ${join('plain-file', 'sub')}: part of this path is a file, not a folder`,
    );
  });

  it('without a passphrase source and without a terminal exits 2, names the options and writes nothing', async () => {
    const out = join(scratch.path, 'no-pass');
    const result = await runCli([
      'csr',
      '--email',
      'a@example.com',
      '--common-name',
      'X',
      '--out',
      out,
    ]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('--passphrase-file');
    expect(result.stderr).toContain('APNS_SETUP_PASSPHRASE');
    expect(existsSync(join(out, 'key.pem'))).toBe(false);
  });

  it('with --insecure writes an unencrypted key, still 0600', async () => {
    const out = join(scratch.path, 'insecure');
    const result = await runCli([
      'csr',
      '--email',
      'a@example.com',
      '--common-name',
      'X',
      '--out',
      out,
      '--insecure',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(out, 'key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(mode(join(out, 'key.pem'))).toBe(0o600);
  });

  it('refuses a malformed email with exit 2', async () => {
    const result = await runCli(
      ['csr', '--email', 'not-an-email', '--common-name', 'X', '--out', join(scratch.path, 'bad')],
      {
        env,
      },
    );
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(/email/i);
  });
});

describe('import', () => {
  beforeAll(async () => {
    signCsr(
      join(certs, 'CertificateSigningRequest.certSigningRequest'),
      join(scratch.path, 'aps.cer'),
    );
    const keyBefore = readFileSync(join(certs, 'key.pem'));
    const result = await runCli(
      ['import', join(scratch.path, 'aps.cer'), '--key', join(certs, 'key.pem'), '--split-p12'],
      {
        env,
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('com.example.recipe');
    // The next step is named: prove it with a credential probe.
    expect(result.stderr).toMatch(/apns-setup push --cert \S*ck\.pem/);
    expect(readFileSync(join(certs, 'key.pem'))).toEqual(keyBefore);
    outputs = readdirSync(certs);
  });

  it('writes every file of the classic guide with the right modes', () => {
    expect(outputs.sort()).toEqual(
      [
        'CertificateSigningRequest.certSigningRequest',
        'apns.p12',
        'cert.p12',
        'cert.pem',
        'ck.pem',
        'key.p12',
        'key.pem',
        'key.unencrypted.pem',
      ].sort(),
    );
    expect(mode(join(certs, 'cert.pem'))).toBe(0o644);
    for (const secret of ['key.unencrypted.pem', 'ck.pem', 'apns.p12', 'key.p12']) {
      expect(mode(join(certs, secret)), secret).toBe(0o600);
    }
  });

  it('cert.pem is the certificate from Apple, key.unencrypted.pem its key, as openssl reads them', async () => {
    const cer = new X509Certificate(readFileSync(join(scratch.path, 'aps.cer')));
    const certPem = await opensslOk([
      'x509',
      '-in',
      join(certs, 'cert.pem'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    expect(certPem.stdout.replace(/:/g, '')).toContain(cer.fingerprint256.replace(/:/g, ''));
    const keyText = readFileSync(join(certs, 'key.unencrypted.pem'), 'utf8');
    expect(keyText).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const pub = await opensslOk(['pkey', '-in', join(certs, 'key.unencrypted.pem'), '-pubout']);
    const certPub = await opensslOk(['x509', '-in', join(certs, 'cert.pem'), '-noout', '-pubkey']);
    expect(pub.stdout).toBe(certPub.stdout);
  });

  it('ck.pem is cert.pem followed by key.unencrypted.pem', () => {
    expect(readFileSync(join(certs, 'ck.pem'), 'utf8')).toBe(
      readFileSync(join(certs, 'cert.pem'), 'utf8') +
        readFileSync(join(certs, 'key.unencrypted.pem'), 'utf8'),
    );
  });

  it('apns.p12 opens in openssl 3 without -legacy and holds the certificate and its key', async () => {
    const info = await openssl([
      'pkcs12',
      '-in',
      join(certs, 'apns.p12'),
      '-passin',
      `pass:${PASSPHRASE}`,
      '-nodes',
    ]);
    expect(info.exitCode, info.stderr).toBe(0);
    expect(info.stdout).toContain('-----BEGIN CERTIFICATE-----');
    expect(info.stdout).toContain('-----BEGIN PRIVATE KEY-----');
    expect(info.stdout).toContain('friendlyName: Apple Push Services: com.example.recipe');
  });

  it('cert.p12 holds only the certificate and key.p12 only the key', async () => {
    const cert = await opensslOk([
      'pkcs12',
      '-in',
      join(certs, 'cert.p12'),
      '-passin',
      `pass:${PASSPHRASE}`,
      '-nodes',
    ]);
    expect(cert.stdout).toContain('BEGIN CERTIFICATE');
    expect(cert.stdout).not.toContain('PRIVATE KEY');
    const key = await opensslOk([
      'pkcs12',
      '-in',
      join(certs, 'key.p12'),
      '-passin',
      `pass:${PASSPHRASE}`,
      '-nodes',
    ]);
    expect(key.stdout).toContain('BEGIN PRIVATE KEY');
    expect(key.stdout).not.toContain('BEGIN CERTIFICATE');
  });

  it('never prints the passphrase', async () => {
    const result = await runCli(['inspect', join(certs, 'ck.pem'), join(certs, 'key.pem')], {
      env,
    });
    expect(result.stdout + result.stderr).not.toContain(PASSPHRASE);
  });

  it('refuses a certificate issued for another key, before writing anything', async () => {
    const other = issueSandboxCertificate({ now, key: testKey('someone-else') });
    const cer = join(scratch.path, 'other.cer');
    writeFileSync(cer, other.der);
    const out = join(scratch.path, 'mismatch-out');
    const result = await runCli(['import', cer, '--key', join(certs, 'key.pem'), '--out', out], {
      env,
    });
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('was issued for another CSR');
    expect(result.stderr).toContain('CertificateSigningRequest.certSigningRequest');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a certificate that is not an APNs certificate', async () => {
    const out = join(scratch.path, 'not-apns-out');
    // The test CA certificate: a real certificate, but not for push.
    const cer = join(scratch.path, 'ca.pem');
    writeFileSync(cer, testCa().certificatePem);
    const result = await runCli(['import', cer, '--key', join(certs, 'key.pem'), '--out', out], {
      env,
    });
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('not an Apple Push Notification certificate');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses the CSR given where the .cer belongs, saying what to do with it', async () => {
    const result = await runCli(
      [
        'import',
        join(certs, 'CertificateSigningRequest.certSigningRequest'),
        '--key',
        join(certs, 'key.pem'),
        '--out',
        join(scratch.path, 'x'),
      ],
      { env },
    );
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(/certificate signing request/);
    expect(result.stderr).toMatch(/Upload/);
  });

  it('refuses a wrong passphrase for the key with exit 2 and no files', async () => {
    const out = join(scratch.path, 'wrong-pass');
    const result = await runCli(
      ['import', join(scratch.path, 'aps.cer'), '--key', join(certs, 'key.pem'), '--out', out],
      {
        env: { APNS_SETUP_PASSPHRASE: 'not the passphrase' },
      },
    );
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(/passphrase/);
    expect(result.stderr).not.toContain('not the passphrase');
    expect(existsSync(out)).toBe(false);
  });
});

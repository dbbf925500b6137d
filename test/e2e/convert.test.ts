/**
 * `convert` end to end with the built CLI: real .p12 files from Keychain Access, OpenSSL 1 and
 * library fixtures (passphrases from expected.json), .p12 files OpenSSL 3 writes today, and
 * every way a .p12 can be the wrong one. Each output is opened by the real openssl CLI.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import {
  hasRealWorld,
  loadExpected,
  realWorldFile,
  realWorldPath,
  type ExpectedFile,
} from '../helpers/fixtures.js';
import { hasOpenssl3, openssl, opensslOk } from '../helpers/openssl.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const OUTPUTS = ['apns.p12', 'cert.pem', 'ck.pem', 'key.pem', 'key.unencrypted.pem'];
const scratch = scratchDir('apns-setup-convert-');
afterAll(() => scratch.remove());

let counter = 0;
/** A fresh, not yet existing folder for one run's outputs. */
function outDir(): string {
  return join(scratch.path, `out-${++counter}`);
}

function passphraseFile(passphrase: string): string {
  const path = join(scratch.path, `pass-${++counter}.txt`);
  writeFileSync(path, `${passphrase}\n`);
  return path;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function expected(path: string): ExpectedFile {
  const entry = loadExpected().files.find((f) => f.path === path);
  if (!entry) throw new Error(`${path} is not in expected.json`);
  return entry;
}

async function sha256Of(certPem: string): Promise<string> {
  const result = await opensslOk(['x509', '-in', certPem, '-noout', '-fingerprint', '-sha256']);
  return result.stdout.trim().split('=')[1]!.replace(/:/g, '');
}

/** The public key of cert.pem, and of each key file, as openssl prints them (PEM SPKI). */
async function expectKeysMatchCertificate(dir: string, passphrase: string): Promise<void> {
  const certKey = await opensslOk(['x509', '-in', join(dir, 'cert.pem'), '-noout', '-pubkey']);
  for (const file of ['key.unencrypted.pem', 'ck.pem']) {
    const pub = await opensslOk(['pkey', '-in', join(dir, file), '-pubout']);
    expect(pub.stdout, file).toBe(certKey.stdout);
  }
  const encrypted = await opensslOk([
    'pkey',
    '-in',
    join(dir, 'key.pem'),
    '-passin',
    `pass:${passphrase}`,
    '-pubout',
  ]);
  expect(encrypted.stdout).toBe(certKey.stdout);
}

/** Every output, its mode, and the classic guide's layout of ck.pem. */
function expectOutputs(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(OUTPUTS);
  expect(mode(join(dir, 'cert.pem'))).toBe(0o644);
  for (const secret of ['key.pem', 'key.unencrypted.pem', 'ck.pem', 'apns.p12']) {
    expect(mode(join(dir, secret)), secret).toBe(0o600);
  }
  expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toMatch(
    /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/,
  );
  expect(readFileSync(join(dir, 'key.unencrypted.pem'), 'utf8')).toMatch(
    /^-----BEGIN RSA PRIVATE KEY-----\n/,
  );
  expect(readFileSync(join(dir, 'ck.pem'), 'utf8')).toBe(
    readFileSync(join(dir, 'cert.pem'), 'utf8') +
      readFileSync(join(dir, 'key.unencrypted.pem'), 'utf8'),
  );
}

/** apns.p12 opens in OpenSSL 3 without -legacy, and holds the certificate and its key. */
async function expectP12Opens(dir: string, passphrase: string, sha256: string): Promise<void> {
  const p12 = join(dir, 'apns.p12');
  const certs = await openssl(['pkcs12', '-in', p12, '-passin', `pass:${passphrase}`, '-nokeys']);
  expect(certs.exitCode, certs.stderr).toBe(0);
  const certFile = join(scratch.path, `p12-cert-${++counter}.pem`);
  writeFileSync(certFile, certs.stdout);
  expect(await sha256Of(certFile)).toBe(sha256);
  const keys = await openssl([
    'pkcs12',
    '-in',
    p12,
    '-passin',
    `pass:${passphrase}`,
    '-nocerts',
    '-nodes',
  ]);
  expect(keys.exitCode, keys.stderr).toBe(0);
  expect(keys.stdout).toContain('-----BEGIN PRIVATE KEY-----');
}

describe.skipIf(!hasRealWorld || !hasOpenssl3)('convert a real Keychain Access .p12', () => {
  it('brianserv push.p12 (RC2-40, OpenSSL 3 needs -legacy) with --passphrase-file', async () => {
    const input = realWorldPath('brianserv__pushnoti/push.p12');
    const entry = expected('brianserv__pushnoti/push.p12');
    const passphrase = entry.password!;
    // The premise: OpenSSL 3 refuses the input without -legacy.
    const plain = await openssl([
      'pkcs12',
      '-in',
      input,
      '-passin',
      `pass:${passphrase}`,
      '-noout',
    ]);
    expect(plain.exitCode).not.toBe(0);

    const out = outDir();
    const result = await runCli(
      ['convert', input, '--out', out, '--passphrase-file', passphraseFile(passphrase)],
      { cwd: scratch.path },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`The files for ${entry.certificates[0]!.bundleId}`);
    expect(result.stderr).toContain(
      'but its certificate expired on 2016-06-18: APNs refuses it, so they cannot push.',
    );
    expect(result.stdout + result.stderr).not.toContain(passphrase);

    expectOutputs(out);
    const sha256 = entry.certificates[0]!.sha256;
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(sha256);
    await expectKeysMatchCertificate(out, passphrase);
    await expectP12Opens(out, passphrase, sha256);
  });

  it("michisnewsletter push.p12 (MAC iteration 1) with APNS_SETUP_PASSPHRASE 'sagswien'", async () => {
    const entry = expected('michisnewsletter__PushMobile/push.p12');
    expect(entry.password).toBe('sagswien');
    const out = outDir();
    const result = await runCli(['convert', realWorldPath(entry.path), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'sagswien' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expectOutputs(out);
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(entry.certificates[0]!.sha256);
    await expectKeysMatchCertificate(out, 'sagswien');
    await expectP12Opens(out, 'sagswien', entry.certificates[0]!.sha256);
  });

  for (const path of [
    'weskhen__apnsPemShell/apns-dev-cert.p12',
    'sideshow__apns2/certificate-valid.p12',
  ]) {
    describe(`${path} (empty password)`, () => {
      it('without a passphrase for the outputs and no terminal: exit 2, names the options, writes nothing', async () => {
        expect(expected(path).password).toBe('');
        const out = outDir();
        const result = await runCli(['convert', realWorldPath(path), '--out', out]);
        expect(result.exitCode).toBe(2);
        expectCleanFailure(result);
        // It is a new passphrase, for the outputs: the .p12 itself opened without one.
        expect(result.stderr).toContain(
          `The key converted from ${realWorldPath(path)} needs a new passphrase, and there is no terminal to ask for it`,
        );
        expect(result.stderr).toContain('--passphrase-file');
        expect(result.stderr).toContain('APNS_SETUP_PASSPHRASE');
        expect(result.stderr).toContain('--insecure to write the key without one');
        expect(existsSync(out)).toBe(false);
      });

      it('with APNS_SETUP_PASSPHRASE: the outputs are protected with it', async () => {
        const out = outDir();
        const result = await runCli(['convert', realWorldPath(path), '--out', out], {
          env: { APNS_SETUP_PASSPHRASE: 'fresh passphrase 42' },
        });
        expect(result.exitCode, result.stderr).toBe(0);
        expectOutputs(out);
        const sha256 = expected(path).certificates[0]!.sha256;
        expect(await sha256Of(join(out, 'cert.pem'))).toBe(sha256);
        await expectKeysMatchCertificate(out, 'fresh passphrase 42');
        await expectP12Opens(out, 'fresh passphrase 42', sha256);
        const wrong = await openssl([
          'pkcs12',
          '-in',
          join(out, 'apns.p12'),
          '-passin',
          'pass:',
          '-noout',
        ]);
        expect(wrong.exitCode).not.toBe(0);
      });
    });
  }

  it('warns that the sideshow fixture is not an APNs certificate, and converts it anyway', async () => {
    const result = await runCli(
      ['convert', realWorldPath('sideshow__apns2/certificate-valid.p12'), '--out', outDir()],
      { env: { APNS_SETUP_PASSPHRASE: 'x-passphrase' } },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^Warning: .*certificate-valid\.p12 holds .*which is not an Apple Push Notification certificate/m,
    );
  });

  it('a PEM bundle with certificate and key (node-apn certKey.pem) converts too', async () => {
    const entry = expected('node-apn/credentials__support__certKey.pem');
    const out = outDir();
    const result = await runCli(['convert', realWorldPath(entry.path), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'bundle pass' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expectOutputs(out);
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(entry.certificates[0]!.sha256);
    await expectKeysMatchCertificate(out, 'bundle pass');
  });

  it('a PEM bundle whose key is encrypted (wushuang ck.pem) keeps its passphrase', async () => {
    const entry = expected('wushuang2012__IOS-SimplePush/ck.pem');
    const out = outDir();
    const result = await runCli(['convert', realWorldPath(entry.path), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: entry.password! },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(entry.certificates[0]!.sha256);
    await expectKeysMatchCertificate(out, entry.password!);
  });

  it('two identities (node-apn multipleKeys.p12): converts the first, with a warning', async () => {
    const entry = expected('node-apn/credentials__support__multipleKeys.p12');
    const out = outDir();
    const result = await runCli(['convert', realWorldPath(entry.path), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'two ids' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^Warning: .*multipleKeys\.p12 holds 2 private keys; converted the one for io\.apn\.test/m,
    );
    // expected.json's leaf is the certificate of the first key in the file.
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(entry.certificates[0]!.sha256);
    await expectKeysMatchCertificate(out, 'two ids');
  });

  it('EC keys (pushy multiple-keys.p12): the unencrypted key is PKCS#8, since PKCS#1 holds only RSA', async () => {
    const entry = expected('pushy/multiple-keys.p12');
    const out = outDir();
    const result = await runCli(['convert', realWorldPath(entry.path), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: entry.password! },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(out, 'key.unencrypted.pem'), 'utf8')).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n/,
    );
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(entry.certificates[0]!.sha256);
    await expectKeysMatchCertificate(out, entry.password!);
  });
});

describe.skipIf(!hasRealWorld)('convert refuses the wrong .p12, writing nothing', () => {
  it('a wrong passphrase: exit 2, says so without repeating it', async () => {
    const out = outDir();
    const result = await runCli(
      ['convert', realWorldPath('brianserv__pushnoti/push.p12'), '--out', out],
      { env: { APNS_SETUP_PASSPHRASE: 'definitely-wrong' } },
    );
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('push.p12: the passphrase does not open it');
    expect(result.stderr).not.toContain('definitely-wrong');
    expect(existsSync(out)).toBe(false);
  });

  it('a .p12 whose password nobody knows (paubins Certificates.p12), no passphrase: exit 2', async () => {
    const out = outDir();
    const result = await runCli([
      'convert',
      realWorldPath('paubins__pushserver/Certificates.p12'),
      '--out',
      out,
    ]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(/Certificates\.p12 needs a passphrase/);
    expect(result.stderr).toContain('APNS_SETUP_PASSPHRASE');
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated .p12 is called damaged, not a passphrase problem', async () => {
    const whole = realWorldFile('brianserv__pushnoti/push.p12');
    const cut = join(scratch.path, 'cut.p12');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const out = outDir();
    // Even with the right passphrase at hand, the answer must be "damaged".
    const result = await runCli(['convert', cut, '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: '1qwerty' },
    });
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(/cut short|damaged/);
    expect(result.stderr).not.toMatch(/passphrase/i);
    expect(existsSync(out)).toBe(false);
  });

  it('a .p12 with certificates and no key (pushy no-keys.p12): exit 2 "no private key"', async () => {
    const out = outDir();
    const result = await runCli(['convert', realWorldPath('pushy/no-keys.p12'), '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'pushy-test' },
    });
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('no-keys.p12 holds no private key');
    expect(existsSync(out)).toBe(false);
  });

  it('a bundle whose key is not the certificate’s (STOmaha combined.pem): exit 2', async () => {
    const out = outDir();
    const result = await runCli(
      [
        'convert',
        realWorldPath('STOmaha__Time-to-Burn/aps_development_combined.pem'),
        '--out',
        out,
      ],
      { env: { APNS_SETUP_PASSPHRASE: 'whatever' } },
    );
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('its private key does not belong to its certificate');
    expect(existsSync(out)).toBe(false);
  });

  it('a certificate without its key says which import to run, before any passphrase', async () => {
    const out = outDir();
    const cer = realWorldPath('fastlane__fastlane/aps_development.cer');
    const result = await runCli(['convert', cer, '--out', out]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('is a certificate without its private key');
    expect(result.stderr).toContain(`apns-setup import ${cer} --key key.pem`);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!hasOpenssl3)('convert what OpenSSL 3 writes', () => {
  const issued = issueSandboxCertificate({ now, bundleId: 'com.example.openssl3' });
  const bundle = join(scratch.path, 'openssl-input.pem');
  writeFileSync(
    bundle,
    issued.certificatePem + testKey('leaf').export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const sha256 = issued.certificate.sha256;

  async function exportP12(name: string, extra: string[]): Promise<string> {
    const path = join(scratch.path, name);
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      bundle,
      '-out',
      path,
      '-passout',
      'pass:openssl pass',
      ...extra,
    ]);
    return path;
  }

  it('its default .p12 (AES-256, SHA-256 MAC)', async () => {
    const input = await exportP12('default.p12', []);
    const info = await opensslOk([
      'pkcs12',
      '-in',
      input,
      '-passin',
      'pass:openssl pass',
      '-info',
      '-noout',
    ]);
    expect(info.stderr + info.stdout).toMatch(/MAC: sha256/);
    expect(info.stderr + info.stdout).toMatch(/AES-256-CBC/);
    const out = outDir();
    const result = await runCli(['convert', input, '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'openssl pass' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expectOutputs(out);
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(sha256);
    await expectKeysMatchCertificate(out, 'openssl pass');
    await expectP12Opens(out, 'openssl pass', sha256);
    // The compatible profile is what Node's tls reads as pfx, too.
    expect(() =>
      createSecureContext({ pfx: readFileSync(join(out, 'apns.p12')), passphrase: 'openssl pass' }),
    ).not.toThrow();
  });

  it('its -legacy .p12 (RC2-40 certificates, 3DES key, SHA-1 MAC)', async () => {
    const input = await exportP12('legacy.p12', ['-legacy']);
    const out = outDir();
    const result = await runCli(['convert', input, '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'openssl pass' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(sha256);
    await expectP12Opens(out, 'openssl pass', sha256);
  });

  it('--p12-profile modern writes AES-256 (PBES2) that OpenSSL 3 opens', async () => {
    const input = await exportP12('for-modern.p12', ['-legacy']);
    const out = outDir();
    const result = await runCli(['convert', input, '--out', out, '--p12-profile', 'modern'], {
      env: { APNS_SETUP_PASSPHRASE: 'openssl pass' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const info = await opensslOk([
      'pkcs12',
      '-in',
      join(out, 'apns.p12'),
      '-passin',
      'pass:openssl pass',
      '-info',
      '-noout',
    ]);
    const text = info.stdout + info.stderr;
    expect(text).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    expect(text).not.toMatch(/RC2|3-KeyTripleDES/);
    await expectP12Opens(out, 'openssl pass', sha256);
  });

  it('refuses to overwrite without --force, and keeps .bak- copies with it', async () => {
    const input = await exportP12('again.p12', []);
    const out = outDir();
    const env = { APNS_SETUP_PASSPHRASE: 'openssl pass' };
    expect((await runCli(['convert', input, '--out', out], { env })).exitCode).toBe(0);
    const before = new Map(OUTPUTS.map((name) => [name, readFileSync(join(out, name))]));

    const again = await runCli(['convert', input, '--out', out], { env });
    expect(again.exitCode).toBe(2);
    expectCleanFailure(again);
    expect(again.stderr).toContain('already exist');
    expect(again.stderr).toContain('--force');
    expect(readdirSync(out).sort()).toEqual(OUTPUTS);
    for (const [name, bytes] of before) expect(readFileSync(join(out, name)), name).toEqual(bytes);

    const forced = await runCli(['convert', input, '--out', out, '--force'], { env });
    expect(forced.exitCode, forced.stderr).toBe(0);
    for (const [name, bytes] of before) {
      const backups = readdirSync(out).filter((n) => n.startsWith(`${name}.bak-`));
      expect(backups, name).toHaveLength(1);
      expect(readFileSync(join(out, backups[0]!)), name).toEqual(bytes);
      expect(mode(join(out, backups[0]!)), name).toBe(mode(join(out, name)));
      expect(forced.stderr).toContain(`The old ${name} was kept as`);
    }
    expect(await sha256Of(join(out, 'cert.pem'))).toBe(sha256);
  });

  it('an empty-password .p12 with --insecure and no passphrase: outputs without one, and says so', async () => {
    const input = join(scratch.path, 'empty-password.p12');
    await opensslOk(['pkcs12', '-export', '-in', bundle, '-out', input, '-passout', 'pass:']);
    const out = outDir();
    const result = await runCli(['convert', input, '--out', out, '--insecure']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(out, 'key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(result.stderr).toMatch(/key\.pem +private key \(PKCS#8\), NOT encrypted \(--insecure\)/);
    await expectP12Opens(out, '', sha256);
  });

  it('into an existing empty folder', async () => {
    const input = await exportP12('into-empty.p12', []);
    const out = outDir();
    mkdirSync(out);
    const result = await runCli(['convert', input, '--out', out], {
      env: { APNS_SETUP_PASSPHRASE: 'openssl pass' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expectOutputs(out);
  });
});

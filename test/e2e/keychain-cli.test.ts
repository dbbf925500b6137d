/**
 * `--keychain` as a person uses it, against a real Secret Service (GNOME Keyring): the
 * passphrase given once (here from the environment, as the first run of a script would) is kept;
 * later runs without it and without a terminal read it from the keychain, for key.pem and for the
 * apns.p12 written with it; without a keychain the command says so in one line and goes on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePem } from '../../src/core/pki/pem.js';
import { cliPath, runCli, scratchDir } from '../helpers/cli.js';
import { openssl } from '../helpers/openssl.js';
import { inSecretServiceSession, requireSecretService } from '../helpers/secret-service.js';
import { issueUniversalCertificate } from '../helpers/test-ca.js';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The real clock: the built CLI reads it.
const now = new Date();
const scratch = scratchDir('apns-setup-keychain-cli-');
const home = join(scratch.path, 'home');
const runtimeDir = join(scratch.path, 'runtime');
const certs = join(scratch.path, 'certs');
const PASSPHRASE = 'kept in the keychain 5';
beforeAll(() => {
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(runtimeDir, { mode: 0o700 });
});
afterAll(() => scratch.remove());

/** `apns-setup ARGS` lines in one Secret Service session; each prints `exit=N` after itself. */
function session(lines: string[][], env: Record<string, string> = {}) {
  const script = lines
    .map(
      (args) => `"$NODE" "$CLI" ${args.map((a) => `'${a}'`).join(' ')} </dev/null; echo "exit=$?"`,
    )
    .join('\n');
  return inSecretServiceSession({
    unlock: true,
    home,
    runtimeDir,
    script,
    env: { NODE: process.execPath, CLI: cliPath, NO_COLOR: '1', ...env },
  });
}

describe('--keychain with GNOME Keyring', () => {
  it('keeps the passphrase on first use, and later runs without a terminal read it', async (context) => {
    requireSecretService(context);
    const first = session(
      [
        [
          'csr',
          '--email',
          'k@example.com',
          '--common-name',
          'Keychain',
          '--out',
          certs,
          '--keychain',
        ],
      ],
      { APNS_SETUP_PASSPHRASE: PASSPHRASE },
    );
    expect(first.stdout).toContain('exit=0');
    expect(first.stderr).toContain('Kept the passphrase in the OS keychain (the Secret Service).');
    expect(first.stdout + first.stderr).not.toContain(PASSPHRASE);

    // Apple's part: a certificate for the CSR's key.
    const [csr] = parsePem(
      readFileSync(join(certs, 'CertificateSigningRequest.certSigningRequest')),
    );
    const spki = (await openssl(['req', '-inform', 'DER', '-noout', '-pubkey'], csr!.der)).stdout;
    const issued = issueUniversalCertificate({
      now,
      key: createPublicKey(spki) as never,
      bundleId: 'com.example.keychain',
    });
    writeFileSync(join(scratch.path, 'aps.cer'), issued.der);

    // No passphrase anywhere but in the keychain, no terminal.
    const later = session([
      ['import', join(scratch.path, 'aps.cer'), '--key', join(certs, 'key.pem'), '--keychain'],
      ['inspect', join(certs, 'apns.p12'), '--keychain'],
      [
        'import',
        join(scratch.path, 'aps.cer'),
        '--key',
        join(certs, 'key.pem'),
        '--out',
        join(scratch.path, 'no-keychain'),
      ],
    ]);
    const exits = [...later.stdout.matchAll(/exit=(\d+)/g)].map((m) => Number(m[1]));
    // import read key.pem's passphrase; inspect opened apns.p12 with the one kept for it; the
    // same import without --keychain needs a passphrase and has no terminal to ask.
    expect(exits).toEqual([0, 0, 2]);
    expect(later.stdout).toMatch(/Private key +encrypted, matches the certificate/);
    expect(later.stderr).toContain('needs a passphrase, and there is no terminal to ask for it');
  });
});

describe('--keychain without a Secret Service', () => {
  it('says so in one line and goes on with the other sources', async () => {
    const out = join(scratch.path, 'plain');
    const result = await runCli(
      ['csr', '--email', 'k@example.com', '--common-name', 'Plain', '--out', out, '--keychain'],
      {
        env: {
          APNS_SETUP_PASSPHRASE: PASSPHRASE,
          DBUS_SESSION_BUS_ADDRESS: undefined,
          HOME: join(scratch.path, 'nowhere'),
        },
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter((l) => l.includes('OS keychain'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Warning: the OS keychain is not available: .+; the passphrase comes from the other sources\.$/,
    );
  });
});

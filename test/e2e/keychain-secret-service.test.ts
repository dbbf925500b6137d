/**
 * The OS keychain adapter against a real Secret Service: GNOME Keyring in its own D-Bus session
 * (`dbus-run-session`), with HOME (where gnome-keyring keeps its keyrings) in a scratch folder.
 * Separate node processes, through the built adapter (test/helpers/keychain-client.mjs), store,
 * read and delete a passphrase: what one process stores another reads, also after the key's
 * folder has moved (the account is the SHA-256 of the key file's bytes). A new session reads
 * what the last one stored from the keyring file on disk (the Secret Service, not the kernel
 * keyring, which forgets at reboot); a locked keyring that nobody can unlock reads
 * "unavailable", at once.
 *
 * GNOME Keyring and D-Bus are machine packages (Debian: gnome-keyring, dbus-daemon), installed
 * by .ci/run. Where they are missing these tests say so and are skipped; under CI they fail.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainAccountFor } from '../../src/core/keychain-account.js';
import { scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { inSecretServiceSession, requireSecretService } from '../helpers/secret-service.js';

const client = join(repoRoot, 'test/helpers/keychain-client.mjs');
const scratch = scratchDir('apns-setup-secret-service-');
const home = join(scratch.path, 'home');
const runtimeDir = join(scratch.path, 'runtime');
const folderA = join(scratch.path, 'certs');
const folderB = join(scratch.path, 'moved-certs');
// Not ASCII, with spaces: the passphrase must come back byte for byte.
const secret = `pässwörd ${randomBytes(6).toString('hex')} ✓`;
const keyBytes = Buffer.from(
  `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`,
);
const otherKeyBytes = Buffer.from(`other ${randomBytes(16).toString('hex')}\n`);

beforeAll(() => {
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(runtimeDir, { mode: 0o700 });
  mkdirSync(folderA);
  writeFileSync(join(folderA, 'key.pem'), keyBytes, { mode: 0o600 });
  writeFileSync(join(folderA, 'other.pem'), otherKeyBytes, { mode: 0o600 });
});
afterAll(() => scratch.remove());

interface Step {
  step: string;
  available?: boolean;
  reason?: string;
  message?: string;
  store?: string;
  account?: string;
  value?: string | null;
  stored?: boolean;
  deleted?: boolean;
  ms?: number;
  error?: { name: string; code: string; message: string; hint?: string };
}

/**
 * Runs `script` in a new D-Bus session, with HOME and XDG_RUNTIME_DIR in the scratch folder and
 * no display (no unlock prompt can be shown). `unlock`: start GNOME Keyring unlocked with
 * KEYRING_PASSWORD (creating the login keyring the first time), else start it locked.
 */
function inSession(unlock: boolean, script: string): { steps: Step[]; stderr: string } {
  const run = inSecretServiceSession({
    unlock,
    home,
    runtimeDir,
    script,
    env: {
      KEYCHAIN_TEST_SECRET: secret,
      C: client,
      A: folderA,
      B: folderB,
      NODE: process.execPath,
    },
  });
  const steps = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Step);
  return { steps, stderr: run.stderr };
}

describe('the OS keychain adapter with GNOME Keyring (Secret Service)', () => {
  it('stores, reads and deletes a passphrase across processes; the account follows the key file', (context) => {
    requireSecretService(context);
    const { steps, stderr } = inSession(
      true,
      `
      "$NODE" "$C" probe
      "$NODE" "$C" read "$A/key.pem"
      "$NODE" "$C" store "$A/key.pem"
      mv "$A" "$B"
      "$NODE" "$C" read "$B/key.pem"
      "$NODE" "$C" delete "$B/key.pem"
      "$NODE" "$C" read "$B/key.pem"
      "$NODE" "$C" delete "$B/key.pem"
      KEYCHAIN_TEST_SECRET=kept "$NODE" "$C" store "$B/other.pem"
      "$NODE" "$C" lock-then-store "$B/key.pem"
      `,
    );
    const account = keychainAccountFor(keyBytes);
    expect(steps).toEqual([
      { step: 'probe', available: true, store: 'the Secret Service', ms: expect.any(Number) },
      { step: 'read', available: true, account, value: null },
      { step: 'store', available: true, account, stored: true },
      // Another process, the folder moved: the same account, the same passphrase.
      { step: 'read', available: true, account, value: secret },
      { step: 'delete', available: true, account, deleted: true },
      { step: 'read', available: true, account, value: null },
      { step: 'delete', available: true, account, deleted: false },
      { step: 'store', available: true, account: keychainAccountFor(otherKeyBytes), stored: true },
      {
        step: 'lock-then-store',
        available: true,
        error: {
          name: 'OperationError',
          code: 'KEYCHAIN_FAILED',
          message: expect.stringContaining('the keyring is locked') as unknown,
          hint: expect.any(String) as unknown,
        },
      },
    ]);
    const failure = steps.at(-1)!.error!;
    expect(failure.message).toMatch(/^the Secret Service could not store the passphrase: /);
    expect(failure.message).not.toMatch(/[\r\n]/);
    expect(failure.message).not.toContain(secret);
    // Nothing the adapter or its helper did printed the passphrase.
    expect(stderr).not.toContain(secret);
    expect(existsSync(join(home, '.local/share/keyrings/login.keyring'))).toBe(true);
  });

  it('a new session reads what the last one stored: it is on disk, not in the kernel', (context) => {
    requireSecretService(context);
    if (!existsSync(join(folderB, 'other.pem'))) context.skip('the first test did not run');
    const { steps } = inSession(true, `"$NODE" "$C" read "$B/other.pem"`);
    expect(steps).toEqual([
      { step: 'read', available: true, account: keychainAccountFor(otherKeyBytes), value: 'kept' },
    ]);
  });

  it('a locked keyring nobody can unlock: unavailable in one line, at once', (context) => {
    requireSecretService(context);
    if (!existsSync(join(folderB, 'other.pem'))) context.skip('the first test did not run');
    const { steps } = inSession(false, `"$NODE" "$C" probe`);
    expect(steps).toEqual([
      {
        step: 'probe',
        available: false,
        reason: 'locked',
        message: expect.stringMatching(/^the keyring is locked[^\n]*[^.]$/) as unknown,
        ms: expect.any(Number) as unknown,
      },
    ]);
    // No display, so the prompt is dismissed: 'locked', not the deadline's 'timeout'.
  });
});

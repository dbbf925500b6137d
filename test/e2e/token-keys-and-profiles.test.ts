/**
 * Token keys (AuthKey_KEYID.p8) and provisioning profiles, tried as a new user tries them:
 * `inspect` says what they are, `check` lists them, `import` and `convert` say what to do
 * instead of giving certificate advice. The built CLI, the real .p8 files of the corpus, and
 * profiles signed here as Apple signs them.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, realWorldFile, realWorldPath } from '../helpers/fixtures.js';
import { hasOpenssl3 } from '../helpers/openssl.js';
import { buildProfile, developerCertificate } from '../helpers/profiles.js';

// This file's clock is the real one: the built CLI reads it (under faketime too).
const now = new Date();

const scratch = scratchDir('apns-setup-p8-');
afterAll(() => scratch.remove());

let counter = 0;
function folder(): string {
  const path = join(scratch.path, `case-${++counter}`);
  mkdirSync(path);
  return path;
}

interface InspectEntry {
  file: string;
  kind: string | null;
  certificate: unknown;
  privateKey: { present: boolean; encrypted: boolean | null; matchesCertificate: null } | null;
  tokenKey?: Record<string, unknown>;
  provisioningProfile?: Record<string, unknown> & {
    developerCertificates: { subject: string; sha256: string; files: string[] }[];
  };
  error?: { code: string; message: string; hint: string | null };
}

const tokenKeyFile = (name: string) => realWorldPath(`token-keys/${name}`);

describe.skipIf(!hasRealWorld)('a .p8 token key', () => {
  let dir: string;
  let publicKeySha256: string;
  beforeAll(() => {
    dir = folder();
    copyFileSync(
      tokenKeyFile('pushy__token-auth-private-key.p8'),
      join(dir, 'AuthKey_ABC123DEFG.p8'),
    );
    const spki = createPublicKey(
      realWorldFile('token-keys/pushy__token-auth-private-key.p8'),
    ).export({
      type: 'spki',
      format: 'der',
    });
    publicKeySha256 = createHash('sha256').update(spki).digest('hex').toUpperCase();
  });

  it('inspect says what it is: a token signing key, its curve, key id, public key and use', async () => {
    const result = await runCli(['inspect', 'AuthKey_ABC123DEFG.p8'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('AuthKey_ABC123DEFG.p8: token signing key (APNs auth key)');
    expect(result.stdout).toMatch(/Key id\s+ABC123DEFG \(from the file name\)/);
    expect(result.stdout).toMatch(/Key\s+EC P-256, PKCS#8, not encrypted/);
    expect(result.stdout).toContain(`SHA-256 ${publicKeySha256}`);
    expect(result.stdout).toMatch(
      /Expires\s+never; revoked at developer\.apple\.com → Keys, it fails at once/,
    );
    expect(result.stdout).toContain('Apple issues no certificate for a token key');
    expect(result.stdout).toContain('apns-setup push --auth-key AuthKey_ABC123DEFG.p8');
  });

  it('inspect --json: kind "token-key" with its facts', async () => {
    const result = await runCli(['inspect', '--json', 'AuthKey_ABC123DEFG.p8'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    const [entry] = JSON.parse(result.stdout) as InspectEntry[];
    expect(entry).toEqual({
      file: 'AuthKey_ABC123DEFG.p8',
      kind: 'token-key',
      certificate: null,
      privateKey: { present: true, encrypted: false, matchesCertificate: null },
      pkcs12: null,
      tokenKey: {
        keyId: 'ABC123DEFG',
        algorithm: 'ES256',
        keyType: 'ec',
        curve: 'P-256',
        format: 'pkcs8',
        encrypted: false,
        damaged: false,
        publicKeySha256,
        usable: true,
        problem: null,
        expires: null,
      },
    });
  });
});

describe('an EC P-256 key under another name', () => {
  it('is a private key, not a token key: the sandbox keeps its own CA key so', async () => {
    const dir = folder();
    writeFileSync(
      join(dir, 'ca-key.pem'),
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const inspected = await runCli(['inspect', '--json', 'ca-key.pem'], { cwd: dir });
    expect((JSON.parse(inspected.stdout) as InspectEntry[])[0]!.kind).toBe('private-key');
    const checked = await runCli(['check', '.'], { cwd: dir });
    expect(checked.stderr).toContain('no certificates found in .');
  });
});

describe.skipIf(!hasRealWorld)('the .p8 files that are not token keys (MANIFEST.md)', () => {
  const cases = [
    {
      name: 'sideshow-apns2__authkey-invalid.p8',
      code: 'CORRUPT_FILE',
      says: 'it holds the base64 of an EC P-256 private key without its "-----BEGIN PRIVATE KEY-----" and "-----END PRIVATE KEY-----" lines, and the key itself is damaged',
    },
    {
      name: 'sideshow-apns2__authkey-invalid-pkcs8.p8',
      code: 'WRONG_KIND',
      says: 'it holds an RSA private key in PKCS#1 (BEGIN RSA PRIVATE KEY), not an APNs token key',
    },
    {
      name: 'sideshow-apns2__authkey-invalid-ecdsa.p8',
      code: 'WRONG_KIND',
      says: 'it holds an RSA private key in PKCS#8 (BEGIN PRIVATE KEY), not an APNs token key',
    },
  ];

  it('inspect gives each a clear verdict and exits 2; --json keeps kind "token-key" with the error', async () => {
    const dir = folder();
    for (const { name } of cases) copyFileSync(tokenKeyFile(name), join(dir, name));
    const text = await runCli(['inspect', ...cases.map((c) => c.name)], { cwd: dir });
    expect(text.exitCode).toBe(2);
    expect(text.stderr).not.toMatch(/^\s+at /m);
    for (const { name, says } of cases) expect(text.stderr).toContain(`Error: ${name}: ${says}`);
    const json = await runCli(['inspect', '--json', ...cases.map((c) => c.name)], { cwd: dir });
    const entries = JSON.parse(json.stdout) as InspectEntry[];
    expect(entries.map((e) => [e.file, e.kind, e.tokenKey?.usable, e.error?.code])).toEqual(
      cases.map((c) => [c.name, 'token-key', false, c.code]),
    );
  });
});

describe.skipIf(!hasOpenssl3)('a provisioning profile', () => {
  const developer = developerCertificate();
  let dir: string;
  beforeAll(() => {
    dir = folder();
    writeFileSync(
      join(dir, 'MyApp.mobileprovision'),
      buildProfile({
        now,
        bundleId: 'com.example.myapp',
        developerCertificates: [developer.der],
        expiresInDays: 200,
      }),
    );
    writeFileSync(join(dir, 'development.cer'), developer.pem);
  });

  it('inspect: name, app id, team, aps-environment, expiry, devices, and its certificate beside it', async () => {
    const result = await runCli(['inspect', 'MyApp.mobileprovision'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('MyApp.mobileprovision: provisioning profile');
    expect(out).toMatch(/Name\s+Example Push Development/);
    expect(out).toMatch(/App id\s+ABCDE12345\.com\.example\.myapp \(Example Push App\)/);
    expect(out).toMatch(/Bundle id\s+com\.example\.myapp/);
    expect(out).toMatch(/Team\s+Example Team \(ABCDE12345\)/);
    expect(out).toMatch(
      /Push\s+aps-environment development: its builds register device tokens with the APNs sandbox/,
    );
    expect(out).toMatch(/Type\s+development, 1 device/);
    expect(out).toMatch(/Valid\s+until \d{4}-\d{2}-\d{2} \((199|200) days left\)/);
    expect(out).toContain(
      '1 developer certificate; Apple Development: Jane Appleseed (AB12CD34EF) is in development.cer',
    );
    expect(out).toMatch(/Signature\s+not verified/);
    expect(out).not.toContain('PKCS#7');
  });

  it('inspect --json: kind "provisioning-profile" with its facts', async () => {
    const result = await runCli(['inspect', '--json', 'MyApp.mobileprovision'], { cwd: dir });
    const [entry] = JSON.parse(result.stdout) as InspectEntry[];
    expect(entry).toMatchObject({
      file: 'MyApp.mobileprovision',
      kind: 'provisioning-profile',
      certificate: null,
      privateKey: null,
      pkcs12: null,
      provisioningProfile: {
        bundleId: 'com.example.myapp',
        teamId: 'ABCDE12345',
        apsEnvironment: 'development',
        apnsEnvironment: 'sandbox',
        distribution: 'development',
        devices: 1,
        signature: { verified: false, signer: 'Test iPhone OS Provisioning Profile Signing' },
      },
    });
    const profile = entry!.provisioningProfile!;
    expect([199, 200]).toContain(profile.daysLeft);
    expect(profile.developerCertificates).toEqual([
      expect.objectContaining({
        subject: 'Apple Development: Jane Appleseed (AB12CD34EF)',
        files: ['development.cer'],
      }),
    ]);
  });
});

/**
 * `apns-setup doctor` as a user runs it, on this machine: offline (no network but the npm
 * registry), so its reach check must say so plainly and quickly; the trust check needs no
 * network at all.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { hasOpenssl3 } from '../helpers/openssl.js';
import { buildProfile } from '../helpers/profiles.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

// This file's clock is the real one: the built CLI reads it (under faketime too).
const now = new Date();
const scratch = scratchDir('apns-setup-doctor-');
afterAll(() => scratch.remove());

interface DoctorJson {
  runtime: { node: string; openssl: string };
  trust: { source: string; roots: { name: string; trusted: boolean }[] };
  network: { offline: boolean; results: { host: string; port: number; outcome: string }[] };
  files: { file: string; kind: string; severity: string; text: string }[] | null;
}

describe.skipIf(!hasOpenssl3)('doctor DIR', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(scratch.path, 'certs');
    mkdirSync(dir);
    const live = issueSandboxCertificate({
      now,
      bundleId: 'com.example.myapp',
      teamId: 'ABCDE12345',
    });
    writeFileSync(join(dir, 'aps.cer'), live.der);
    writeFileSync(
      join(dir, 'key.unencrypted.pem'),
      live.key.export({ type: 'pkcs8', format: 'pem' }),
    );
    writeFileSync(
      join(dir, 'AuthKey_ABC123DEFG.p8'),
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    writeFileSync(
      join(dir, 'MyApp.mobileprovision'),
      buildProfile({ now, bundleId: 'com.example.myapp' }),
    );
  });

  it('reports runtime, trust, reach and files in one screen, quickly, and names what pairs', async () => {
    // Never hangs: four hosts × ports checked at once, each bounded by --timeout (a hang would
    // meet this test's own time limit; how long it takes is the bench's business).
    const result = await runCli(['doctor', 'certs', '--timeout', '2'], {
      cwd: scratch.path,
      env: { NODE_EXTRA_CA_CERTS: undefined },
    });
    expect(result.stderr).toBe('');
    const out = result.stdout;
    expect(out).toMatch(
      new RegExp(`(ok|warn|info) +Node ${process.versions.node.replace(/\./g, '\\.')}`),
    );
    expect(out).toContain(`OpenSSL ${process.versions.openssl}`);
    // Where it looked, not a claim of where it was found.
    expect(out).toMatch(
      /ok +USERTrust RSA Certification Authority: trusted \(among Node's bundled root certificates\)/,
    );
    // What it says of Node versions is what package.json's engines says, nothing untested.
    expect(out).not.toContain('runs on both');
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(out).toContain('apns-setup needs Node 20.17 or later');
    }
    expect(out).toContain(
      'certs/aps.cer: com.example.myapp (development (sandbox)), team ABCDE12345',
    );
    expect(out).toContain('its private key is in certs/key.unencrypted.pem');
    expect(out).toContain(
      'certs/AuthKey_ABC123DEFG.p8: token signing key (.p8), key id ABC123DEFG',
    );
    expect(out).toContain('--team-id ABCDE12345');
    expect(out).toContain(
      'certs/MyApp.mobileprovision: provisioning profile for com.example.myapp',
    );
    expect(out).toContain('certs/aps.cer pushes to its bundle id in sandbox: they fit');
    // This machine is offline: one plain line, and exit 1 (APNs cannot be reached).
    const offline = /FAIL +offline: no APNs host name resolves/.test(out);
    if (offline) expect(result.exitCode).toBe(1);
    expect(out).not.toMatch(/^\s+at /m);
  });

  it('--json: the same facts for a script', async () => {
    const result = await runCli(['doctor', 'certs', '--json', '--timeout', '2'], {
      cwd: scratch.path,
      env: { NODE_EXTRA_CA_CERTS: undefined },
    });
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.runtime).toMatchObject({
      node: process.versions.node,
      openssl: process.versions.openssl,
    });
    expect(
      report.trust.roots.find((r) => r.name === 'USERTrust RSA Certification Authority')?.trusted,
    ).toBe(true);
    expect(report.network.results.map((r) => `${r.host}:${r.port}`)).toEqual([
      'api.push.apple.com:443',
      'api.push.apple.com:2197',
      'api.sandbox.push.apple.com:443',
      'api.sandbox.push.apple.com:2197',
    ]);
    expect(result.exitCode).toBe(report.network.offline ? 1 : result.exitCode);
    expect(report.files?.map((f) => [f.file, f.kind])).toEqual([
      ['certs/AuthKey_ABC123DEFG.p8', 'token-key'],
      ['certs/MyApp.mobileprovision', 'provisioning-profile'],
      ['certs/aps.cer', 'certificate'],
      ['certs/key.unencrypted.pem', 'private-key'],
    ]);
  });
});

describe('doctor and the trust store', () => {
  it('NODE_EXTRA_CA_CERTS counts: with the shipped AAA root added, it is trusted', async () => {
    const result = await runCli(['doctor', '--json', '--timeout', '1'], {
      env: {
        NODE_EXTRA_CA_CERTS: join(
          repoRoot,
          'templates',
          'apns-roots',
          'AAACertificateServices.pem',
        ),
      },
    });
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.trust.roots.every((r) => r.trusted)).toBe(true);
  });
});

describe('doctor given no folder', () => {
  it('a missing DIR is one clear line, exit 2', async () => {
    const result = await runCli(['doctor', join(scratch.path, 'nowhere')]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('nowhere: no such file or folder');
    expect(result.stderr).toContain('apns-setup doctor certs/');
  });
});

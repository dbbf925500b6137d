/**
 * doctor over hand-written ports: a trust store, a network and a folder made to order, so each
 * verdict and the exit code are seen for what they are, whatever this machine's network.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlist } from '../../src/adapters/plist.js';
import { InputError } from '../../src/core/errors.js';
import type { ReachResult } from '../../src/core/apns/reach.js';
import {
  APNS_TARGETS,
  doctorExitCode,
  runDoctor,
  type DoctorPorts,
  type TrustStore,
} from '../../src/flows/doctor.js';
import { doctorJson, doctorText } from '../../src/ui/render-doctor.js';
import { styleFor } from '../../src/ui/style.js';
import { repoRoot } from '../helpers/fixtures.js';
import { hasOpenssl3 } from '../helpers/openssl.js';
import { buildProfile } from '../helpers/profiles.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const now = new Date('2026-06-01T12:00:00Z');
const root = (file: string) =>
  readFileSync(join(repoRoot, 'templates', 'apns-roots', file), 'utf8');
const USERTRUST = root('USERTrustRSACertificationAuthority.pem');
const AAA = root('AAACertificateServices.pem');
const style = styleFor(false, {});

const connected = (host: string, port: number): ReachResult => ({
  host,
  port,
  outcome: 'connected',
  address: '17.188.0.1',
  code: null,
  ms: 40,
});

function ports(options: {
  store?: TrustStore;
  reach?: (host: string, port: number) => ReachResult;
  files?: Record<string, Uint8Array | string>;
  node?: string;
}): DoctorPorts {
  const files = new Map(Object.entries(options.files ?? {}));
  return {
    runtime: { node: options.node ?? '24.2.0', openssl: '3.5.0', useOpensslCa: false },
    trustStore: () => Promise.resolve(options.store ?? { source: 'runtime', pems: [USERTRUST] }),
    shippedRoot: (file) => Promise.resolve(root(file)),
    reach: (host, port) => Promise.resolve((options.reach ?? connected)(host, port)),
    listFiles: (dir) =>
      Promise.resolve([...files.keys()].filter((f) => f.startsWith(`${dir}/`)).sort()),
    readFile: (file) => {
      const bytes = files.get(file);
      if (bytes === undefined)
        return Promise.reject(new InputError('FILE_NOT_FOUND', `${file}: no such file`));
      return Promise.resolve(typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes));
    },
    passphrase: () =>
      Promise.reject(new InputError('PASSPHRASE_REQUIRED', 'a passphrase is needed')),
    passphraseAtHand: () => Promise.resolve(null),
    parsePlist,
    filesBeside: (file) =>
      Promise.resolve(
        [...files.keys()].filter(
          (f) => f !== file && f.startsWith(file.slice(0, file.lastIndexOf('/') + 1)),
        ),
      ),
    now: () => now,
  };
}

const text = (report: Awaited<ReturnType<typeof runDoctor>>) =>
  doctorText(report, { timeoutSeconds: 3, style });

describe('doctor: runtime and trust', () => {
  it('all in order: an LTS Node, the current root trusted, every host reached → exit 0', async () => {
    const report = await runDoctor({ dir: null }, ports({}));
    expect(doctorExitCode(report)).toBe(0);
    const out = text(report);
    expect(out).toContain('ok    Node 24.2.0, supported until 2028-04-30');
    expect(out).toContain('ok    USERTrust RSA Certification Authority: trusted');
    expect(out).toContain(
      "info  AAA Certificate Services: not in this runtime's trust store; only the older APNs chain ends here",
    );
    for (const { host, port } of APNS_TARGETS) {
      expect(out).toContain(`ok    ${host}:${port}: reached (17.188.0.1) in 40 ms`);
    }
    expect(out).toContain('Everything apns-setup can check from here is in order.');
  });

  it('the root APNs presents not trusted: FAIL with the shipped copy as the fix → exit 1', async () => {
    const report = await runDoctor(
      { dir: null },
      ports({ store: { source: 'bundled', pems: [AAA] } }),
    );
    expect(doctorExitCode(report)).toBe(1);
    const out = text(report);
    expect(out).toContain(
      "FAIL  USERTrust RSA Certification Authority: not in Node's bundled root certificates, so a TLS connection to APNs will fail",
    );
    expect(out).toContain(
      'fix: update Node (its bundled roots), or trust the shipped copy: NODE_EXTRA_CA_CERTS=templates/apns-roots/USERTrustRSACertificationAuthority.pem',
    );
    expect(out).toContain('ok    AAA Certificate Services: trusted');
  });

  it('Node 20 past its end of life (by the clock given) is a warning with the fix', async () => {
    const report = await runDoctor({ dir: null }, ports({ node: '20.17.0' }));
    expect(text(report)).toContain(
      'warn  Node 20.17.0: past its end of life (2026-04-30), so it gets no more security fixes',
    );
    expect(doctorExitCode(report)).toBe(0);
  });
});

describe('doctor: reach of APNs', () => {
  it('offline: one plain line, exit 1', async () => {
    const report = await runDoctor(
      { dir: null },
      ports({
        reach: (host, port) => ({
          host,
          port,
          outcome: 'dns-failed',
          address: null,
          code: 'ENOTFOUND',
          ms: 2,
        }),
      }),
    );
    expect(doctorExitCode(report)).toBe(1);
    const out = text(report);
    expect(out).toContain(
      'FAIL  offline: no APNs host name resolves (api.push.apple.com: ENOTFOUND), so no push can go out from here',
    );
    // One verdict for the whole, not four lines that say the same.
    expect(out).not.toMatch(/FAIL {2}api\./);
    expect(doctorJson(report, { timeoutSeconds: 3 }).network.offline).toBe(true);
  });

  it('port 2197 blocked while 443 works: a warning that names the port to use, exit 0', async () => {
    const report = await runDoctor(
      { dir: null },
      ports({
        reach: (host, port) =>
          port === 2197
            ? { host, port, outcome: 'timeout', address: '17.188.0.1', code: null, ms: 3000 }
            : connected(host, port),
      }),
    );
    expect(doctorExitCode(report)).toBe(0);
    const out = text(report);
    expect(out).toContain(
      'warn  api.push.apple.com:2197: resolved to 17.188.0.1, but no connection within 3 s (a firewall dropping it?)',
    );
    expect(out).toContain('fix: use the port that works (apns-setup push --port 443)');
  });
});

describe.skipIf(!hasOpenssl3)('doctor DIR: what pairs with what', () => {
  it('a profile whose builds make production tokens beside a sandbox-only certificate is a warning', async () => {
    const live = issueSandboxCertificate({
      now,
      bundleId: 'com.example.myapp',
      teamId: 'ABCDE12345',
    });
    const tokenKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const report = await runDoctor(
      { dir: 'certs' },
      ports({
        files: {
          'certs/aps.cer': live.der,
          'certs/key.unencrypted.pem': live.key.export({ type: 'pkcs8', format: 'pem' }),
          'certs/AuthKey_ABC123DEFG.p8': tokenKey.export({ type: 'pkcs8', format: 'pem' }),
          'certs/MyApp.mobileprovision': buildProfile({
            now,
            bundleId: 'com.example.myapp',
            apsEnvironment: 'production',
            devices: null,
          }),
        },
      }),
    );
    const out = text(report);
    expect(out).toContain('its private key is in certs/key.unencrypted.pem');
    expect(out).toContain(
      'ok    certs/key.unencrypted.pem: private key, the private key of certs/aps.cer',
    );
    expect(out).toContain(
      'use it: apns-setup push --auth-key certs/AuthKey_ABC123DEFG.p8 --team-id ABCDE12345 --topic BUNDLE_ID',
    );
    expect(out).toContain(
      'warn  certs/MyApp.mobileprovision: provisioning profile for com.example.myapp, team ABCDE12345',
    );
    expect(out).toContain(
      "certs/aps.cer pushes only to sandbox: tokens from this profile's builds will be refused (BadDeviceToken)",
    );
    const json = doctorJson(report, { timeoutSeconds: 3 });
    expect(json.files?.map((f) => [f.file, f.kind, f.severity])).toEqual([
      ['certs/AuthKey_ABC123DEFG.p8', 'token-key', 'ok'],
      ['certs/MyApp.mobileprovision', 'provisioning-profile', 'warn'],
      ['certs/aps.cer', 'certificate', 'ok'],
      ['certs/key.unencrypted.pem', 'private-key', 'ok'],
    ]);
    expect(doctorExitCode(report)).toBe(0);
  });

  it('an expired certificate with no key here fails, with renew and import as the fixes', async () => {
    const day = 24 * 60 * 60 * 1000;
    const old = issueSandboxCertificate({
      now,
      notBefore: new Date(now.getTime() - 400 * day),
      notAfter: new Date(now.getTime() - 3 * day),
    });
    const report = await runDoctor({ dir: 'old' }, ports({ files: { 'old/aps.cer': old.der } }));
    expect(doctorExitCode(report)).toBe(1);
    const out = text(report);
    expect(out).toMatch(/FAIL {2}old\/aps\.cer: .*expired on \d{4}-\d{2}-\d{2} \(3 days ago\)/);
    expect(out).toContain('no private key for it here');
    expect(out).toContain('renew it: apns-setup renew --from old/aps.cer');
  });

  it('a certificate not valid yet says from when, not the day it ends', async () => {
    const day = 24 * 60 * 60 * 1000;
    const notBefore = new Date(now.getTime() + 2 * day);
    const early = issueSandboxCertificate({
      now,
      notBefore,
      notAfter: new Date(now.getTime() + 367 * day),
    });
    const report = await runDoctor({ dir: 'new' }, ports({ files: { 'new/aps.cer': early.der } }));
    expect(text(report)).toContain(`not valid until ${notBefore.toISOString().slice(0, 10)}`);
  });
});

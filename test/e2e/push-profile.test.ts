/**
 * `push --profile`: the built CLI against `apns-setup sandbox`, whose --tokens list marks a
 * token as a production one (so the sandbox answers BadDeviceToken), with profiles built as
 * Apple builds them (openssl cms -sign). The profile is read before connecting; its
 * aps-environment is said before sending, warned about when the push goes elsewhere, and named
 * in the explanation of BadDeviceToken, with a certificate and with a token key.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { buildProfile } from '../helpers/profiles.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { issueUniversalCertificate, testCa, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: the built CLI and the sandbox read it (under faketime too).
const now = new Date();

const scratch = scratchDir();
const TOPIC = 'com.example.profile';
/** A token of a TestFlight build: the sandbox does not know it. */
const PRODUCTION_TOKEN = 'c'.repeat(64);
const SANDBOX_TOKEN = 'd'.repeat(64);
const ck = join(scratch.path, 'ck.pem');
const profiles = {
  development: join(scratch.path, 'Dev.mobileprovision'),
  production: join(scratch.path, 'AdHoc.mobileprovision'),
  noPush: join(scratch.path, 'NoPush.mobileprovision'),
  otherApp: join(scratch.path, 'Other.mobileprovision'),
  hostile: join(scratch.path, 'Hostile.mobileprovision'),
};

let sandbox: SandboxProcess;
let url = '';
let caFile = '';
let stateKey = '';

interface PushJson {
  token: string;
  environment: string;
  status: number | null;
  reason: string | null;
  ok: boolean;
  explanation: string;
  hint: string | null;
  profile?: { apsEnvironment: string | null; environment: string | null };
}

function push(args: string[]) {
  return runCli(['push', '--endpoint', url, '--ca', caFile, ...args]);
}

beforeAll(async () => {
  writeFileSync(join(scratch.path, 'test-ca.pem'), testCa().certificatePem);
  writeFileSync(
    join(scratch.path, 'tokens.txt'),
    `${PRODUCTION_TOKEN} production\n${SANDBOX_TOKEN} sandbox\n`,
  );
  const issued = issueUniversalCertificate({ now, bundleId: TOPIC });
  writeFileSync(ck, issued.certificatePem + exportPkcs1Pem(testKey('leaf')), { mode: 0o600 });
  writeFileSync(
    profiles.development,
    buildProfile({ now, apsEnvironment: 'development', bundleId: TOPIC, name: 'Dev' }),
  );
  writeFileSync(
    profiles.production,
    buildProfile({ now, apsEnvironment: 'production', bundleId: TOPIC, name: 'Ad Hoc' }),
  );
  writeFileSync(profiles.noPush, buildProfile({ now, apsEnvironment: null, bundleId: TOPIC }));
  writeFileSync(
    profiles.otherApp,
    buildProfile({ now, apsEnvironment: 'development', bundleId: 'com.example.other' }),
  );
  writeFileSync(
    profiles.hostile,
    buildProfile({ now, apsEnvironment: 'development', bundleId: TOPIC, name: 'Evil\x1b[2J' }),
  );
  sandbox = spawnSandbox([
    '--json',
    '--client-ca',
    join(scratch.path, 'test-ca.pem'),
    '--tokens',
    join(scratch.path, 'tokens.txt'),
    '--state',
    join(scratch.path, 'state'),
    '--topics',
    TOPIC,
  ]);
  ({ url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string });
  const key = readdirSync(join(scratch.path, 'state')).find((n) => /^AuthKey_.*\.p8$/.test(n))!;
  stateKey = join(scratch.path, 'state', key);
});

afterAll(async () => {
  await sandbox?.stop();
  scratch.remove();
});

describe('push --profile', () => {
  it("says before sending which environment the build's tokens belong to", async () => {
    const result = await push([
      '--cert',
      ck,
      '--token',
      SANDBOX_TOKEN,
      '--profile',
      profiles.development,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `The profile "Dev" (${profiles.development}) has aps-environment development: this build's tokens are development (sandbox) tokens, for api.sandbox.push.apple.com.`,
    );
    expect(result.stderr).not.toContain('Warning');
  });

  it('names the aps-environment in the BadDeviceToken explanation: a production profile → api.push.apple.com', async () => {
    const result = await push([
      '--cert',
      ck,
      '--token',
      PRODUCTION_TOKEN,
      '--env',
      'sandbox',
      '--profile',
      profiles.production,
    ]);
    expect(result.exitCode).toBe(1);
    // The --env that disagrees with the profile is warned about before anything is sent.
    const warning = result.stderr.indexOf(
      `Warning: the profile ${profiles.production} has aps-environment production: the build signed with it registers production tokens (api.push.apple.com), but --env sandbox sends to the sandbox`,
    );
    expect(warning, result.stderr).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(result.stderr.indexOf('Sending a push'));
    expect(result.stdout).toContain('400 BadDeviceToken');
    expect(result.stdout).toContain(
      "the profile's aps-environment is production: an ad hoc, TestFlight or App Store build signed with it registers its device tokens with production (api.push.apple.com), not with the sandbox.",
    );
    expect(result.stdout).toContain('Push with --env production.');
  });

  it('lets the profile choose the first environment when --env is auto, and --json carries it', async () => {
    const result = await push([
      '--cert',
      ck,
      '--token',
      PRODUCTION_TOKEN,
      '--env',
      'auto',
      '--profile',
      profiles.production,
      '--json',
    ]);
    expect(result.stderr).toContain("(not Apple's; asked for production)");
    expect(result.stderr).not.toContain('Warning');
    const [answer] = JSON.parse(result.stdout) as PushJson[];
    expect(answer!.profile).toEqual({ apsEnvironment: 'production', environment: 'production' });
    // The sandbox says it plays the sandbox: the explanation is for it, naming the profile.
    expect(answer).toMatchObject({ status: 400, reason: 'BadDeviceToken', ok: false });
    expect(answer!.explanation).toContain('api.push.apple.com');
  });

  it('explains a development profile with a token the sandbox does not know', async () => {
    const result = await push([
      '--cert',
      ck,
      '--token',
      PRODUCTION_TOKEN,
      '--profile',
      profiles.development,
      '--json',
    ]);
    const [answer] = JSON.parse(result.stdout) as PushJson[];
    expect(answer!.profile).toEqual({ apsEnvironment: 'development', environment: 'sandbox' });
    expect(answer!.explanation).toContain(
      "though the profile's aps-environment is development: a development build (run from Xcode) signed with it registers its device tokens with the sandbox (api.sandbox.push.apple.com)",
    );
    expect(answer!.hint).toContain('Take the token from the build signed with this profile');
  });

  it('says plainly that a profile without aps-environment cannot receive pushes', async () => {
    const result = await push([
      '--cert',
      ck,
      '--token',
      PRODUCTION_TOKEN,
      '--profile',
      profiles.noPush,
      '--json',
    ]);
    expect(result.stderr).toContain(
      `Warning: the profile ${profiles.noPush} has no aps-environment: its App ID has no Push Notifications capability, so the app signed with it cannot receive pushes.`,
    );
    const [answer] = JSON.parse(result.stdout) as PushJson[];
    expect(answer!.profile).toEqual({ apsEnvironment: null, environment: null });
    expect(answer!.explanation).toContain('the profile has no aps-environment');
  });

  it('warns about a profile for another app than the topic', async () => {
    const result = await push(['--cert', ck, '--profile', profiles.otherApp]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `Warning: the profile ${profiles.otherApp} is for com.example.other, but the push goes to the topic ${TOPIC}`,
    );
  });

  it("escapes the profile's name before the terminal", async () => {
    const result = await push(['--cert', ck, '--profile', profiles.hostile]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('\x1b[2J');
    expect(result.stderr).toContain('"Evil\\x1b[2J"');
  });

  it('works with a token key too: BadDeviceToken names the aps-environment', async () => {
    const result = await push([
      '--auth-key',
      stateKey,
      '--team-id',
      'SANDBOX001',
      '--topic',
      TOPIC,
      '--token',
      PRODUCTION_TOKEN,
      '--env',
      'sandbox',
      '--profile',
      profiles.production,
      '--json',
    ]);
    expect(result.stderr).toContain('but --env sandbox sends to the sandbox');
    const [answer] = JSON.parse(result.stdout) as PushJson[];
    expect(answer).toMatchObject({
      reason: 'BadDeviceToken',
      ok: false,
      hint: 'Push with --env production.',
    });
    expect(answer!.explanation).toContain("the profile's aps-environment is production");
  });

  it('reads the profile before connecting: a missing or wrong file is one line, exit 2, nothing sent', async () => {
    // Nothing listens on port 9: had the push connected, it would have failed with exit 1.
    const nowhere = ['--cert', ck, '--endpoint', 'https://127.0.0.1:9', '--ca', caFile];
    const missing = await runCli([
      'push',
      ...nowhere,
      '--profile',
      join(scratch.path, 'nope.mobileprovision'),
    ]);
    expectCleanFailure(missing);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('nope.mobileprovision');
    expect(missing.stderr).not.toContain('Sending');

    const wrong = await runCli(['push', ...nowhere, '--profile', ck]);
    expectCleanFailure(wrong);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain(`${ck}: it is not a provisioning profile`);
    expect(wrong.stderr).not.toContain('Sending');
  });
});

/**
 * The push journey with a token key, over real HTTP/2 against in-process sandboxes that verify
 * the tokens: Apple's two hosts are played by a sandbox each (the connect port sends each host
 * to its sandbox), so `--env auto` and the token's renewal are checked as APNs would see them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApns } from '../../src/adapters/apns-connection.js';
import type { NotificationLogEntry, SandboxTokenAuth } from '../../src/core/apns/sandbox-rules.js';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import type { PushPorts } from '../../src/flows/push-ports.js';
import { pushEach, sendPush, type PushInput, type PushResult } from '../../src/flows/send-push.js';
import { describePushProgress, explainPushResult } from '../../src/ui/render-push.js';
import { describeWarning } from '../../src/ui/warnings.js';
import { monotonicMs } from '../../src/adapters/monotonic-clock.js';
import { repoRoot } from '../helpers/fixtures.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox-harness.js';

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const OTHER_TOKEN = 'c0ffee00'.repeat(8);
const KEY_ID = 'FLOWKEY001';
const TEAM_ID = 'FLOWTEAM01';
const KEY_FILE = `AuthKey_${KEY_ID}.p8`;
const MINUTE = 60_000;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const tokenAuth: SandboxTokenAuth = {
  keys: [{ keyId: KEY_ID, teamId: TEAM_ID, key: privateKey }],
  topics: ['com.example.token'],
};

/**
 * One clock for the file, shared by the flow and the sandboxes: the real one plus `shift`,
 * which a test moves on to stand for time passing. The monotonic clock moves with `monotonic`.
 */
let shift = 0;
let monotonic = 0;
const clock = () => new Date(Date.now() + shift);

let sandbox: TestSandbox;
let production: TestSandbox;

beforeAll(async () => {
  const known = new Map([
    [TOKEN, { bundleId: null, environment: 'production' as const, unregisteredSince: null }],
  ]);
  sandbox = await startTestSandbox({ tokenAuth, knownTokens: known, now: clock });
  production = await startTestSandbox({
    tokenAuth,
    knownTokens: known,
    environment: 'production',
    now: clock,
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await production?.stop();
});

function harness() {
  const warnings: string[] = [];
  const progress: string[] = [];
  const files = new Map([[KEY_FILE, Buffer.from(exportPkcs8Pem(privateKey))]]);
  const ports: PushPorts = {
    parsePlist: () => Promise.reject(new Error('no profile in this test')),
    readFile: (path) => {
      const bytes = files.get(path);
      return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`no test file ${path}`));
    },
    passphrase: () => Promise.reject(new Error('a token key needs no passphrase')),
    passphraseAtHand: () => Promise.resolve(null),
    warn: (warning) => warnings.push(describeWarning(warning)),
    now: clock,
    readStdin: () => Promise.reject(new Error('no stdin')),
    streamFile: () => {
      throw new Error('no tokens file');
    },
    readTemplate: (path) =>
      Promise.resolve(readFileSync(join(repoRoot, 'templates', path), 'utf8')),
    connect: (options) => {
      const target =
        options.host === 'api.sandbox.push.apple.com'
          ? sandbox
          : options.host === 'api.push.apple.com'
            ? production
            : null;
      if (target === null) return Promise.reject(new Error(`unexpected host ${options.host}`));
      return connectApns({
        ...options,
        url: target.sandbox.url,
        host: '127.0.0.1',
        port: target.sandbox.port,
        ca: readFileSync(target.state.caFile, 'utf8'),
      });
    },
    randomBytes: (size) => Buffer.alloc(size, 0xab),
    random: () => 0.5,
    sleep: () => Promise.resolve(),
    clock: () => monotonicMs() + monotonic,
    stopRequested: () => false,
    progress: (p) => progress.push(describePushProgress(p)),
  };
  return { ports, warnings, progress };
}

function input(overrides: Partial<PushInput> = {}): PushInput {
  return {
    authKey: KEY_FILE,
    teamId: TEAM_ID,
    topic: 'com.example.token',
    tokens: [TOKEN],
    timeoutMs: 10_000,
    ...overrides,
  };
}

const notifications = (target: TestSandbox) =>
  target.entries.filter((e): e is NotificationLogEntry => e.event === 'notification');

describe('push with a token key, against sandboxes playing Apple’s two hosts', () => {
  it.each([['auto'], [undefined]] as const)(
    '--env %s: a key works in both environments, so a BadDeviceToken in the sandbox is tried in production, which says where the token belongs',
    async (env) => {
      const h = harness();
      const [result] = await sendPush(input({ env }), h.ports);
      expect(result).toMatchObject({
        environment: 'production',
        status: 200,
        ok: true,
        attempts: 2,
        otherEnvironment: { first: 'sandbox', stillUnknown: false },
      });
      expect(explainPushResult(result!)).toEqual({
        explanation:
          'APNs accepted the notification for com.example.token in production: this token belongs to production (a TestFlight or App Store build), not the sandbox.',
        hint: 'Next time push this token with --env production.',
      });
      expect(h.progress[0]).toContain(`with a token signed with key ${KEY_ID} of team ${TEAM_ID}`);
    },
  );

  it('--env sandbox stays there, and the hint names the other environment', async () => {
    const h = harness();
    const [result] = await sendPush(input({ env: 'sandbox' }), h.ports);
    expect(result).toMatchObject({ status: 400, reason: 'BadDeviceToken', attempts: 1 });
    expect(result!.hint).toMatch(/push it with --env production/);
  });

  it('the credential probe is never tried in the other environment', async () => {
    const h = harness();
    const [probe] = await sendPush(input({ tokens: [], env: 'auto' }), h.ports);
    expect(probe).toMatchObject({ probe: true, ok: true, environment: 'sandbox', attempts: 1 });
  });

  it('renews the token after 50 minutes on the same connection, which the sandbox accepts (20 minutes had passed for it too)', async () => {
    const h = harness();
    const before = notifications(production).length;
    const results: PushResult[] = [];
    shift = 0;
    monotonic = 0;
    try {
      await pushEach(
        input({ env: 'production', tokens: [TOKEN, OTHER_TOKEN], timeoutMs: 2 * 60 * MINUTE }),
        h.ports,
        (r) => {
          results.push(r);
          // 55 minutes pass before the next push.
          shift += 55 * MINUTE;
          monotonic += 55 * MINUTE;
        },
      );
    } finally {
      shift = 0;
      monotonic = 0;
    }
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      [200, null],
      [400, 'BadDeviceToken'],
    ]);
    const logged = notifications(production).slice(before);
    const issued = logged.map((e) => Date.parse(e.providerToken!.issuedAt!));
    expect(issued[1]! - issued[0]!).toBeGreaterThanOrEqual(55 * MINUTE - 1000);
  });

  it('keeps its token when the wall clock jumps but little time passed: no TooManyProviderTokenUpdates', async () => {
    const h = harness();
    const before = notifications(production).length;
    const results: PushResult[] = [];
    try {
      await pushEach(
        input({ env: 'production', tokens: [TOKEN, OTHER_TOKEN], timeoutMs: 2 * 60 * MINUTE }),
        h.ports,
        (r) => {
          results.push(r);
          // The wall clock jumps 55 minutes (an NTP correction) while 5 pass.
          shift += 55 * MINUTE;
          monotonic += 5 * MINUTE;
        },
      );
    } finally {
      shift = 0;
      monotonic = 0;
    }
    expect(results.map((r) => r.reason)).toEqual([null, 'BadDeviceToken']);
    const logged = notifications(production).slice(before);
    expect(logged[1]!.providerToken).toEqual(logged[0]!.providerToken);
  });
});

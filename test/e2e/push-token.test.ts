/**
 * Token (.p8) authentication end to end: `apns-setup sandbox` with its --state test key (and
 * with a real .p8 from pushy's test suite as --auth-key-pub) in one process, `apns-setup push
 * --auth-key` in another; in-process sandboxes whose clocks run ahead of or behind this one
 * for the expiry reasons; a recording server to check the JWT on the wire with Node's
 * crypto.verify and the public key, independently of the code that signed it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPkcs1Pem, exportPkcs8Pem } from '../../src/core/pki/keys.js';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, realWorldPath } from '../helpers/fixtures.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-http2-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox-harness.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { issueUniversalCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: the built CLI and the sandboxes read it (under faketime
// too, as they share the process's shifted clock). Skewed sandboxes are offsets from it.
const now = new Date();

const scratch = scratchDir();
const TOKEN = 'a'.repeat(64);
const UNKNOWN_TOKEN = 'b'.repeat(64);
const TOPIC = 'com.example.token';
const PUSHY_P8 = 'token-keys/pushy__token-auth-private-key.p8';
const PUSHY_KEY_ID = 'PUSHY00001';
const PUSHY_TEAM = 'PUSHYTEAM1';
const HOUR = 3_600_000;

let sandbox: SandboxProcess;
let url = '';
let caFile = '';
let stateKey: { file: string; keyId: string; teamId: string };

interface PushJson {
  token: string;
  endpoint: string;
  environment: string;
  status: number | null;
  ok: boolean;
  reason: string | null;
  explanation: string;
  hint: string | null;
}

function push(args: string[]) {
  return runCli(['push', '--endpoint', url, '--ca', caFile, ...args]);
}

function withStateKey(args: string[], team = stateKey.teamId) {
  return push(['--auth-key', stateKey.file, '--team-id', team, '--topic', TOPIC, ...args]);
}

/** The sandbox's log line for the push just made (it trails the answer). */
async function logged(): Promise<Record<string, unknown>> {
  return JSON.parse(await sandbox.nextLine()) as Record<string, unknown>;
}

beforeAll(async () => {
  writeFileSync(join(scratch.path, 'tokens.txt'), `${TOKEN}\n`);
  sandbox = spawnSandbox([
    '--json',
    '--state',
    join(scratch.path, 'state'),
    '--tokens',
    join(scratch.path, 'tokens.txt'),
    '--topics',
    `${TOPIC},com.example.second`,
  ]);
  ({ url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string });
  stateKey = stateKeyIn(join(scratch.path, 'state'));
});

/** The sandbox's test key: the one AuthKey_KEYID.p8 in its --state folder, of its default team. */
function stateKeyIn(dir: string): typeof stateKey {
  const names = readdirSync(dir).filter((name) => /^AuthKey_.*\.p8$/.test(name));
  expect(names).toHaveLength(1);
  const keyId = /^AuthKey_(.*)\.p8$/.exec(names[0]!)![1]!;
  return { file: join(dir, names[0]!), keyId, teamId: 'SANDBOX001' };
}

afterAll(async () => {
  await sandbox?.stop();
  scratch.remove();
});

describe('the sandbox’s test key (--state)', () => {
  it('is made on first start as AuthKey_KEYID.p8, 0600, and said where it is', async () => {
    // Its sentences follow the --json line: wait for the last one.
    for (let i = 0; i < 100 && !sandbox.stderr().includes('Press Ctrl-C'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stateKey.file).toBe(join(scratch.path, 'state', `AuthKey_${stateKey.keyId}.p8`));
    expect(stateKey.keyId).toMatch(/^[A-Z0-9]{10}$/);
    expect(statSync(stateKey.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(stateKey.file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(sandbox.stderr()).toContain(
      `Made a test token key for token authentication: ${stateKey.file}`,
    );
    expect(sandbox.stderr()).toContain(
      `apns-setup push --auth-key ${stateKey.file} --team-id ${stateKey.teamId} --topic ${TOPIC} --endpoint ${url} --ca ${caFile}`,
    );
  });

  it('is kept across restarts, never made again; the --json announcement stays {url, caFile}', async () => {
    const again = spawnSandbox(['--json', '--state', join(scratch.path, 'state')]);
    try {
      const first = JSON.parse(await again.nextLine()) as Record<string, unknown>;
      expect(Object.keys(first)).toEqual(['url', 'caFile']);
      expect(stateKeyIn(join(scratch.path, 'state'))).toEqual(stateKey);
      for (let i = 0; i < 100 && !again.stderr().includes('Press Ctrl-C'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(again.stderr()).toContain(
        `signed by its test key ${stateKey.keyId} of team SANDBOX001`,
      );
      expect(again.stderr()).not.toContain('Made a test token key');
    } finally {
      await again.stop();
    }
  });
});

describe('push --auth-key against the sandbox', () => {
  it('proves the key, key id, team and topic with the credential probe: BadDeviceToken, exit 0', async () => {
    const result = await withStateKey(['--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const [probe] = JSON.parse(result.stdout) as PushJson[];
    expect(probe).toMatchObject({ status: 400, reason: 'BadDeviceToken', ok: true });
    expect(probe!.explanation).toContain(
      `accepted the token of key ${stateKey.keyId} for team ${stateKey.teamId} for ${TOPIC}`,
    );
    const entry = await logged();
    expect(entry).toMatchObject({
      reason: 'BadDeviceToken',
      certificate: null,
      providerToken: { keyId: stateKey.keyId, teamId: stateKey.teamId },
    });
    expect(result.stderr).toContain(
      `with a token signed with key ${stateKey.keyId} of team ${stateKey.teamId}`,
    );
  });

  it('delivers to several tokens with one token key: the known one 200, the unknown one BadDeviceToken', async () => {
    const result = await withStateKey([
      '--token',
      TOKEN,
      '--token',
      UNKNOWN_TOKEN,
      '--template',
      'badge',
      '--json',
    ]);
    expect(result.exitCode).toBe(1);
    const objects = JSON.parse(result.stdout) as PushJson[];
    expect(objects.map((o) => [o.token, o.status, o.reason])).toEqual([
      [TOKEN, 200, null],
      [UNKNOWN_TOKEN, 400, 'BadDeviceToken'],
    ]);
    await logged();
    await logged();
  });

  it('sends location and liveactivity pushes with a key, to the typed topics', async () => {
    for (const [pushType, topic] of [
      ['location', `${TOPIC}.location-query`],
      ['liveactivity', `${TOPIC}.push-type.liveactivity`],
    ] as const) {
      const result = await withStateKey(['--token', TOKEN, '--push-type', pushType, '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject([{ status: 200, ok: true }]);
      const entry = await logged();
      expect(entry).toMatchObject({ topic, pushType, warnings: [] });
    }
  });

  it('refuses location and liveactivity pushes with a certificate, saying why (exit 2, nothing sent)', async () => {
    const ck = join(scratch.path, 'ck.pem');
    const issued = issueUniversalCertificate({ now, bundleId: TOPIC });
    writeFileSync(ck, issued.certificatePem + exportPkcs1Pem(testKey('leaf')), { mode: 0o600 });
    for (const pushType of ['location', 'liveactivity']) {
      const result = await push(['--cert', ck, '--token', TOKEN, '--push-type', pushType]);
      expect(result.exitCode).toBe(2);
      expectCleanFailure(result);
      expect(result.stderr).toContain(
        `Error: ${pushType} pushes need token authentication: Apple accepts them only from a provider that signs with a .p8 key, never over a certificate.`,
      );
      expect(result.stdout).toBe('');
    }
    expect(sandbox.unreadLines()).toEqual([]);
  });

  it('InvalidProviderToken for a wrong team id, a wrong key id, and the wrong key: explained with the fix', async () => {
    const wrongTeam = await withStateKey(['--json'], 'WRONGTEAM1');
    const wrongKeyId = await withStateKey(['--key-id', 'WRONGKEY01', '--json']);
    // Another key under the test key's name: its signature does not verify.
    const impostor = join(scratch.path, `AuthKey_${stateKey.keyId}.p8`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(impostor, exportPkcs8Pem(privateKey), { mode: 0o600 });
    const wrongKey = await push([
      '--auth-key',
      impostor,
      '--team-id',
      stateKey.teamId,
      '--topic',
      TOPIC,
      '--json',
    ]);
    for (const result of [wrongTeam, wrongKeyId, wrongKey]) {
      expect(result.exitCode).toBe(1);
      const [only] = JSON.parse(result.stdout) as PushJson[];
      expect(only).toMatchObject({ status: 403, reason: 'InvalidProviderToken', ok: false });
      expect(only!.explanation).toMatch(
        /the key id, the team id or the key is wrong, or the key was revoked/,
      );
      expect(only!.hint).toMatch(/developer\.apple\.com/);
      await logged();
    }
    expect(JSON.parse(wrongKeyId.stdout)[0].hint).toContain('key WRONGKEY01');
  });

  it('TopicDisallowed for a bundle id that is not one of the team’s (--topics)', async () => {
    const result = await push([
      '--auth-key',
      stateKey.file,
      '--team-id',
      stateKey.teamId,
      '--topic',
      'com.other.app',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('400 TopicDisallowed');
    expect(result.stdout).toContain(
      `does not allow team ${stateKey.teamId} to push to com.other.app`,
    );
    await logged();
  });

  it.skipIf(!hasRealWorld)(
    'a sandbox given a real .p8 (pushy’s) with --auth-key-pub accepts its tokens, and so does one given its public key',
    async () => {
      const publicPem = join(scratch.path, 'pushy-public.pem');
      writeFileSync(
        publicPem,
        createPublicKey(createPrivateKey(readFileSync(realWorldPath(PUSHY_P8))))
          .export({ format: 'pem', type: 'spki' })
          .toString(),
      );
      for (const keyFile of [realWorldPath(PUSHY_P8), publicPem]) {
        const other = spawnSandbox([
          '--json',
          '--auth-key-pub',
          keyFile,
          '--key-id',
          PUSHY_KEY_ID,
          '--team-id',
          PUSHY_TEAM,
        ]);
        try {
          const first = JSON.parse(await other.nextLine()) as { url: string; caFile: string };
          const result = await runCli([
            'push',
            '--auth-key',
            realWorldPath(PUSHY_P8),
            '--key-id',
            PUSHY_KEY_ID,
            '--team-id',
            PUSHY_TEAM,
            '--topic',
            TOPIC,
            '--endpoint',
            first.url,
            '--ca',
            first.caFile,
            '--token',
            TOKEN,
          ]);
          expect(result.exitCode, result.stderr).toBe(0);
          expect(result.stdout).toContain('200');
          expect(other.stderr()).toContain(
            `It accepts provider tokens (token authentication) signed by key ${PUSHY_KEY_ID} of team ${PUSHY_TEAM}`,
          );
        } finally {
          await other.stop();
        }
      }
    },
  );

  it.skipIf(!hasRealWorld)(
    'refuses the broken .p8 files of sideshow/apns2 before connecting, with the verdict inspect gives (exit 2)',
    async () => {
      for (const [file, verdict] of [
        ['sideshow-apns2__authkey-invalid-pkcs8.p8', /holds an RSA private key in PKCS#1/],
        ['sideshow-apns2__authkey-invalid-ecdsa.p8', /holds an RSA private key in PKCS#8/],
        ['sideshow-apns2__authkey-invalid.p8', /without its "-----BEGIN PRIVATE KEY-----"/],
      ] as const) {
        const path = realWorldPath(`token-keys/${file}`);
        const result = await push([
          '--auth-key',
          path,
          '--key-id',
          'ABC123DEFG',
          '--team-id',
          'DEF123GHIJ',
          '--topic',
          TOPIC,
        ]);
        expect(result.exitCode, file).toBe(2);
        expectCleanFailure(result);
        expect(result.stderr).toMatch(verdict);
        expect(result.stderr).toContain(path);
      }
      expect(sandbox.unreadLines()).toEqual([]);
    },
  );
});

describe('the refusals of push --auth-key (exit 2, one line, before reading a file)', () => {
  const p8 = () => stateKey.file;
  it.each([
    [
      '--auth-key with --cert',
      () => ['--auth-key', p8(), '--cert', 'ck.pem', '--team-id', 'T', '--topic', TOPIC],
      'Error: --auth-key and --cert are two ways to prove who sends the push; pass only one of them.',
    ],
    [
      'no --team-id',
      () => ['--auth-key', p8(), '--topic', TOPIC],
      'Error: --auth-key needs --team-id: a token names the team its key belongs to.',
    ],
    [
      'no key id in the name nor --key-id',
      () => [
        '--auth-key',
        join(scratch.path, 'key.p8'),
        '--team-id',
        'DEF123GHIJ',
        '--topic',
        TOPIC,
      ],
      `Error: ${join(scratch.path, 'key.p8')} does not carry its key id in its name (Apple names it AuthKey_KEYID.p8), and no --key-id was given.`,
    ],
    [
      'no --topic',
      () => ['--auth-key', p8(), '--team-id', 'DEF123GHIJ'],
      'Error: --auth-key needs --topic: a token key is for the whole team, not one app.',
    ],
    [
      '--team-id with --cert',
      () => ['--cert', 'ck.pem', '--team-id', 'DEF123GHIJ'],
      'Error: --team-id goes with --auth-key; a certificate names its own team.',
    ],
  ])('%s', async (_what, args, line) => {
    const result = await runCli(['push', ...args()]);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr.split('\n')[0]).toBe(line);
    expect(result.stdout).toBe('');
  });
});

describe('clocks: the token reasons a wrong clock gets, against sandboxes whose clocks differ', () => {
  const keyId = 'CLOCKKEY01';
  const teamId = 'CLOCKTEAM1';
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = join(scratch.path, `AuthKey_${keyId}.p8`);
  let ahead: TestSandbox;
  let behind: TestSandbox;

  beforeAll(async () => {
    writeFileSync(keyFile, exportPkcs8Pem(privateKey), { mode: 0o600 });
    const tokenAuth = { keys: [{ keyId, teamId, key: privateKey }], topics: null };
    // The sandbox's clock two hours ahead: this computer's is two hours behind.
    ahead = await startTestSandbox({ tokenAuth, now: () => new Date(Date.now() + 2 * HOUR) });
    // Ten minutes behind: this computer's tokens are issued in its future.
    behind = await startTestSandbox({ tokenAuth, now: () => new Date(Date.now() - 10 * 60_000) });
  });
  afterAll(async () => {
    await ahead?.stop();
    await behind?.stop();
  });

  const pushTo = (target: TestSandbox) =>
    runCli([
      'push',
      '--auth-key',
      keyFile,
      '--team-id',
      teamId,
      '--topic',
      TOPIC,
      '--endpoint',
      target.sandbox.url,
      '--ca',
      target.state.caFile,
      '--json',
    ]);

  it('ExpiredProviderToken: says this computer’s clock is behind the server’s, by how much, and the fix', async () => {
    const result = await pushTo(ahead);
    expect(result.exitCode).toBe(1);
    const [only] = JSON.parse(result.stdout) as PushJson[];
    expect(only).toMatchObject({ status: 403, reason: 'ExpiredProviderToken', ok: false });
    // The date header has whole seconds, so the offset may show a second either way.
    expect(only!.explanation).toMatch(
      /more than an hour old, though it was signed just now: this computer’s clock is (2 h|1 h 59 min) behind the server’s \(by its date header\)/,
    );
    expect(only!.hint).toMatch(/network time/);
  });

  it('InvalidProviderToken for a token from the server’s future: says this computer’s clock is ahead', async () => {
    const result = await pushTo(behind);
    expect(result.exitCode).toBe(1);
    const [only] = JSON.parse(result.stdout) as PushJson[];
    expect(only).toMatchObject({ status: 403, reason: 'InvalidProviderToken' });
    expect(only!.explanation).toMatch(
      /this computer’s clock is (10 min|9 min \d+ s|10 min \d+ s) ahead of the server’s/,
    );
  });
});

describe('the token on the wire, checked independently of the code that signed it', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer({ rejectUnauthorized: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(!hasRealWorld)(
    'is an ES256 JWT (kid, iss, iat now) that crypto.verify accepts with the .p8’s public key; no client certificate is presented',
    async () => {
      const ca = join(scratch.path, 'recording-ca.pem');
      writeFileSync(ca, server.caPem);
      const p8 = join(scratch.path, `AuthKey_${PUSHY_KEY_ID}.p8`);
      copyFileSync(realWorldPath(PUSHY_P8), p8);
      const before = Math.floor(Date.now() / 1000);
      const result = await runCli([
        'push',
        '--auth-key',
        p8,
        '--team-id',
        PUSHY_TEAM,
        '--topic',
        TOPIC,
        '--endpoint',
        server.url,
        '--ca',
        ca,
        '--token',
        TOKEN,
        '--token',
        UNKNOWN_TOKEN,
      ]);
      const after = Math.floor(Date.now() / 1000);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(server.requests).toHaveLength(2);
      const [first, second] = server.requests as [
        (typeof server.requests)[number],
        (typeof server.requests)[number],
      ];
      // One token for the whole run.
      expect(second.headers.authorization).toBe(first.headers.authorization);
      expect(first.clientCertificateCn).toBeNull();
      const match = /^bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(first.headers.authorization ?? '');
      expect(match).not.toBeNull();
      const [, header, claims, signature] = match!;
      const json = (part: string) =>
        JSON.parse(Buffer.from(part!, 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(json(header!)).toEqual({ alg: 'ES256', kid: PUSHY_KEY_ID });
      const body = json(claims!);
      expect(body.iss).toBe(PUSHY_TEAM);
      expect(body.iat).toBeGreaterThanOrEqual(before);
      expect(body.iat).toBeLessThanOrEqual(after);
      const publicKey = createPublicKey(createPrivateKey(readFileSync(realWorldPath(PUSHY_P8))));
      expect(
        verify(
          'sha256',
          Buffer.from(`${header}.${claims}`),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          Buffer.from(signature!, 'base64url'),
        ),
      ).toBe(true);
      expect(first.headers['apns-topic']).toBe(TOPIC);
    },
  );
});

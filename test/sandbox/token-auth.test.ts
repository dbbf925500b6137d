/**
 * Token (.p8) authentication in the sandbox: the pure rules request by request, then the server
 * over real TLS and HTTP/2, where a connection without a client certificate is let in and a
 * connection that changes its token too often is told so.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signProviderToken } from '../../src/core/apns/provider-token.js';
import {
  answerPush,
  type NotificationLogEntry,
  type PushAnswerInput,
  type SandboxTokenAuth,
} from '../../src/core/apns/sandbox-rules.js';
import { exportPkcs8Pem } from '../../src/core/pki/keys.js';
import { loadOrCreateSandboxState, type SandboxState } from '../../src/sandbox/state.js';
import {
  portalIdentity,
  sendPush,
  startTestSandbox,
  waitForEntry,
  type TestSandbox,
} from '../helpers/sandbox-harness.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const KEY_ID = 'SANDBOXK01';
const TEAM_ID = 'TEAM000001';
const MINUTE = 60_000;
const { privateKey: key } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const { privateKey: otherKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const tokenAuth: SandboxTokenAuth = {
  keys: [{ keyId: KEY_ID, teamId: TEAM_ID, key }],
  topics: ['com.example.push'],
};

function bearer(now: Date, overrides: { keyId?: string; teamId?: string; key?: typeof key } = {}) {
  return `bearer ${signProviderToken({ key, keyId: KEY_ID, teamId: TEAM_ID, now, ...overrides })}`;
}

describe('the rules, with token authentication', () => {
  // The rules' clock: fixed, as nothing here meets TLS.
  const NOW = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));

  function request(overrides: Partial<PushAnswerInput> = {}): PushAnswerInput {
    return {
      method: 'POST',
      path: `/3/device/${TOKEN}`,
      headers: {
        'apns-topic': 'com.example.push',
        'apns-push-type': 'alert',
        authorization: bearer(NOW),
      },
      body: Buffer.from('{"aps":{"alert":"Hello"}}'),
      clientCertificate: null,
      tokenAuth,
      environment: 'sandbox',
      knownTokens: null,
      newApnsId: () => '00000000-0000-4000-8000-000000000001',
      newUniqueId: () => 'ffffffff-0000-4000-8000-000000000000',
      now: NOW,
      ...overrides,
    };
  }
  const withHeaders = (headers: Record<string, string>) =>
    request({
      headers: {
        'apns-topic': 'com.example.push',
        'apns-push-type': 'alert',
        authorization: bearer(NOW),
        ...headers,
      },
    });

  it('accepts a token signed by the key, and makes it the connection’s', () => {
    // ECDSA signatures are randomised: each signing makes another token.
    const sent = bearer(NOW);
    const answer = answerPush(withHeaders({ authorization: sent }));
    expect(answer.status).toBe(200);
    expect(answer.acceptedToken).toBe(sent.slice('bearer '.length));
    expect(answer.logEntry.providerToken).toEqual({
      keyId: KEY_ID,
      teamId: TEAM_ID,
      issuedAt: NOW.toISOString(),
    });
    expect(answer.logEntry.certificate).toBeNull();
  });

  it.each([
    [
      'more than an hour old',
      { now: new Date(NOW.getTime() - 61 * MINUTE) },
      403,
      'ExpiredProviderToken',
    ],
    [
      'issued in the future',
      { now: new Date(NOW.getTime() + 5 * MINUTE) },
      403,
      'InvalidProviderToken',
    ],
    ['from an unknown key id', { keyId: 'UNKNOWN001' }, 403, 'InvalidProviderToken'],
    ['for another team', { teamId: 'OTHERTEAM1' }, 403, 'InvalidProviderToken'],
    ['signed by another key', { key: otherKey }, 403, 'InvalidProviderToken'],
  ] as const)('refuses a token %s', (_what, overrides, status, reason) => {
    const { now: at = NOW, ...rest } = overrides as { now?: Date };
    const answer = answerPush(withHeaders({ authorization: bearer(at, rest) }));
    expect([answer.status, answer.reason]).toEqual([status, reason]);
    expect(answer.acceptedToken).toBeNull();
  });

  it('refuses an authorization header that is not "bearer <token>"', () => {
    for (const value of ['Basic abc', 'bearer', `token ${bearer(NOW)}`]) {
      expect(answerPush(withHeaders({ authorization: value })).reason).toBe('InvalidProviderToken');
    }
  });

  it('without a token or a certificate: 403 MissingProviderToken', () => {
    const answer = answerPush(
      request({ headers: { 'apns-topic': 'com.example.push', 'apns-push-type': 'alert' } }),
    );
    expect([answer.status, answer.reason]).toEqual([403, 'MissingProviderToken']);
  });

  it('checks the topic against the team’s bundle ids, typed topics included; any topic without --topics', () => {
    expect(
      answerPush(withHeaders({ 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' }))
        .status,
    ).toBe(200);
    expect(
      answerPush(
        withHeaders({
          'apns-topic': 'com.example.push.push-type.liveactivity',
          'apns-push-type': 'liveactivity',
        }),
      ).status,
    ).toBe(200);
    expect(answerPush(withHeaders({ 'apns-topic': 'com.example.other' })).reason).toBe(
      'TopicDisallowed',
    );
    expect(answerPush(withHeaders({ 'apns-topic': 'com.example.pushy' })).reason).toBe(
      'TopicDisallowed',
    );
    const anyTopic = request({
      tokenAuth: { ...tokenAuth, topics: null },
      headers: { 'apns-topic': 'org.anything.at.all', authorization: bearer(NOW) },
    });
    expect(answerPush(anyTopic).status).toBe(200);
  });

  it('needs apns-topic: a token is for a whole team, not one app', () => {
    const answer = answerPush(request({ headers: { authorization: bearer(NOW) } }));
    expect([answer.status, answer.reason]).toEqual([400, 'MissingTopic']);
  });

  it('a location or liveactivity push with a token gets no certificate warning', () => {
    const answer = answerPush(
      withHeaders({
        'apns-topic': 'com.example.push.location-query',
        'apns-push-type': 'location',
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.logEntry.warnings.join(' ')).not.toMatch(/token \(\.p8\) authentication/);
  });

  it('a new token on a connection sooner than 20 minutes after the last: 429 TooManyProviderTokenUpdates', () => {
    const old = bearer(new Date(NOW.getTime() - 5 * MINUTE)).slice('bearer '.length);
    const since = new Date(NOW.getTime() - 5 * MINUTE);
    const changed = answerPush(request({ connectionToken: { token: old, since } }));
    expect([changed.status, changed.reason]).toEqual([429, 'TooManyProviderTokenUpdates']);
    expect(changed.acceptedToken).toBeNull();
    // The same token again is no update.
    const same = answerPush(
      request({
        connectionToken: { token: old, since },
        headers: { 'apns-topic': 'com.example.push', authorization: `bearer ${old}` },
      }),
    );
    expect(same.status).toBe(200);
    // 20 minutes on, a new token is fine.
    const later = answerPush(
      request({ connectionToken: { token: old, since: new Date(NOW.getTime() - 20 * MINUTE) } }),
    );
    expect(later.status).toBe(200);
  });

  it('without token authentication configured, a bearer token alone is refused as before', () => {
    const answer = answerPush(request({ tokenAuth: null }));
    expect([answer.status, answer.reason]).toEqual([403, 'InvalidProviderToken']);
  });
});

describe('the server, with token authentication', () => {
  // This part's clock is the real one: it meets TLS.
  const now = new Date();
  let state: SandboxState;
  let sandbox: TestSandbox;
  let ca: string;

  beforeAll(async () => {
    state = await loadOrCreateSandboxState(null, now);
    sandbox = await startTestSandbox({ state, tokenAuth });
    ca = readFileSync(state.caFile, 'utf8');
  });
  afterAll(async () => {
    await sandbox?.stop();
    await state?.release();
  });

  const push = (
    headers: Record<string, string>,
    identity: Parameters<typeof sendPush>[0]['identity'] = null,
  ) =>
    sendPush({
      url: sandbox.sandbox.url,
      ca,
      identity,
      path: `/3/device/${TOKEN}`,
      headers: { 'apns-topic': 'com.example.push', 'apns-push-type': 'alert', ...headers },
    });

  it('lets a connection without a client certificate push with a token, and logs the key and team', async () => {
    const outcome = await push({ authorization: bearer(new Date()) });
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    if (outcome.kind !== 'response') return;
    // Its own clock, as the date header: what a client compares its clock with.
    expect(Date.parse(String(outcome.headers.date))).not.toBeNaN();
    const entry = (await waitForEntry(
      sandbox.entries,
      (e) => e.event === 'notification' && e.apnsId === outcome.headers['apns-id'],
    )) as NotificationLogEntry;
    expect(entry.providerToken).toMatchObject({ keyId: KEY_ID, teamId: TEAM_ID });
  });

  it('answers a connection with neither a certificate nor a token 403 MissingProviderToken', async () => {
    const outcome = await push({});
    expect(outcome).toMatchObject({ kind: 'response', status: 403 });
    if (outcome.kind === 'response') {
      expect(JSON.parse(outcome.body)).toEqual({ reason: 'MissingProviderToken' });
    }
  });

  it('still accepts a push certificate from its portal, and still refuses an untrusted one', async () => {
    const trusted = portalIdentity(state, 'development', { now });
    expect(await push({}, trusted)).toMatchObject({ kind: 'response', status: 200 });
    const stranger = issueSandboxCertificate({ now, bundleId: 'com.example.push' });
    const outcome = await push(
      { authorization: bearer(new Date()) },
      { certificatePem: stranger.certificatePem, keyPem: exportPkcs8Pem(stranger.key) },
    );
    expect(outcome.kind).toBe('closed');
    await waitForEntry(sandbox.entries, (e) => e.event === 'connection-refused');
  });

  it('answers 429 TooManyProviderTokenUpdates when one connection changes its token at once', async () => {
    const session = http2.connect(sandbox.sandbox.url, { ca });
    const send = (authorization: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': `/3/device/${TOKEN}`,
          'apns-topic': 'com.example.push',
          authorization,
        });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        stream.on('close', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end('{"aps":{"alert":"Hi"}}');
      });
    try {
      const first = bearer(new Date(Date.now() - MINUTE));
      expect((await send(first)).status).toBe(200);
      expect((await send(first)).status).toBe(200);
      const second = await send(bearer(new Date()));
      expect(second).toEqual({ status: 429, body: '{"reason":"TooManyProviderTokenUpdates"}' });
      // The first token is still the connection's.
      expect((await send(first)).status).toBe(200);
    } finally {
      session.close();
    }
    // Another connection may start with any valid token.
    expect(await push({ authorization: bearer(new Date()) })).toMatchObject({ status: 200 });
  });
});

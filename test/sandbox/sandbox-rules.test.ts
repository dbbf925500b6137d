/**
 * Every answer of the sandbox's rules, request by request, with certificates laid out as
 * Apple's (issued by the test CA).
 */
import { describe, expect, it } from 'vitest';
import {
  answerPush,
  type KnownToken,
  type PushAnswerInput,
} from '../../src/core/apns/sandbox-rules.js';
import type { CertificateInfo } from '../../src/core/pki/types.js';
import {
  issueProductionCertificate,
  issueSandboxCertificate,
  issueTestCertificate,
  issueTestServerCertificate,
  issueUniversalCertificate,
} from '../helpers/test-ca.js';

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const OTHER_TOKEN = 'a'.repeat(64);
const NOW = new Date('2026-11-28T12:00:00Z');
const CLIENT_ID = '123e4567-e89b-12d3-a456-426614174000';

const development = issueSandboxCertificate({ now: NOW, bundleId: 'com.example.push' }).certificate;
const production = issueProductionCertificate({
  now: NOW,
  bundleId: 'com.example.push',
}).certificate;
const universal = issueUniversalCertificate({ now: NOW, bundleId: 'com.example.push' }).certificate;
const website = issueTestCertificate('website', {
  now: NOW,
  bundleId: 'web.com.example',
}).certificate;
const notApns = issueTestServerCertificate(NOW).certificate;
const expired = issueSandboxCertificate({
  now: NOW,
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2021-01-01T00:00:00Z'),
}).certificate;

function request(overrides: Partial<PushAnswerInput> = {}): PushAnswerInput {
  let ids = 0;
  return {
    method: 'POST',
    path: `/3/device/${TOKEN}`,
    headers: { 'apns-topic': 'com.example.push', 'apns-push-type': 'alert' },
    body: Buffer.from('{"aps":{"alert":"Hello"}}'),
    clientCertificate: development,
    environment: 'sandbox',
    knownTokens: null,
    newApnsId: () => `00000000-0000-4000-8000-00000000000${++ids}`,
    newUniqueId: () => 'ffffffff-0000-4000-8000-000000000000',
    now: NOW,
    ...overrides,
  };
}

function known(entries: Record<string, Partial<KnownToken>>): Map<string, KnownToken> {
  return new Map(
    Object.entries(entries).map(([token, entry]) => [
      token,
      { bundleId: null, environment: null, unregisteredSince: null, ...entry },
    ]),
  );
}

const big = (bytes: number): Buffer =>
  Buffer.from(`{"aps":{"alert":"${'x'.repeat(bytes - '{"aps":{"alert":""}}'.length)}"}}`);

interface Case {
  name: string;
  input: Partial<PushAnswerInput>;
  status: number;
  reason: string | null;
}

const universalHeaders = { 'apns-topic': 'com.example.push', 'apns-push-type': 'alert' };

const cases: Case[] = [
  { name: 'an accepted alert', input: {}, status: 200, reason: null },
  { name: 'GET', input: { method: 'GET' }, status: 405, reason: 'MethodNotAllowed' },
  { name: 'another path', input: { path: '/3/devices/abc' }, status: 404, reason: 'BadPath' },
  { name: 'the root path', input: { path: '/' }, status: 404, reason: 'BadPath' },
  { name: 'no token', input: { path: '/3/device/' }, status: 400, reason: 'MissingDeviceToken' },
  {
    name: 'no token nor slash',
    input: { path: '/3/device' },
    status: 400,
    reason: 'MissingDeviceToken',
  },
  {
    name: 'a header sent twice',
    input: { headers: { 'apns-topic': ['com.example.push', 'com.example.push'] } },
    status: 400,
    reason: 'DuplicateHeaders',
  },
  {
    name: 'an apns-id that is not a UUID',
    input: { headers: { ...universalHeaders, 'apns-id': 'not-a-uuid' } },
    status: 400,
    reason: 'BadMessageId',
  },
  {
    name: 'no client certificate',
    input: { clientCertificate: null },
    status: 403,
    reason: 'MissingProviderToken',
  },
  {
    name: 'a bearer token instead of a certificate',
    input: {
      clientCertificate: null,
      headers: { ...universalHeaders, authorization: 'bearer eyJ0' },
    },
    status: 403,
    reason: 'InvalidProviderToken',
  },
  {
    name: 'a certificate without push extensions',
    input: { clientCertificate: notApns },
    status: 403,
    reason: 'BadCertificate',
  },
  {
    name: 'an expired certificate',
    input: { clientCertificate: expired },
    status: 403,
    reason: 'BadCertificate',
  },
  {
    name: 'a production certificate against the sandbox',
    input: { clientCertificate: production },
    status: 403,
    reason: 'BadCertificateEnvironment',
  },
  {
    name: 'a development certificate against production',
    input: { environment: 'production' },
    status: 403,
    reason: 'BadCertificateEnvironment',
  },
  {
    name: 'a universal certificate against production',
    input: { clientCertificate: universal, environment: 'production' },
    status: 200,
    reason: null,
  },
  {
    name: 'a Website Push ID certificate against production',
    input: {
      clientCertificate: website,
      environment: 'production',
      headers: { 'apns-topic': 'web.com.example' },
    },
    status: 200,
    reason: null,
  },
  {
    name: 'a multi-topic certificate without apns-topic',
    input: { clientCertificate: universal, headers: { 'apns-push-type': 'alert' } },
    status: 400,
    reason: 'MissingTopic',
  },
  {
    name: 'a single-topic certificate without apns-topic (its bundle id is the topic)',
    input: { headers: { 'apns-push-type': 'alert' } },
    status: 200,
    reason: null,
  },
  {
    name: 'an empty apns-topic',
    input: { headers: { 'apns-topic': ' ' } },
    status: 400,
    reason: 'BadTopic',
  },
  {
    name: "another app's topic",
    input: { headers: { 'apns-topic': 'com.example.other' } },
    status: 400,
    reason: 'TopicDisallowed',
  },
  {
    name: 'a topic in angle brackets (node-apn#479)',
    input: { headers: { 'apns-topic': '<com.example.push>' } },
    status: 400,
    reason: 'TopicDisallowed',
  },
  {
    name: 'the .voip topic of a single-topic development certificate',
    input: { headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' } },
    status: 400,
    reason: 'TopicDisallowed',
  },
  {
    name: 'the .voip topic of a universal certificate',
    input: {
      clientCertificate: universal,
      headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' },
    },
    status: 200,
    reason: null,
  },
  {
    name: 'an unknown push type',
    input: { headers: { 'apns-topic': 'com.example.push', 'apns-push-type': 'banner' } },
    status: 400,
    reason: 'InvalidPushType',
  },
  {
    name: 'priority 7',
    input: { headers: { ...universalHeaders, 'apns-priority': '7' } },
    status: 400,
    reason: 'BadPriority',
  },
  {
    name: 'a background push at priority 10',
    input: {
      headers: {
        'apns-topic': 'com.example.push',
        'apns-push-type': 'background',
        'apns-priority': '10',
      },
      body: Buffer.from('{"aps":{"content-available":1}}'),
    },
    status: 400,
    reason: 'BadPriority',
  },
  {
    name: 'a background push at priority 5',
    input: {
      headers: {
        'apns-topic': 'com.example.push',
        'apns-push-type': 'background',
        'apns-priority': '5',
      },
      body: Buffer.from('{"aps":{"content-available":1}}'),
    },
    status: 200,
    reason: null,
  },
  {
    name: 'an expiration that is not a number',
    input: { headers: { ...universalHeaders, 'apns-expiration': 'tomorrow' } },
    status: 400,
    reason: 'BadExpirationDate',
  },
  {
    name: 'expiration 0',
    input: { headers: { ...universalHeaders, 'apns-expiration': '0' } },
    status: 200,
    reason: null,
  },
  {
    name: 'a collapse id of 65 bytes',
    input: { headers: { ...universalHeaders, 'apns-collapse-id': 'c'.repeat(65) } },
    status: 400,
    reason: 'BadCollapseId',
  },
  {
    name: 'a collapse id of 64 bytes',
    input: { headers: { ...universalHeaders, 'apns-collapse-id': 'c'.repeat(64) } },
    status: 200,
    reason: null,
  },
  {
    name: 'a collapse id of 33 é (66 UTF-8 bytes, as Node hands them over)',
    input: {
      headers: {
        ...universalHeaders,
        'apns-collapse-id': Buffer.from('é'.repeat(33)).toString('latin1'),
      },
    },
    status: 400,
    reason: 'BadCollapseId',
  },
  { name: 'an empty body', input: { body: Buffer.alloc(0) }, status: 400, reason: 'PayloadEmpty' },
  { name: 'a 4096-byte payload', input: { body: big(4096) }, status: 200, reason: null },
  {
    name: 'a 4097-byte payload',
    input: { body: big(4097) },
    status: 413,
    reason: 'PayloadTooLarge',
  },
  {
    name: 'a 5120-byte VoIP payload',
    input: {
      clientCertificate: universal,
      headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' },
      body: big(5120),
    },
    status: 200,
    reason: null,
  },
  {
    name: 'a 5121-byte VoIP payload',
    input: {
      clientCertificate: universal,
      headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' },
      body: big(5121),
    },
    status: 413,
    reason: 'PayloadTooLarge',
  },
  {
    name: 'a huge body of which the server kept only the start',
    input: { body: big(4000), bodyLength: 10_000_000 },
    status: 413,
    reason: 'PayloadTooLarge',
  },
  {
    name: 'a token with a non-hex digit',
    input: { path: `/3/device/${TOKEN.slice(0, 63)}g` },
    status: 400,
    reason: 'BadDeviceToken',
  },
  {
    name: 'a 62-digit token',
    input: { path: `/3/device/${TOKEN.slice(0, 62)}` },
    status: 400,
    reason: 'BadDeviceToken',
  },
  {
    name: 'an upper-case token',
    input: { path: `/3/device/${TOKEN.toUpperCase()}` },
    status: 200,
    reason: null,
  },
  {
    name: 'a token not in --tokens',
    input: { knownTokens: known({ [OTHER_TOKEN]: {} }) },
    status: 400,
    reason: 'BadDeviceToken',
  },
  {
    name: 'a token in --tokens',
    input: { knownTokens: known({ [TOKEN]: {} }) },
    status: 200,
    reason: null,
  },
  {
    name: 'a production token sent to the sandbox',
    input: { knownTokens: known({ [TOKEN]: { environment: 'production' } }) },
    status: 400,
    reason: 'BadDeviceToken',
  },
  {
    name: "another app's token",
    input: { knownTokens: known({ [TOKEN]: { bundleId: 'com.example.other' } }) },
    status: 400,
    reason: 'DeviceTokenNotForTopic',
  },
  {
    name: "the app's token for its .voip topic",
    input: {
      clientCertificate: universal,
      headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' },
      knownTokens: known({ [TOKEN]: { bundleId: 'com.example.push' } }),
    },
    status: 200,
    reason: null,
  },
  {
    name: 'an unregistered token',
    input: { knownTokens: known({ [TOKEN]: { unregisteredSince: new Date(1458114061260) } }) },
    status: 410,
    reason: 'Unregistered',
  },
];

describe('answerPush', () => {
  it.each(cases)('$name → $status $reason', ({ input, status, reason }) => {
    const answer = answerPush(request(input));
    expect(answer.status).toBe(status);
    expect(answer.reason).toBe(reason);
    expect(answer.logEntry.status).toBe(status);
    expect(answer.logEntry.reason).toBe(reason);
    if (reason === null) {
      expect(answer.body).toBeNull();
    } else {
      expect(JSON.parse(answer.body!)).toMatchObject({ reason });
      expect(answer.headers['content-type']).toBe('application/json');
    }
  });

  it('has a case for every reason it can give', () => {
    const reasons = new Set(cases.map((c) => c.reason).filter((r) => r !== null));
    expect([...reasons].sort()).toEqual(
      [
        'BadCertificate',
        'BadCertificateEnvironment',
        'BadCollapseId',
        'BadDeviceToken',
        'BadExpirationDate',
        'BadMessageId',
        'BadPath',
        'BadPriority',
        'BadTopic',
        'DeviceTokenNotForTopic',
        'DuplicateHeaders',
        'InvalidProviderToken',
        'InvalidPushType',
        'MethodNotAllowed',
        'MissingDeviceToken',
        'MissingProviderToken',
        'MissingTopic',
        'PayloadEmpty',
        'PayloadTooLarge',
        'TopicDisallowed',
        'Unregistered',
      ].sort(),
    );
  });

  it('answers 200 with a fresh lower-case apns-id and, in the sandbox, an apns-unique-id', () => {
    const answer = answerPush(request());
    expect(answer.headers).toEqual({
      'apns-id': '00000000-0000-4000-8000-000000000001',
      'apns-unique-id': 'ffffffff-0000-4000-8000-000000000000',
    });
    expect(answer.logEntry.apnsUniqueId).toBe('ffffffff-0000-4000-8000-000000000000');
  });

  it('echoes the apns-id the client sent', () => {
    const answer = answerPush(request({ headers: { ...universalHeaders, 'apns-id': CLIENT_ID } }));
    expect(answer.headers['apns-id']).toBe(CLIENT_ID);
  });

  it('sends apns-id on errors too, but apns-unique-id only on success', () => {
    const answer = answerPush(request({ path: '/3/device/' }));
    expect(answer.headers['apns-id']).toMatch(/^00000000-/);
    expect(answer.headers['apns-unique-id']).toBeUndefined();
  });

  it('sends no apns-unique-id in production', () => {
    const answer = answerPush(request({ clientCertificate: universal, environment: 'production' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['apns-unique-id']).toBeUndefined();
    expect(answer.logEntry.apnsUniqueId).toBeNull();
  });

  it('answers 410 with the time since when the token is invalid, in milliseconds', () => {
    const answer = answerPush(
      request({ knownTokens: known({ [TOKEN]: { unregisteredSince: new Date(1458114061260) } }) }),
    );
    expect(answer.body).toBe('{"reason":"Unregistered","timestamp":1458114061260}');
  });

  it('checks the device token last, so a probe only gets BadDeviceToken once all else passed', () => {
    const unknown = known({});
    expect(answerPush(request({ knownTokens: unknown })).reason).toBe('BadDeviceToken');
    expect(answerPush(request({ knownTokens: unknown, environment: 'production' })).reason).toBe(
      'BadCertificateEnvironment',
    );
    expect(
      answerPush(request({ knownTokens: unknown, headers: { 'apns-topic': 'com.x.other' } }))
        .reason,
    ).toBe('TopicDisallowed');
    expect(answerPush(request({ knownTokens: unknown, body: big(5000) })).reason).toBe(
      'PayloadTooLarge',
    );
  });

  it('does not count a split cookie header as a duplicate (RFC 9113 8.2.3)', () => {
    const answer = answerPush(
      request({ headers: { ...universalHeaders, cookie: ['a=1', 'b=2'] } }),
    );
    expect(answer.status).toBe(200);
  });

  it('logs what was sent and who sent it', () => {
    const answer = answerPush(
      request({
        headers: {
          ...universalHeaders,
          'apns-priority': '5',
          'apns-expiration': '0',
          'apns-collapse-id': Buffer.from('café').toString('latin1'),
        },
      }),
    );
    expect(answer.logEntry).toEqual({
      event: 'notification',
      time: '2026-11-28T12:00:00.000Z',
      environment: 'sandbox',
      status: 200,
      reason: null,
      apnsId: '00000000-0000-4000-8000-000000000001',
      apnsUniqueId: 'ffffffff-0000-4000-8000-000000000000',
      method: 'POST',
      path: `/3/device/${TOKEN}`,
      token: TOKEN,
      topic: 'com.example.push',
      pushType: 'alert',
      priority: '5',
      expiration: '0',
      collapseId: 'café',
      payloadBytes: 25,
      payload: { aps: { alert: 'Hello' } },
      certificate: {
        subject: development.subject.rfc2253,
        bundleId: 'com.example.push',
        teamId: 'A1B2C3D4E5',
        environments: ['sandbox'],
        sha256: development.sha256,
      },
      providerToken: null,
      warnings: [],
    });
  });

  it('accepts a body that is not JSON, as APNs documents no reason for it, and warns in the log', () => {
    const answer = answerPush(request({ body: Buffer.from('hello') }));
    expect(answer.status).toBe(200);
    expect(answer.logEntry.payload).toBeNull();
    expect(answer.logEntry.warnings.join(' ')).toMatch(/not a JSON object/);
  });

  it('warns when the push type and the topic suffix disagree, or the push type is missing', () => {
    const voipOnPlainTopic = answerPush(
      request({
        clientCertificate: universal,
        headers: { 'apns-topic': 'com.example.push', 'apns-push-type': 'voip' },
      }),
    );
    expect(voipOnPlainTopic.status).toBe(200);
    expect(voipOnPlainTopic.logEntry.warnings.join(' ')).toMatch(/push type is voip/);

    const noType = answerPush(request({ headers: { 'apns-topic': 'com.example.push' } }));
    expect(noType.logEntry.warnings.join(' ')).toMatch(/No apns-push-type/);

    const matching = answerPush(
      request({
        clientCertificate: universal,
        headers: { 'apns-topic': 'com.example.push.voip', 'apns-push-type': 'voip' },
      }),
    );
    expect(matching.logEntry.warnings).toEqual([]);
  });

  it('does not parse a payload it refused as too large', () => {
    const answer = answerPush(request({ body: big(4097) }));
    expect(answer.logEntry.payload).toBeNull();
    expect(answer.logEntry.payloadBytes).toBe(4097);
  });
});

describe('answerPush with certificates of every layout', () => {
  const certificates: [string, string, CertificateInfo][] = [
    ['development', 'sandbox', development],
    ['production', 'production', production],
    ['universal', 'sandbox', universal],
    ['universal', 'production', universal],
  ];
  it.each(certificates)('%s accepted in %s', (_name, environment, certificate) => {
    const answer = answerPush(
      request({
        clientCertificate: certificate,
        environment: environment as 'sandbox' | 'production',
      }),
    );
    expect(answer.status).toBe(200);
  });
});

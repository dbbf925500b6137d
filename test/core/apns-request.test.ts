import { describe, expect, it } from 'vitest';
import { buildPushRequest } from '../../src/core/apns/request.js';
import type { CertificateFacts, PushRequestInput } from '../../src/core/apns/request.js';
import { hasRealWorld, loadExpected } from '../helpers/fixtures.js';

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const ALERT = Buffer.from('{"aps":{"alert":"Hello"}}');
const SILENT = Buffer.from('{"aps":{"content-available":1},"refresh":true}');
const SINGLE: CertificateFacts = { bundleId: 'com.example.app', topics: [], type: 'development' };
const UNIVERSAL: CertificateFacts = {
  bundleId: 'com.example.app',
  topics: ['com.example.app', 'com.example.app.voip', 'com.example.app.complication'],
  type: 'universal',
};

function build(overrides: Partial<PushRequestInput> = {}) {
  return buildPushRequest({ token: TOKEN, certificate: SINGLE, payload: ALERT, ...overrides });
}

function caught(run: () => unknown): { code: string; message: string; hint: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string; hint: string };
  }
  throw new Error('expected an error');
}

describe('buildPushRequest', () => {
  it('makes a POST to /3/device/<token> with the topic from the certificate', () => {
    const request = build({ token: `<${TOKEN.toUpperCase().replace(/(.{8})/g, '$1 ')}>` });
    expect(request.path).toBe(`/3/device/${TOKEN}`);
    expect(request.headers).toEqual({
      ':method': 'POST',
      ':path': `/3/device/${TOKEN}`,
      'apns-topic': 'com.example.app',
      'apns-push-type': 'alert',
      'apns-priority': '10',
    });
    expect(Buffer.from(request.body).toString()).toBe(ALERT.toString());
    expect(request.warnings).toEqual([]);
  });

  it('sends the optional headers, checked and normalised', () => {
    const request = build({
      expiration: '0',
      collapseId: 'score-update',
      apnsId: '123E4567-E89B-12D3-A456-426614174000',
      priority: '5',
    });
    expect(request.headers).toMatchObject({
      'apns-expiration': '0',
      'apns-collapse-id': 'score-update',
      'apns-id': '123e4567-e89b-12d3-a456-426614174000',
      'apns-priority': '5',
    });
    expect(build({ expiration: 1767225600 }).headers['apns-expiration']).toBe('1767225600');
  });

  it.each([
    ['com.example.app.voip', 'voip'],
    ['com.example.app.complication', 'complication'],
    ['com.example.app.pushkit.fileprovider', 'fileprovider'],
    ['com.example.app.push-type.liveactivity', 'liveactivity'],
    ['com.example.app.location-query', 'location'],
    ['com.example.app.voip-ptt', 'pushtotalk'],
    ['com.example.app', 'alert'],
  ])('reads the push type from the topic %s → %s', (topic, pushType) => {
    const request = build({ topic, certificate: null });
    expect(request.headers['apns-topic']).toBe(topic);
    expect(request.headers['apns-push-type']).toBe(pushType);
  });

  it.each(['liveactivity', 'location'])(
    'refuses a %s push with a certificate, saying it needs token authentication',
    (pushType) => {
      const error = caught(() => build({ pushType, certificate: UNIVERSAL }));
      expect(error.code).toBe('USAGE');
      expect(error.message).toMatch(
        new RegExp(`^${pushType} pushes need token authentication: Apple accepts them only`),
      );
      expect(error.hint).toMatch(/--auth-key AuthKey_KEYID\.p8 --team-id TEAMID/);
    },
  );

  it('with token authentication (no certificate), --topic names the app and gets the push type suffix', () => {
    expect(build({ certificate: null, topic: 'com.example.app' })).toMatchObject({
      topic: 'com.example.app',
      pushType: 'alert',
      warnings: [],
    });
    for (const [pushType, topic] of [
      ['liveactivity', 'com.example.app.push-type.liveactivity'],
      ['location', 'com.example.app.location-query'],
      ['voip', 'com.example.app.voip'],
    ] as const) {
      const request = build({ certificate: null, topic: 'com.example.app', pushType });
      expect([request.topic, request.pushType, request.warnings]).toEqual([topic, pushType, []]);
    }
    // A typed topic is kept as it is.
    const typed = build({ certificate: null, topic: 'com.example.app.push-type.liveactivity' });
    expect([typed.topic, typed.pushType]).toEqual([
      'com.example.app.push-type.liveactivity',
      'liveactivity',
    ]);
    const error = caught(() => build({ certificate: null }));
    expect([error.code, error.message]).toEqual([
      'USAGE',
      'token authentication needs --topic: a key is for a whole team, not one app.',
    ]);
  });

  it('adds the push type suffix to the bundle id when only --push-type is given', () => {
    const request = build({ pushType: 'VoIP', certificate: UNIVERSAL });
    expect(request.topic).toBe('com.example.app.voip');
    expect(request.pushType).toBe('voip');
    expect(request.warnings).toEqual([]);
  });

  it('treats a VoIP Services certificate as VoIP, whether or not its bundle id has the suffix', () => {
    for (const bundleId of ['com.example.app', 'com.example.app.voip']) {
      const request = build({ certificate: { bundleId, topics: [], type: 'voip' } });
      expect(request.topic).toBe('com.example.app.voip');
      expect(request.pushType).toBe('voip');
    }
  });

  it('makes a content-available payload without alert, badge or sound a background push at priority 5', () => {
    const request = build({ payload: SILENT });
    expect(request.headers['apns-push-type']).toBe('background');
    expect(request.headers['apns-priority']).toBe('5');
    expect(build({ payload: SILENT, priority: 5 }).priority).toBe(5);
    const withBadge = Buffer.from('{"aps":{"content-available":1,"badge":1}}');
    expect(build({ payload: withBadge }).pushType).toBe('alert');
  });

  it('refuses priority 10 (or 1) for a background push', () => {
    const error = caught(() => build({ payload: SILENT, priority: 10 }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('background pushes must use priority 5, not 10.');
    expect(caught(() => build({ pushType: 'background', priority: '1' })).message).toMatch(/not 1/);
  });

  it.each([['7'], [0], ['ten'], ['10.0'], [-5]])('refuses priority %j', (priority) => {
    expect(caught(() => build({ priority })).message).toBe(
      `--priority "${String(priority)}" is not an APNs priority.`,
    );
  });

  it('accepts a collapse id of 64 UTF-8 bytes and refuses 65, counting multi-byte characters', () => {
    const sixtyFour = '€'.repeat(21) + 'a'; // 21 × 3 bytes + 1
    const header = build({ collapseId: sixtyFour }).headers['apns-collapse-id']!;
    // Node's http2 writes header strings as latin1: the value holds the UTF-8 bytes.
    expect(Buffer.from(header, 'latin1').toString('utf8')).toBe(sixtyFour);
    expect(Buffer.from(header, 'latin1')).toHaveLength(64);
    expect(build({ collapseId: 'é'.repeat(32) }).headers['apns-collapse-id']).toHaveLength(64);
    const error = caught(() => build({ collapseId: '€'.repeat(21) + 'ab' }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('the collapse id is 65 bytes in UTF-8; APNs accepts at most 64.');
    expect(caught(() => build({ collapseId: 'é'.repeat(33) })).message).toMatch(/66 bytes/);
  });

  it.each([
    [{ apnsId: 'not-a-uuid' }, '--apns-id "not-a-uuid" is not a UUID.'],
    [{ expiration: -1 }, '--expiration "-1" is not a UNIX time in seconds.'],
    [{ expiration: '1.5' }, '--expiration "1.5" is not a UNIX time in seconds.'],
    [{ collapseId: '' }, 'the collapse id is empty.'],
    [{ pushType: 'silent' }, '--push-type "silent" is not an APNs push type.'],
    [{ topic: '<com.example.app>' }, /^--topic "<com.example.app>" may hold only letters/],
    [{ topic: ' ' }, '--topic " " is empty.'],
  ])('refuses %j', (overrides, message) => {
    const error = caught(() => build(overrides));
    expect(error.code).toBe('USAGE');
    expect(error.message).toEqual(
      message instanceof RegExp ? expect.stringMatching(message) : message,
    );
    expect(error.hint).toBeTruthy();
  });

  it('asks for --topic when the certificate has no bundle id', () => {
    const error = caught(() =>
      build({ certificate: { bundleId: null, topics: [], type: 'other' } }),
    );
    expect(error.message).toBe('the certificate has no bundle id to use as the topic.');
    expect(error.hint).toMatch(/--topic/);
    expect(
      build({ topic: 'com.other', certificate: { bundleId: null, topics: [], type: 'other' } })
        .warnings,
    ).toEqual([]);
  });

  it('warns, without refusing, when the topic is not one the certificate covers', () => {
    expect(build({ topic: 'com.other.app', certificate: UNIVERSAL }).warnings).toEqual([
      'Warning: this certificate may push only to com.example.app, com.example.app.voip, com.example.app.complication, not to com.other.app: APNs will likely answer TopicDisallowed. Pass one of them with --topic.',
    ]);
    expect(build({ topic: 'com.example.app.voip' }).warnings).toEqual([
      'Warning: this certificate is for com.example.app alone, not com.example.app.voip: APNs will likely answer TopicDisallowed. Pass --topic com.example.app, or use a certificate for com.example.app.voip.',
    ]);
  });

  it('warns when --push-type contradicts the topic suffix', () => {
    const request = build({
      topic: 'com.example.app.voip',
      pushType: 'alert',
      certificate: UNIVERSAL,
    });
    expect(request.pushType).toBe('alert');
    expect(request.warnings).toEqual([
      'Warning: the topic com.example.app.voip is for voip pushes, but --push-type is alert: APNs will likely refuse it. Leave out --push-type, or use the topic com.example.app.',
    ]);
  });

  it('applies the VoIP size limit to VoIP pushes only', () => {
    const big = Buffer.from(`{"aps":{},"call":"${'x'.repeat(5000)}"}`);
    expect(
      build({ topic: 'com.example.app.voip', certificate: UNIVERSAL, payload: big }).body,
    ).toHaveLength(big.length);
    expect(caught(() => build({ payload: big })).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe.skipIf(!hasRealWorld)('buildPushRequest with real certificates', () => {
  it('pushes VoIP from a universal certificate to a topic it lists (paubins aps.cer)', () => {
    const file = loadExpected().files.find((f) => f.path === 'paubins__pushserver/aps.cer')!;
    const cert = file.certificates[0]!;
    const request = build({
      pushType: 'voip',
      certificate: { bundleId: cert.bundleId, topics: cert.topics, type: 'universal' },
    });
    expect(cert.topics).toContain(request.topic);
    expect(request.topic).toBe(`${cert.bundleId}.voip`);
    expect(request.warnings).toEqual([]);
  });

  it('reads the push-to-talk topic of a certificate that lists .voip-ptt (STOmaha aps.cer)', () => {
    const file = loadExpected().files.find((f) => f.path === 'STOmaha__Time-to-Burn/aps.cer')!;
    const cert = file.certificates[0]!;
    const topic = cert.topics.find((t) => t.endsWith('.voip-ptt'))!;
    const request = build({
      topic,
      certificate: { bundleId: cert.bundleId, topics: cert.topics, type: 'universal' },
    });
    expect(request.pushType).toBe('pushtotalk');
    expect(request.warnings).toEqual([]);
  });
});

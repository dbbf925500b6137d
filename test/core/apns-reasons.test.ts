import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APNS_REASONS,
  clockOffsetWords,
  describeReason,
  explainResponse,
  parseErrorBody,
  retryClassFor,
  retryDelayMs,
} from '../../src/core/apns/reasons.js';
import type { ResponseCertificate, ResponseContext } from '../../src/core/apns/reasons.js';
import { hasRealWorld, loadExpected, realWorldFile, repoRoot } from '../helpers/fixtures.js';

interface ResponsesFile {
  recorded_in_the_wild: { status: number | null; body: { reason: string; timestamp?: unknown } }[];
  library_test_fixtures: { status: number; body?: { reason: string }; body_raw?: string }[];
  reason_catalog: { reason: string; status: number }[];
  reasons_seen_elsewhere_not_in_catalog: { reason: string }[];
}

const SANDBOX_ONLY: ResponseCertificate = {
  type: 'development',
  environments: ['sandbox'],
  bundleId: 'com.example.app',
  topics: [],
};
const PRODUCTION_ONLY: ResponseCertificate = {
  ...SANDBOX_ONLY,
  type: 'production',
  environments: ['production'],
};
const UNIVERSAL: ResponseCertificate = {
  type: 'universal',
  environments: ['sandbox', 'production'],
  bundleId: 'com.example.app',
  topics: ['com.example.app', 'com.example.app.voip', 'com.example.app.complication'],
};

function explain(overrides: Partial<ResponseContext>) {
  return explainResponse({
    status: 400,
    reason: null,
    environment: 'sandbox',
    certificate: SANDBOX_ONLY,
    topic: 'com.example.app',
    probe: false,
    ...overrides,
  });
}

/** The retry rule of reference/apns.md, stated independently of the table under test. */
function expectedRetry(reason: string, status: number): string {
  if (reason === 'IdleTimeout' || status === 503) return 'new-connection';
  if (status === 429 || status === 500) return 'backoff';
  return 'no';
}

const UNKNOWN = /does not know|without a reason/;

describe.skipIf(!hasRealWorld)('every reason in the recorded responses', () => {
  const file = JSON.parse(
    realWorldFile('apns-responses/responses.json').toString('utf8'),
  ) as ResponsesFile;

  const bodies: { status: number | null; reason: string | null; timestamp: number | null }[] = [
    ...file.recorded_in_the_wild.map((r) => ({
      status: r.status,
      ...parseErrorBody(JSON.stringify(r.body)),
    })),
    ...file.library_test_fixtures.map((r) => ({
      status: r.status,
      ...parseErrorBody(Buffer.from(r.body_raw ?? JSON.stringify(r.body))),
    })),
  ];

  it('parses every body, including raw ones with spaces and a non-numeric timestamp', () => {
    expect(bodies.every((b) => b.reason !== null)).toBe(true);
    const raw = file.library_test_fixtures.filter((r) => r.body_raw !== undefined);
    expect(raw.map((r) => parseErrorBody(Buffer.from(r.body_raw!)))).toEqual([
      { reason: 'PayloadEmpty', timestamp: null },
      { reason: 'Unregistered', timestamp: 1458114061260 },
      { reason: 'Unregistered', timestamp: 1458114061260 },
      { reason: 'Unregistered', timestamp: null },
    ]);
    // The Apple engineer's quote leaves a placeholder where the number goes.
    const quoted = file.recorded_in_the_wild.find((r) => r.status === 410)!;
    expect(parseErrorBody(JSON.stringify(quoted.body))).toEqual({
      reason: 'Unregistered',
      timestamp: null,
    });
  });

  it.each(bodies.map((b) => [b.status, b.reason, b]))(
    '%s %s gets a specific explanation and a hint',
    (_status, _reason, body) => {
      const result = explain({
        status: body.status,
        reason: body.reason,
        timestamp: body.timestamp,
      });
      expect(result.ok).toBe(false);
      expect(result.explanation).not.toMatch(UNKNOWN);
      expect(result.hint).toBeTruthy();
    },
  );

  const catalog = [
    ...file.reason_catalog,
    ...file.reasons_seen_elsewhere_not_in_catalog.map((r) => ({ reason: r.reason, status: 403 })),
  ];

  it.each(catalog.map((c) => [c.reason, c.status]))(
    '%s (%i) is in the table with its status and retry class',
    (reason, status) => {
      const info = describeReason(reason);
      expect(info).toBeDefined();
      expect(info!.status).toBe(status);
      expect(info!.retry).toBe(expectedRetry(reason, status));
      expect(retryClassFor(status, reason)).toBe(info!.retry);
      const result = explain({ status, reason, environment: 'production', certificate: UNIVERSAL });
      expect(result.ok).toBe(false);
      expect(result.explanation).not.toMatch(UNKNOWN);
    },
  );

  it('explains each catalogue reason differently', () => {
    const texts = catalog.map(
      (c) => explain({ status: c.status, reason: c.reason, certificate: UNIVERSAL }).explanation,
    );
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('words the 410 with the date APNs gives, and survives the odd timestamps', () => {
    // In file order: Apple's quote (a placeholder), two numeric bodies, then the date string.
    const [quoted, numeric, , text] = bodies.filter(
      (b) => b.status === 410 && b.reason === 'Unregistered',
    );
    expect([quoted!.timestamp, numeric!.timestamp, text!.timestamp]).toEqual([
      null,
      1458114061260,
      null,
    ]);
    expect(
      explain({ status: 410, reason: 'Unregistered', timestamp: numeric!.timestamp }).explanation,
    ).toBe(
      'The device token is no longer active for the topic: the app was removed or its notifications were turned off. APNs has known it to be invalid since 2016-03-16T07:41:01.260Z.',
    );
    expect(
      explain({ status: 410, reason: 'Unregistered', timestamp: text!.timestamp }).explanation,
    ).toBe(
      'The device token is no longer active for the topic: the app was removed or its notifications were turned off.',
    );
    for (const timestamp of [Number.NaN, Infinity, 1e20, -1e20]) {
      expect(() => explain({ status: 410, reason: 'ExpiredToken', timestamp })).not.toThrow();
    }
  });
});

describe('the table against reference/apns.md', () => {
  const reference = join(repoRoot, '../shared/reference/apns.md');
  it.skipIf(!existsSync(reference))('covers every reason the reference lists', () => {
    const reasons = readFileSync(reference, 'utf8')
      .split('\n')
      .map((line) => /^\| (\d{3})[^|]*\| ([A-Za-z ,/]+) \|/.exec(line)?.[2])
      .filter((cell): cell is string => cell !== undefined)
      .flatMap((cell) => cell.split(/\s*[,/]\s*/))
      .filter((r) => r !== '');
    expect(reasons.length).toBeGreaterThan(30);
    expect(reasons.filter((r) => describeReason(r) === undefined)).toEqual([]);
    expect(Object.keys(APNS_REASONS).sort()).toEqual([...new Set(reasons)].sort());
  });
});

describe('explainResponse', () => {
  it('treats 400 BadDeviceToken on a credential probe as success', () => {
    const result = explain({
      reason: 'BadDeviceToken',
      probe: true,
      environment: 'production',
      certificate: UNIVERSAL,
    });
    expect(result).toEqual({
      ok: true,
      explanation:
        'APNs accepted this certificate for com.example.app in production: the test token was refused as unknown, which is the expected answer to a credential probe.',
      hint: 'Pass --token with a device token from the app to send a real notification.',
    });
  });

  it('does not treat other answers to a probe as success', () => {
    expect(explain({ reason: 'BadCertificateEnvironment', status: 403, probe: true }).ok).toBe(
      false,
    );
    expect(explain({ reason: 'TopicDisallowed', probe: true }).ok).toBe(false);
    expect(explain({ reason: 'BadDeviceToken', status: 410, probe: true }).ok).toBe(false);
  });

  it('says 200 is accepted', () => {
    expect(explain({ status: 200, environment: 'sandbox' })).toEqual({
      ok: true,
      explanation: 'APNs accepted the notification for com.example.app in the sandbox.',
      hint: null,
    });
  });

  it('explains BadDeviceToken for a real token with the environments the certificate allows', () => {
    const sandboxOnly = explain({ reason: 'BadDeviceToken', environment: 'sandbox' });
    expect(sandboxOnly.ok).toBe(false);
    expect(sandboxOnly.explanation).toMatch(
      /^APNs in the sandbox did not recognise the device token/,
    );
    expect(sandboxOnly.hint).toBe(
      "A TestFlight or App Store build's token is a production token: this certificate is for the sandbox only, so make a production or universal certificate and push with --env production; otherwise check that the token was copied whole.",
    );
    expect(
      explain({ reason: 'BadDeviceToken', environment: 'production', certificate: UNIVERSAL }).hint,
    ).toMatch(
      /^A token from a build run from Xcode \(a debug build\) is a sandbox token: push it with --env sandbox;/,
    );
  });

  it('explains BadCertificateEnvironment with what the certificate is for', () => {
    expect(
      explain({ status: 403, reason: 'BadCertificateEnvironment', environment: 'production' }),
    ).toEqual({
      ok: false,
      explanation: 'This certificate is for the sandbox only, and you pushed to production.',
      hint: 'Use --env sandbox, or make a production or universal certificate.',
    });
    expect(
      explain({
        status: 403,
        reason: 'BadCertificateEnvironment',
        environment: 'sandbox',
        certificate: PRODUCTION_ONLY,
      }).explanation,
    ).toBe('This certificate is for production only, and you pushed to the sandbox.');
    expect(
      explain({ status: 403, reason: 'BadCertificateEnvironment', certificate: UNIVERSAL }).hint,
    ).toMatch(/--env and --endpoint/);
    expect(
      explain({ status: 403, reason: 'BadCertificateEnvironment', certificate: null }).explanation,
    ).toBe('APNs says the client certificate is not for the sandbox.');
  });

  it("names the certificate's bundle id and topics for TopicDisallowed and DeviceTokenNotForTopic", () => {
    const disallowed = explain({
      reason: 'TopicDisallowed',
      topic: 'com.other.app',
      certificate: UNIVERSAL,
    });
    expect(disallowed.explanation).toBe(
      'APNs does not allow this certificate to push to com.other.app; this certificate is for com.example.app (topics com.example.app, com.example.app.voip, com.example.app.complication).',
    );
    expect(disallowed.hint).toBe(
      "Pass one of the certificate's topics with --topic: com.example.app, com.example.app.voip, com.example.app.complication.",
    );
    expect(explain({ reason: 'TopicDisallowed', topic: 'com.other.app' }).hint).toBe(
      'Pass --topic com.example.app, or push with the certificate made for com.other.app.',
    );
    const notForTopic = explain({ reason: 'DeviceTokenNotForTopic' });
    expect(notForTopic.explanation).toBe(
      'The device token belongs to another app or team than com.example.app; this certificate is for com.example.app only.',
    );
    expect(
      explain({
        reason: 'DeviceTokenNotForTopic',
        topic: 'com.example.app.voip',
        certificate: UNIVERSAL,
      }).hint,
    ).toMatch(/PushKit token/);
  });

  it('falls back on generic text that quotes an unknown reason and its status', () => {
    expect(explain({ status: 400, reason: 'BrandNewReason' })).toEqual({
      ok: false,
      explanation:
        'APNs answered 400 with the reason BrandNewReason, which apns-setup does not know.',
      hint: 'Look up "BrandNewReason" in Apple\'s "Handling notification responses from APNs".',
    });
    expect(explain({ status: 502, reason: null }).explanation).toBe(
      'APNs answered 502 without a reason.',
    );
    expect(explain({ status: 503, reason: null }).hint).toMatch(/try again/);
    expect(explain({ status: 400, reason: 'constructor' }).explanation).toMatch(/does not know/);
  });
});

describe.skipIf(!hasRealWorld)('explainResponse with real certificates', () => {
  it('tells the sunyuping development certificate pushed to production to use the sandbox', () => {
    const file = loadExpected().files.find(
      (f) => f.path === 'sunyuping__PushMeBaby/aps_development.cer',
    )!;
    const cert = file.certificates[0]!;
    const result = explain({
      status: 403,
      reason: 'BadCertificateEnvironment',
      environment: 'production',
      topic: cert.bundleId!,
      certificate: {
        type: 'development',
        environments: cert.environments as ('sandbox' | 'production')[],
        bundleId: cert.bundleId,
        topics: cert.topics,
      },
    });
    expect(result.explanation).toBe(
      'This certificate is for the sandbox only, and you pushed to production.',
    );
    expect(result.hint).toMatch(/^Use --env sandbox/);
  });
});

describe('parseErrorBody', () => {
  it('never throws, and reads what it can', () => {
    expect(parseErrorBody(new Uint8Array())).toEqual({ reason: null, timestamp: null });
    expect(parseErrorBody('<html>502 Bad Gateway</html>')).toEqual({
      reason: null,
      timestamp: null,
    });
    expect(parseErrorBody('[1]')).toEqual({ reason: null, timestamp: null });
    expect(parseErrorBody('{"reason": 42, "timestamp": "soon"}')).toEqual({
      reason: null,
      timestamp: null,
    });
    expect(parseErrorBody('{"reason":"Unregistered","timestamp":"1458114061260"}')).toEqual({
      reason: 'Unregistered',
      timestamp: 1458114061260,
    });
    expect(parseErrorBody('\uFEFF {"reason":" Shutdown "}\n')).toEqual({
      reason: 'Shutdown',
      timestamp: null,
    });
    expect(parseErrorBody('{"reason":"BadDeviceToken","timestamp":12')).toEqual({
      reason: 'BadDeviceToken',
      timestamp: 12,
    });
  });
});

describe('retryClassFor', () => {
  it('falls back on the status for reasons it does not know', () => {
    expect(retryClassFor(429, null)).toBe('backoff');
    expect(retryClassFor(500, 'Whatever')).toBe('backoff');
    expect(retryClassFor(503, null)).toBe('new-connection');
    expect(retryClassFor(400, 'Whatever')).toBe('no');
    expect(retryClassFor(null, 'Shutdown')).toBe('new-connection');
  });
});

describe('retryDelayMs', () => {
  const options = { baseMs: 1000, maxMs: 8000 };
  it('doubles the cap each attempt, up to the maximum, with jitter in its upper half', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, options, 0))).toEqual([
      500, 1000, 2000, 4000, 4000,
    ]);
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, options, 0.999999))).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    expect(retryDelayMs(2, options, 0.5)).toBe(1500);
    expect(retryDelayMs(5000, options, 0.5)).toBe(6000);
  });

  it('keeps a bad random value in range and refuses attempt 0', () => {
    expect(retryDelayMs(1, options, 7)).toBe(1000);
    expect(retryDelayMs(1, options, Number.NaN)).toBe(500);
    expect(() => retryDelayMs(0, options, 0.5)).toThrow(RangeError);
  });
});

describe('explainResponse with token (.p8) authentication', () => {
  const token = { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ' };
  const explainToken = (overrides: Partial<ResponseContext>) =>
    explainResponse({
      status: 403,
      reason: null,
      environment: 'sandbox',
      certificate: null,
      topic: 'com.example.app',
      probe: false,
      token,
      ...overrides,
    });

  it('says a probe proved the key, key id, team and topic', () => {
    const probe = explainToken({ status: 400, reason: 'BadDeviceToken', probe: true });
    expect(probe.ok).toBe(true);
    expect(probe.explanation).toBe(
      'APNs accepted the token of key ABC123DEFG for team DEF123GHIJ for com.example.app in the sandbox: the test token was refused as unknown, which is the expected answer to a credential probe.',
    );
  });

  it('InvalidProviderToken names the key and team and where to check them, a revoked key included', () => {
    const answer = explainToken({ reason: 'InvalidProviderToken' });
    expect(answer.explanation).toBe(
      'APNs refused the provider token of key ABC123DEFG, team DEF123GHIJ: the key id, the team id or the key is wrong, or the key was revoked.',
    );
    expect(answer.hint).toMatch(
      /Keys, check that key ABC123DEFG exists \(a revoked key fails at once\)/,
    );
  });

  it('InvalidProviderToken with a clock ahead of the server: the token is from its future', () => {
    const answer = explainToken({ reason: 'InvalidProviderToken', clockOffsetMs: 10 * 60_000 });
    expect(answer.explanation).toMatch(
      /this computer’s clock is 10 min ahead of the server’s \(by its date header\): a token issued in the server’s future is invalid/,
    );
    expect(answer.hint).toMatch(/network time/);
    // A few seconds are the date header's rounding, not a wrong clock.
    expect(
      explainToken({ reason: 'InvalidProviderToken', clockOffsetMs: 2000 }).explanation,
    ).toMatch(/key id, the team id or the key is wrong/);
  });

  it('ExpiredProviderToken says the clock offset when the date header shows one, else that the clock is probably wrong', () => {
    expect(
      explainToken({ reason: 'ExpiredProviderToken', clockOffsetMs: -(2 * 3600 + 5 * 60) * 1000 })
        .explanation,
    ).toBe(
      'APNs says the provider token is more than an hour old, though it was signed just now: this computer’s clock is 2 h 5 min behind the server’s (by its date header).',
    );
    expect(explainToken({ reason: 'ExpiredProviderToken', clockOffsetMs: null }).explanation).toBe(
      'APNs says the provider token is more than an hour old, though it was signed just now: this computer’s clock is probably wrong.',
    );
    expect(explainToken({ reason: 'ExpiredProviderToken' }).hint).toMatch(
      /timedatectl set-ntp true/,
    );
  });

  it('MissingProviderToken and TooManyProviderTokenUpdates, with a key, say what to check', () => {
    expect(explainToken({ reason: 'MissingProviderToken' })).toMatchObject({
      explanation:
        'APNs received no provider token, although apns-setup sent one in the authorization header.',
      hint: expect.stringMatching(/proxy/) as string,
    });
    const tooMany = explainToken({ status: 429, reason: 'TooManyProviderTokenUpdates' });
    expect(tooMany.explanation).toMatch(
      /more than once every 20 minutes.*a new one at most every 20 minutes/,
    );
    expect(tooMany.hint).toMatch(/another provider signs with key ABC123DEFG/);
  });

  it('with a certificate, MissingProviderToken names both ways to authenticate', () => {
    const answer = explain({ status: 403, reason: 'MissingProviderToken' });
    expect(answer.hint).toMatch(/--cert ck\.pem.*--auth-key AuthKey_KEYID\.p8/);
  });

  it('TopicDisallowed and DeviceTokenNotForTopic speak of the team and the kind of token', () => {
    expect(
      explainToken({ status: 400, reason: 'TopicDisallowed', topic: 'com.other' }).explanation,
    ).toBe('APNs does not allow team DEF123GHIJ to push to com.other.');
    expect(
      explainToken({
        status: 400,
        reason: 'DeviceTokenNotForTopic',
        topic: 'com.example.app.push-type.liveactivity',
      }).hint,
    ).toMatch(/activity's push token/);
  });

  it('words a clock offset in days, hours, minutes and seconds', () => {
    expect(clockOffsetWords(-90_000)).toBe('1 min 30 s behind');
    expect(clockOffsetWords(3 * 86_400_000 + 3_600_000)).toBe('3 d 1 h ahead of');
    expect(clockOffsetWords(0)).toBe('0 s behind');
  });
});

describe('explainResponse with --profile (the build’s aps-environment)', () => {
  const token = { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ' };

  it('BadDeviceToken in the sandbox, production profile: the token belongs to api.push.apple.com', () => {
    const answer = explain({
      reason: 'BadDeviceToken',
      environment: 'sandbox',
      certificate: UNIVERSAL,
      profile: { apsEnvironment: 'production' },
    });
    expect(answer.ok).toBe(false);
    expect(answer.explanation).toBe(
      "APNs in the sandbox did not recognise the device token: the profile's aps-environment is production: an ad hoc, TestFlight or App Store build signed with it registers its device tokens with production (api.push.apple.com), not with the sandbox.",
    );
    expect(answer.hint).toBe('Push with --env production.');
  });

  it('BadDeviceToken in production, development profile, sandbox-less certificate: make one', () => {
    const answer = explain({
      reason: 'BadDeviceToken',
      environment: 'production',
      certificate: { ...UNIVERSAL, environments: ['production'] },
      profile: { apsEnvironment: 'development' },
    });
    expect(answer.explanation).toContain('api.sandbox.push.apple.com');
    expect(answer.hint).toBe(
      'This certificate is for production only: make a development (sandbox) or universal certificate and push with --env sandbox.',
    );
  });

  it('BadDeviceToken where the profile says the token should be: not from this build', () => {
    const answer = explain({
      reason: 'BadDeviceToken',
      environment: 'sandbox',
      profile: { apsEnvironment: 'development' },
    });
    expect(answer.explanation).toContain(
      'the token does not come from a build signed with this profile',
    );
  });

  it('a profile without aps-environment: the app cannot receive pushes', () => {
    const answer = explain({ reason: 'BadDeviceToken', profile: { apsEnvironment: null } });
    expect(answer.explanation).toContain('cannot receive pushes');
    expect(answer.hint).toContain('Turn on Push Notifications for the App ID');
  });

  it('BadEnvironmentKeyInToken names the profile’s environment and what to do', () => {
    const elsewhere = explainResponse({
      status: 403,
      reason: 'BadEnvironmentKeyInToken',
      environment: 'production',
      certificate: null,
      topic: 'com.example.app',
      probe: false,
      token,
      profile: { apsEnvironment: 'development' },
    });
    expect(elsewhere.explanation).toBe(
      "APNs says the provider token's key is not enabled for production: the profile's aps-environment is development: a development build (run from Xcode) signed with it registers its device tokens with the sandbox (api.sandbox.push.apple.com), not with production.",
    );
    expect(elsewhere.hint).toBe('Push with --env sandbox.');
    const here = explainResponse({
      status: 403,
      reason: 'BadEnvironmentKeyInToken',
      environment: 'sandbox',
      certificate: null,
      topic: 'com.example.app',
      probe: false,
      token,
      profile: { apsEnvironment: 'development' },
    });
    expect(here.explanation).toContain("which is where this build's tokens belong");
    expect(here.hint).toContain('make the key work in the sandbox');
  });

  it('a probe stays a probe, whatever the profile', () => {
    const probe = explain({
      reason: 'BadDeviceToken',
      probe: true,
      profile: { apsEnvironment: 'production' },
    });
    expect(probe.ok).toBe(true);
  });
});

/**
 * Provider tokens (ES256 JWTs): signed with the real `.p8` of pushy's test suite and checked
 * here with Node's crypto.verify and the key's public half, independently of the code that
 * signed them; the sandbox's verifier on every way a token goes wrong; the renewal policy.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeProviderToken,
  PROVIDER_TOKEN_MIN_INTERVAL_MS,
  PROVIDER_TOKEN_RENEW_AFTER_MS,
  ProviderTokenRenewal,
  signProviderToken,
  verifyProviderToken,
  type TrustedTokenKey,
} from '../../src/core/apns/provider-token.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';

// One clock for the file: nothing here reads the real one.
const now = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 500));
const MINUTE = 60_000;
const KEY_ID = 'ABC123DEFG';
const TEAM_ID = 'DEF123GHIJ';

const { privateKey: testKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const { privateKey: otherKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const trusted: TrustedTokenKey[] = [{ keyId: KEY_ID, teamId: TEAM_ID, key: testKey }];

function part(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

function token(overrides: Partial<Parameters<typeof signProviderToken>[0]> = {}): string {
  return signProviderToken({ key: testKey, keyId: KEY_ID, teamId: TEAM_ID, now, ...overrides });
}

describe('signProviderToken', () => {
  it.skipIf(!hasRealWorld)(
    'signs an ES256 JWT with a real .p8 that crypto.verify accepts with its public key',
    () => {
      const key = createPrivateKey(realWorldFile('token-keys/pushy__token-auth-private-key.p8'));
      const jwt = signProviderToken({ key, keyId: KEY_ID, teamId: TEAM_ID, now });
      const [header, claims, signature] = jwt.split('.') as [string, string, string];
      expect(part(header)).toEqual({ alg: 'ES256', kid: KEY_ID });
      expect(part(claims)).toEqual({ iss: TEAM_ID, iat: Math.floor(now.getTime() / 1000) });
      const raw = Buffer.from(signature, 'base64url');
      // JOSE's r || s, 32 bytes each (RFC 7518 3.4), not DER.
      expect(raw).toHaveLength(64);
      const publicKey = createPublicKey(key);
      expect(
        verify(
          'sha256',
          Buffer.from(`${header}.${claims}`),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          raw,
        ),
      ).toBe(true);
      // Another key's public half does not verify it.
      expect(
        verify(
          'sha256',
          Buffer.from(`${header}.${claims}`),
          { key: createPublicKey(otherKey), dsaEncoding: 'ieee-p1363' },
          raw,
        ),
      ).toBe(false);
    },
  );

  it('uses base64url without padding, so the token fits an HTTP header as is', () => {
    expect(token()).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });
});

describe('verifyProviderToken', () => {
  it('accepts a token signed now, and one signed 59 minutes ago', () => {
    expect(verifyProviderToken(token(), trusted, now)).toMatchObject({
      ok: true,
      keyId: KEY_ID,
      teamId: TEAM_ID,
    });
    const earlier = new Date(now.getTime() - 59 * MINUTE);
    expect(verifyProviderToken(token({ now: earlier }), trusted, now).ok).toBe(true);
  });

  it('accepts a token from the public key alone', () => {
    const publicOnly = [{ ...trusted[0]!, key: createPublicKey(testKey) }];
    expect(verifyProviderToken(token(), publicOnly, now).ok).toBe(true);
  });

  it.each([
    [
      'more than an hour old',
      { now: new Date(now.getTime() - 61 * MINUTE) },
      'ExpiredProviderToken',
    ],
    ['issued in the future', { now: new Date(now.getTime() + 2 * MINUTE) }, 'InvalidProviderToken'],
    ['another key id', { keyId: 'ZZZ999ZZZZ' }, 'InvalidProviderToken'],
    ['another team id', { teamId: 'OTHERTEAM1' }, 'InvalidProviderToken'],
    ['another key', { key: otherKey }, 'InvalidProviderToken'],
  ] as const)('refuses a token %s', (_what, overrides, reason) => {
    expect(verifyProviderToken(token(overrides), trusted, now)).toMatchObject({
      ok: false,
      reason,
    });
  });

  it('refuses what is not an ES256 JWT: garbage, alg none, a DER signature, claims of the wrong type', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = Math.floor(now.getTime() / 1000);
    const signed = (header: unknown, claims: unknown, dsaEncoding: 'der' | 'ieee-p1363') => {
      const input = `${b64(header)}.${b64(claims)}`;
      const signature = sign('sha256', Buffer.from(input), { key: testKey, dsaEncoding });
      return `${input}.${signature.toString('base64url')}`;
    };
    const cases = [
      '',
      'not a token',
      'a.b',
      `${b64({ alg: 'none', kid: KEY_ID })}.${b64({ iss: TEAM_ID, iat })}.`,
      signed({ alg: 'ES256', kid: KEY_ID }, { iss: TEAM_ID, iat }, 'der'),
      signed({ alg: 'HS256', kid: KEY_ID }, { iss: TEAM_ID, iat }, 'ieee-p1363'),
      signed({ alg: 'ES256', kid: KEY_ID }, { iss: TEAM_ID, iat: String(iat) }, 'ieee-p1363'),
      signed({ alg: 'ES256', kid: KEY_ID }, { iss: TEAM_ID, iat: iat + 0.5 }, 'ieee-p1363'),
      signed({ alg: 'ES256' }, { iss: TEAM_ID, iat }, 'ieee-p1363'),
      signed(['ES256'], { iss: TEAM_ID, iat }, 'ieee-p1363'),
    ];
    for (const bad of cases) {
      expect(verifyProviderToken(bad, trusted, now), bad).toMatchObject({
        ok: false,
        reason: 'InvalidProviderToken',
      });
    }
    // The control: the same construction with a proper header and claims verifies.
    expect(
      verifyProviderToken(
        signed({ alg: 'ES256', kid: KEY_ID }, { iss: TEAM_ID, iat }, 'ieee-p1363'),
        trusted,
        now,
      ).ok,
    ).toBe(true);
  });

  it('decodes without trusting: odd fields come back as they are', () => {
    expect(decodeProviderToken(token())).toMatchObject({ alg: 'ES256', kid: KEY_ID, iss: TEAM_ID });
    expect(decodeProviderToken('e30.e30')).toBeNull();
  });
});

describe('ProviderTokenRenewal', () => {
  it('reuses one token for the whole of a short run', () => {
    const renewal = new ProviderTokenRenewal((at) => token({ now: at }));
    const first = renewal.token(now, 0);
    for (const minutes of [1, 10, 30, 49]) {
      const later = new Date(now.getTime() + minutes * MINUTE);
      expect(renewal.token(later, minutes * MINUTE)).toBe(first);
    }
    expect(renewal.signed).toBe(1);
  });

  it('signs a new token after 50 minutes, which then lasts another 50', () => {
    const renewal = new ProviderTokenRenewal((at) => token({ now: at }));
    const first = renewal.token(now, 0);
    const at50 = PROVIDER_TOKEN_RENEW_AFTER_MS;
    const second = renewal.token(new Date(now.getTime() + at50), at50);
    expect(second).not.toBe(first);
    expect(verifyProviderToken(second, trusted, new Date(now.getTime() + at50)).ok).toBe(true);
    expect(renewal.token(new Date(now.getTime() + at50 + 49 * MINUTE), at50 + 49 * MINUTE)).toBe(
      second,
    );
    expect(renewal.signed).toBe(2);
  });

  it('never renews sooner than 20 minutes after the last token, even when the wall clock jumps ahead', () => {
    const renewal = new ProviderTokenRenewal((at) => token({ now: at }));
    const first = renewal.token(now, 0);
    // The wall clock jumps two hours while 5 minutes pass.
    const jumped = new Date(now.getTime() + 120 * MINUTE);
    expect(renewal.token(jumped, 5 * MINUTE)).toBe(first);
    expect(renewal.token(jumped, PROVIDER_TOKEN_MIN_INTERVAL_MS)).not.toBe(first);
  });

  it('does not renew when the wall clock goes back', () => {
    const renewal = new ProviderTokenRenewal((at) => token({ now: at }));
    const first = renewal.token(now, 0);
    expect(renewal.token(new Date(now.getTime() - 90 * MINUTE), 60 * MINUTE)).toBe(first);
  });
});

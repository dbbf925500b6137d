/**
 * APNs provider authentication tokens: the ES256 JSON Web Token a provider signs with its
 * `AuthKey_KEYID.p8` and sends as `authorization: bearer <token>` instead of presenting a
 * client certificate. Signing, the sandbox's verification and the renewal policy, all with the
 * clock handed in.
 *
 * Apple's rules ("Establishing a token-based connection to APNs"): header `{"alg":"ES256",
 * "kid":KEYID}`, claims `{"iss":TEAMID,"iat":seconds}`; APNs refuses a token older than an hour
 * (ExpiredProviderToken) and a token replaced more often than every 20 minutes
 * (TooManyProviderTokenUpdates). The signature is JOSE's: r and s as two 32-byte numbers
 * (RFC 7518 3.4), not DER, hence `dsaEncoding: 'ieee-p1363'`.
 */
import { sign, verify, type KeyObject } from 'node:crypto';

const MINUTE = 60 * 1000;

/** APNs refuses a token whose `iat` is more than this far in the past. */
export const PROVIDER_TOKEN_LIFETIME_MS = 60 * MINUTE;
/** A long run signs a new token once the current one is this old, well before the hour. */
export const PROVIDER_TOKEN_RENEW_AFTER_MS = 50 * MINUTE;
/** APNs answers TooManyProviderTokenUpdates to a token replaced sooner than this. */
export const PROVIDER_TOKEN_MIN_INTERVAL_MS = 20 * MINUTE;

export interface ProviderTokenInput {
  /** The EC P-256 private key of the `.p8`. */
  key: KeyObject;
  keyId: string;
  teamId: string;
  now: Date;
}

/** The signed JWT, `header.claims.signature` in base64url. */
export function signProviderToken(input: ProviderTokenInput): string {
  const header = { alg: 'ES256', kid: input.keyId };
  const claims = { iss: input.teamId, iat: Math.floor(input.now.getTime() / 1000) };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: input.key,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A token's header and claims, read without trusting them. */
export interface ProviderTokenParts {
  alg: unknown;
  kid: unknown;
  iss: unknown;
  iat: unknown;
  signingInput: string;
  signature: Buffer;
}

/** Splits and decodes a JWT; null when it is not three base64url parts holding JSON objects. */
export function decodeProviderToken(token: string): ProviderTokenParts | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return null;
  const [header, claims, signature] = parts as [string, string, string];
  const headerJson = jsonObject(header);
  const claimsJson = jsonObject(claims);
  if (headerJson === null || claimsJson === null) return null;
  return {
    alg: headerJson.alg,
    kid: headerJson.kid,
    iss: claimsJson.iss,
    iat: claimsJson.iat,
    signingInput: `${header}.${claims}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** A key the verifier accepts tokens from: Apple knows each key's id and team. */
export interface TrustedTokenKey {
  keyId: string;
  teamId: string;
  /** The public key (or the private key: its public half is used). */
  key: KeyObject;
}

export type ProviderTokenVerdict =
  | { ok: true; keyId: string; teamId: string; issuedAt: Date }
  | {
      ok: false;
      reason: 'InvalidProviderToken' | 'ExpiredProviderToken';
      /** Why, in a few words, for the sandbox log. */
      why: string;
    };

/**
 * Checks a bearer token as APNs does: shape, `alg`, a known `kid`, its team in `iss`, the
 * ES256 signature, and `iat` (more than an hour old: expired; in the future: invalid).
 */
export function verifyProviderToken(
  token: string,
  keys: readonly TrustedTokenKey[],
  now: Date,
): ProviderTokenVerdict {
  const invalid = (why: string): ProviderTokenVerdict => ({
    ok: false,
    reason: 'InvalidProviderToken',
    why,
  });
  const parts = decodeProviderToken(token);
  if (parts === null) return invalid('not a JSON Web Token');
  if (parts.alg !== 'ES256') return invalid('alg is not ES256');
  if (typeof parts.kid !== 'string') return invalid('no kid');
  const trusted = keys.find((k) => k.keyId === parts.kid);
  if (trusted === undefined) return invalid('unknown key id');
  if (parts.iss !== trusted.teamId) return invalid('iss is not the key’s team id');
  if (typeof parts.iat !== 'number' || !Number.isSafeInteger(parts.iat)) {
    return invalid('iat is not a whole number of seconds');
  }
  let signed: boolean;
  try {
    signed =
      parts.signature.length === 64 &&
      verify(
        'sha256',
        Buffer.from(parts.signingInput),
        { key: trusted.key, dsaEncoding: 'ieee-p1363' },
        parts.signature,
      );
  } catch {
    signed = false;
  }
  if (!signed) return invalid('the signature does not verify with the key');
  const issuedAt = new Date(parts.iat * 1000);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (parts.iat > nowSeconds) return invalid('iat is in the future');
  if ((nowSeconds - parts.iat) * 1000 > PROVIDER_TOKEN_LIFETIME_MS) {
    return { ok: false, reason: 'ExpiredProviderToken', why: 'iat is more than an hour ago' };
  }
  return { ok: true, keyId: parts.kid, teamId: trusted.teamId, issuedAt };
}

/**
 * The token a run sends: signed once, reused for every push, renewed when it is 50 minutes old
 * by the wall clock (so APNs never sees it expire), and never sooner than 20 minutes after the
 * last one by the monotonic clock (so a wall clock that jumps cannot make APNs answer
 * TooManyProviderTokenUpdates).
 */
export class ProviderTokenRenewal {
  readonly #sign: (now: Date) => string;
  #signed = 0;
  #current: { token: string; issuedAt: number; signedAtMonotonic: number } | null = null;

  constructor(sign: (now: Date) => string) {
    this.#sign = sign;
  }

  /** The token to send now: `now` is the wall clock, `monotonicMs` the push ports' `clock`. */
  token(now: Date, monotonicMs: number): string {
    const current = this.#current;
    if (
      current === null ||
      (now.getTime() - current.issuedAt >= PROVIDER_TOKEN_RENEW_AFTER_MS &&
        monotonicMs - current.signedAtMonotonic >= PROVIDER_TOKEN_MIN_INTERVAL_MS)
    ) {
      const token = this.#sign(now);
      this.#signed += 1;
      this.#current = { token, issuedAt: now.getTime(), signedAtMonotonic: monotonicMs };
      return token;
    }
    return current.token;
  }

  /** Tokens signed so far in this run. */
  get signed(): number {
    return this.#signed;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Is a private key whole? Node's createPrivateKey decodes a key without checking it, so a key
 * damaged inside (one changed byte in its private exponent, say) opens, matches its
 * certificate — the public half is intact — and was written out as ready, while
 * `openssl rsa -check` says "RSA key not ok" and a TLS handshake with it may fail.
 *
 * A sign/verify round trip does not catch that for RSA: OpenSSL signs with the CRT values and,
 * when they are off, silently falls back to the private exponent, so one damaged field still
 * gives good signatures. The RSA numbers are checked instead, as RSA_check_key does. Other key
 * types are checked with a round trip: an EC signature made with a damaged scalar does not
 * verify against the public point stored beside it.
 */
import { type KeyObject, createPublicKey, sign, verify } from 'node:crypto';

export function isConsistentPrivateKey(key: KeyObject): boolean {
  if (key.type !== 'private') return true;
  if (key.asymmetricKeyType === 'rsa') {
    const numbers = rsaNumbers(key);
    if (numbers) return rsaNumbersFit(numbers);
  }
  return signsAndVerifies(key);
}

interface RsaNumbers {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
}

function rsaNumbers(key: KeyObject): RsaNumbers | null {
  let jwk: ReturnType<KeyObject['export']> & Record<string, unknown>;
  try {
    jwk = key.export({ format: 'jwk' });
  } catch {
    return null;
  }
  const fields = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;
  const values: Partial<RsaNumbers> = {};
  for (const field of fields) {
    const text = jwk[field];
    if (typeof text !== 'string') return null; // no CRT values: only the round trip is left
    values[field] = BigInt(`0x${Buffer.from(text, 'base64url').toString('hex') || '0'}`);
  }
  return values as RsaNumbers;
}

/** RFC 8017 §3.2: n = p·q, d·e ≡ 1 modulo p−1 and q−1, and the CRT values derive from d, p, q. */
function rsaNumbersFit({ n, e, d, p, q, dp, dq, qi }: RsaNumbers): boolean {
  if (p <= 1n || q <= 1n || e <= 1n) return false;
  const p1 = p - 1n;
  const q1 = q - 1n;
  return (
    p * q === n &&
    (d * e) % p1 === 1n % p1 &&
    (d * e) % q1 === 1n % q1 &&
    dp === d % p1 &&
    dq === d % q1 &&
    (qi * q) % p === 1n
  );
}

function signsAndVerifies(key: KeyObject): boolean {
  const data = Buffer.from('apns-setup key check');
  // Ed25519 and Ed448 take no digest; X25519 and X448 cannot sign and are left as they are.
  const digest = key.asymmetricKeyType?.startsWith('ed') ? null : 'sha256';
  let signature: Buffer;
  try {
    signature = sign(digest, data, key);
  } catch {
    return true;
  }
  try {
    return verify(digest, data, createPublicKey(key), signature);
  } catch {
    return false;
  }
}

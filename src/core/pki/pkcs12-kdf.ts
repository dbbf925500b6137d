/**
 * The key derivations behind password-based encryption: the PKCS#12 KDF (RFC 7292 appendix
 * B.2), PBKDF1 and PBKDF2 (RFC 8018). They are the whole cost of opening a .p12 — a
 * 1,000,000-iteration file is millions of hash rounds per key — so:
 * - the iterated hashing is fast: SHA-1 and SHA-256 rounds run in sha-rounds.ts, compiled
 *   WebAssembly from the first round, about ten times faster than one node:crypto createHash()
 *   per round (PBKDF2 is node:crypto's own);
 * - within one read of a file, each distinct derivation runs once (KeyDerivations), however
 *   often the empty-password conventions, the bags and the MAC check ask for it;
 * - the total work of one read is bounded, so a crafted file of many bags cannot hang a
 *   command that a CI job runs.
 */
import { createHash, pbkdf2Sync } from 'node:crypto';
import { InputError } from '../errors.js';
import { checkIterationCount } from './pbe-algorithm.js';
import { sha1Rounds, sha1RoundsEach, sha256Rounds } from './sha-rounds.js';

/** Output and block size in bytes of each hash the PKCS#12 KDF, PBKDF1 and PBKDF2 may use. */
export const HASH_SIZES: Record<string, { output: number; block: number }> = {
  md5: { output: 16, block: 64 },
  sha1: { output: 20, block: 64 },
  sha224: { output: 28, block: 64 },
  sha256: { output: 32, block: 64 },
  sha384: { output: 48, block: 128 },
  sha512: { output: 64, block: 128 },
};

/** H applied `rounds` more times to `digest` (a digest of H): the loop of PBKDF1 and RFC 7292. */
function iterateHash(hash: string, digest: Buffer, rounds: number): Buffer {
  if (hash === 'sha1') return sha1Rounds(digest, rounds);
  if (hash === 'sha256') return sha256Rounds(digest, rounds);
  // MD5 (PBES1) and the SHA-2 variants a .p12 MAC may name: rare, so node:crypto per round.
  let out = digest;
  for (let r = 0; r < rounds; r++) out = createHash(hash).update(out).digest();
  return out;
}

/** Hashes without a fast path cost about ten times as much per round. */
function roundCost(hash: string): number {
  return hash === 'sha1' || hash === 'sha256' ? 1 : 10;
}

function repeatTo(bytes: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length]!;
  return out;
}

/** PKCS#12 KDF purposes (RFC 7292 B.3). */
export type Pkcs12KdfPurpose = 1 | 2 | 3;

/** The arguments of one PKCS#12 KDF derivation (see pkcs12Kdf). */
export interface Pkcs12KdfRequest {
  password: string | null;
  salt: Uint8Array;
  id: Pkcs12KdfPurpose;
  iterations: number;
  size: number;
  hash?: string;
}

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2). The password is a BMPString with a
 * two-byte terminator; `null` is the empty byte string — the two "no password" conventions
 * (OpenSSL's `pass:` uses the first, Keychain's MAC with iteration 1 the second). `id` is the
 * purpose: 1 key, 2 IV, 3 MAC key.
 */
export function pkcs12Kdf(
  password: string | null,
  salt: Uint8Array,
  id: Pkcs12KdfPurpose,
  iterations: number,
  size: number,
  hash = 'sha1',
): Buffer {
  return pkcs12KdfEach([{ password, salt, id, iterations, size, hash }])[0]!;
}

/**
 * pkcs12Kdf for several derivations at once, each with the same result as alone. Their SHA-1
 * chains of one length run side by side, four to a call (sha1RoundsEach): a .p12's keys, IVs and
 * MAC key are seven chains in two calls. Derivations with more blocks still to come go first,
 * since each block's chain starts from the one before.
 */
export function pkcs12KdfEach(requests: readonly Pkcs12KdfRequest[]): Buffer[] {
  const runs = requests.map((request) => new Derivation(request));
  for (;;) {
    const pending = runs.filter((run) => !run.done).sort((a, b) => b.blocksLeft - a.blocksLeft);
    const first = pending[0];
    if (first === undefined) break;
    if (first.hash !== 'sha1') {
      first.finishBlock(iterateHash(first.hash, first.startBlock(), first.iterations - 1));
      continue;
    }
    const group = pending
      .filter((run) => run.hash === 'sha1' && run.iterations === first.iterations)
      .slice(0, 4);
    const ends = sha1RoundsEach(
      group.map((run) => run.startBlock()),
      first.iterations - 1,
    );
    group.forEach((run, k) => run.finishBlock(ends[k]!));
  }
  return runs.map((run) => run.output);
}

/** One derivation in progress: its D and I (RFC 7292 B.2 steps 1–5), its output so far. */
class Derivation {
  readonly hash: string;
  readonly iterations: number;
  readonly #size: number;
  readonly #digestSize: number;
  readonly #blockSize: number;
  readonly #d: Buffer;
  readonly #i: Buffer;
  readonly #out: Buffer;
  #produced = 0;

  constructor({ password, salt, id, iterations, size, hash = 'sha1' }: Pkcs12KdfRequest) {
    const sizes = HASH_SIZES[hash];
    if (!sizes) throw new Error(`pkcs12Kdf: unsupported hash ${hash}`);
    // Parsing already refused such counts; this keeps any other caller from a days-long loop.
    checkIterationCount(iterations, 'key derivation iteration');
    this.hash = hash;
    this.iterations = iterations;
    this.#size = size;
    this.#digestSize = sizes.output;
    this.#blockSize = sizes.block;
    const v = sizes.block;
    const pass =
      password === null
        ? Buffer.alloc(0)
        : Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
    this.#d = Buffer.alloc(v, id);
    this.#i = Buffer.concat([
      repeatTo(salt, v * Math.ceil(salt.length / v)),
      repeatTo(pass, v * Math.ceil(pass.length / v)),
    ]);
    this.#out = Buffer.alloc(Math.ceil(size / sizes.output) * sizes.output);
  }

  get done(): boolean {
    return this.#produced >= this.#size;
  }

  get blocksLeft(): number {
    return Math.ceil((this.#size - this.#produced) / this.#digestSize);
  }

  get output(): Buffer {
    return this.#out.subarray(0, this.#size);
  }

  /** H(D || I): the first round of the next block's chain. */
  startBlock(): Buffer {
    return createHash(this.hash).update(this.#d).update(this.#i).digest();
  }

  /** Takes A, the chain's last round, as the next block of output, and moves I on past it. */
  finishBlock(a: Buffer): void {
    a.copy(this.#out, this.#produced);
    this.#produced += this.#digestSize;
    if (this.done) return;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block I_j of I, where B is A repeated.
    const v = this.#blockSize;
    const b = repeatTo(a, v);
    const i = this.#i;
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + b[k]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
}

/** PBKDF1 (RFC 8018 §5.1) before truncation: T = H^c(P || S). */
function pbkdf1(hash: string, password: Uint8Array, salt: Uint8Array, iterations: number): Buffer {
  checkIterationCount(iterations, 'PBE iteration');
  return iterateHash(hash, createHash(hash).update(password).update(salt).digest(), iterations - 1);
}

/**
 * How much key derivation one read of a file may do, in hash rounds: a genuine file at the
 * 1,000,000-iteration cap needs about 7 million (MAC, certificates, key; 3DES keys take two
 * runs of the KDF), 16 million with both empty-password conventions tried. More means a crafted
 * file — dozens of encrypted bags at the cap — that would keep `check` busy for minutes.
 */
export const MAX_ROUNDS_PER_READ = 32_000_000;

/** Thrown inside KeyDerivations.within() when the attempt would exceed its allowance. */
class OverAllowance extends Error {}

/**
 * The derivations of one read of a file: each distinct input is derived once, and the total
 * stays under a bound. Not shared between reads: a cache of keys must not outlive its file.
 */
export class KeyDerivations {
  /** Derivations actually computed (not served from memory): what tests count. */
  computed = 0;
  private spent = 0;
  private ceiling: number;
  private readonly memory = new Map<string, Buffer>();

  constructor(private readonly maxRounds = MAX_ROUNDS_PER_READ) {
    this.ceiling = maxRounds;
  }

  pkcs12(
    password: string | null,
    salt: Uint8Array,
    id: Pkcs12KdfPurpose,
    iterations: number,
    size: number,
    hash = 'sha1',
  ): Buffer {
    return this.pkcs12Each([{ password, salt, id, iterations, size, hash }])[0]!;
  }

  /**
   * Several PKCS#12 derivations, those not yet made in one pkcs12KdfEach (side by side), within
   * the allowance as a whole.
   */
  pkcs12Each(requests: readonly Pkcs12KdfRequest[]): Buffer[] {
    const { missing, rounds } = this.notYetMade(requests);
    if (missing.size > 0) {
      this.spend(rounds);
      const derived = pkcs12KdfEach([...missing.values()]);
      [...missing.keys()].forEach((id, i) => this.memory.set(id, derived[i]!));
      this.computed += missing.size;
    }
    return requests.map((request) => this.memory.get(pkcs12Id(request))!);
  }

  /**
   * Makes `requests` now, side by side, if the allowance covers them all; else nothing, for
   * each to be made when asked for (or refused then). Saves time only: results are the same.
   */
  prefetch(requests: readonly Pkcs12KdfRequest[]): void {
    const { missing, rounds } = this.notYetMade(requests);
    if (missing.size < 2 || this.spent + rounds > this.ceiling) return;
    this.pkcs12Each([...missing.values()]);
  }

  /** The distinct derivations among `requests` not made yet, by id, and their cost. */
  private notYetMade(requests: readonly Pkcs12KdfRequest[]): {
    missing: Map<string, Pkcs12KdfRequest>;
    rounds: number;
  } {
    const missing = new Map<string, Pkcs12KdfRequest>();
    let rounds = 0;
    for (const request of requests) {
      const id = pkcs12Id(request);
      if (this.memory.has(id) || missing.has(id)) continue;
      missing.set(id, request);
      rounds += pkcs12Rounds(request);
    }
    return { missing, rounds };
  }

  pbkdf1(hash: string, password: Uint8Array, salt: Uint8Array, iterations: number): Buffer {
    return this.remember(
      [
        'pbkdf1',
        hash,
        iterations,
        Buffer.from(salt).toString('hex'),
        Buffer.from(password).toString('hex'),
      ],
      iterations * roundCost(hash),
      () => pbkdf1(hash, password, salt, iterations),
    );
  }

  pbkdf2(
    password: Uint8Array,
    salt: Uint8Array,
    iterations: number,
    keyLength: number,
    prf: string,
  ): Buffer {
    checkIterationCount(iterations, 'PBKDF2 iteration');
    const output = HASH_SIZES[prf]?.output ?? 1;
    return this.remember(
      [
        'pbkdf2',
        prf,
        iterations,
        keyLength,
        Buffer.from(salt).toString('hex'),
        Buffer.from(password).toString('hex'),
      ],
      iterations * Math.ceil(keyLength / output),
      () => pbkdf2Sync(password, salt, iterations, keyLength, prf),
    );
  }

  /**
   * Runs `attempt` allowing it at most `rounds` more rounds of derivation; returns null, having
   * derived nothing it could not afford, when it would need more. For work that only improves
   * an answer (telling a damaged file from a locked one) and may be skipped.
   */
  within<T>(rounds: number, attempt: () => T): T | null {
    const previous = this.ceiling;
    this.ceiling = Math.min(previous, this.spent + rounds);
    try {
      return attempt();
    } catch (error) {
      if (error instanceof OverAllowance) return null;
      throw error;
    } finally {
      this.ceiling = previous;
    }
  }

  private remember(key: (string | number)[], rounds: number, derive: () => Buffer): Buffer {
    const id = key.join('|');
    const known = this.memory.get(id);
    if (known) return known;
    this.spend(rounds);
    const derived = derive();
    this.computed += 1;
    this.memory.set(id, derived);
    return derived;
  }

  private spend(rounds: number): void {
    if (this.spent + rounds > this.ceiling) {
      if (this.ceiling < this.maxRounds) throw new OverAllowance();
      throw tooMuchWork(this.maxRounds);
    }
    this.spent += rounds;
  }
}

function pkcs12Id({ password, salt, id, iterations, size, hash = 'sha1' }: Pkcs12KdfRequest) {
  return [
    'pkcs12',
    hash,
    id,
    iterations,
    size,
    Buffer.from(salt).toString('hex'),
    passwordKey(password),
  ].join('|');
}

function pkcs12Rounds({ iterations, size, hash = 'sha1' }: Pkcs12KdfRequest): number {
  const output = HASH_SIZES[hash]?.output ?? 1;
  return iterations * Math.ceil(size / output) * roundCost(hash);
}

function passwordKey(password: string | null): string {
  return password === null ? 'null' : `"${password}"`;
}

function tooMuchWork(maxRounds: number): InputError {
  return new InputError(
    'UNSUPPORTED_ENCRYPTION',
    `opening it would take more than ${maxRounds.toLocaleString('en-US')} rounds of key derivation, more than any genuine export needs`,
    {
      hint: 'The file is probably damaged or crafted. If it is genuine, export it again with the default iteration count (Keychain Access, or `openssl pkcs12 -export -iter 2048`).',
    },
  );
}

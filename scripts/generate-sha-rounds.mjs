// Writes src/core/pki/sha-rounds.ts: SHA-1 and SHA-256 applied to their own digest, again and
// again, as the PKCS#12 key derivation (RFC 7292 B.2) and PBKDF1 do, 2,048 to a million times
// per key.
//
// Hashing a digest is one compression of one block whose padding never changes (a 20- or
// 32-byte message, 0x80, zeros, its bit length): written out in full, every round and every
// message-schedule step in local variables, no arrays, no calls. As WebAssembly, not
// JavaScript: the JavaScript version (this script's output until 2026-11) was as fast once V8
// had optimised it, but V8 optimises such a long function late, so the first 4,000 rounds ran
// in its interpreter: 25 ms of the ~40 ms an `import` spent writing apns.p12. WebAssembly runs
// compiled from the first round, at about the same speed once warm (1,000,000 SHA-1 rounds:
// ~90 ms either way), and one node:crypto createHash() per round is about ten times slower.
//
// SHA-1 also comes four at a time, one chain per 32-bit lane of WebAssembly SIMD (i32x4): a
// .p12 in the compatible profile needs seven SHA-1 chains of 2,048 rounds (two for each 3DES key,
// one for each IV, one for the MAC), and five of them do not depend on one another. V8 runs
// WebAssembly first as compiled by its baseline compiler, Liftoff, and swaps in its optimising
// compiler's code once that is done in the background: 5–9 ms for a function this long, so the
// 2,048 rounds of a short run are mostly Liftoff's, at ~1 µs a round for the scalar function
// (~0.1 µs optimised). Liftoff's code for the i32x4 function does a round of four chains in a
// third of that, and the optimised code is no faster: writing a .p12 takes two calls of it
// instead of seven of the scalar function, and reading one a third of the time. A V8 without
// SIMD (an x64 CPU without SSE4.1) refuses that module; the scalar function then does the work.
// So that V8 does not optimise them for a file of a few thousand rounds (17 million
// instructions a run, in the background), the modules are compiled through
// core/wasm-module.ts, inside adapters/wasm-tiering.ts's later tier-up.
//
// The modules are assembled here, byte by byte (a few opcodes; no toolchain to install), and
// embedded in base64. Run `node scripts/generate-sha-rounds.mjs` after editing this script;
// test/core/pkcs12-kdf.test.ts checks the output against node:crypto.
import { writeFileSync } from 'node:fs';

// --- WebAssembly encoding (https://webassembly.github.io/spec/core/binary/) --------------------
const u32 = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const s32 = (n) => {
  n |= 0;
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const I32 = 0x7f;
const get = (local) => [0x20, ...u32(local)];
const set = (local, value) => [...value, 0x21, ...u32(local)];
const constant = (n) => [0x41, ...s32(n)];
/** An operator applied left to right over its operands: op(a, b, c) is (a op b) op c. */
const fold =
  (...opcode) =>
  (...operands) =>
    operands.slice(1).reduce((code, operand) => [...code, ...operand, ...opcode], operands[0]);
const add = fold(0x6a);
const sub = fold(0x6b);
const and = fold(0x71);
const or = fold(0x72);
const xor = fold(0x73);
const shr = (x, n) => [...x, ...constant(n), 0x76];
const rotl = (x, n) => [...x, ...constant(n), 0x77];
const rotr = (x, n) => [...x, ...constant(n), 0x78];
const not = (x) => xor(x, constant(-1));
const load = (offset) => [...constant(0), 0x28, 0x02, ...u32(offset)];
const store = (offset, value) => [...constant(0), ...value, 0x36, 0x02, ...u32(offset)];

/**
 * `(func (param $rounds i32))`: reads the state (`words` values of `ops`) from memory at 0,
 * applies `compress` `$rounds` times (none when zero or less), writes the state back. Local 0
 * is $rounds, locals 1… the state; `compress` may use locals up to `locals`.
 */
function roundsFunction(ops, words, locals, compress) {
  const h = (i) => 1 + i;
  const body = [];
  for (let i = 0; i < words; i++) body.push(...set(h(i), ops.load(i * ops.wordBytes)));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  body.push(...get(0), ...constant(0), 0x4c, 0x0d, 0x01); // $rounds <= 0: leave the block
  body.push(...compress(ops, h));
  body.push(...set(0, sub(get(0), constant(1))));
  body.push(0x0c, 0x00, 0x0b, 0x0b); // again; end loop; end block
  for (let i = 0; i < words; i++) body.push(...ops.store(i * ops.wordBytes, get(h(i))));
  body.push(0x0b);
  const code = [...u32(1), ...u32(locals - 1), ops.type, ...body];
  return [...u32(code.length), ...code];
}

/** What a compression is written with: operations on one i32 each. */
const SCALAR = {
  type: I32,
  wordBytes: 4,
  load,
  store,
  constant,
  add,
  and,
  or,
  xor,
  /** a & ~b */
  andNot: (a, b) => and(a, not(b)),
  rotl,
};

// --- The compressions, FIPS 180-4 ------------------------------------------------------------
/**
 * The block a digest of IV.length words pads to (the digest, 0x80, zeros, its length in bits)
 * into message words w(0…15), and the IV into the working variables v(…).
 */
function startBlock(ops, h, w, v, IV) {
  const words = IV.length;
  const code = [];
  for (let i = 0; i < words; i++) code.push(...set(w(i), get(h(i))));
  code.push(...set(w(words), ops.constant(0x80000000)));
  for (let i = words + 1; i < 15; i++) code.push(...set(w(i), ops.constant(0)));
  code.push(...set(w(15), ops.constant(words * 32)));
  for (let i = 0; i < words; i++) code.push(...set(v(i), ops.constant(IV[i])));
  return code;
}

/** The block's result added to the IV: the new digest, in h(…). */
function finishBlock(ops, h, v, IV) {
  return IV.flatMap((iv, i) => set(h(i), ops.add(get(v(i)), ops.constant(iv))));
}

/** One SHA-1 compression, in SCALAR or LANES operations. */
function sha1(ops, h) {
  const { add, and, andNot, constant, or, rotl, xor } = ops;
  const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
  const IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = (i) => 6 + i;
  const v = (i) => 22 + i;
  const code = startBlock(ops, h, w, v, IV);
  for (let t = 0; t < 80; t++) {
    // The five working variables rotate roles each round; renaming them avoids the shuffle.
    const [A, B, C, D, E] = [0, 1, 2, 3, 4].map((i) => get(v((((i - t) % 5) + 5) % 5)));
    const e = v((((4 - t) % 5) + 5) % 5);
    const b = v((((1 - t) % 5) + 5) % 5);
    const wt = w(t & 15);
    if (t >= 16) {
      const mixed = xor(get(w((t - 3) & 15)), get(w((t - 8) & 15)), get(w((t - 14) & 15)), get(wt));
      code.push(...set(wt, rotl(mixed, 1)));
    }
    const f =
      t < 20
        ? or(and(B, C), andNot(D, B))
        : t < 40 || t >= 60
          ? xor(B, C, D)
          : or(and(B, C), and(B, D), and(C, D));
    code.push(...set(e, add(rotl(A, 5), f, E, constant(K[Math.floor(t / 20)]), get(wt))));
    code.push(...set(b, rotl(B, 30)));
  }
  code.push(...finishBlock(ops, h, v, IV));
  return code;
}
const SHA1_LOCALS = 1 + 5 + 16 + 5;

function sha256(ops, h) {
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  const IV = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];
  const w = (i) => 9 + i;
  const v = (i) => 25 + i;
  const x = 33;
  const code = startBlock(ops, h, w, v, IV);
  for (let t = 0; t < 64; t++) {
    const role = (i) => v((((i - t) % 8) + 8) % 8);
    const [A, B, C, D, E, F, G, H] = [0, 1, 2, 3, 4, 5, 6, 7].map(role);
    const wt = w(t & 15);
    if (t >= 16) {
      const w2 = get(w((t - 2) & 15));
      const w15 = get(w((t - 15) & 15));
      const s1 = xor(rotr(w2, 17), rotr(w2, 19), shr(w2, 10));
      const s0 = xor(rotr(w15, 7), rotr(w15, 18), shr(w15, 3));
      code.push(...set(wt, add(s1, get(w((t - 7) & 15)), s0, get(wt))));
    }
    const e = get(E);
    const sigma1 = xor(rotr(e, 6), rotr(e, 11), rotr(e, 25));
    const choose = xor(and(e, get(F)), and(not(e), get(G)));
    code.push(...set(x, add(get(H), sigma1, choose, constant(K[t]), get(wt))));
    code.push(...set(D, add(get(D), get(x))));
    const a = get(A);
    const sigma0 = xor(rotr(a, 2), rotr(a, 13), rotr(a, 22));
    const majority = xor(and(a, get(B)), and(a, get(C)), and(get(B), get(C)));
    code.push(...set(H, add(get(x), sigma0, majority)));
  }
  code.push(...finishBlock(ops, h, v, IV));
  return code;
}
const SHA256_LOCALS = 1 + 8 + 16 + 8 + 1;

// --- SHA-1 in four lanes (WebAssembly SIMD: https://webassembly.github.io/spec/core/binary/instructions.html#vector-instructions)
const V128 = 0x7b;
const simd = (opcode) => [0xfd, ...u32(opcode)];
/** The same i32 in all four lanes. */
const splat = (n) => {
  const lanes = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) lanes.writeInt32LE(n | 0, i * 4);
  return [...simd(12), ...lanes];
};
const addLanes = fold(...simd(174)); // i32x4.add
const andLanes = fold(...simd(78)); // v128.and
const orLanes = fold(...simd(80)); // v128.or
const xorLanes = fold(...simd(81)); // v128.xor
/** a & ~b (v128.andnot). */
const andNotLanes = (a, b) => [...a, ...b, ...simd(79)];
/** There is no i32x4 rotate: (x << n) | (x >>> 32 - n). */
const rotlLanes = (x, n) => [
  ...x,
  ...constant(n),
  ...simd(171), // i32x4.shl
  ...x,
  ...constant(32 - n),
  ...simd(173), // i32x4.shr_u
  ...simd(80),
];
const loadLanes = (offset) => [...constant(0), ...simd(0), 0x04, ...u32(offset)];
const storeLanes = (offset, value) => [...constant(0), ...value, ...simd(11), 0x04, ...u32(offset)];

/**
 * The same operations lane-wise, on four i32 side by side in a v128: four SHA-1 states, word i
 * of lane j at byte 16 × i + 4 × j.
 */
const LANES = {
  type: V128,
  wordBytes: 16,
  load: loadLanes,
  store: storeLanes,
  constant: splat,
  add: addLanes,
  and: andLanes,
  or: orLanes,
  xor: xorLanes,
  andNot: andNotLanes,
  rotl: rotlLanes,
};

// --- The modules: one page of memory each (the state at 0), and their functions --------------
const section = (id, content) => [id, ...u32(content.length), ...content];
const vector = (items) => [...u32(items.length), ...items.flat()];
const name = (text) => [...u32(text.length), ...Buffer.from(text, 'utf8')];
/**
 * A module of `functions` (each a \`(func (param i32))\`, exported under its name) and one page
 * of memory, exported as \`memory\`.
 */
function moduleOf(functions) {
  const bytes = Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, 0x01, I32, 0x00]])),
    ...section(3, vector(functions.map(() => [0x00]))),
    ...section(5, vector([[0x00, 0x01]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0x00],
        ...functions.map(([exported], i) => [...name(exported), 0x00, ...u32(i)]),
      ]),
    ),
    ...section(10, vector(functions.map(([, code]) => code))),
  ]);
  if (!WebAssembly.validate(bytes))
    throw new Error('the generated module is not valid WebAssembly');
  return bytes;
}

const bytes = moduleOf([
  ['sha1', roundsFunction(SCALAR, 5, SHA1_LOCALS, sha1)],
  ['sha256', roundsFunction(SCALAR, 8, SHA256_LOCALS, sha256)],
]);
const lanesBytes = moduleOf([['sha1x4', roundsFunction(LANES, 5, SHA1_LOCALS, sha1)]]);

/** The module in base64, as a string expression 96 characters to a line. */
function embedded(moduleBytes) {
  const lines = Buffer.from(moduleBytes)
    .toString('base64')
    .match(/.{1,96}/g)
    .map((line) => `  '${line}' +`);
  lines[lines.length - 1] = lines[lines.length - 1].replace(/ \+$/, ';');
  return `\n${lines.join('\n')}`;
}

const source = `/**
 * GENERATED by scripts/generate-sha-rounds.mjs: edit that script, not this file.
 *
 * A hash applied \`rounds\` times to a digest of its own size: H(H(…H(digest))), for the PKCS#12
 * KDF and PBKDF1. One compression per round of the single block such a short message pads to,
 * written out in full in small WebAssembly modules: SHA-1 and SHA-256 one chain at a time
 * (${bytes.length} bytes), and SHA-1 four chains at a time in SIMD lanes (${lanesBytes.length} bytes); see the
 * script for why. Compiled on first use. Checked against node:crypto by
 * test/core/pkcs12-kdf.test.ts.
 */
import { instantiateWasm } from '../wasm-module.js';

// Kept as base64 text, decoded when compiled: a command that never derives a key (inspect of a
// certificate, check, a push with ck.pem) decodes nothing at start-up.
const MODULE_BASE64 =${embedded(bytes)}

const LANES_MODULE_BASE64 =${embedded(lanesBytes)}

interface Rounds {
  memory: { buffer: ArrayBuffer };
  sha1(rounds: number): void;
  sha256(rounds: number): void;
}

interface Lanes {
  memory: { buffer: ArrayBuffer };
  sha1x4(rounds: number): void;
}

let compiled: Rounds | null = null;
/** The four-lane module once compiled; null where this V8 has no WebAssembly SIMD. */
let lanes: Lanes | null | undefined;

function rounds(): Rounds {
  if (compiled === null) {
    compiled = instantiateWasm(Buffer.from(MODULE_BASE64, 'base64')) as Rounds;
  }
  return compiled;
}

function sha1Lanes(): Lanes | null {
  if (lanes === undefined) {
    try {
      lanes = instantiateWasm(Buffer.from(LANES_MODULE_BASE64, 'base64')) as Lanes;
    } catch {
      lanes = null;
    }
  }
  return lanes;
}

/** The digest's words into the module's state, \`run\`, the state back as a digest. */
function iterate(digest: Uint8Array, words: number, run: (module: Rounds) => void): Buffer {
  const module = rounds();
  const state = new DataView(module.memory.buffer, 0, words * 4);
  const input = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  for (let i = 0; i < words * 4; i += 4) state.setInt32(i, input.getInt32(i), true);
  run(module);
  const out = Buffer.alloc(words * 4);
  for (let i = 0; i < words * 4; i += 4) out.writeInt32BE(state.getInt32(i, true), i);
  return out;
}

/** SHA-1 applied \`rounds\` times to a 20-byte digest (FIPS 180-4 §6.1). */
export function sha1Rounds(digest: Uint8Array, rounds: number): Buffer {
  return sha1RoundsEach([digest], rounds)[0]!;
}

/**
 * SHA-1 applied \`rounds\` times to each of several 20-byte digests: four chains for the price
 * of one where WebAssembly has SIMD, else one after another (as with \`useLanes\` false).
 */
export function sha1RoundsEach(
  digests: readonly Uint8Array[],
  rounds: number,
  useLanes = true,
): Buffer[] {
  for (const digest of digests) {
    if (digest.length !== 20) throw new RangeError('sha1Rounds: the input must be a 20-byte digest');
  }
  const module = useLanes ? sha1Lanes() : null;
  if (module === null) return digests.map((digest) => iterate(digest, 5, (m) => m.sha1(rounds)));
  // Word i of lane j at byte 16 × i + 4 × j; lanes left over from a short group are ignored.
  const state = new DataView(module.memory.buffer, 0, 80);
  const out: Buffer[] = [];
  for (let first = 0; first < digests.length; first += 4) {
    const group = digests.slice(first, first + 4);
    group.forEach((digest, lane) => {
      const input = new DataView(digest.buffer, digest.byteOffset, 20);
      for (let i = 0; i < 5; i++) state.setInt32(i * 16 + lane * 4, input.getInt32(i * 4), true);
    });
    module.sha1x4(rounds);
    group.forEach((_, lane) => {
      const digest = Buffer.alloc(20);
      for (let i = 0; i < 5; i++) {
        digest.writeInt32BE(state.getInt32(i * 16 + lane * 4, true), i * 4);
      }
      out.push(digest);
    });
  }
  return out;
}

/** SHA-256 applied \`rounds\` times to a 32-byte digest (FIPS 180-4 §6.2). */
export function sha256Rounds(digest: Uint8Array, rounds: number): Buffer {
  if (digest.length !== 32) throw new RangeError('sha256Rounds: the input must be a 32-byte digest');
  return iterate(digest, 8, (module) => module.sha256(rounds));
}
`;

writeFileSync(new URL('../src/core/pki/sha-rounds.ts', import.meta.url), source);

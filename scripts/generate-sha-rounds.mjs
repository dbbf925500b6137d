// Writes src/core/pki/sha-rounds.ts: SHA-1 and SHA-256 applied to their own digest, again and
// again, as the PKCS#12 key derivation (RFC 7292 B.2) and PBKDF1 do a million times per key.
//
// Hashing a digest is one compression of one block whose padding never changes (a 20- or
// 32-byte message, 0x80, zeros, its bit length). Written out in full — every round and every
// message-schedule step in local variables, no arrays, no calls — V8 runs it about 2× faster
// than the same algorithm written as loops, and about 10× faster than one node:crypto
// createHash() per round. JavaScript cannot express that layout compactly, hence this
// generator. Run `node scripts/generate-sha-rounds.mjs` after editing it (the output is in
// .prettierignore: one round per line reads better than prettier's one declaration per line);
// test/core/sha-rounds.test.ts checks it against node:crypto.
import { writeFileSync } from 'node:fs';

const i32 = (n) => String(n | 0);

function sha1() {
  const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
  const IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const v = ['a', 'b', 'c', 'd', 'e'];
  const lines = [];
  lines.push(`let w0 = h0, w1 = h1, w2 = h2, w3 = h3, w4 = h4;`);
  // The fixed padding of a 20-byte message: 0x80, zeros, the length in bits (160).
  lines.push(
    `let w5 = ${i32(0x80000000)}, w6 = 0, w7 = 0, w8 = 0, w9 = 0, w10 = 0, w11 = 0, w12 = 0, w13 = 0, w14 = 0, w15 = 160;`,
  );
  lines.push(`let ${IV.map((x, i) => `${v[i]} = ${i32(x)}`).join(', ')};`);
  for (let t = 0; t < 80; t++) {
    // The five working variables rotate roles each round; renaming them avoids the shuffle.
    const [A, B, C, D, E] = [0, 1, 2, 3, 4].map((i) => v[(((i - t) % 5) + 5) % 5]);
    const w = `w${t & 15}`;
    if (t >= 16) {
      lines.push(
        `x = w${(t - 3) & 15} ^ w${(t - 8) & 15} ^ w${(t - 14) & 15} ^ ${w}; ${w} = (x << 1) | (x >>> 31);`,
      );
    }
    const f =
      t < 20
        ? `((${B} & ${C}) | (~${B} & ${D}))`
        : t < 40 || t >= 60
          ? `(${B} ^ ${C} ^ ${D})`
          : `((${B} & ${C}) | (${B} & ${D}) | (${C} & ${D}))`;
    lines.push(
      `${E} = (((${A} << 5) | (${A} >>> 27)) + ${f} + ${E} + ${i32(K[Math.floor(t / 20)])} + ${w}) | 0; ${B} = (${B} << 30) | (${B} >>> 2);`,
    );
  }
  lines.push(`${[0, 1, 2, 3, 4].map((i) => `h${i} = (${v[i]} + ${i32(IV[i])}) | 0;`).join(' ')}`);
  return lines;
}

function sha256() {
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
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const rotr = (x, n) => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;
  const lines = [];
  lines.push(`let w0 = h0, w1 = h1, w2 = h2, w3 = h3, w4 = h4, w5 = h5, w6 = h6, w7 = h7;`);
  // The fixed padding of a 32-byte message: 0x80, zeros, the length in bits (256).
  lines.push(
    `let w8 = ${i32(0x80000000)}, w9 = 0, w10 = 0, w11 = 0, w12 = 0, w13 = 0, w14 = 0, w15 = 256;`,
  );
  lines.push(`let ${IV.map((x, i) => `${v[i]} = ${i32(x)}`).join(', ')};`);
  for (let t = 0; t < 64; t++) {
    const [A, B, C, D, E, F, G, H] = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (i) => v[(((i - t) % 8) + 8) % 8],
    );
    const w = `w${t & 15}`;
    if (t >= 16) {
      const w2 = `w${(t - 2) & 15}`;
      const w15 = `w${(t - 15) & 15}`;
      lines.push(
        `${w} = (${rotr(w2, 17)} ^ ${rotr(w2, 19)} ^ (${w2} >>> 10)) + w${(t - 7) & 15} + (${rotr(w15, 7)} ^ ${rotr(w15, 18)} ^ (${w15} >>> 3)) + ${w} | 0;`,
      );
    }
    lines.push(
      `x = (${H} + (${rotr(E, 6)} ^ ${rotr(E, 11)} ^ ${rotr(E, 25)}) + ((${E} & ${F}) ^ (~${E} & ${G})) + ${i32(K[t])} + ${w}) | 0;`,
    );
    lines.push(`${D} = (${D} + x) | 0;`);
    lines.push(
      `${H} = (x + (${rotr(A, 2)} ^ ${rotr(A, 13)} ^ ${rotr(A, 22)}) + ((${A} & ${B}) ^ (${A} & ${C}) ^ (${B} & ${C}))) | 0;`,
    );
  }
  lines.push(
    `${[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `h${i} = (${v[i]} + ${i32(IV[i])}) | 0;`).join(' ')}`,
  );
  return lines;
}

function fn(name, words, body, doc) {
  const h = Array.from({ length: words }, (_, i) => `h${i}`);
  return [
    doc,
    `export function ${name}(digest: Uint8Array, rounds: number): Buffer {`,
    `  if (digest.length !== ${words * 4}) throw new RangeError('${name}: the input must be a ${words * 4}-byte digest');`,
    `  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);`,
    `  let ${h.map((x, i) => `${x} = view.getInt32(${i * 4})`).join(', ')};`,
    `  let x = 0;`,
    `  for (let round = 0; round < rounds; round++) {`,
    ...body.map((line) => `    ${line}`),
    `  }`,
    `  const out = Buffer.alloc(${words * 4});`,
    ...h.map((x, i) => `  out.writeInt32BE(${x}, ${i * 4});`),
    `  return out;`,
    `}`,
  ].join('\n');
}

const header = `/**
 * GENERATED by scripts/generate-sha-rounds.mjs: edit that script, not this file.
 *
 * A hash applied \`rounds\` times to a digest of its own size: H(H(…H(digest))). One compression
 * per round of the single block such a short message pads to, written out in full; see the
 * script for why. Checked against node:crypto by test/core/sha-rounds.test.ts.
 */
`;

const source = [
  header,
  fn(
    'sha1Rounds',
    5,
    sha1(),
    '/** SHA-1 applied `rounds` times to a 20-byte digest (FIPS 180-4 §6.1). */',
  ),
  '',
  fn(
    'sha256Rounds',
    8,
    sha256(),
    '/** SHA-256 applied `rounds` times to a 32-byte digest (FIPS 180-4 §6.2). */',
  ),
  '',
].join('\n');

writeFileSync(new URL('../src/core/pki/sha-rounds.ts', import.meta.url), source);

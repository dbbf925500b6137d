/**
 * RC2 in CBC mode, decryption only (RFC 2268): the cipher of the certificate bag in every .p12
 * that Keychain Access exports (pbeWithSHAAnd40BitRC2-CBC), and of a few old PKCS#5 keys.
 * Node's OpenSSL 3 keeps RC2 in its legacy provider, which Node does not load, so it is written
 * out here: some sixty lines, against loading part of node-forge and running its byte-string
 * buffers, which cost `convert` of such a file about a tenth of its run.
 */

/** RFC 2268's PITABLE: a permutation of 0–255 made from the digits of pi. */
const PITABLE = Buffer.from(
  'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2' +
    '179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82' +
    '54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7' +
    '08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec' +
    'c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9' +
    '0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad',
  'hex',
);

/** The 64 16-bit subkeys of `key` (1–128 bytes) limited to `effectiveBits` (RFC 2268 §2). */
function expandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.length;
  const t8 = Math.ceil(effectiveBits / 8);
  const tm = 0xff >> (8 * t8 - effectiveBits);
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
  l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  return k;
}

/** The rotation of each word in a mixing round. */
const SHIFTS = [1, 2, 3, 5] as const;

/** One block, in place: the words r[0..3], little-endian 16-bit (RFC 2268 §4). */
function decryptBlock(k: Uint16Array, r: Uint16Array): void {
  let j = 63;
  const mix = () => {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFTS[i]!;
      const rotated = ((r[i]! >>> s) | (r[i]! << (16 - s))) & 0xffff;
      const a = r[(i + 3) & 3]!;
      const b = r[(i + 2) & 3]!;
      const c = r[(i + 1) & 3]!;
      r[i] = rotated - k[j]! - (a & b) - (~a & c);
      j--;
    }
  };
  const mash = () => {
    for (let i = 3; i >= 0; i--) r[i] = r[i]! - k[r[(i + 3) & 3]! & 63]!;
  };
  for (let round = 0; round < 5; round++) mix();
  mash();
  for (let round = 0; round < 6; round++) mix();
  mash();
  for (let round = 0; round < 5; round++) mix();
}

/**
 * Decrypts whole 8-byte blocks of RC2-CBC. The padding is left in place, for the caller to
 * check as it does for every cipher. `effectiveBits` is RC2's effective key length (40 for
 * Keychain's certificate bags; 1–1024).
 */
export function decryptRc2Cbc(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  effectiveBits: number,
): Buffer {
  if (key.length < 1 || key.length > 128 || iv.length !== 8 || data.length % 8 !== 0)
    throw new RangeError('RC2-CBC: a key of 1–128 bytes, an 8-byte IV and whole blocks');
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024)
    throw new RangeError('RC2: effective key bits from 1 to 1024');
  const k = expandKey(key, effectiveBits);
  const out = Buffer.alloc(data.length);
  const r = new Uint16Array(4);
  let previous = iv;
  for (let at = 0; at < data.length; at += 8) {
    const block = data.subarray(at, at + 8);
    for (let w = 0; w < 4; w++) r[w] = block[2 * w]! | (block[2 * w + 1]! << 8);
    decryptBlock(k, r);
    for (let w = 0; w < 4; w++) {
      out[at + 2 * w] = (r[w]! & 0xff) ^ previous[2 * w]!;
      out[at + 2 * w + 1] = (r[w]! >>> 8) ^ previous[2 * w + 1]!;
    }
    previous = block;
  }
  return out;
}

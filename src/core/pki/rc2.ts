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
  // The four 16-bit words of a block in locals, not an array, and each round written out: a
  // .p12's certificate bag (some 200 blocks) is decrypted once per run, by V8's interpreter,
  // where a local costs a register and an element a load and a store (4 ms against 1).
  for (let at = 0; at < data.length; at += 8) {
    let r0 = data[at]! | (data[at + 1]! << 8);
    let r1 = data[at + 2]! | (data[at + 3]! << 8);
    let r2 = data[at + 4]! | (data[at + 5]! << 8);
    let r3 = data[at + 6]! | (data[at + 7]! << 8);
    // RFC 2268 §4: sixteen reverse mixing rounds (each word rotated right by 5, 3, 2, 1,
    // then less a subkey and a mix of the other three), a reverse mash after the 5th and 11th.
    for (let round = 0, j = 63; round < 16; round++, j -= 4) {
      r3 = (((r3 >>> 5) | (r3 << 11)) - k[j]! - (r2 & r1) - (~r2 & r0)) & 0xffff;
      r2 = (((r2 >>> 3) | (r2 << 13)) - k[j - 1]! - (r1 & r0) - (~r1 & r3)) & 0xffff;
      r1 = (((r1 >>> 2) | (r1 << 14)) - k[j - 2]! - (r0 & r3) - (~r0 & r2)) & 0xffff;
      r0 = (((r0 >>> 1) | (r0 << 15)) - k[j - 3]! - (r3 & r2) - (~r3 & r1)) & 0xffff;
      if (round === 4 || round === 10) {
        r3 = (r3 - k[r2 & 63]!) & 0xffff;
        r2 = (r2 - k[r1 & 63]!) & 0xffff;
        r1 = (r1 - k[r0 & 63]!) & 0xffff;
        r0 = (r0 - k[r3 & 63]!) & 0xffff;
      }
    }
    // CBC: the plain block is the decrypted one XOR the ciphertext before it (the IV first).
    const previous = at === 0 ? iv : data;
    const p = at === 0 ? 0 : at - 8;
    out[at] = (r0 & 0xff) ^ previous[p]!;
    out[at + 1] = (r0 >>> 8) ^ previous[p + 1]!;
    out[at + 2] = (r1 & 0xff) ^ previous[p + 2]!;
    out[at + 3] = (r1 >>> 8) ^ previous[p + 3]!;
    out[at + 4] = (r2 & 0xff) ^ previous[p + 4]!;
    out[at + 5] = (r2 >>> 8) ^ previous[p + 5]!;
    out[at + 6] = (r3 & 0xff) ^ previous[p + 6]!;
    out[at + 7] = (r3 >>> 8) ^ previous[p + 7]!;
  }
  return out;
}

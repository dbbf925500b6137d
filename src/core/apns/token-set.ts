/**
 * An exact set of device tokens that costs about the tokens' own bytes: a tokens file of
 * 1,000,000 lines is checked for repeats in about 45 MB, where a JavaScript Set of strings
 * takes over 130 MB. Tokens are kept as bytes (32 for today's tokens) one after the other in
 * 1 MiB blocks, behind an open-addressing index of 32-bit positions.
 */

const BLOCK_BITS = 20;
const BLOCK_BYTES = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_BYTES - 1;
/** Index slots are 0 (empty) or 1 + the entry's position: block * BLOCK_BYTES + offset. */
const MAX_BLOCKS = Math.floor(0xffffffff / BLOCK_BYTES);
/** A token is at most 100 bytes (200 hex digits): its length fits in the low 7 bits. */
const CLAIMED = 0x80;
const LENGTH = 0x7f;

export class TokenSet {
  readonly #blocks: Uint8Array[] = [];
  #used = BLOCK_BYTES;
  #index = new Uint32Array(1024);
  /** 8 bits of each slot's hash: most slots that do not match are told apart without a read. */
  #tags = new Uint8Array(1024);
  #size = 0;
  readonly #key = new Uint8Array(LENGTH);
  #added = false;

  /** Distinct tokens held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a token (lower-case hex); true when it was not there yet. */
  add(token: string): boolean {
    this.#find(token);
    return this.#added;
  }

  /**
   * True the first time a token is claimed, false for every later claim: a second pass over a
   * list sends each token once. A token not added before is added.
   */
  claim(token: string): boolean {
    const entry = this.#find(token);
    const block = this.#blocks[entry >>> BLOCK_BITS]!;
    const offset = entry & BLOCK_MASK;
    const head = block[offset]!;
    if ((head & CLAIMED) !== 0) return false;
    block[offset] = head | CLAIMED;
    return true;
  }

  /** The position of the token's entry, added if it was not there. */
  #find(token: string): number {
    const length = token.length / 2;
    if (!Number.isInteger(length) || length === 0 || length > LENGTH) {
      throw new RangeError('TokenSet holds device tokens of 1 to 127 bytes in lower-case hex.');
    }
    const key = this.#key;
    let h = FNV_OFFSET;
    for (let i = 0; i < length; i++) {
      const byte = (hexValue(token.charCodeAt(2 * i)) << 4) | hexValue(token.charCodeAt(2 * i + 1));
      key[i] = byte;
      h = Math.imul(h ^ byte, FNV_PRIME);
    }
    const mask = this.#index.length - 1;
    const tag = h >>> 24;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#index[slot]!;
      if (entry === 0) {
        const position = this.#store(key, length);
        this.#index[slot] = position + 1;
        this.#tags[slot] = tag;
        this.#size += 1;
        if (this.#size * 4 > this.#index.length * 3) this.#grow();
        this.#added = true;
        return position;
      }
      if (this.#tags[slot] !== tag) continue;
      const position = entry - 1;
      if (sameToken(this.#blocks[position >>> BLOCK_BITS]!, position & BLOCK_MASK, key, length)) {
        this.#added = false;
        return position;
      }
    }
  }

  /** Appends the entry (length byte, then the bytes) and returns its position. */
  #store(key: Uint8Array, length: number): number {
    if (this.#used + 1 + length > BLOCK_BYTES) {
      if (this.#blocks.length >= MAX_BLOCKS) {
        throw new RangeError('TokenSet is full (about 100 million tokens).');
      }
      this.#blocks.push(new Uint8Array(BLOCK_BYTES));
      this.#used = 0;
    }
    const blockNumber = this.#blocks.length - 1;
    const block = this.#blocks[blockNumber]!;
    const offset = this.#used;
    block[offset] = length;
    for (let i = 0; i < length; i++) block[offset + 1 + i] = key[i]!;
    this.#used += 1 + length;
    return blockNumber * BLOCK_BYTES + offset;
  }

  #grow(): void {
    const old = this.#index;
    const index = new Uint32Array(old.length * 2);
    const tags = new Uint8Array(index.length);
    const mask = index.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      const block = this.#blocks[(entry - 1) >>> BLOCK_BITS]!;
      const offset = (entry - 1) & BLOCK_MASK;
      const length = block[offset]! & LENGTH;
      let h = FNV_OFFSET;
      for (let i = 1; i <= length; i++) h = Math.imul(h ^ block[offset + i]!, FNV_PRIME);
      let slot = h & mask;
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = entry;
      tags[slot] = h >>> 24;
    }
    this.#index = index;
    this.#tags = tags;
  }
}

/** FNV-1a: tokens from Apple are random, but hand-made test tokens are not. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function sameToken(block: Uint8Array, offset: number, key: Uint8Array, length: number): boolean {
  if ((block[offset]! & LENGTH) !== length) return false;
  for (let i = 0; i < length; i++) {
    if (block[offset + 1 + i] !== key[i]) return false;
  }
  return true;
}

/** 0-9, a-f (tokens are normalised to lower case before they get here). */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  throw new RangeError('TokenSet holds device tokens in lower-case hex.');
}

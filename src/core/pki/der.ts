/**
 * A small reader for DER (and the BER indefinite lengths a .p7b uses). Node's X509Certificate
 * has no accessor for Apple's custom extensions and node-forge cannot parse EC certificates,
 * so the fields we rely on are read from the DER directly.
 */
import { InputError } from '../errors.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export interface Tlv {
  /** The identifier octet (single-byte tags only; that is all X.509 and PKCS use). */
  tag: number;
  constructed: boolean;
  start: number;
  contentStart: number;
  /** Offset just past the content (for indefinite lengths: past the end-of-contents octets). */
  end: number;
  contentEnd: number;
  indefinite: boolean;
  /** Read as BER (childrenOf reads its children the same way), else as strict DER. */
  ber: boolean;
}

export interface ReadTlvOptions {
  /**
   * Accept what BER allows and DER forbids: indefinite lengths and lengths not in their
   * shortest form. For the containers producers write that way (Keychain's .p7b, Java's and
   * Windows' .p12); a certificate is always DER, its signature covers the exact bytes.
   */
  ber?: boolean;
  /** Where the enclosing element ends: nothing read may run past it. Default: the end of bytes. */
  limit?: number;
}

function corrupt(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not valid DER: ${detail}`, {
    hint: 'The file is damaged or cut short: download or export it again.',
  });
}

const MAX_DEPTH = 64;

/**
 * Reads one TLV at `offset`. Throws CORRUPT_FILE when it runs past the end of `bytes` or of
 * its enclosing element (`limit`), and, unless `ber`, when its length is indefinite or not in
 * its shortest form (X.690 §10.1).
 */
export function readTlv(bytes: Uint8Array, offset = 0, options: ReadTlvOptions = {}): Tlv {
  return readAt(bytes, offset, options.limit ?? bytes.length, options.ber === true, 0);
}

function readAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  ber: boolean,
  depth: number,
): Tlv {
  if (depth > MAX_DEPTH) throw corrupt('nesting too deep');
  if (limit > bytes.length) throw corrupt('an element runs past the end of the file');
  if (offset + 2 > limit) throw endsEarly(limit, bytes);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw corrupt('multi-byte tags are not used by certificates');
  const constructed = (tag & 0x20) !== 0;
  const first = bytes[offset + 1]!;
  let pos = offset + 2;
  if (first === 0x80) {
    if (!ber) throw corrupt('an indefinite length, which DER forbids');
    if (!constructed) throw corrupt('indefinite length on a primitive element');
    let cursor = pos;
    for (;;) {
      if (cursor + 2 > limit) throw corrupt('an indefinite-length element has no end');
      if (bytes[cursor] === 0 && bytes[cursor + 1] === 0) {
        return {
          tag,
          constructed,
          start: offset,
          contentStart: pos,
          contentEnd: cursor,
          end: cursor + 2,
          indefinite: true,
          ber,
        };
      }
      cursor = readAt(bytes, cursor, limit, ber, depth + 1).end;
    }
  }
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count > 4) throw corrupt('an element claims an impossible length');
    if (pos + count > limit) throw endsEarly(limit, bytes);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos + i]!;
    if (!ber && (bytes[pos] === 0 || length < 0x80)) {
      throw corrupt('a length not in its shortest form, which DER forbids');
    }
    pos += count;
  }
  const end = pos + length;
  if (end > limit) {
    if (limit < bytes.length)
      throw corrupt('an element runs past the end of the one that holds it');
    throw corrupt(
      `it is ${end - bytes.length} bytes shorter than its own length field says (cut short?)`,
    );
  }
  return {
    tag,
    constructed,
    start: offset,
    contentStart: pos,
    contentEnd: end,
    end,
    indefinite: false,
    ber,
  };
}

function endsEarly(limit: number, bytes: Uint8Array): InputError {
  return limit < bytes.length
    ? corrupt('an element runs past the end of the one that holds it')
    : corrupt('it ends in the middle of an element');
}

/** The elements inside a constructed TLV, in order. */
export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.contentEnd) {
    const child = readTlv(bytes, pos, { ber: parent.ber, limit: parent.contentEnd });
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(bytes.subarray(tlv.contentStart, tlv.contentEnd));
}

export function encodingOf(bytes: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(bytes.subarray(tlv.start, tlv.end));
}

/** Child `index` of `parent`, or a CORRUPT_FILE error naming what was expected. */
export function childAt(bytes: Uint8Array, parent: Tlv, index: number, what: string): Tlv {
  const child = childrenOf(bytes, parent)[index];
  if (!child) throw corrupt(`${what} is missing`);
  return child;
}

/**
 * An OBJECT IDENTIFIER's dotted form. Every arc must end (a last byte with the top bit set is a
 * cut-off arc) and be in its shortest form (no leading 0x80 byte), as X.690 §8.19 and OpenSSL
 * require; arcs of any size are read exactly.
 */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw corrupt('an empty object identifier');
  const arcs: bigint[] = [];
  let value = 0n;
  let arcStart = true;
  for (const byte of content) {
    if (arcStart && byte === 0x80)
      throw corrupt('an object identifier arc not in its shortest form');
    value = (value << 7n) | BigInt(byte & 0x7f);
    arcStart = (byte & 0x80) === 0;
    if (arcStart) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!arcStart) throw corrupt('an object identifier whose last arc is cut off');
  const first = arcs.shift()!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A string value as text. What OpenSSL refuses when it parses a certificate is refused here
 * too: a UTF8String that is not UTF-8, a BMPString of an odd length, a UniversalString whose
 * length is not a multiple of four or that holds a value that is no character.
 */
export function decodeString(bytes: Uint8Array, tlv: Tlv): string {
  const content = contentOf(bytes, tlv);
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(content);
      } catch {
        throw corrupt('a UTF8String that is not valid UTF-8');
      }
    case TAG.BMP_STRING:
      if (content.length % 2 !== 0) throw corrupt('a BMPString of an odd number of bytes');
      return Buffer.from(content).swap16().toString('utf16le');
    case TAG.UNIVERSAL_STRING: {
      if (content.length % 4 !== 0) {
        throw corrupt('a UniversalString whose length is not a multiple of four');
      }
      let s = '';
      for (let i = 0; i < content.length; i += 4) {
        const code = content.readUInt32BE(i);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          throw corrupt('a UniversalString holding a value that is not a character');
        }
        s += String.fromCodePoint(code);
      }
      return s;
    }
    case TAG.T61_STRING:
      return content.toString('latin1');
    default:
      return content.toString('utf8');
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A UTCTime or GeneralizedTime, in UTC. A field out of its range (month 13, 31 April, hour 24,
 * minute or second 60) is refused, not rolled over into the next month or day: OpenSSL cannot
 * read such a date either ("Bad time value").
 */
export function decodeTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = contentOf(bytes, tlv).toString('latin1');
  const m =
    tlv.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
  if (!m) throw corrupt(`an unreadable date "${text}"`);
  let year = Number(m[1]);
  // RFC 5280: UTCTime years 50–99 are 19xx, 00–49 are 20xx.
  if (tlv.tag === TAG.UTC_TIME) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (
    monthDays === undefined ||
    day < 1 ||
    day > monthDays ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw corrupt(`an impossible date "${text}"`);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not take years 0–99 for 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date;
}

export function isTime(tlv: Tlv): boolean {
  return tlv.tag === TAG.UTC_TIME || tlv.tag === TAG.GENERALIZED_TIME;
}

/**
 * An INTEGER as upper-case hex without the sign-padding zero byte. A negative one (DER is
 * two's complement; RFC 5280 forbids negative serials but `openssl x509 -set_serial -0x1234`
 * makes them) is a '-' and its magnitude, as `openssl x509 -serial` prints it: `-1234`.
 */
export function decodeIntegerHex(bytes: Uint8Array, tlv: Tlv): string {
  const content = contentOf(bytes, tlv);
  // X.690 §8.3.2, as OpenSSL checks: at least one byte, and no byte that only repeats the sign.
  if (content.length === 0) throw corrupt('an INTEGER with no content');
  if (
    content.length > 1 &&
    ((content[0] === 0 && (content[1]! & 0x80) === 0) ||
      (content[0] === 0xff && (content[1]! & 0x80) !== 0))
  ) {
    throw corrupt('an INTEGER not in its shortest form');
  }
  if (content.length > 0 && (content[0]! & 0x80) !== 0) return `-${hexOf(negate(content))}`;
  return hexOf(content);
}

function hexOf(content: Buffer): string {
  let digits = content;
  while (digits.length > 1 && digits[0] === 0) digits = digits.subarray(1);
  return digits.toString('hex').toUpperCase();
}

/** The magnitude of a negative two's-complement number: invert, add one. */
function negate(content: Buffer): Buffer {
  const out = Buffer.alloc(content.length + 1);
  let carry = 1;
  for (let i = content.length - 1; i >= 0; i--) {
    const sum = (~content[i]! & 0xff) + carry;
    out[i + 1] = sum & 0xff;
    carry = sum >> 8;
  }
  out[0] = carry;
  return out;
}

/** BER-chunked OCTET STRINGs are one level deep in practice (Java, Windows). */
const MAX_CHUNK_NESTING = 8;

/**
 * An OCTET STRING's bytes, also in BER's constructed (chunked) form and as an IMPLICIT tag
 * (`[0] IMPLICIT OCTET STRING`): the tag is the caller's to check.
 */
export function octetStringOf(bytes: Uint8Array, tlv: Tlv, depth = 0): Buffer {
  if (!tlv.constructed) return contentOf(bytes, tlv);
  if (depth >= MAX_CHUNK_NESTING) throw corrupt('an OCTET STRING is chunked too deeply');
  return Buffer.concat(
    childrenOf(bytes, tlv).map((chunk) => octetStringOf(bytes, chunk, depth + 1)),
  );
}

/**
 * Reading a known structure field by field (a PKCS#12 file, PBE parameters): each helper names
 * the field that is missing or of the wrong type, in the error the structure's reader chose.
 */
export interface FieldReader {
  tag(tlv: Tlv | undefined, tag: number, what: string): Tlv;
  oid(bytes: Uint8Array, tlv: Tlv | undefined, what: string): string;
  /** A non-negative INTEGER that fits a JavaScript number exactly. */
  smallInteger(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number;
}

export function fieldReader(malformed: (detail: string) => InputError): FieldReader {
  const tag = (tlv: Tlv | undefined, expected: number, what: string): Tlv => {
    if (!tlv || tlv.tag !== expected) throw malformed(`${what} is missing or malformed`);
    return tlv;
  };
  return {
    tag,
    oid: (bytes, tlv, what) => decodeOid(contentOf(bytes, tag(tlv, TAG.OID, what))),
    smallInteger: (bytes, tlv, what) => {
      const value = Number.parseInt(decodeIntegerHex(bytes, tag(tlv, TAG.INTEGER, what)), 16);
      if (!Number.isSafeInteger(value)) throw malformed(`${what} is out of range`);
      return value;
    },
  };
}

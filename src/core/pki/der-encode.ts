/**
 * The one DER writer (X.690), beside its reader der.ts: the PKCS#12 writer and the local CA
 * assemble their structures from these. Each function returns a whole TLV.
 */
import { TAG } from './der.js';

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV whose content is `parts`, in order. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...parts);

/** SET OF, its elements in the order DER requires (X.690 §11.6: by their encodings). */
export const set = (...parts: Buffer[]): Buffer =>
  tlv(TAG.SET, ...[...parts].sort((a, b) => Buffer.compare(a, b)));

/** `[n] EXPLICIT`: a constructed context-specific tag around whole TLVs. */
export const explicit = (n: number, ...parts: Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);

/** `[n] IMPLICIT` of a primitive type: the content under a context-specific tag. */
export const implicit = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);

export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);

export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);

export const bool = (value: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0]));

/** A BIT STRING of whole bytes, or with `unused` trailing bits dropped from the last. */
export const bitString = (bytes: Uint8Array, unused = 0): Buffer =>
  tlv(TAG.BIT_STRING, Buffer.from([unused]), bytes);

export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));

/** ASCII only: the caller checks the PrintableString alphabet. */
export const printableString = (text: string): Buffer =>
  tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'ascii'));

export const bmpString = (text: string): Buffer =>
  tlv(TAG.BMP_STRING, Buffer.from(text, 'utf16le').swap16());

/**
 * A non-negative INTEGER: a number, or the big-endian bytes of its magnitude (a serial
 * number). Leading zero bytes are dropped and one is added where the top bit is set, so that it
 * reads as positive and minimal (X.690 §8.3.2).
 */
export function integer(value: number | Uint8Array): Buffer {
  let bytes: number[];
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`integer: ${value} is not a non-negative safe integer`);
    }
    bytes = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  } else {
    bytes = [...value];
    while (bytes.length > 0 && bytes[0] === 0) bytes.shift();
  }
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128))
      chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime for 1950 through 2049, GeneralizedTime otherwise; whole seconds. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.UTC_TIME, Buffer.from(`${pad(year % 100)}${rest}`, 'ascii'));
  }
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'ascii'));
}

import { describe, expect, it } from 'vitest';
import {
  decodeIntegerHex,
  decodeOid,
  decodeTime,
  contentOf,
  readTlv,
} from '../../src/core/pki/der.js';
import { integer, oid, set, time, tlv, utf8String } from '../../src/core/pki/der-encode.js';

describe('der-encode, read back with der.ts', () => {
  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [2048, '02020800'],
    [1_000_000, '02030f4240'],
  ])('integer(%i) is %s', (value, hex) => {
    expect(integer(value).toString('hex')).toBe(hex);
  });

  it('writes a serial from its magnitude: leading zeros dropped, a 00 added for the top bit', () => {
    const der = integer(Buffer.from('0000c0ffee', 'hex'));
    expect(der.toString('hex')).toBe('020400c0ffee');
    expect(decodeIntegerHex(der, readTlv(der, 0))).toBe('C0FFEE');
  });

  it.each(['1.2.840.113549.1.12.10.1.2', '2.5.4.3', '0.9.2342.19200300.100.1.1', '2.999.3'])(
    'oid(%s) reads back the same',
    (dotted) => {
      const der = oid(dotted);
      expect(decodeOid(contentOf(der, readTlv(der, 0)))).toBe(dotted);
    },
  );

  it('orders SET OF by encoding (X.690 11.6)', () => {
    const b = utf8String('b');
    const a = utf8String('a');
    expect(set(b, a).equals(tlv(0x31, a, b))).toBe(true);
  });

  it.each([
    ['1950-01-01T00:00:00Z', 0x17],
    ['2049-12-31T23:59:59Z', 0x17],
    ['2050-01-01T00:00:00Z', 0x18],
    ['9999-12-31T23:59:59Z', 0x18],
  ])('time(%s) is tag %i and reads back', (iso, tag) => {
    const der = time(new Date(iso));
    const read = readTlv(der, 0);
    expect(read.tag).toBe(tag);
    expect(decodeTime(der, read).toISOString()).toBe(iso.replace('Z', '.000Z'));
  });

  it('writes long lengths in the fewest bytes', () => {
    expect(tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex')).toBe('0481c8');
    expect(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
  });
});

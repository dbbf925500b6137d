import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import {
  childrenOf,
  contentOf,
  decodeIntegerHex,
  decodeOid,
  decodeString,
  decodeTime,
  readTlv,
} from '../../src/core/pki/der.js';
import { errorOf } from '../helpers/errors.js';
import { testKey } from '../helpers/test-ca.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** The message of the typed error a DER read throws; fails on a raw exception. */
function refusal(read: () => unknown): string {
  const error = errorOf(read);
  expect(error.code).toBe('CORRUPT_FILE');
  return error.message;
}

describe('readTlv and childrenOf: lengths', () => {
  it('refuses a child that runs past its parent (30 03 04 05 41…)', () => {
    const bytes = hex('30 03 04 05 41 41 41 41 41');
    const parent = readTlv(bytes, 0);
    expect(refusal(() => childrenOf(bytes, parent))).toBe(
      'it is not valid DER: an element runs past the end of the one that holds it',
    );
  });

  it('refuses a child whose header alone runs past its parent', () => {
    const bytes = hex('30 01 04 00');
    expect(refusal(() => childrenOf(bytes, readTlv(bytes, 0)))).toMatch(/runs past the end/);
  });

  it('reads children that fill their parent exactly', () => {
    const bytes = hex('30 06 04 01 41 02 01 05');
    expect(childrenOf(bytes, readTlv(bytes, 0)).map((c) => c.tag)).toEqual([0x04, 0x02]);
  });

  it('says a file shorter than its length field is cut short', () => {
    expect(refusal(() => readTlv(hex('30 05 02 01 01'), 0))).toBe(
      'it is not valid DER: it is 2 bytes shorter than its own length field says (cut short?)',
    );
  });

  it.each([
    ['a long form for a short length', '04 81 03 414141'],
    ['a leading zero in a long length', '04 82 0003 414141'],
  ])('refuses %s in DER, reads it as BER', (_label, text) => {
    const bytes = hex(text);
    expect(refusal(() => readTlv(bytes, 0))).toBe(
      'it is not valid DER: a length not in its shortest form, which DER forbids',
    );
    const read = readTlv(bytes, 0, { ber: true });
    expect(contentOf(bytes, read).toString()).toBe('AAA');
  });

  it('refuses an indefinite length in DER, reads it as BER (a .p7b from Keychain)', () => {
    const bytes = hex('30 80 02 01 05 00 00');
    expect(refusal(() => readTlv(bytes, 0))).toBe(
      'it is not valid DER: an indefinite length, which DER forbids',
    );
    const read = readTlv(bytes, 0, { ber: true });
    expect(read.end).toBe(7);
    expect(childrenOf(bytes, read).map((c) => c.tag)).toEqual([0x02]);
  });

  it('refuses an indefinite-length child that runs past its parent, even in BER', () => {
    const bytes = hex('30 80 30 03 30 80 00 00 00');
    const outer = readTlv(bytes, 0, { ber: true });
    expect(refusal(() => childrenOf(bytes, childrenOf(bytes, outer)[0]!))).toMatch(
      /runs past the end of the one that holds it|has no end/,
    );
  });
});

describe('decodeOid', () => {
  const oid = (text: string) => decodeOid(hex(text));

  it('reads arcs of any size exactly', () => {
    expect(oid('2a 86 48 86 f7 0d 01 0c 0a 01 02')).toBe('1.2.840.113549.1.12.10.1.2');
    // 2.25.<a UUID as an integer>: far beyond 2^53.
    const uuid = 329800735698586629295641978511506172918n;
    const septets: number[] = [];
    for (let n = uuid; n > 0n; n >>= 7n) septets.unshift(Number(n & 0x7fn) | 0x80);
    septets[septets.length - 1]! &= 0x7f;
    expect(decodeOid(Buffer.from([0x69, ...septets]))).toBe(`2.25.${uuid}`);
  });

  it('reads arcs exactly on both sides of 2^53, where a number stops being exact', () => {
    const septetsOf = (arc: bigint): number[] => {
      const septets: number[] = [];
      for (let n = arc; n > 0n || septets.length === 0; n >>= 7n) {
        septets.unshift(Number(n & 0x7fn) | (septets.length === 0 ? 0 : 0x80));
      }
      return septets;
    };
    const arcs = [0n, 127n, 128n, 2n ** 46n - 1n, 2n ** 46n, 2n ** 53n - 1n, 2n ** 53n];
    for (const arc of [...arcs, 2n ** 53n + 1n, 2n ** 60n + 12345n, 2n ** 128n - 1n]) {
      const der = Buffer.from([0x2a, ...septetsOf(arc), ...septetsOf(arc + 1n)]);
      expect(decodeOid(der)).toBe(`1.2.${arc}.${arc + 1n}`);
      // The first two arcs share one: 2.(X - 80) for any X of 80 and above.
      expect(decodeOid(Buffer.from(septetsOf(arc + 80n)))).toBe(`2.${arc}`);
    }
  });

  it('refuses a last arc that is cut off (it used to be dropped)', () => {
    expect(refusal(() => oid('2a 86'))).toBe(
      'it is not valid DER: an object identifier whose last arc is cut off',
    );
  });

  it('refuses an arc padded with a leading 0x80 byte', () => {
    expect(refusal(() => oid('2a 80 01'))).toMatch(/not in its shortest form/);
  });

  it('refuses an empty one', () => {
    expect(refusal(() => oid(''))).toMatch(/empty object identifier/);
  });
});

describe('decodeTime', () => {
  const utc = (text: string) => {
    const der = Buffer.concat([Buffer.from([0x17, text.length]), Buffer.from(text, 'latin1')]);
    return decodeTime(der, readTlv(der, 0));
  };
  const generalized = (text: string) => {
    const der = Buffer.concat([Buffer.from([0x18, text.length]), Buffer.from(text, 'latin1')]);
    return decodeTime(der, readTlv(der, 0));
  };

  it('reads valid dates, leap days included', () => {
    expect(utc('240229235959Z').toISOString()).toBe('2024-02-29T23:59:59.000Z');
    expect(utc('500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(generalized('20000229000000Z').toISOString()).toBe('2000-02-29T00:00:00.000Z');
    expect(generalized('99991231235959Z').toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(generalized('00010101000000Z').toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it.each([
    ['month 13', '251301000000Z'],
    ['month 0', '250001000000Z'],
    ['day 32', '250132000000Z'],
    ['day 0', '250100000000Z'],
    ['31 April', '250431000000Z'],
    ['29 February of a common year', '230229000000Z'],
    ['hour 24', '250101240000Z'],
    ['minute 60', '250101006000Z'],
    ['second 60', '250101000060Z'],
  ])('refuses %s instead of rolling it over', (_label, text) => {
    expect(refusal(() => utc(text))).toBe(`it is not valid DER: an impossible date "${text}"`);
  });

  it('refuses 29 February 1900 (not a leap year) in a GeneralizedTime', () => {
    expect(refusal(() => generalized('19000229000000Z'))).toMatch(/impossible date/);
  });

  it('refuses a date that is not digits', () => {
    expect(refusal(() => utc('25o101000000Z'))).toMatch(/unreadable date/);
  });
});

describe('decodeString', () => {
  const text = (tag: number, content: string) => {
    const bytes = Buffer.concat([Buffer.from([tag, hex(content).length]), hex(content)]);
    return decodeString(bytes, readTlv(bytes, 0));
  };

  it('reads UTF8String, BMPString and UniversalString', () => {
    expect(text(0x0c, 'c3a9')).toBe('é');
    expect(text(0x1e, '00e9 d83d de00')).toBe('é😀');
    expect(text(0x1c, '000000e9 0001f600')).toBe('é😀');
  });

  it('refuses an odd-length BMPString with a typed error (it was a raw RangeError)', () => {
    expect(refusal(() => text(0x1e, '00e900'))).toBe(
      'it is not valid DER: a BMPString of an odd number of bytes',
    );
  });

  it('refuses a UTF8String that is not UTF-8', () => {
    for (const bad of ['41c3', '41ff42', '80', 'c0af', 'eda080']) {
      expect(refusal(() => text(0x0c, bad))).toBe(
        'it is not valid DER: a UTF8String that is not valid UTF-8',
      );
    }
  });

  it('refuses a UniversalString of a length that is not a multiple of four, or a non-character', () => {
    expect(refusal(() => text(0x1c, '000000e900'))).toMatch(/multiple of four/);
    expect(refusal(() => text(0x1c, '00110000'))).toMatch(/not a character/);
  });
});

function integerHex(content: number[]): string {
  const der = Buffer.from([0x02, content.length, ...content]);
  return decodeIntegerHex(der, readTlv(der, 0));
}

describe('decodeIntegerHex', () => {
  it.each([
    [[0x00], '00'],
    [[0x01], '01'],
    [[0x00, 0x80], '80'],
    [[0x12, 0x34], '1234'],
    [[0xff], '-01'],
    [[0x80], '-80'],
    [[0xff, 0x7f], '-81'],
    [[0xed, 0xcc], '-1234'],
    [[0xff, 0x00], '-0100'],
  ])('reads %j as %s', (content, expected) => {
    expect(integerHex(content)).toBe(expected);
  });

  it.each([
    ['no content', []],
    ['a padding 00', [0x00, 0x05]],
    ['a padding ff', [0xff, 0x80]],
  ])('refuses an INTEGER with %s, as OpenSSL does', (_label, content) => {
    expect(refusal(() => integerHex(content))).toMatch(/INTEGER/);
  });
});

describe('a negative serial number', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apns-setup-der-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['-0x1234', '-0x80', '-0x0100'])(
    'is shown as `openssl x509 -serial` shows it (%s)',
    (serial) => {
      const keyPath = join(dir, 'key.pem');
      writeFileSync(keyPath, testKey('leaf').export({ type: 'pkcs8', format: 'pem' }));
      const der = execFileSync('openssl', [
        'req',
        '-x509',
        '-key',
        keyPath,
        '-subj',
        '/CN=negative',
        '-days',
        '1',
        '-set_serial',
        serial,
        '-outform',
        'DER',
      ]);
      const printed = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-serial'], {
        input: der,
      })
        .toString('utf8')
        .trim();
      expect(printed.startsWith('serial=-')).toBe(true);
      expect(parseCertificate(der).serialNumber).toBe(printed.replace(/^serial=/, ''));
    },
  );
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { decodeIntegerHex, readTlv } from '../../src/core/pki/der.js';
import { testKey } from '../helpers/test-ca.js';

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
  ])('reads %j as %s', (content, hex) => {
    expect(integerHex(content)).toBe(hex);
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

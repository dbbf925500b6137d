import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { readPkcs7Certificates } from '../../src/core/pki/pkcs7.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { issueProductionCertificate, issueSandboxCertificate, testCa } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const dir = mkdtempSync(join(tmpdir(), 'apns-setup-p7b-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(input: Uint8Array): { code: string; message: string; hint?: string } {
  try {
    readPkcs7Certificates(input);
  } catch (error) {
    if (!isApnsSetupError(error)) throw error;
    return { code: error.code, message: error.message, hint: error.hint };
  }
  throw new Error('readPkcs7Certificates accepted it');
}

/** A .p7b made by `openssl crl2pkcs7 -nocrl` from the given PEM certificates. */
function p7b(pems: string[], outform: 'DER' | 'PEM'): Buffer {
  const chain = join(dir, 'chain.pem');
  writeFileSync(chain, pems.join(''));
  return execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', chain, '-outform', outform]);
}

describe('readPkcs7Certificates', () => {
  it.skipIf(!hasRealWorld)(
    'reads the BER (indefinite length) .p7b Keychain Access exported',
    () => {
      const bytes = realWorldFile(
        'paubins__pushserver/Apple_Development_IOS_Push_Services__com.paubins.LiveVideoShare.p7b',
      );
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80])); // indefinite length
      const [der, ...rest] = readPkcs7Certificates(bytes);
      expect(rest).toEqual([]);
      const pem = parsePem(
        realWorldFile(
          'paubins__pushserver/Apple_Development_IOS_Push_Services__com.paubins.LiveVideoShare.pem',
        ),
      ).find((block) => block.label === 'CERTIFICATE')!;
      expect(der).toEqual(pem.der);
      expect(parseCertificate(der!).bundleId).toBe('com.paubins.LiveVideoShare');
    },
  );

  it('returns every certificate of an openssl-made bundle, in file order (DER and PEM)', () => {
    const leaf = issueSandboxCertificate({ now });
    const other = issueProductionCertificate({ now });
    const pems = [leaf.certificatePem, other.certificatePem, testCa().certificatePem];
    const expected = [leaf.der, other.der, testCa().der];
    expect(readPkcs7Certificates(p7b(pems, 'DER'))).toEqual(expected);
    const [block] = parsePem(p7b(pems, 'PEM'));
    expect(block!.label).toBe('PKCS7');
    expect(readPkcs7Certificates(block!.der)).toEqual(expected);
  });

  it('returns [] for a SignedData without certificates', () => {
    // SEQUENCE { signedData, [0] { SEQUENCE { 1, SET {}, SEQUENCE { data }, SET {} } } }
    const empty = Buffer.from(
      '3023' +
        '06092a864886f70d010702' +
        'a016' +
        '3014' +
        '020101' +
        '3100' +
        '300b06092a864886f70d010701' +
        '3100',
      'hex',
    );
    expect(readPkcs7Certificates(empty)).toEqual([]);
  });

  it('says what is wrong with an empty, foreign or damaged file', () => {
    expect(failure(new Uint8Array()).code).toBe('FILE_EMPTY');
    expect(failure(issueSandboxCertificate({ now }).der)).toMatchObject({
      code: 'WRONG_KIND',
      message: 'it is not a PKCS#7 certificate bundle (.p7b)',
    });
    const bundle = p7b([issueSandboxCertificate({ now }).certificatePem], 'DER');
    const cut = failure(bundle.subarray(0, bundle.length - 40));
    expect(cut.code).toBe('CORRUPT_FILE');
    expect(cut.hint).toBeTruthy();
    for (let length = 1; length < bundle.length; length += 7) {
      expect(['CORRUPT_FILE', 'WRONG_KIND']).toContain(failure(bundle.subarray(0, length)).code);
    }
  });
});

/**
 * CSRs as Keychain Access makes them, read back both by parseCsr and by walking the DER
 * directly (so a bug shared by writer and reader cannot hide).
 */
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCsr, parseCsr } from '../../src/core/pki/csr.js';
import { childrenOf, contentOf, decodeOid, decodeString, readTlv } from '../../src/core/pki/der.js';
import { publicKeySpkiOf } from '../../src/core/pki/key-match.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { errorOf } from '../helpers/errors.js';

/** The subject as [OID, DER tag, value] triples, in order, straight from the DER. */
function subjectOf(der: Buffer): [string, number, string][] {
  const [cri] = childrenOf(der, readTlv(der, 0));
  const name = childrenOf(der, cri!)[1]!;
  return childrenOf(der, name).flatMap((rdn) =>
    childrenOf(der, rdn).map((atv): [string, number, string] => {
      const [type, value] = childrenOf(der, atv);
      return [decodeOid(contentOf(der, type!)), value!.tag, decodeString(der, value!)];
    }),
  );
}

function signatureAlgorithmOf(der: Buffer): string {
  const [, alg] = childrenOf(der, readTlv(der, 0));
  return decodeOid(contentOf(der, childrenOf(der, alg!)[0]!));
}

let key: KeyObject;

beforeAll(() => {
  key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
});

describe('createCsr', () => {
  it('writes emailAddress, CN and C in Keychain Access’s order and string types', () => {
    const { der, pem } = createCsr({
      key,
      email: 'jane@example.com',
      commonName: 'Jane Doe',
      country: 'us',
    });
    expect(subjectOf(der)).toEqual([
      ['1.2.840.113549.1.9.1', 0x16, 'jane@example.com'], // IA5String
      ['2.5.4.3', 0x0c, 'Jane Doe'], // UTF8String
      ['2.5.4.6', 0x13, 'US'], // PrintableString, upper-cased
    ]);
    expect(signatureAlgorithmOf(der)).toBe('1.2.840.113549.1.1.11'); // sha256WithRSAEncryption
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    expect(parsePem(pem)[0]!.der).toEqual(der);
  });

  it('leaves the country out when none is given', () => {
    const { der } = createCsr({ key, email: 'a@b.co', commonName: 'Push' });
    expect(subjectOf(der).map(([oid]) => oid)).toEqual(['1.2.840.113549.1.9.1', '2.5.4.3']);
  });

  it('keeps a non-ASCII common name intact', () => {
    const { der } = createCsr({ key, email: 'zoe@example.fr', commonName: 'Zoë Dupré ✓' });
    expect(parseCsr(der).subject.commonName).toBe('Zoë Dupré ✓');
  });

  it.each([
    [{ email: 'not-an-email' }, 'USAGE', /is not an email address/],
    [{ email: 'jane@exämple.com' }, 'USAGE', /is not an email address/],
    [{ commonName: '   ' }, 'USAGE', /^the common name is empty$/],
    [
      { commonName: 'x'.repeat(65) },
      'USAGE',
      /^the common name has 65 characters; at most 64 fit$/,
    ],
    [{ country: 'USA' }, 'USAGE', /^"USA" is not a two-letter country code$/],
  ])('refuses %j', (override, code, message) => {
    const error = errorOf(() =>
      createCsr({ key, email: 'jane@example.com', commonName: 'Jane', ...override }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint).toBeTruthy();
  });

  it('accepts a 64-character common name', () => {
    const { der } = createCsr({ key, email: 'a@b.co', commonName: 'x'.repeat(64) });
    expect(parseCsr(der).subject.commonName).toHaveLength(64);
  });

  it('needs an RSA private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(errorOf(() => createCsr({ key: ec, email: 'a@b.co', commonName: 'x' })).message).toBe(
      'a CSR for Apple needs an RSA private key',
    );
  });
});

describe('parseCsr', () => {
  it('reads the subject and public key, and verifies the signature', () => {
    const { der } = createCsr({
      key,
      email: 'jane@example.com',
      commonName: 'Jane Doe',
      country: 'DE',
    });
    expect(parseCsr(der)).toEqual({
      subject: { emailAddress: 'jane@example.com', commonName: 'Jane Doe', country: 'DE' },
      publicKeySpki: publicKeySpkiOf(key),
      signatureValid: true,
    });
  });

  it('notices a changed subject or signature', () => {
    const { der } = createCsr({ key, email: 'jane@example.com', commonName: 'Jane Doe' });
    const renamed = Buffer.from(der);
    const at = renamed.indexOf(Buffer.from('Jane Doe'));
    renamed[at] = 'K'.charCodeAt(0);
    expect(parseCsr(renamed)).toMatchObject({
      subject: { commonName: 'Kane Doe' },
      signatureValid: false,
    });
    const resigned = Buffer.from(der);
    resigned[resigned.length - 1] = resigned[resigned.length - 1]! ^ 1;
    expect(parseCsr(resigned).signatureValid).toBe(false);
  });

  it('calls something else corrupt', () => {
    expect(errorOf(() => parseCsr(Buffer.from('not a csr'))).code).toBe('CORRUPT_FILE');
    expect(errorOf(() => parseCsr(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]))).message).toBe(
      'it is not a valid certificate signing request',
    );
  });
});

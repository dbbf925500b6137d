import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { hasRealWorld, realWorldFile, realWorldPath } from '../helpers/fixtures.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const dir = mkdtempSync(join(tmpdir(), 'apns-setup-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function keyFile(): string {
  const path = join(dir, 'key.pem');
  writeFileSync(path, testKey('leaf').export({ type: 'pkcs8', format: 'pem' }));
  return path;
}

function rfc2253(der: Buffer, which: 'subject' | 'issuer' = 'subject'): string {
  return openssl(['x509', '-inform', 'DER', '-noout', `-${which}`, '-nameopt', 'RFC2253'], der)
    .toString('utf8')
    .replace(new RegExp(`^${which}=`), '')
    .replace(/\n$/, '');
}

function failure(input: Uint8Array): { code: string; message: string; hint: string } {
  try {
    parseCertificate(input);
  } catch (error) {
    if (!isApnsSetupError(error)) throw error;
    return { code: error.code, message: error.message, hint: error.hint ?? '' };
  }
  throw new Error('parseCertificate accepted it');
}

interface Attribute {
  type: string;
  /** forge's valueTagClass: the ASN.1 universal tag of the value. */
  tag: number;
  /** Text for UTF8String and BMPString (forge encodes those), else raw bytes as a binary string. */
  value: string;
}

/** A certificate with an arbitrary subject, signed by forge (one attribute per RDN). */
function certificateWithSubject(attributes: Attribute[]): Buffer {
  const key = testKey('forge');
  const privateKey = forge.pki.privateKeyFromPem(
    key.export({ type: 'pkcs1', format: 'pem' }).toString(),
  ) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2024-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2034-01-01T00:00:00Z');
  // @types/node-forge calls valueTagClass an asn1.Class; forge uses it as the universal tag.
  const attribute = (type: string, value: string, tag: number): forge.pki.CertificateField => ({
    type,
    value,
    valueTagClass: tag as forge.asn1.Class,
  });
  cert.setSubject(attributes.map((a) => attribute(a.type, a.value, a.tag)));
  cert.setIssuer([attribute('2.5.4.3', 'Forge Test', 12)]);
  cert.sign(privateKey, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

const ucs4 = (text: string): string =>
  Buffer.concat(
    [...text].map((c) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(c.codePointAt(0)!);
      return b;
    }),
  ).toString('binary');

describe('parseCertificate', () => {
  it('reads the fields of an issued certificate', () => {
    const issued = issueSandboxCertificate({ now, bundleId: 'com.example.fields' });
    const info = parseCertificate(issued.der);
    const path = join(dir, 'fields.pem');
    writeFileSync(path, issued.certificatePem);
    const fingerprint = (alg: string): string =>
      openssl(['x509', '-in', path, '-noout', '-fingerprint', `-${alg}`])
        .toString()
        .replace(/^.*=|:|\n/g, '');
    expect(info.sha1).toBe(fingerprint('sha1'));
    expect(info.sha256).toBe(fingerprint('sha256'));
    expect(info.sha256).toBe(createHash('sha256').update(issued.der).digest('hex').toUpperCase());
    expect(`serial=${info.serialNumber}\n`).toBe(
      openssl(['x509', '-in', path, '-noout', '-serial']).toString(),
    );
    expect(info.der).toEqual(issued.der);
    expect(info.publicKeySpki).toEqual(
      createPublicKey(testKey('leaf')).export({ type: 'spki', format: 'der' }),
    );
    expect(info.subject).toMatchObject({
      userId: 'com.example.fields',
      commonName: 'Apple Development IOS Push Services: com.example.fields',
      organizationalUnit: 'A1B2C3D4E5',
      organization: 'Example Team',
      country: 'US',
      emailAddress: null,
    });
    expect(info.issuer.userId).toBeNull();
    expect(info.issuer.organizationalUnit).toBe('G4');
  });

  it('prints escapes, non-ASCII text and unusual string types exactly as openssl does', () => {
    const der = certificateWithSubject([
      { type: '2.5.4.3', tag: 12, value: 'Ünïcødé, "quoted" <a>;b+c\\d=e' },
      { type: '2.5.4.11', tag: 12, value: '#hash ' },
      { type: '2.5.4.11', tag: 12, value: 'second OU' },
      { type: '2.5.4.10', tag: 12, value: ' leading and trailing ' },
      { type: '2.5.4.7', tag: 20, value: 'K\xf6ln' }, // T61String, Latin-1 bytes
      { type: '2.5.4.8', tag: 30, value: '東京 Tōkyō' }, // BMPString
      { type: '2.5.4.9', tag: 28, value: ucs4('Ωmega 😀') }, // UniversalString
      { type: '0.9.2342.19200300.100.1.1', tag: 22, value: 'com.example.ia5' },
      { type: '1.2.840.113549.1.9.1', tag: 22, value: 'dev@example.com' },
      { type: '2.5.4.13', tag: 12, value: 'tab\there, line\nfeed, del\x7f' },
      { type: '2.5.4.12', tag: 3, value: '\x00ab' }, // BIT STRING: not a string type
      { type: '1.2.3.4', tag: 12, value: 'unknown attribute' },
      { type: '2.5.4.5', tag: 19, value: '' },
      { type: '2.5.4.3', tag: 12, value: 'second CN' },
    ]);
    const info = parseCertificate(der);
    expect(info.subject.rfc2253).toBe(rfc2253(der));
    expect(info.subject).toMatchObject({
      commonName: 'Ünïcødé, "quoted" <a>;b+c\\d=e',
      organizationalUnit: '#hash ',
      organization: ' leading and trailing ',
      userId: 'com.example.ia5',
      emailAddress: 'dev@example.com',
    });
  });

  it('knows each attribute name openssl prints (and dumps the rest as #hex like it does)', () => {
    // prettier-ignore
    const oids = [
      '2.5.4.3', '2.5.4.4', '2.5.4.5', '2.5.4.6', '2.5.4.7', '2.5.4.8', '2.5.4.9', '2.5.4.10',
      '2.5.4.11', '2.5.4.12', '2.5.4.13', '2.5.4.15', '2.5.4.16', '2.5.4.17', '2.5.4.18',
      '2.5.4.20', '2.5.4.41', '2.5.4.42', '2.5.4.43', '2.5.4.44', '2.5.4.45', '2.5.4.46',
      '2.5.4.65', '2.5.4.72', '2.5.4.97', '0.9.2342.19200300.100.1.1',
      '0.9.2342.19200300.100.1.3', '0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1',
      '1.2.840.113549.1.9.2', '1.2.840.113549.1.9.8', '1.3.6.1.4.1.311.60.2.1.1',
      '1.3.6.1.4.1.311.60.2.1.2', '1.3.6.1.4.1.311.60.2.1.3', '1.3.6.1.4.1.99999.1',
    ];
    const der = certificateWithSubject(oids.map((type) => ({ type, tag: 12, value: 'v' })));
    const printed = parseCertificate(der).subject.rfc2253;
    expect(printed).toBe(rfc2253(der));
    expect(printed).toContain('1.3.6.1.4.1.99999.1=#0C0176');
  });

  it('prints a value with nothing to escape as it is, and escapes the rest, as openssl does', () => {
    const values = [
      'plain value',
      '#start',
      ' lead',
      'trail ',
      'mid#dle and mid space',
      'comma,plus+quote"back\\lt<gt>semi;',
      'tab\tcontrol',
      'del\u007f',
      '',
      forge.util.encodeUtf8('Köln'),
    ];
    const types = ['2.5.4.3', '2.5.4.10', '2.5.4.11', '2.5.4.7', '2.5.4.8', '2.5.4.9'].concat(
      '2.5.4.12',
      '2.5.4.13',
      '2.5.4.41',
      '2.5.4.42',
    );
    const der = certificateWithSubject(
      values.map((value, i) => ({ type: types[i]!, tag: 12, value })),
    );
    const printed = parseCertificate(der).subject.rfc2253;
    expect(printed).toBe(rfc2253(der));
    expect(printed).toContain('CN=plain value');
    expect(printed).toContain('O=\\#start');
    expect(printed).toContain('ST=mid#dle and mid space');
  });

  it('joins the values of a multi-valued RDN with + in openssl order', () => {
    const path = join(dir, 'multi.pem');
    openssl(
      ['req', '-new', '-x509', '-key', keyFile(), '-out', path, '-days', '1', '-utf8'].concat([
        '-multivalue-rdn',
        '-subj',
        '/CN=Multi/L=Köln+ST=NRW+O=Org \\+ Co/C=DE',
      ]),
    );
    const der = openssl(['x509', '-in', path, '-outform', 'DER']);
    const info = parseCertificate(der);
    expect(info.subject.rfc2253).toBe(rfc2253(der));
    expect(info.subject.rfc2253).toContain('+');
    expect(info.selfIssued).toBe(true);
  });

  it.skipIf(!hasRealWorld)('reads the validity, serial and issuer of a real Apple .cer', () => {
    const path = 'fastlane__fastlane/aps_development.cer';
    const info = parseCertificate(realWorldFile(path));
    const dates = openssl(
      ['x509', '-inform', 'DER', '-in', realWorldPath(path), '-noout'].concat([
        '-serial',
        '-startdate',
        '-enddate',
      ]),
    ).toString();
    expect(dates).toBe(
      'serial=1535888DAEE14AF6\nnotBefore=Jan 20 04:31:40 2015 GMT\nnotAfter=Jan 20 04:31:40 2016 GMT\n',
    );
    expect(info.serialNumber).toBe('1535888DAEE14AF6');
    expect(info.notBefore.toISOString()).toBe('2015-01-20T04:31:40.000Z');
    expect(info.notAfter.toISOString()).toBe('2016-01-20T04:31:40.000Z');
    expect(info.issuer).toMatchObject({
      commonName: 'Apple Worldwide Developer Relations Certification Authority',
      organizationalUnit: 'Apple Worldwide Developer Relations',
      organization: 'Apple Inc.',
      country: 'US',
    });
    expect(info.selfIssued).toBe(false);
  });
});

describe('parseCertificate on things that are not a certificate', () => {
  const good = (): Buffer => issueSandboxCertificate({ now }).der;

  it('says an empty input is empty', () => {
    expect(failure(new Uint8Array())).toMatchObject({ code: 'FILE_EMPTY', message: 'it is empty' });
  });

  it('says a certificate cut in half is cut short', () => {
    const der = good();
    const cut = failure(der.subarray(0, der.length >> 1));
    expect(cut.code).toBe('CORRUPT_FILE');
    expect(cut.message).toMatch(
      /^it is not valid DER: it is \d+ bytes shorter than its own length field says \(cut short\?\)$/,
    );
    expect(cut.hint).toMatch(/download or export it again/);
  });

  it('rejects random bytes as CORRUPT_FILE', () => {
    let seed = Buffer.from('apns-setup');
    for (let i = 0; i < 50; i++) {
      seed = createHash('sha512').update(seed).digest();
      const bytes = i % 2 ? seed : Buffer.concat([Buffer.from([0x30, 0x3e]), seed.subarray(2)]);
      const error = failure(bytes);
      expect(error.code).toBe('CORRUPT_FILE');
      expect(error.hint).not.toBe('');
    }
  });

  it('names a CSR, keys, a public key and a .p12 for what they are (WRONG_KIND)', () => {
    const key = testKey('leaf');
    const csrPem = openssl([
      'req',
      '-new',
      '-key',
      keyFile(),
      '-subj',
      '/CN=Push CSR/emailAddress=dev@example.com',
    ]);
    const csr = openssl(['req', '-outform', 'DER'], csrPem);
    expect(failure(csr)).toMatchObject({
      code: 'WRONG_KIND',
      message: 'it is a certificate signing request (CSR), not a certificate',
    });
    expect(failure(key.export({ type: 'pkcs8', format: 'der' })).message).toBe(
      'it is a private key (PKCS#8), not a certificate',
    );
    expect(failure(key.export({ type: 'pkcs1', format: 'der' })).message).toBe(
      'it is an RSA private key (PKCS#1), not a certificate',
    );
    const encrypted = key.export({
      type: 'pkcs8',
      format: 'der',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    });
    expect(failure(encrypted).message).toBe(
      'it is an encrypted private key (PKCS#8), not a certificate',
    );
    expect(failure(createPublicKey(key).export({ type: 'spki', format: 'der' })).message).toBe(
      'it is a public key, not a certificate',
    );
    const certificate = join(dir, 'p12-cert.pem');
    writeFileSync(certificate, issueSandboxCertificate({ now }).certificatePem);
    const p12 = openssl([
      'pkcs12',
      '-export',
      '-in',
      certificate,
      '-inkey',
      keyFile(),
      '-passout',
      'pass:pw',
    ]);
    expect(failure(p12)).toMatchObject({
      code: 'WRONG_KIND',
      message: 'it is a PKCS#12 (.p12) file, not a certificate',
    });
    const pem = Buffer.from(issueSandboxCertificate({ now }).certificatePem);
    expect(failure(pem)).toMatchObject({ code: 'WRONG_KIND' });
    for (const input of [csr, encrypted, p12, pem]) expect(failure(input).hint).not.toBe('');
  });

  it('never throws anything but a typed error on a damaged certificate', () => {
    const der = good();
    for (let length = 0; length < der.length; length += 3) {
      expect(['FILE_EMPTY', 'CORRUPT_FILE', 'WRONG_KIND']).toContain(
        failure(der.subarray(0, length)).code,
      );
    }
    for (let i = 0; i < der.length; i += 5) {
      const damaged = Buffer.from(der);
      damaged[i] = damaged[i]! ^ 0xa5;
      try {
        parseCertificate(damaged);
      } catch (error) {
        expect(isApnsSetupError(error), `byte ${i}: ${String(error)}`).toBe(true);
      }
    }
  });
});

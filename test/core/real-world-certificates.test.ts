import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { readPkcs7Certificates } from '../../src/core/pki/pkcs7.js';
import { looksLikePemText } from '../../src/core/pki/text.js';
import type { CertificateInfo } from '../../src/core/pki/types.js';
import {
  hasRealWorld,
  loadExpected,
  realWorldFile,
  realWorldPath,
  type ExpectedFile,
} from '../helpers/fixtures.js';

const CERTIFICATE_KINDS = new Set(['certificate', 'pem-bundle', 'pkcs7']);

function certificatesOf(file: ExpectedFile): CertificateInfo[] {
  const bytes = realWorldFile(file.path);
  if (file.kind === 'pkcs7') return readPkcs7Certificates(bytes).map(parseCertificate);
  if (looksLikePemText(bytes)) {
    return parsePem(bytes)
      .filter((block) => block.label === 'CERTIFICATE')
      .map((block) => parseCertificate(block.der));
  }
  return [parseCertificate(bytes)];
}

/** expected.json writes dates as openssl prints them, to the second. */
function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe.skipIf(!hasRealWorld)('every certificate in the real-world corpus', () => {
  const files = hasRealWorld
    ? loadExpected().files.filter((file) => CERTIFICATE_KINDS.has(file.kind))
    : [];

  it('covers the corpus (certificates, bundles and the .p7b)', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(files.some((file) => file.kind === 'pkcs7')).toBe(true);
  });

  it.each(files.map((file) => [file.path, file] as const))('%s', (_path, file) => {
    const parsed = certificatesOf(file);
    expect(parsed.map((c) => c.sha256).sort()).toEqual(
      file.certificates.map((c) => c.sha256).sort(),
    );
    for (const expected of file.certificates) {
      const certificate = parsed.find((c) => c.sha256 === expected.sha256)!;
      expect({
        subject: certificate.subject.rfc2253,
        bundleId: certificate.bundleId,
        teamId: certificate.teamId,
        environments: certificate.environments,
        topics: certificate.topics,
        notBefore: iso(certificate.notBefore),
        notAfter: iso(certificate.notAfter),
        sha1: certificate.sha1,
        sha256: certificate.sha256,
      }).toEqual({
        subject: expected.subject,
        bundleId: expected.bundleId,
        teamId: expected.teamId,
        environments: expected.environments,
        topics: expected.topics,
        notBefore: expected.notBefore,
        notAfter: expected.notAfter,
        sha1: expected.sha1,
        sha256: expected.sha256,
      });
    }
    const leaf = parsed.find((c) => c.sha256 === file.certificates[0]!.sha256)!;
    expect(leaf.isApns).toBe(file.isApnsCertificate);
  });

  it('ignores the bytes after the DER in the three Apple CA files that carry some', () => {
    const withTail = files.filter((file) => file.note === 'trailing bytes after DER');
    expect(withTail.map((file) => file.path).sort()).toEqual([
      'apple-ca/AppleAAICA.cer',
      'apple-ca/AppleISTCA8G1.cer',
      'apple-ca/AppleTimestampCA.cer',
    ]);
    for (const file of withTail) {
      const bytes = realWorldFile(file.path);
      const certificate = parseCertificate(bytes);
      expect(certificate.der.length).toBeLessThan(bytes.length);
      const openssl = execFileSync('openssl', [
        'x509',
        '-inform',
        'DER',
        '-in',
        realWorldPath(file.path),
        '-outform',
        'DER',
      ]);
      expect(certificate.der.equals(openssl)).toBe(true);
    }
  });

  it('prints every issuer as openssl -nameopt RFC2253 does', () => {
    const derFiles = files.filter(
      (file) => file.kind === 'certificate' && !looksLikePemText(realWorldFile(file.path)),
    );
    expect(derFiles.length).toBeGreaterThan(25);
    for (const file of derFiles) {
      const issuer = execFileSync(
        'openssl',
        ['x509', '-inform', 'DER', '-in', realWorldPath(file.path), '-noout', '-issuer'].concat([
          '-nameopt',
          'RFC2253',
        ]),
        { encoding: 'utf8' },
      ).replace(/^issuer=|\n$/g, '');
      expect(parseCertificate(realWorldFile(file.path)).issuer.rfc2253, file.path).toBe(issuer);
    }
  });

  it('reads EC certificates (Apple Root CA - G3 and the G3-issued CAs)', () => {
    const g3 = parseCertificate(realWorldFile('apple-ca/AppleRootCA-G3.cer'));
    expect(g3.selfIssued).toBe(true);
    expect(g3.subject.commonName).toBe('Apple Root CA - G3');
    const spki = execFileSync('sh', [
      '-c',
      `openssl x509 -inform DER -in '${realWorldPath('apple-ca/AppleRootCA-G3.cer')}' -noout -pubkey | openssl pkey -pubin -outform DER`,
    ]);
    expect(g3.publicKeySpki.equals(spki)).toBe(true);
  });
});

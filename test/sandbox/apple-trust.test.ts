/** The Apple CA certificates shipped for the sandbox: the right ones, intact, and enough. */
import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { APPLE_CA_FILES, readAppleCaCertificates } from '../../src/sandbox/apple-trust.js';
import { hasRealWorld, realWorldFile, repoRoot } from '../helpers/fixtures.js';

const certificates = await readAppleCaCertificates();
const x509s = certificates.map((pem) => new X509Certificate(pem));
const byName = new Map(APPLE_CA_FILES.map((name, i) => [name, x509s[i]!]));
const roots = x509s.filter((c) => c.subject === c.issuer);

describe("Apple's CA certificates in templates/apple-ca", () => {
  it('are exactly the files the sandbox loads (plus the README)', () => {
    expect(readdirSync(join(repoRoot, 'templates', 'apple-ca')).sort()).toEqual(
      [...APPLE_CA_FILES, 'README.md'].sort(),
    );
  });

  it('are CA certificates, one per file', () => {
    for (const pem of certificates) expect(parsePem(pem)).toHaveLength(1);
    expect(x509s.every((c) => c.ca)).toBe(true);
  });

  it("hold Apple's roots, with the fingerprints Apple publishes", () => {
    // https://www.apple.com/certificateauthority/ lists these SHA-256 fingerprints.
    expect(byName.get('AppleIncRootCertificate.pem')!.fingerprint256).toBe(
      'B0:B1:73:0E:CB:C7:FF:45:05:14:2C:49:F1:29:5E:6E:DA:6B:CA:ED:7E:2C:68:C5:BE:91:B5:A1:10:01:F0:24',
    );
    expect(byName.get('AppleRootCA-G3.pem')!.fingerprint256).toBe(
      '63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79',
    );
    expect(roots).toHaveLength(2);
  });

  it('hold WWDR intermediates that each chain to a shipped root', () => {
    const intermediates = x509s.filter((c) => c.subject !== c.issuer);
    expect(intermediates).toHaveLength(8);
    for (const intermediate of intermediates) {
      expect(intermediate.subject).toMatch(/Apple Worldwide Developer Relations/);
      const root = roots.find((r) => intermediate.checkIssued(r));
      expect(root && intermediate.verify(root.publicKey)).toBe(true);
    }
  });
});

describe.skipIf(!hasRealWorld)('compared with the real-world corpus', () => {
  it('are the DER of the Apple CA files, converted to PEM and nothing else', () => {
    const source: Record<string, string> = {
      'AppleIncRootCertificate.pem': 'AppleIncRootCertificate.cer',
      'AppleRootCA-G3.pem': 'AppleRootCA-G3.cer',
      'AppleWWDRCA.pem': 'AppleWWDRCA.cer',
    };
    APPLE_CA_FILES.forEach((name, i) => {
      const cer = source[name] ?? name.replace(/\.pem$/, '.cer');
      const original = parseCertificate(realWorldFile(`apple-ca/${cer}`)).der;
      expect(x509s[i]!.raw.equals(original)).toBe(true);
    });
  });

  it.each([
    ['paubins__pushserver/aps.cer', 'AppleWWDRCA.pem'],
    ['STOmaha__Time-to-Burn/aps.cer', 'AppleWWDRCAG4.pem'],
  ])('let the sandbox verify %s, an Apple push certificate (issuer %s)', (file, issuer) => {
    const leaf = new X509Certificate(realWorldFile(file));
    const wwdr = byName.get(issuer as (typeof APPLE_CA_FILES)[number])!;
    expect(leaf.checkIssued(wwdr)).toBe(true);
    expect(leaf.verify(wwdr.publicKey)).toBe(true);
  });
});

/** The local stand-in for Apple's portal: a CSR in, a certificate laid out as Apple's out. */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCertificateExtensions } from '../../src/core/pki/certificate.js';
import { createCsr } from '../../src/core/pki/csr.js';
import { isApnsSetupError } from '../../src/core/errors.js';
import { createPortalCa, PORTAL_CA_NAME, signCsrAsApple } from '../../src/sandbox/portal.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { hasOpenssl3, opensslOk } from '../helpers/openssl.js';
import { testKey } from '../helpers/test-ca.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const portalCa = createPortalCa({ key: testKey('portal'), now: NOW, serialNumber: '0a0b' });
const csr = createCsr({ key: testKey('leaf'), email: 'dev@example.com', commonName: 'My Push' });

const sign = (overrides: Partial<Parameters<typeof signCsrAsApple>[0]> = {}) =>
  signCsrAsApple({
    portalCa,
    csrDer: csr.der,
    bundleId: 'com.example.app',
    teamId: 'ABCDE12345',
    teamName: 'Example Ltd',
    type: 'universal',
    now: NOW,
    serialNumber: '7c517f703a8dbc62',
    ...overrides,
  });

describe('createPortalCa', () => {
  it('is a CA named so nobody takes it for Apple', () => {
    const x509 = new X509Certificate(portalCa.certificatePem);
    expect(x509.ca).toBe(true);
    expect(portalCa.certificate.subject.commonName).toBe(PORTAL_CA_NAME);
    expect(PORTAL_CA_NAME).toMatch(/NOT Apple/);
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
  });
});

describe('signCsrAsApple', () => {
  it("issues a certificate for the CSR's key, as Apple's portal lays it out", () => {
    const issued = sign();
    const info = issued.certificate;
    expect(info.subject.rfc2253).toBe(
      'C=US,O=Example Ltd,OU=ABCDE12345,CN=Apple Push Services: com.example.app,UID=com.example.app',
    );
    expect(info.bundleId).toBe('com.example.app');
    expect(info.teamId).toBe('ABCDE12345');
    expect(info.environments).toEqual(['sandbox', 'production']);
    expect(info.topics).toEqual([
      'com.example.app',
      'com.example.app.voip',
      'com.example.app.complication',
      'com.example.app.voip-ptt',
    ]);
    expect(info.serialNumber).toBe('7C517F703A8DBC62');
    expect(info.notBefore.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    // 395 days, as Apple's: 2025-07-22 → 2026-08-21.
    expect(info.notAfter.toISOString()).toBe('2027-12-28T12:00:00.000Z');
    const x509 = new X509Certificate(issued.der);
    expect(x509.checkPrivateKey(testKey('leaf'))).toBe(true);
    expect(x509.verify(new X509Certificate(portalCa.certificatePem).publicKey)).toBe(true);
  });

  it('takes the CSR as PEM text too', () => {
    const issued = sign({ csrDer: Buffer.from(csr.pem) });
    expect(issued.certificate.publicKeySpki.equals(sign().certificate.publicKeySpki)).toBe(true);
  });

  it('issues sandbox-only and production-only certificates', () => {
    expect(sign({ type: 'development' }).certificate.environments).toEqual(['sandbox']);
    expect(sign({ type: 'production' }).certificate.environments).toEqual(['production']);
  });

  it('refuses a CSR whose signature does not verify', () => {
    const tampered = Buffer.from(csr.der);
    tampered[tampered.length - 1]! ^= 0xff;
    let error: unknown = null;
    try {
      sign({ csrDer: tampered });
    } catch (e) {
      error = e;
    }
    expect(isApnsSetupError(error) && error.message).toBe(
      'the CSR is not signed by the key it holds',
    );
  });

  it('refuses what is not a CSR', () => {
    expect(() => sign({ csrDer: Buffer.from(portalCa.certificatePem) })).toThrow(
      /no CERTIFICATE REQUEST block/,
    );
  });

  it.skipIf(!hasOpenssl3)('refuses a CSR with an EC key, as Apple takes RSA', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const dir = mkdtempSync(join(tmpdir(), 'apns-setup-portal-'));
    try {
      const keyPath = join(dir, 'ec.pem');
      writeFileSync(keyPath, ec.export({ type: 'pkcs8', format: 'pem' }));
      const { stdout } = await opensslOk(['req', '-new', '-key', keyPath, '-subj', '/CN=x']);
      expect(() => sign({ csrDer: Buffer.from(stdout) })).toThrow(
        "the CSR's key is EC; Apple's portal takes RSA keys for push certificates",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasRealWorld)("compared with Apple's own certificate", () => {
  it("has the extensions of STOmaha's WWDR G4 universal certificate, in the same order", () => {
    const apple = readCertificateExtensions(realWorldFile('STOmaha__Time-to-Burn/aps.cer'));
    const ours = readCertificateExtensions(sign().der);
    const shape = (list: typeof ours) => list.map((e) => [e.oid, e.critical]);
    // Apple's also carry AIA and CRL distribution points, which nothing here would serve.
    const served = shape(apple).filter(
      ([oid]) => oid !== '1.3.6.1.5.5.7.1.1' && oid !== '2.5.29.31',
    );
    expect(shape(ours)).toEqual(served);
  });
});

import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyCertificate } from '../../src/core/apns/classify.js';
import { APPLE_OID } from '../../src/core/apns/oids.js';
import { isApnsSetupError } from '../../src/core/errors.js';
import { parseCertificate, readCertificateExtensions } from '../../src/core/pki/certificate.js';
import {
  createCertificateAuthority,
  issueApnsCertificate,
  type ApnsCertificateKind,
} from '../../src/core/pki/issue-certificate.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import {
  issueTestCertificate,
  issueTestServerCertificate,
  issueUniversalCertificate,
  testCa,
  testKey,
} from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();
const DAY = 24 * 60 * 60 * 1000;

const dir = mkdtempSync(join(tmpdir(), 'apns-setup-issue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, contents: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function thrown(fn: () => unknown): { code: string; message: string; hint: string | undefined } {
  try {
    fn();
  } catch (error) {
    if (!isApnsSetupError(error)) throw error;
    return { code: error.code, message: error.message, hint: error.hint };
  }
  throw new Error('expected an error');
}

const caFile = (): string => file('ca.pem', testCa().certificatePem);

describe('the test CA', () => {
  it('is a self-signed CA certificate openssl accepts', () => {
    const ca = testCa();
    expect(ca.certificate.selfIssued).toBe(true);
    expect(ca.certificate.subject.rfc2253).toBe(
      'C=US,O=apns-setup tests,OU=G4,CN=apns-setup Test Worldwide Developer Relations CA',
    );
    const text = openssl('x509', '-in', caFile(), '-noout', '-text');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(openssl('verify', '-CAfile', caFile(), caFile())).toContain('OK');
  });
});

describe('issueApnsCertificate', () => {
  const cases: {
    type: ApnsCertificateKind;
    cn: string;
    oids: string[];
    environments: string[];
  }[] = [
    {
      type: 'development',
      cn: 'Apple Development IOS Push Services: ',
      oids: [APPLE_OID.apnsSandbox],
      environments: ['sandbox'],
    },
    {
      type: 'production',
      cn: 'Apple Production IOS Push Services: ',
      oids: [APPLE_OID.apnsProduction],
      environments: ['production'],
    },
    {
      type: 'universal',
      cn: 'Apple Push Services: ',
      oids: [APPLE_OID.apnsTopics, APPLE_OID.apnsSandbox, APPLE_OID.apnsProduction],
      environments: ['sandbox', 'production'],
    },
    {
      type: 'voip',
      cn: 'VoIP Services: ',
      oids: [APPLE_OID.apnsSandbox, APPLE_OID.apnsProduction, APPLE_OID.voipTopics],
      environments: ['sandbox', 'production'],
    },
    {
      type: 'website',
      cn: 'Website Push ID: ',
      oids: [APPLE_OID.websitePushId, APPLE_OID.apnsProduction],
      environments: ['production'],
    },
    {
      type: 'pass',
      cn: 'Pass Type ID: ',
      oids: [APPLE_OID.passTypeId, APPLE_OID.apnsProduction],
      environments: ['production'],
    },
  ];

  it.each(cases)(
    '$type: openssl verifies it, and it reads back as $type',
    ({ type, cn, oids, environments }) => {
      const issued = issueTestCertificate(type, {
        now,
        bundleId: 'com.example.push',
        teamId: 'A1B2C3D4E5',
        teamName: 'Example Team, Inc.',
      });
      const leaf = file(`${type}.pem`, issued.certificatePem);
      expect(openssl('verify', '-CAfile', caFile(), leaf).trim()).toBe(`${leaf}: OK`);

      // Subject order UID, CN, OU, O, C, so RFC 2253 (reversed) starts with C.
      const subject = openssl('x509', '-in', leaf, '-noout', '-subject', '-nameopt', 'RFC2253');
      expect(subject.trim()).toBe(
        `subject=C=US,O=Example Team\\, Inc.,OU=A1B2C3D4E5,CN=${cn}com.example.push,UID=com.example.push`,
      );
      const text = openssl('x509', '-in', leaf, '-noout', '-text');
      for (const oid of oids) expect(text).toContain(`${oid}:`);
      expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
      expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);

      const certificate = parseCertificate(issued.der);
      expect(certificate).toMatchObject({
        type,
        environments,
        bundleId: 'com.example.push',
        teamId: 'A1B2C3D4E5',
        isApns: true,
        selfIssued: false,
      });
      expect(certificate.subject.organization).toBe('Example Team, Inc.');
      expect(certificate.subject.rfc2253).toBe(subject.trim().replace(/^subject=/, ''));
      expect(certificate.issuer.rfc2253).toBe(testCa().certificate.subject.rfc2253);
      expect(certificate.publicKeySpki).toEqual(
        createPublicKey(testKey('leaf')).export({ type: 'spki', format: 'der' }),
      );
    },
  );

  it('gives a universal certificate the four topics WWDR G4 writes, with their types', () => {
    const issued = issueUniversalCertificate({ now, bundleId: 'com.example.app' });
    expect(issued.certificate.topics).toEqual([
      'com.example.app',
      'com.example.app.voip',
      'com.example.app.complication',
      'com.example.app.voip-ptt',
    ]);
    const { topicEntries } = classifyCertificate(readCertificateExtensions(issued.der));
    expect(topicEntries.map((entry) => entry.kind)).toEqual([
      'topic',
      'voip',
      'complication',
      '.voip-ptt',
    ]);
  });

  it('writes given topics, and a VoIP certificate lists its .voip topic', () => {
    const dev = issueTestCertificate('development', {
      now,
      bundleId: 'com.example.app',
      topics: [{ topic: 'com.example.app', kind: 'app' }],
    });
    expect(dev.certificate.topics).toEqual(['com.example.app']);
    expect(dev.certificate.type).toBe('development');
    const voip = issueTestCertificate('voip', { now, bundleId: 'com.example.app' });
    expect(voip.certificate.topics).toEqual(['com.example.app.voip']);
  });

  it.skipIf(!hasRealWorld)(
    "lays out extensions as Apple's WWDR G4 certificate does (STOmaha aps.cer)",
    () => {
      const apple = readCertificateExtensions(realWorldFile('STOmaha__Time-to-Burn/aps.cer'));
      const ours = readCertificateExtensions(
        issueUniversalCertificate({ now, bundleId: 'Time-to-Burn.Time-to-Burn' }).der,
      );
      const AIA = '1.3.6.1.5.5.7.1.1';
      const CRL_DP = '2.5.29.31';
      const layout = (list: typeof apple): [string, boolean][] =>
        list.filter((e) => e.oid !== AIA && e.oid !== CRL_DP).map((e) => [e.oid, e.critical]);
      expect(layout(ours)).toEqual(layout(apple));

      const value = (list: typeof apple, oid: string): Buffer =>
        list.find((e) => e.oid === oid)!.value;
      for (const oid of [
        APPLE_OID.apnsTopics,
        APPLE_OID.apnsSandbox,
        APPLE_OID.apnsProduction,
        '2.5.29.19', // basicConstraints
        '2.5.29.15', // keyUsage
        '2.5.29.37', // extKeyUsage
      ]) {
        expect(value(ours, oid).toString('hex'), oid).toBe(value(apple, oid).toString('hex'));
      }
    },
  );

  it('pads a serial whose top bit is set, and writes GeneralizedTime from 2050', () => {
    const issued = issueApnsCertificate({
      ca: { key: testCa().key, certificatePem: testCa().certificatePem },
      publicKey: createPublicKey(testKey('leaf')).export({ type: 'spki', format: 'der' }),
      bundleId: 'com.example.far',
      teamId: 'A1B2C3D4E5',
      teamName: 'Example',
      type: 'production',
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter: new Date('2051-06-01T12:00:00Z'),
      serialNumber: '8f00',
    });
    expect(issued.certificate.serialNumber).toBe('8F00');
    expect(issued.certificate.notBefore.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(issued.certificate.notAfter.toISOString()).toBe('2051-06-01T12:00:00.000Z');
    const leaf = file('far.pem', issued.certificatePem);
    expect(openssl('x509', '-in', leaf, '-noout', '-serial', '-enddate')).toBe(
      'serial=8F00\nnotAfter=Jun  1 12:00:00 2051 GMT\n',
    );
  });

  it('signs with an EC CA key too', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const ca = createCertificateAuthority({
      commonName: 'EC Test CA',
      key,
      notBefore: new Date(now.getTime() - 365 * DAY),
      notAfter: new Date(now.getTime() + 10 * 365 * DAY),
      serialNumber: '02',
    });
    const leaf = issueApnsCertificate({
      ca: { key, certificatePem: ca.certificatePem },
      publicKey: testKey('leaf'),
      bundleId: 'com.example.ec',
      teamId: 'A1B2C3D4E5',
      teamName: 'Example',
      type: 'development',
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 365 * DAY),
      serialNumber: '03',
    });
    const caPath = file('ec-ca.pem', ca.certificatePem);
    const leafPath = file('ec-leaf.pem', leaf.certificatePem);
    expect(openssl('verify', '-CAfile', caPath, leafPath).trim()).toBe(`${leafPath}: OK`);
    expect(openssl('x509', '-in', leafPath, '-noout', '-text')).toContain(
      'Signature Algorithm: ecdsa-with-SHA256',
    );
  });

  it('refuses a CA key that is not the CA certificate key, and impossible dates or serials', () => {
    const base = {
      ca: { key: testKey('other'), certificatePem: testCa().certificatePem },
      publicKey: testKey('leaf'),
      bundleId: 'com.example.push',
      teamId: 'A1B2C3D4E5',
      teamName: 'Example',
      type: 'development' as const,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
      serialNumber: '01',
    };
    expect(thrown(() => issueApnsCertificate(base)).code).toBe('KEY_MISMATCH');
    const ca = { key: testCa().key, certificatePem: testCa().certificatePem };
    const backwards = thrown(() =>
      issueApnsCertificate({ ...base, ca, notAfter: new Date('2023-01-01T00:00:00Z') }),
    );
    expect(backwards).toMatchObject({
      code: 'USAGE',
      message: 'notBefore must be earlier than notAfter',
    });
    expect(thrown(() => issueApnsCertificate({ ...base, ca, serialNumber: 'xyz' })).code).toBe(
      'USAGE',
    );
    expect(thrown(() => issueApnsCertificate({ ...base, ca, serialNumber: '00' })).code).toBe(
      'USAGE',
    );
    expect(thrown(() => issueApnsCertificate({ ...base, ca, bundleId: ' ' })).hint).toBeTruthy();
  });
});

describe('issueServerCertificate', () => {
  it('is a TLS server certificate for the names and addresses given', () => {
    const server = issueTestServerCertificate(
      now,
      ['localhost', 'apns.test'],
      ['127.0.0.1', '::1'],
    );
    const path = file('server.pem', server.certificatePem);
    expect(openssl('verify', '-CAfile', caFile(), '-purpose', 'sslserver', path).trim()).toBe(
      `${path}: OK`,
    );
    const text = openssl('x509', '-in', path, '-noout', '-text');
    expect(text).toContain(
      'DNS:localhost, DNS:apns.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(server.certificate.subject.commonName).toBe('localhost');
  });

  it('lets Node complete a mutual-TLS handshake with an issued push certificate', async () => {
    const server = issueTestServerCertificate(now);
    const client = issueUniversalCertificate({ now });
    const ca = testCa().certificatePem;
    const tlsServer = createServer({
      cert: server.certificatePem,
      key: server.key.export({ type: 'pkcs8', format: 'pem' }),
      ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const peer = new Promise<string | undefined>((resolve) => {
      tlsServer.on('secureConnection', (socket: TLSSocket) => {
        resolve(socket.getPeerCertificate().subject?.UID as string | undefined);
        socket.end();
      });
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const address = tlsServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      cert: client.certificatePem,
      key: client.key.export({ type: 'pkcs8', format: 'pem' }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    expect(await peer).toBe('com.example.push');
    socket.destroy();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });
});

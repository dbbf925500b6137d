/**
 * A test CA and APNs-style certificates issued by it, with RSA 2048 keys generated once per
 * process (key generation is the slow part).
 *
 * One clock per test: every leaf is issued relative to the `now` its caller passes (valid from a
 * day before it, for a year, unless dates are given). A test that fixes "now" passes that date; a
 * test whose certificates meet a TLS stack or a spawned CLI (which read the real clock) passes
 * `new Date()`. The CA itself is valid for every date a test can meet.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import {
  createCertificateAuthority,
  issueApnsCertificate,
  issueServerCertificate,
  type ApnsCertificateKind,
  type IssuedCertificate,
} from '../../src/core/pki/issue-certificate.js';
import type { TopicEntry } from '../../src/core/apns/classify.js';

const DAY = 24 * 60 * 60 * 1000;
const keys = new Map<string, KeyObject>();

/** A private RSA 2048 key, the same object for the same name within one test process. */
export function testKey(name = 'leaf'): KeyObject {
  let key = keys.get(name);
  if (!key) {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    keys.set(name, key);
  }
  return key;
}

export interface TestCa extends IssuedCertificate {
  key: KeyObject;
}

let ca: TestCa | null = null;

/**
 * The process-wide test CA ("apns-setup Test WWDR CA"). It never stands between a test and its
 * clock: valid from 1950 (the first date X.509 can say) to 9999-12-31 (RFC 5280's "no expiry").
 */
export function testCa(): TestCa {
  if (!ca) {
    const key = testKey('ca');
    ca = {
      key,
      ...createCertificateAuthority({
        commonName: 'apns-setup Test Worldwide Developer Relations CA',
        organizationalUnit: 'G4',
        organization: 'apns-setup tests',
        country: 'US',
        key,
        notBefore: new Date('1950-01-01T00:00:00Z'),
        notAfter: new Date('9999-12-31T23:59:59Z'),
        serialNumber: '01',
      }),
    };
  }
  return ca;
}

export interface TestCertificateOptions {
  /** The test's clock: the certificate is valid from a day before it, for a year. */
  now: Date;
  key?: KeyObject;
  bundleId?: string;
  teamId?: string;
  teamName?: string;
  topics?: TopicEntry[];
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestCertificate extends IssuedCertificate {
  /** The private key the certificate is for. */
  key: KeyObject;
}

export function issueTestCertificate(
  type: ApnsCertificateKind,
  options: TestCertificateOptions,
): TestCertificate {
  const authority = testCa();
  const key = options.key ?? testKey('leaf');
  const now = options.now.getTime();
  const issued = issueApnsCertificate({
    ca: { key: authority.key, certificatePem: authority.certificatePem },
    publicKey: key,
    bundleId: options.bundleId ?? 'com.example.push',
    teamId: options.teamId ?? 'A1B2C3D4E5',
    teamName: options.teamName ?? 'Example Team',
    type,
    ...(options.topics ? { topics: options.topics } : {}),
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
    serialNumber: randomBytes(8).toString('hex'),
  });
  return { ...issued, key };
}

export const issueSandboxCertificate = (options: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('development', options);
export const issueProductionCertificate = (options: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('production', options);
export const issueUniversalCertificate = (options: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('universal', options);

/**
 * A TLS server certificate from the test CA, for 127.0.0.1, ::1 and localhost by default, valid
 * from a day before `now` for a year.
 */
export function issueTestServerCertificate(
  now: Date,
  hostnames: string[] = ['localhost'],
  ips: string[] = ['127.0.0.1', '::1'],
): TestCertificate {
  const authority = testCa();
  const key = testKey('server');
  const issued = issueServerCertificate({
    ca: { key: authority.key, certificatePem: authority.certificatePem },
    publicKey: key,
    hostnames,
    ips,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    serialNumber: randomBytes(8).toString('hex'),
  });
  return { ...issued, key };
}

/**
 * A test CA and APNs-style certificates issued by it, with RSA 2048 keys generated once per
 * process (key generation is the slow part). Certificates are valid from yesterday for a year
 * unless dates are given, so TLS stacks that check the real clock accept them.
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

/** The process-wide test CA ("apns-setup Test WWDR CA"), valid 2020–2040. */
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
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2040-01-01T00:00:00Z'),
        serialNumber: '01',
      }),
    };
  }
  return ca;
}

export interface TestCertificateOptions {
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
  options: TestCertificateOptions = {},
): TestCertificate {
  const authority = testCa();
  const key = options.key ?? testKey('leaf');
  const now = Date.now();
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

export const issueSandboxCertificate = (options?: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('development', options);
export const issueProductionCertificate = (options?: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('production', options);
export const issueUniversalCertificate = (options?: TestCertificateOptions): TestCertificate =>
  issueTestCertificate('universal', options);

/** A TLS server certificate from the test CA, for 127.0.0.1, ::1 and localhost by default. */
export function issueTestServerCertificate(
  hostnames: string[] = ['localhost'],
  ips: string[] = ['127.0.0.1', '::1'],
): TestCertificate {
  const authority = testCa();
  const key = testKey('server');
  const now = Date.now();
  const issued = issueServerCertificate({
    ca: { key: authority.key, certificatePem: authority.certificatePem },
    publicKey: key,
    hostnames,
    ips,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    serialNumber: randomBytes(8).toString('hex'),
  });
  return { ...issued, key };
}

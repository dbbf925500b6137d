/**
 * The real-world corpus lives beside the repository, in ../shared/fixtures/real-world (it is
 * not copied into the project). Tests that need it skip with a plain message when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const realWorldDir = resolve(repoRoot, '../shared/fixtures/real-world');
export const hasRealWorld = existsSync(join(realWorldDir, 'expected.json'));

if (!hasRealWorld) {
  console.warn(
    `Real-world fixtures not found at ${realWorldDir}: the tests that need them are skipped. ` +
      'Clone the project with ../shared beside it to run them.',
  );
}

export interface ExpectedCertificate {
  subject: string;
  bundleId: string | null;
  teamId: string | null;
  environments: string[];
  topics: string[];
  notBefore: string;
  notAfter: string;
  sha256: string;
  sha1: string;
}

export interface ExpectedFile {
  path: string;
  password?: string | null;
  passwordKnown?: boolean;
  kind: string;
  isApnsCertificate: boolean;
  certificates: ExpectedCertificate[];
  privateKey: { present: boolean; encrypted: boolean | null; matchesLeaf: boolean | null };
  expect: 'ok' | 'corrupt' | 'no-certificate' | 'no-key' | 'unknown-password';
  note?: string;
}

export interface ExpectedCorpus {
  files: ExpectedFile[];
  wrongPasswordCases: { path: string; wrongPassword: string; expect: string }[];
}

export function loadExpected(): ExpectedCorpus {
  return JSON.parse(readFileSync(join(realWorldDir, 'expected.json'), 'utf8')) as ExpectedCorpus;
}

export function realWorldFile(path: string): Buffer {
  return readFileSync(join(realWorldDir, path));
}

export function realWorldPath(path: string): string {
  return join(realWorldDir, path);
}

/** The files an import leaves in a folder made by `csr` (its key.pem kept as it was), sorted. */
export const IMPORTED_FOLDER_FILES = [
  'CertificateSigningRequest.certSigningRequest',
  'apns.p12',
  'cert.pem',
  'ck.pem',
  'key.pem',
  'key.unencrypted.pem',
].sort();

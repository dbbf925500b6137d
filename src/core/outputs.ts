/**
 * Which files a finished certificate becomes, named as the classic APNs guides name them, and
 * which of them are secret. A pure plan: the adapter writes it atomically.
 */
import type { KeyObject } from 'node:crypto';
import { encodePem } from './pki/pem.js';
import { exportEncryptedPkcs8Pem, exportPkcs1Pem, exportPkcs8Pem } from './pki/keys.js';
import {
  writeCertificateOnlyPkcs12,
  writeKeyOnlyPkcs12,
  writePkcs12,
  type Pkcs12Profile,
} from './pki/pkcs12-write.js';
import type { CertificateInfo } from './pki/types.js';

export interface PlannedFile {
  name: string;
  contents: string | Uint8Array;
  /** Holds key material: written 0600. */
  secret: boolean;
}

export const FILE_NAMES = {
  csr: 'CertificateSigningRequest.certSigningRequest',
  key: 'key.pem',
  certificate: 'cert.pem',
  unencryptedKey: 'key.unencrypted.pem',
  combined: 'ck.pem',
  p12: 'apns.p12',
  certificateP12: 'cert.p12',
  keyP12: 'key.p12',
} as const;

/** key.pem: PKCS#8, encrypted unless the user chose --insecure (empty passphrase). */
export function planKeyFile(key: KeyObject, passphrase: string): PlannedFile {
  return {
    name: FILE_NAMES.key,
    contents: passphrase === '' ? exportPkcs8Pem(key) : exportEncryptedPkcs8Pem(key, passphrase),
    secret: true,
  };
}

export interface CredentialPlanInput {
  certificate: CertificateInfo;
  key: KeyObject;
  /** Protects key.pem and the .p12 files; '' only when the user passed --insecure. */
  passphrase: string;
  profile: Pkcs12Profile;
  splitP12: boolean;
  /** False when key.pem is the input file in the output folder and must stay as it is. */
  includeKeyFile: boolean;
}

/**
 * The names planCredentialFiles writes, in its order, known before any passphrase is asked:
 * flows check them for clashes before slow or interactive work.
 */
export function credentialFileNames(splitP12: boolean, includeKeyFile: boolean): string[] {
  return [
    FILE_NAMES.certificate,
    ...(includeKeyFile ? [FILE_NAMES.key] : []),
    FILE_NAMES.unencryptedKey,
    FILE_NAMES.combined,
    FILE_NAMES.p12,
    ...(splitP12 ? [FILE_NAMES.certificateP12, FILE_NAMES.keyP12] : []),
  ];
}

export function planCredentialFiles(input: CredentialPlanInput): PlannedFile[] {
  const { certificate, key, passphrase, profile } = input;
  const certificatePem = encodePem('CERTIFICATE', certificate.der);
  // PKCS#1 "RSA PRIVATE KEY" is what `openssl rsa -in key.pem -out key.unencrypted.pem` wrote
  // for a decade of guides, and what every PHP, Ruby and Python APNs sender reads. PKCS#1 holds
  // only RSA: an EC key (from a .p12 made outside Apple's portal) is written as PKCS#8.
  const unencryptedKeyPem =
    key.asymmetricKeyType === 'rsa' ? exportPkcs1Pem(key) : exportPkcs8Pem(key);
  const friendlyName = certificate.subject.commonName ?? certificate.bundleId ?? 'apns-setup';
  const files: PlannedFile[] = [
    { name: FILE_NAMES.certificate, contents: certificatePem, secret: false },
  ];
  if (input.includeKeyFile) files.push(planKeyFile(key, passphrase));
  files.push(
    { name: FILE_NAMES.unencryptedKey, contents: unencryptedKeyPem, secret: true },
    { name: FILE_NAMES.combined, contents: certificatePem + unencryptedKeyPem, secret: true },
    {
      name: FILE_NAMES.p12,
      contents: writePkcs12({
        key,
        certificates: [certificate.der],
        passphrase,
        profile,
        friendlyName,
      }),
      secret: true,
    },
  );
  if (input.splitP12) {
    files.push(
      {
        name: FILE_NAMES.certificateP12,
        contents: writeCertificateOnlyPkcs12({
          certificates: [certificate.der],
          passphrase,
          profile,
          friendlyName,
        }),
        secret: false,
      },
      {
        name: FILE_NAMES.keyP12,
        contents: writeKeyOnlyPkcs12({ key, passphrase, profile, friendlyName }),
        secret: true,
      },
    );
  }
  return files;
}

/**
 * `renew`: the successor of a live push certificate, made without touching the live files. It
 * reads the old certificate (for its bundle id, type and expiry), makes a new key (or reuses the
 * live one) and a CSR in a new folder beside the live one, and says what to upload where. The
 * live certificate keeps working until it expires: Apple allows two at a time.
 */
import { dirname, join, resolve } from 'node:path';
import { daysLeft, formatDate } from '../core/expiry.js';
import { InputError } from '../core/errors.js';
import { FILE_NAMES } from '../core/outputs.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { createKeyAndCsr } from './create-csr.js';
import type { FlowPorts, WrittenFile } from './ports.js';
import { openMaterial } from './read-file-material.js';
import { renewRefusals } from './refusals.js';

export interface RenewInput {
  /** The live certificate: ck.pem, cert.pem, aps.cer or a .p12. */
  from: string;
  /** Where the new key and CSR go; by default beside the live folder, named by bundle id and date. */
  outDir: string | undefined;
  email: string | undefined;
  commonName: string | undefined;
  /** Make the CSR with the live key instead of a new one. */
  reuseKey: boolean;
}

export interface RenewPorts extends FlowPorts {
  /** `git config --get NAME`, or null when git or the value is missing. */
  gitConfig(name: 'user.email' | 'user.name'): Promise<string | null>;
  /** True when the folder does not exist or holds nothing. */
  isEmptyOrMissingDir(dir: string): Promise<boolean>;
}

/** Where the CSR's subject came from; Apple ignores it, so a neutral default is fine. */
export type SubjectSource = 'flags' | 'live-csr' | 'git-config' | 'default';

export interface RenewResult {
  live: { file: string; certificate: CertificateInfo; daysLeft: number };
  outDir: string;
  written: WrittenFile[];
  subject: { email: string; commonName: string; source: SubjectSource };
  reusedKey: boolean;
  keyEncrypted: boolean;
}

export const DEFAULT_CSR_SUBJECT = { email: 'push@example.com', commonName: 'APNs push' };

/** `com.example.app-2026-11-29`: the default folder of a renewal made today. */
export function renewalFolderName(certificate: CertificateInfo, now: Date): string {
  const name = (certificate.bundleId ?? 'apns-certificate').replace(/[^\w.-]/g, '_');
  return `${name}-${formatDate(now)}`;
}

export async function renewCertificate(input: RenewInput, ports: RenewPorts): Promise<RenewResult> {
  const { material } = await openMaterial(ports, input.from, { needKey: input.reuseKey });
  const certificate = material.certificates[0];
  if (!certificate) {
    throw new InputError('NO_CERTIFICATE', renewRefusals.noCertificate(input.from), {
      hint: renewRefusals.noCertificateHint,
    });
  }
  if (!certificate.isApns) {
    throw new InputError(
      'NOT_APNS_CERTIFICATE',
      renewRefusals.notApns(input.from, certificate.subject.commonName),
      { hint: renewRefusals.notApnsHint },
    );
  }
  const key = input.reuseKey ? material.leafKey : null;
  if (input.reuseKey && key === null) {
    throw new InputError('NO_PRIVATE_KEY', renewRefusals.noKeyToReuse(input.from), {
      hint: renewRefusals.noKeyToReuseHint,
    });
  }

  const now = ports.now();
  const liveDir = dirname(input.from);
  const outDir =
    input.outDir ?? join(dirname(resolve(liveDir)), renewalFolderName(certificate, now));
  // The live files are never touched: not the live folder, and not a folder with files in it.
  if (resolve(outDir) === resolve(liveDir)) {
    throw new InputError('USAGE', renewRefusals.outIsLive(outDir), {
      hint: renewRefusals.outHint,
    });
  }
  if (!(await ports.isEmptyOrMissingDir(outDir))) {
    throw new InputError('FILE_EXISTS', renewRefusals.outNotEmpty(outDir), {
      hint: renewRefusals.outHint,
    });
  }

  const subject = await csrSubject(input, liveDir, ports);
  const made = await createKeyAndCsr(
    {
      email: subject.email,
      commonName: subject.commonName,
      country: undefined,
      keySize: 2048,
      outDir,
      force: false,
      ...(key ? { key } : {}),
    },
    ports,
  );
  return {
    live: { file: input.from, certificate, daysLeft: daysLeft(certificate.notAfter, now) },
    outDir,
    written: made.written,
    subject,
    reusedKey: key !== null,
    keyEncrypted: made.keyEncrypted,
  };
}

/** The flags, else the CSR kept beside the live files, else git config, else a neutral default. */
async function csrSubject(
  input: RenewInput,
  liveDir: string,
  ports: RenewPorts,
): Promise<RenewResult['subject']> {
  if (input.email !== undefined && input.commonName !== undefined) {
    return { email: input.email, commonName: input.commonName, source: 'flags' };
  }
  const fromCsr = await liveCsrSubject(join(liveDir, FILE_NAMES.csr), ports);
  if (fromCsr?.email && fromCsr.commonName) {
    return {
      email: input.email ?? fromCsr.email,
      commonName: input.commonName ?? fromCsr.commonName,
      source: (input.email ?? input.commonName) ? 'flags' : 'live-csr',
    };
  }
  const [gitEmail, gitName] = await Promise.all([
    input.email === undefined ? ports.gitConfig('user.email') : Promise.resolve(null),
    input.commonName === undefined ? ports.gitConfig('user.name') : Promise.resolve(null),
  ]);
  const email = input.email ?? gitEmail;
  const commonName = input.commonName ?? gitName;
  if (email && commonName) {
    return {
      email,
      commonName,
      source: (input.email ?? input.commonName) ? 'flags' : 'git-config',
    };
  }
  return {
    email: email ?? DEFAULT_CSR_SUBJECT.email,
    commonName: commonName ?? DEFAULT_CSR_SUBJECT.commonName,
    source: 'default',
  };
}

async function liveCsrSubject(
  path: string,
  ports: RenewPorts,
): Promise<{ email: string | null; commonName: string | null } | null> {
  try {
    const { material } = await openMaterial(ports, path, { needKey: false });
    const subject = material.csr?.subject;
    return subject ? { email: subject.emailAddress, commonName: subject.commonName } : null;
  } catch {
    // No CSR kept beside the live files (or not a readable one): the next source decides.
    return null;
  }
}

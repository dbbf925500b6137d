/**
 * `check`: the CI gate. Every certificate found gets a status; the worst decides the exit code.
 * Beside certificates a push set-up holds token keys (.p8), which never expire but are listed so
 * that a folder's report is whole, and provisioning profiles, which expire like certificates.
 */
import type { ProvisioningProfileInfo } from '../core/apns/provisioning-profile.js';
import { isTokenKeyFileName, readTokenKey, tokenKeyError } from '../core/apns/token-key.js';
import {
  isApnsSetupError,
  withFileName,
  type ApnsSetupError,
  type ExitCode,
} from '../core/errors.js';
import { assessExpiry, daysSince } from '../core/expiry.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';
import { readProfileOf } from './read-profile.js';

export type CheckStatus = 'ok' | 'expiring' | 'expired' | 'invalid';

/** Why a file is invalid, as data: ui/render-check.ts says it in words. */
export type CheckProblem =
  /** A protected .p12, and check never asks for a passphrase. */
  | { kind: 'locked' }
  /** A file named explicitly that holds no certificate. */
  | { kind: 'no-certificate' }
  /** The certificate's notBefore is still ahead. */
  | { kind: 'not-yet-valid' }
  /** The file could not be used: the error's own sentence, without the file name. */
  | { kind: 'error'; message: string; hint: string | null }
  /** Something no one expected; its detail is all there is to say. */
  | { kind: 'unexpected'; detail: string };

/** What a checked file holds, when it could be read. */
export type CheckedKind = 'certificate' | 'token-key' | 'provisioning-profile';

export interface CheckResult {
  file: string;
  status: CheckStatus;
  /** null when the file could not be read. */
  kind: CheckedKind | null;
  certificate: CertificateInfo | null;
  /** A token key: its key id (from the file name; null when the name has none). */
  tokenKey: { keyId: string | null } | null;
  profile: ProvisioningProfileInfo | null;
  /** Whole days since it expired (rounded down); null unless expired. */
  daysAgo: number | null;
  daysLeft: number | null;
  /** Why the status is 'invalid'; null otherwise. */
  problem: CheckProblem | null;
}

export interface CheckInput {
  /**
   * Files to read, and whether each was named by the user (a named file must hold a
   * certificate); read one at a time as they come, so a walk can feed them as it goes.
   */
  files: AsyncIterable<CheckFile> | Iterable<CheckFile>;
  days: number;
}

export interface CheckFile {
  path: string;
  named: boolean;
}

/**
 * What checking one file gives: a result, or (for a protected .p12 met while walking a folder,
 * with no passphrase to open it) a skip, said but not failed, so that `check certs/` passes
 * beside the apns.p12 that import writes there. A key or CSR in a folder gives nothing.
 */
export type CheckEvent =
  { kind: 'result'; result: CheckResult } | { kind: 'skipped'; file: string; reason: 'locked' };

/**
 * Checks the files one by one and hands over each outcome as soon as it is known: memory stays
 * flat however many certificates a folder holds, and the report can be printed as it goes.
 */
export async function* checkCertificates(
  input: CheckInput,
  ports: Pick<FlowPorts, 'readFile' | 'passphrase' | 'passphraseAtHand' | 'now' | 'parsePlist'>,
): AsyncGenerator<CheckEvent> {
  const now = ports.now();
  for await (const { path, named } of input.files) {
    let certificate: CertificateInfo | undefined;
    try {
      if (isTokenKeyFileName(path)) {
        yield { kind: 'result', result: await checkTokenKey(ports, path) };
        continue;
      }
      const { material } = await openMaterial(ports, path, { needKey: false });
      if (material.signedPlist) {
        const profile = await readProfileOf(ports, path, material);
        yield { kind: 'result', result: profileResult(path, profile, now, input.days) };
        continue;
      }
      certificate = material.certificates[0];
    } catch (error) {
      if (isApnsSetupError(error) && error.code === 'CANCELLED') throw error;
      if (!named && isApnsSetupError(error) && error.code === 'NO_TTY') {
        yield { kind: 'skipped', file: path, reason: 'locked' };
        continue;
      }
      // One unreadable file is a row of the report, never the end of the run.
      yield {
        kind: 'result',
        result: {
          file: path,
          ...UNREAD,
          status: 'invalid',
          problem: isApnsSetupError(error)
            ? problemOf(path, error)
            : {
                kind: 'unexpected',
                detail: error instanceof Error ? error.message : String(error),
              },
        },
      };
      continue;
    }
    if (!certificate) {
      // Keys and CSRs sit beside certificates in a folder: only a file named explicitly must hold one.
      if (named) {
        yield {
          kind: 'result',
          result: { file: path, ...UNREAD, status: 'invalid', problem: { kind: 'no-certificate' } },
        };
      }
      continue;
    }
    const { status, daysLeft } = assessExpiry(certificate, now, input.days);
    yield {
      kind: 'result',
      result: {
        file: path,
        status: status === 'not-yet-valid' ? 'invalid' : status,
        kind: 'certificate',
        certificate,
        tokenKey: null,
        profile: null,
        daysLeft,
        daysAgo: status === 'expired' ? daysSince(certificate.notAfter, now) : null,
        problem: status === 'not-yet-valid' ? { kind: 'not-yet-valid' } : null,
      },
    };
  }
}

/** A file that could not be read: nothing is known of what it holds. */
const UNREAD = {
  kind: null,
  certificate: null,
  tokenKey: null,
  profile: null,
  daysLeft: null,
  daysAgo: null,
};

/**
 * A token key never expires, so it is ok when it can sign; what is wrong with one that cannot
 * (an RSA key named .p8, base64 without its PEM lines) is the reason it is invalid.
 */
async function checkTokenKey(
  ports: Pick<FlowPorts, 'readFile'>,
  path: string,
): Promise<CheckResult> {
  const { info } = readTokenKey(await ports.readFile(path), path);
  if (info.problem !== null) throw withFileName(path, tokenKeyError(info));
  return {
    file: path,
    status: 'ok',
    kind: 'token-key',
    certificate: null,
    tokenKey: { keyId: info.keyId },
    profile: null,
    daysLeft: null,
    daysAgo: null,
    problem: null,
  };
}

/** A profile expires like a certificate: from its CreationDate to its ExpirationDate. */
function profileResult(
  path: string,
  profile: ProvisioningProfileInfo,
  now: Date,
  days: number,
): CheckResult {
  const { status, daysLeft } = assessExpiry(
    { notBefore: profile.creationDate ?? new Date(0), notAfter: profile.expirationDate },
    now,
    days,
  );
  return {
    file: path,
    status: status === 'not-yet-valid' ? 'invalid' : status,
    kind: 'provisioning-profile',
    certificate: null,
    tokenKey: null,
    profile,
    daysLeft,
    daysAgo: status === 'expired' ? daysSince(profile.expirationDate, now) : null,
    problem: status === 'not-yet-valid' ? { kind: 'not-yet-valid' } : null,
  };
}

/**
 * The row already names the file, so the message does not repeat it; and `check` never asks
 * for a passphrase (a CI gate must not hang), so "no terminal to ask" would be wrong in a
 * terminal: it is 'locked', and the words say which sources check reads.
 */
function problemOf(path: string, error: ApnsSetupError): CheckProblem {
  if (error.code === 'NO_TTY') return { kind: 'locked' };
  const prefix = `${path}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { kind: 'error', message, hint: error.hint ?? null };
}

/** Worst wins: expired (3), then invalid (2), then expiring (1). */
export function checkExitCode(seen: Iterable<CheckStatus>): ExitCode {
  const statuses = new Set(seen);
  if (statuses.has('expired')) return 3;
  if (statuses.has('invalid')) return 2;
  if (statuses.has('expiring')) return 1;
  return 0;
}

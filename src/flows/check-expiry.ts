/** `check`: the CI gate. Every certificate found gets a status; the worst decides the exit code. */
import { isApnsSetupError, type ApnsSetupError, type ExitCode } from '../core/errors.js';
import { assessExpiry } from '../core/expiry.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { checkMessages } from '../ui/messages.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';

export type CheckStatus = 'ok' | 'expiring' | 'expired' | 'invalid';

export interface CheckResult {
  file: string;
  status: CheckStatus;
  certificate: CertificateInfo | null;
  daysLeft: number | null;
  /** What is wrong, without the file name (the row names it). */
  message: string;
  /** What to do about an invalid file. */
  hint: string | null;
}

export interface CheckInput {
  /** Files to read, and whether each was named by the user (a named file must hold a certificate). */
  files: { path: string; named: boolean }[];
  days: number;
}

export interface CheckReport {
  results: CheckResult[];
  /**
   * Protected .p12 files met while walking a folder, with no passphrase to open them: said, not
   * failed, so that `check certs/` passes beside the apns.p12 that import writes there.
   */
  skipped: { file: string; message: string }[];
}

export async function checkCertificates(
  input: CheckInput,
  ports: Pick<FlowPorts, 'readFile' | 'passphrase' | 'now'>,
): Promise<CheckReport> {
  const now = ports.now();
  const results: CheckResult[] = [];
  const skipped: CheckReport['skipped'] = [];
  for (const { path, named } of input.files) {
    let certificate: CertificateInfo | undefined;
    try {
      const { material } = await openMaterial(ports, path, { needKey: false });
      certificate = material.certificates[0];
    } catch (error) {
      if (isApnsSetupError(error) && error.code === 'CANCELLED') throw error;
      if (!named && isApnsSetupError(error) && error.code === 'NO_TTY') {
        skipped.push({ file: path, message: checkMessages.skippedLocked });
        continue;
      }
      // One unreadable file is a row of the report, never the end of the run.
      results.push({
        file: path,
        status: 'invalid',
        certificate: null,
        daysLeft: null,
        ...(isApnsSetupError(error)
          ? describeFailure(path, error)
          : { message: checkMessages.unreadable(error), hint: null }),
      });
      continue;
    }
    if (!certificate) {
      // Keys and CSRs sit beside certificates in a folder: only a file named explicitly must hold one.
      if (named) {
        results.push({
          file: path,
          status: 'invalid',
          certificate: null,
          daysLeft: null,
          message: checkMessages.noCertificate,
          hint: checkMessages.noCertificateHint,
        });
      }
      continue;
    }
    const { status, daysLeft } = assessExpiry(certificate, now, input.days);
    const checkStatus: CheckStatus = status === 'not-yet-valid' ? 'invalid' : status;
    results.push({
      file: path,
      status: checkStatus,
      certificate,
      daysLeft,
      message: checkMessages.status(checkStatus, certificate, daysLeft, status === 'not-yet-valid'),
      hint: null,
    });
  }
  return { results, skipped };
}

/**
 * The row already names the file, so the message does not repeat it; and `check` never asks
 * for a passphrase (a CI gate must not hang), so "no terminal to ask" would be wrong in a
 * terminal: say which sources it reads instead.
 */
function describeFailure(
  path: string,
  error: ApnsSetupError,
): { message: string; hint: string | null } {
  if (error.code === 'NO_TTY')
    return { message: checkMessages.locked, hint: checkMessages.lockedHint };
  const prefix = `${path}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { message, hint: error.hint ?? null };
}

/** Worst wins: expired (3), then invalid (2), then expiring (1). */
export function checkExitCode(results: CheckResult[]): ExitCode {
  const statuses = new Set(results.map((r) => r.status));
  if (statuses.has('expired')) return 3;
  if (statuses.has('invalid')) return 2;
  if (statuses.has('expiring')) return 1;
  return 0;
}

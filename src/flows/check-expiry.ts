/** `check`: the CI gate. Every certificate found gets a status; the worst decides the exit code. */
import { isApnsSetupError, type ExitCode } from '../core/errors.js';
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
  message: string;
}

export interface CheckInput {
  /** Files to read, and whether each was named by the user (a named file must hold a certificate). */
  files: { path: string; named: boolean }[];
  days: number;
}

export async function checkCertificates(
  input: CheckInput,
  ports: Pick<FlowPorts, 'readFile' | 'passphrase' | 'now'>,
): Promise<CheckResult[]> {
  const now = ports.now();
  const results: CheckResult[] = [];
  for (const { path, named } of input.files) {
    let certificate: CertificateInfo | undefined;
    try {
      const { material } = await openMaterial(ports, path, { needKey: false });
      certificate = material.certificates[0];
    } catch (error) {
      if (!isApnsSetupError(error) || error.code === 'CANCELLED') throw error;
      results.push({
        file: path,
        status: 'invalid',
        certificate: null,
        daysLeft: null,
        message: error.message,
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
          message: checkMessages.noCertificate(path),
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
    });
  }
  return results;
}

/** Worst wins: expired (3), then invalid (2), then expiring (1). */
export function checkExitCode(results: CheckResult[]): ExitCode {
  const statuses = new Set(results.map((r) => r.status));
  if (statuses.has('expired')) return 3;
  if (statuses.has('invalid')) return 2;
  if (statuses.has('expiring')) return 1;
  return 0;
}

/** `check`: the CI gate. Every certificate found gets a status; the worst decides the exit code. */
import { isApnsSetupError, type ApnsSetupError, type ExitCode } from '../core/errors.js';
import { assessExpiry } from '../core/expiry.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';

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

export interface CheckResult {
  file: string;
  status: CheckStatus;
  certificate: CertificateInfo | null;
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
  ports: Pick<FlowPorts, 'readFile' | 'passphrase' | 'now'>,
): AsyncGenerator<CheckEvent> {
  const now = ports.now();
  for await (const { path, named } of input.files) {
    let certificate: CertificateInfo | undefined;
    try {
      const { material } = await openMaterial(ports, path, { needKey: false });
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
          status: 'invalid',
          certificate: null,
          daysLeft: null,
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
          result: {
            file: path,
            status: 'invalid',
            certificate: null,
            daysLeft: null,
            problem: { kind: 'no-certificate' },
          },
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
        certificate,
        daysLeft,
        problem: status === 'not-yet-valid' ? { kind: 'not-yet-valid' } : null,
      },
    };
  }
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

/** `check` output: a table for people, the contract's JSON for machines, in words. */
import { formatDate } from '../core/expiry.js';
import type { CheckReport, CheckResult } from '../flows/check-expiry.js';
import { NEW_CERTIFICATE_STEPS } from './messages.js';
import type { Style } from './style.js';

export const checkMessages = {
  noCertificate: 'it holds no certificate',
  noCertificateHint:
    'Name certificate files (.cer, .pem, .p12) or the folder that holds them; in a folder, keys and CSRs are skipped.',
  locked: 'it is protected by a passphrase, and check never asks for one',
  lockedHint: 'Set APNS_SETUP_PASSPHRASE or pass --passphrase-file FILE.',
  skippedLocked:
    'skipped: a .p12 protected by a passphrase (check never asks; set APNS_SETUP_PASSPHRASE or pass --passphrase-file to include it)',
  unreadable: (detail: string) => `could not be read: ${detail}`,
  nothingFound: (paths: string[]) => `no certificates found in ${paths.join(', ')}`,
  nothingFoundHint: 'Pass the folder or files holding your .cer, .pem or .p12 certificates.',
  /** Said once per run, under the rows it concerns. */
  renewAdvice: (count: number) =>
    `${count === 1 ? 'This push certificate needs' : `These ${count} push certificates need`} a successor: ${NEW_CERTIFICATE_STEPS}.`,
};

/** What a row says, without its file name (the row names it), and what to do about it. */
export function describeCheckResult(r: CheckResult): { message: string; hint: string | null } {
  const problem = r.problem;
  if (problem !== null) {
    switch (problem.kind) {
      case 'locked':
        return { message: checkMessages.locked, hint: checkMessages.lockedHint };
      case 'no-certificate':
        return { message: checkMessages.noCertificate, hint: checkMessages.noCertificateHint };
      case 'not-yet-valid':
        return { message: `not valid until ${formatDate(r.certificate!.notBefore)}`, hint: null };
      case 'error':
        return { message: problem.message, hint: problem.hint };
      case 'unexpected':
        return { message: checkMessages.unreadable(problem.detail), hint: null };
    }
  }
  const certificate = r.certificate!;
  const date = formatDate(certificate.notAfter);
  const days = r.daysLeft!;
  // Only a push certificate is the user's to remake; a CA or another certificate is theirs to
  // replace or remove.
  const other = certificate.isApns ? '' : ' (not an APNs certificate)';
  switch (r.status) {
    case 'expired':
      return { message: `expired on ${date} (${-days} days ago)${other}`, hint: null };
    case 'expiring':
      return { message: `expires on ${date}, in ${days} days${other}`, hint: null };
    default:
      return { message: `valid until ${date} (${days} days left)`, hint: null };
  }
}

/** Push certificates that have expired or are about to: the advice is said once for them all. */
function needingSuccessor(results: CheckResult[]): CheckResult[] {
  return results.filter(
    (r) => (r.status === 'expired' || r.status === 'expiring') && r.certificate?.isApns,
  );
}

export function checkJson(
  days: number,
  results: CheckResult[],
  skipped: CheckReport['skipped'] = [],
) {
  return {
    days,
    results: results.map((r) => ({
      file: r.file,
      status: r.status,
      bundleId: r.certificate?.bundleId ?? null,
      type: r.certificate?.type ?? null,
      notAfter: r.certificate ? r.certificate.notAfter.toISOString() : null,
      daysLeft: r.daysLeft,
      message: describeCheckResult(r).message,
    })),
    skipped: skipped.map(({ file }) => ({ file, message: checkMessages.skippedLocked })),
  };
}

export function checkTable(results: CheckResult[], style: Style): string {
  const header = ['FILE', 'BUNDLE ID', 'TYPE', 'EXPIRES', 'DAYS LEFT', 'STATUS'];
  const body = results.map((r) => [
    r.file,
    r.certificate?.bundleId ?? '-',
    r.certificate?.type ?? '-',
    r.certificate ? formatDate(r.certificate.notAfter) : '-',
    r.daysLeft === null ? '-' : String(r.daysLeft),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const paint = (status: string, text: string) =>
    status === 'ok'
      ? style.green(text)
      : status === 'expiring'
        ? style.yellow(text)
        : style.red(text);
  const line = (cells: string[], status?: string) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        return status && i === cells.length - 1 ? paint(status, padded) : padded;
      })
      .join('  ');
  const problems = results
    .filter((r) => r.status !== 'ok')
    .map((r) => {
      const { message, hint } = describeCheckResult(r);
      return `${r.file}: ${message}${hint ? `\n  ${hint}` : ''}`;
    });
  const renew = needingSuccessor(results).length;
  return [
    line(header),
    ...body.map((row, i) => line(row, results[i]!.status)),
    ...(problems.length ? ['', ...problems] : []),
    ...(renew > 0 ? ['', checkMessages.renewAdvice(renew)] : []),
  ].join('\n');
}

/**
 * The CI workflow template with the paths and --days of the check command that printed it;
 * `certs/` when no path was given.
 */
export function ciWorkflow(template: string, options: { paths: string[]; days: number }): string {
  const paths = options.paths.length > 0 ? options.paths : ['certs/'];
  // The workflow also runs when a checked file changes: a glob per path, folders recursively.
  const first = paths[0]!;
  const pathGlob = first.endsWith('/')
    ? `${first}**`
    : /\.[a-z0-9]+$/i.test(first)
      ? first
      : `${first}/**`;
  return template
    .replaceAll('{{paths}}', paths.join(' '))
    .replaceAll('{{days}}', String(options.days))
    .replaceAll('{{pathGlob}}', pathGlob);
}

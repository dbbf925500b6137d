/** `check` output: a table for people, the contract's JSON for machines. */
import { formatDate } from '../core/expiry.js';
import type { CheckReport, CheckResult } from '../flows/check-expiry.js';
import type { Style } from './style.js';

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
      message: r.message,
    })),
    skipped,
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
    .map((r) => `${r.file}: ${r.message}${r.hint ? `\n  ${r.hint}` : ''}`);
  return [
    line(header),
    ...body.map((row, i) => line(row, results[i]!.status)),
    ...(problems.length ? ['', ...problems] : []),
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

/** `check` output: a table for people, the contract's JSON for machines, in words. */
import { formatDate } from '../core/expiry.js';
import type { CheckResult } from '../flows/check-expiry.js';
import { daysAgoText, NEW_CERTIFICATE_STEPS } from './messages.js';
import { TOKEN_KEY_LIFETIME } from './render-apple-files.js';
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
  /** Said once per run, under the table, when it lists a token key. */
  tokenKeys: `A token key (.p8) ${TOKEN_KEY_LIFETIME}: prove it with apns-setup push --auth-key.`,
  profileHint:
    'Regenerate it at developer.apple.com (Certificates, IDs & Profiles → Profiles), download it and rebuild the app with it.',
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
      case 'not-yet-valid': {
        const from = r.certificate?.notBefore ?? r.profile?.creationDate ?? null;
        return {
          message: from ? `not valid until ${formatDate(from)}` : 'not valid yet',
          hint: null,
        };
      }
      case 'error':
        return { message: problem.message, hint: problem.hint };
      case 'unexpected':
        return { message: checkMessages.unreadable(problem.detail), hint: null };
    }
  }
  if (r.tokenKey) return { message: `token signing key: ${TOKEN_KEY_LIFETIME}`, hint: null };
  const notAfter = r.certificate?.notAfter ?? r.profile!.expirationDate;
  const date = formatDate(notAfter);
  const days = r.daysLeft!;
  // Only a push certificate is the user's to remake; a CA or another certificate is theirs to
  // replace or remove. A profile is remade in the portal, and the app rebuilt with it.
  const other = r.profile
    ? ' (provisioning profile)'
    : r.certificate!.isApns
      ? ''
      : ' (not an APNs certificate)';
  const hint = r.profile ? checkMessages.profileHint : null;
  switch (r.status) {
    case 'expired':
      return { message: `expired on ${date} (${daysAgoText(r.daysAgo!)})${other}`, hint };
    case 'expiring':
      return { message: `expires on ${date}, in ${days} days${other}`, hint };
    default:
      return { message: `valid until ${date} (${days} days left)`, hint: null };
  }
}

/** The BUNDLE ID, TYPE and EXPIRES of a row (also the JSON's bundleId, type and notAfter). */
function facts(r: CheckResult): {
  bundleId: string | null;
  type: string | null;
  notAfter: Date | null;
} {
  if (r.profile) {
    const aps = r.profile.apsEnvironment;
    return {
      bundleId: r.profile.bundleId,
      type: aps ? `profile (${aps})` : 'profile (no push)',
      notAfter: r.profile.expirationDate,
    };
  }
  if (r.tokenKey) {
    return { bundleId: null, type: 'token key', notAfter: null };
  }
  return {
    bundleId: r.certificate?.bundleId ?? null,
    type: r.certificate?.type ?? null,
    notAfter: r.certificate?.notAfter ?? null,
  };
}

/** A push certificate that has expired or is about to: the advice is said once for them all. */
function needsSuccessor(r: CheckResult): boolean {
  return (r.status === 'expired' || r.status === 'expiring') && r.certificate?.isApns === true;
}

/**
 * The report on stdout, written as the results arrive so that memory stays flat whatever the
 * number of certificates: each call returns the lines to print now, in order.
 */
export interface CheckReportWriter {
  /** The lines this result lets out (none while the writer still holds it back). */
  add(result: CheckResult): string[];
  /** The lines left once every file is checked; `skipped`: the protected .p12 files passed over. */
  end(skipped: string[]): string[];
}

/** One result as the JSON contract has it. */
function jsonResult(r: CheckResult) {
  const { bundleId, type, notAfter } = facts(r);
  return {
    file: r.file,
    status: r.status,
    kind: r.kind,
    bundleId,
    type: r.profile ? (r.profile.apsEnvironment ?? null) : type,
    notAfter: notAfter?.toISOString() ?? null,
    ...(r.tokenKey ? { keyId: r.tokenKey.keyId } : {}),
    daysLeft: r.daysLeft,
    message: describeCheckResult(r).message,
  };
}

const indented = (value: unknown, spaces: number): string =>
  JSON.stringify(value, null, 2).replace(/\n/g, `\n${' '.repeat(spaces)}`);

/**
 * `--json`: one document, `{ days, results: [...], skipped: [...] }`, byte for byte what
 * JSON.stringify(…, null, 2) makes of it whole, written one result at a time. A result is held
 * until the next one comes, which says whether a comma follows it.
 */
export function checkJson(days: number): CheckReportWriter {
  let held: string | null = null;
  return {
    add(result) {
      const lines =
        held === null ? [`{\n  "days": ${JSON.stringify(days)},\n  "results": [`] : [`${held},`];
      held = `    ${indented(jsonResult(result), 4)}`;
      return lines;
    },
    end(skipped) {
      const results =
        held === null
          ? ['{', `  "days": ${JSON.stringify(days)},`, '  "results": [],']
          : [held, '  ],'];
      const list = skipped.map((file) => ({ file, message: checkMessages.skippedLocked }));
      return [...results, `  "skipped": ${indented(list, 2)}`, '}'];
    },
  };
}

/** Rows measured before the table's column widths are fixed; a later, wider cell widens its row only. */
const MEASURED_ROWS = 100;

/**
 * The table for people: FILE as wide as the longest path (`fileWidth`, known from the walk), the
 * other columns as wide as their widest cell among the first rows; then, under the table, what
 * is wrong with each file that is not ok, and the renewal advice once.
 */
export function checkTable(style: Style, fileWidth: number): CheckReportWriter {
  const header = ['FILE', 'BUNDLE ID', 'TYPE', 'EXPIRES', 'DAYS LEFT', 'STATUS'];
  let widths: number[] | null = null;
  const held: { cells: string[]; status: string }[] = [];
  const problems: string[] = [];
  let renew = 0;
  let tokenKeys = 0;
  const paint = (status: string, text: string) =>
    status === 'ok'
      ? style.green(text)
      : status === 'expiring'
        ? style.yellow(text)
        : style.red(text);
  const line = (cells: string[], status?: string) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths![i]!);
        return status && i === cells.length - 1 ? paint(status, padded) : padded;
      })
      .join('  ');
  /** The header and the rows held back, once the widths are known. */
  const release = (): string[] => {
    widths = header.map((h, i) =>
      Math.max(h.length, ...held.map((row) => row.cells[i]!.length), i === 0 ? fileWidth : 0),
    );
    const lines = [line(header), ...held.map((row) => line(row.cells, row.status))];
    held.length = 0;
    return lines;
  };
  return {
    add(r) {
      if (r.status !== 'ok') {
        const { message, hint } = describeCheckResult(r);
        problems.push(`${r.file}: ${message}${hint ? `\n  ${hint}` : ''}`);
      }
      if (needsSuccessor(r)) renew++;
      if (r.tokenKey) tokenKeys++;
      const { bundleId, type, notAfter } = facts(r);
      const cells = [
        r.file,
        bundleId ?? '-',
        type ?? '-',
        notAfter ? formatDate(notAfter) : r.tokenKey ? 'never' : '-',
        r.daysLeft === null ? '-' : String(r.daysLeft),
        r.status,
      ];
      if (widths) return [line(cells, r.status)];
      held.push({ cells, status: r.status });
      return held.length === MEASURED_ROWS ? release() : [];
    },
    end() {
      return [
        ...(widths ? [] : release()),
        ...(problems.length ? ['', ...problems] : []),
        ...(renew > 0 ? ['', checkMessages.renewAdvice(renew)] : []),
        ...(tokenKeys > 0 ? ['', checkMessages.tokenKeys] : []),
      ];
    },
  };
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

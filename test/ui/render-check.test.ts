/**
 * check's report, written as results arrive: the JSON document is the one JSON.stringify makes
 * of the whole, and the table holds back only its first rows, to measure its columns.
 */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/flows/check-expiry.js';
import { checkJson, checkTable, type CheckReportWriter } from '../../src/ui/render-check.js';
import { styleFor } from '../../src/ui/style.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const now = new Date('2030-06-15T12:00:00Z');
const certificate = issueSandboxCertificate({ now, bundleId: 'com.example.check' }).certificate;

function result(file: string, status: CheckResult['status'] = 'ok'): CheckResult {
  return status === 'invalid'
    ? {
        file,
        status,
        kind: null,
        certificate: null,
        tokenKey: null,
        profile: null,
        daysLeft: null,
        daysAgo: null,
        problem: { kind: 'error', message: 'it is damaged', hint: 'Export it again.' },
      }
    : {
        file,
        status,
        kind: 'certificate',
        certificate,
        tokenKey: null,
        profile: null,
        daysLeft: status === 'expired' ? -3 : 364,
        daysAgo: status === 'expired' ? 2 : null,
        problem: null,
      };
}

/** Everything the writer printed, as the command prints it: one line per string. */
function written(writer: CheckReportWriter, results: CheckResult[], skipped: string[] = []) {
  const lines = results.flatMap((r) => writer.add(r));
  return [...lines, ...writer.end(skipped)].join('\n');
}

describe('checkJson', () => {
  it.each([1, 2, 5])('with %i results is JSON.stringify of the whole document', (count) => {
    const results = Array.from({ length: count }, (_, i) =>
      result(`/certs/${i}.pem`, i === 1 ? 'invalid' : 'ok'),
    );
    const text = written(checkJson(30), results, ['/certs/apns.p12']);
    const document = JSON.parse(text) as { results: { file: string }[]; skipped: unknown[] };
    expect(text).toBe(JSON.stringify(document, null, 2));
    expect(Object.keys(document)).toEqual(['days', 'results', 'skipped']);
    expect(document.results.map((r) => r.file)).toEqual(results.map((r) => r.file));
    expect(document.skipped).toHaveLength(1);
  });

  it('writes each result once the next one shows where it ends', () => {
    const writer = checkJson(30);
    expect(writer.add(result('/a.pem'))).toHaveLength(1); // the document's opening
    expect(writer.add(result('/b.pem')).join('\n')).toContain('"/a.pem"');
  });
});

describe('checkTable', () => {
  const style = styleFor(false, { NO_COLOR: '1' });

  it('a few rows: one table whose columns fit every cell, then the problems', () => {
    const text = written(checkTable(style, 12), [
      result('/certs/a.pem'),
      result('/certs/bb.pem', 'invalid'),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^FILE +BUNDLE ID +TYPE +EXPIRES +DAYS LEFT +STATUS$/);
    // Every column starts where its header does, after two spaces at least.
    const starts = ['BUNDLE ID', 'TYPE', 'EXPIRES', 'DAYS LEFT', 'STATUS'].map((h) =>
      lines[0]!.indexOf(h),
    );
    for (const row of lines.slice(1, 3)) {
      for (const start of starts) expect(row.slice(start - 2, start + 1)).toMatch(/^ {2}\S$/);
    }
    expect(lines[1]).toMatch(/^\/certs\/a\.pem +com\.example\.check +development +\S+ +364 +ok$/);
    expect(lines[2]).toMatch(/^\/certs\/bb\.pem +- +- +- +- +invalid$/);
    expect(lines.slice(3)).toEqual(['', '/certs/bb.pem: it is damaged', '  Export it again.']);
  });

  it('many rows: the first hundred are held to measure the columns, then each row goes out at once', () => {
    const writer = checkTable(style, 20);
    for (let i = 0; i < 99; i++) expect(writer.add(result(`/certs/${i}.pem`))).toEqual([]);
    expect(writer.add(result('/certs/99.pem'))).toHaveLength(101); // the header and 100 rows
    expect(writer.add(result('/certs/100.pem'))).toHaveLength(1);
    expect(writer.end([])).toEqual([]);
  });
});

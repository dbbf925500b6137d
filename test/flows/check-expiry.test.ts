/**
 * The check flow over its ports: each file's outcome is handed over as soon as it is known, so
 * `check` over a large folder holds one certificate at a time, whatever the folder holds.
 */
import { describe, expect, it } from 'vitest';
import {
  checkCertificates,
  checkExitCode,
  type CheckEvent,
  type CheckFile,
} from '../../src/flows/check-expiry.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';
import { fakePorts } from './fake-ports.js';

const now = new Date('2030-06-15T12:00:00Z');
const DAY = 86_400_000;

function folder(count: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const certificate = issueSandboxCertificate({ now }).der;
  for (let i = 0; i < count; i++) files[`/certs/${i}.cer`] = certificate;
  return files;
}

describe('checkCertificates', () => {
  it('hands over each result before it asks for the next file', async () => {
    const ports = fakePorts({ now, files: folder(5) });
    let pulled = 0;
    async function* walk(): AsyncGenerator<CheckFile> {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield { path: `/certs/${i}.cer`, named: false };
      }
    }
    const seen: number[] = [];
    for await (const event of checkCertificates({ files: walk(), days: 30 }, ports)) {
      expect(event.kind).toBe('result');
      seen.push(pulled);
    }
    // The first result came out when one file had been walked, not five.
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives a status per certificate; a key in a folder gives nothing, named it is invalid', async () => {
    const expired = issueSandboxCertificate({
      now,
      notBefore: new Date(now.getTime() - 400 * DAY),
      notAfter: new Date(now.getTime() - 2 * DAY),
    }).der;
    const expiring = issueSandboxCertificate({
      now,
      notAfter: new Date(now.getTime() + 10 * DAY),
    }).der;
    const key = Buffer.from(testKey('leaf').export({ type: 'pkcs8', format: 'pem' }));
    const ports = fakePorts({
      now,
      files: { '/a.cer': expired, '/b.cer': expiring, '/key.pem': key, '/named-key.pem': key },
    });
    const events: CheckEvent[] = [];
    const files = [
      { path: '/a.cer', named: false },
      { path: '/b.cer', named: false },
      { path: '/key.pem', named: false },
      { path: '/named-key.pem', named: true },
    ];
    for await (const event of checkCertificates({ files, days: 30 }, ports)) events.push(event);
    const statuses = events.map((e) =>
      e.kind === 'result' ? [e.result.file, e.result.status] : e,
    );
    expect(statuses).toEqual([
      ['/a.cer', 'expired'],
      ['/b.cer', 'expiring'],
      ['/named-key.pem', 'invalid'],
    ]);
  });
});

describe('checkExitCode', () => {
  it('the worst status wins: expired 3, invalid 2, expiring 1, else 0', () => {
    expect(checkExitCode(['ok', 'expiring', 'invalid', 'expired'])).toBe(3);
    expect(checkExitCode(['ok', 'invalid', 'expiring'])).toBe(2);
    expect(checkExitCode(['expiring', 'ok'])).toBe(1);
    expect(checkExitCode(['ok'])).toBe(0);
  });
});

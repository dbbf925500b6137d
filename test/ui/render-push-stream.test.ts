/**
 * The push report as it streams: the --json array printed object by object (always one valid
 * document), and the text report (one line a token, each kind of answer explained once, a
 * summary), with everything a server sent escaped for the terminal.
 */
import { describe, expect, it } from 'vitest';
import type { PushResult } from '../../src/flows/send-push.js';
import {
  pushFailureObject,
  pushJsonObject,
  PushJsonStream,
  PushTextReport,
} from '../../src/ui/render-push.js';
import { styleFor } from '../../src/ui/style.js';

const plain = styleFor(false, {});

function result(overrides: Partial<PushResult> = {}): PushResult {
  return {
    index: 0,
    token: 'a'.repeat(64),
    topic: 'com.example.push',
    probe: false,
    environment: 'sandbox',
    environmentSource: 'reported',
    endpoint: 'https://127.0.0.1:8443',
    status: 200,
    apnsId: '11111111-2222-3333-4444-555555555555',
    apnsUniqueId: null,
    reason: null,
    ok: true,
    explanation: 'The server at 127.0.0.1:8443 accepted the notification.',
    hint: null,
    attempts: 1,
    otherEnvironment: null,
    failure: null,
    profile: null,
    ...overrides,
  };
}

describe('PushJsonStream', () => {
  it('prints nothing when nothing was added (an input error before any push)', () => {
    expect(new PushJsonStream().end()).toEqual([]);
  });

  it('is one valid JSON array at every size, printed as the objects come', () => {
    for (const count of [1, 2, 5]) {
      const stream = new PushJsonStream();
      const printed: string[] = [];
      for (let i = 0; i < count; i++) {
        printed.push(
          ...stream.add(pushJsonObject(result({ index: i, token: String(i).repeat(64) }))),
        );
        // Nothing but the object still held waits: everything before it is out.
        expect(printed.length).toBe(i === 0 ? 1 : i + 1);
      }
      printed.push(...stream.end());
      const parsed = JSON.parse(printed.join('\n')) as { token: string }[];
      expect(parsed.map((o) => o.token)).toEqual(
        Array.from({ length: count }, (_, i) => String(i).repeat(64)),
      );
    }
  });

  it('ends with the failure object when the run stopped, still valid', () => {
    const stream = new PushJsonStream();
    const printed = [
      ...stream.add(pushJsonObject(result())),
      ...stream.add(
        pushFailureObject(
          {
            message: 'could not connect to 127.0.0.1:1 within 1 s (--timeout).',
            failure: 'timeout',
          },
          null,
        ),
      ),
      ...stream.end(),
    ];
    const parsed = JSON.parse(printed.join('\n')) as Record<string, unknown>[];
    expect(parsed[1]).toMatchObject({
      token: null,
      reason: 'timeout',
      explanation: 'Could not connect to 127.0.0.1:1 within 1 s (--timeout).',
    });
  });

  it('keeps what the server sent exact: JSON escapes control characters itself', () => {
    const reason = '\u001b[2J\u001b]0;title\u0007';
    const stream = new PushJsonStream();
    const printed = [
      ...stream.add(pushJsonObject(result({ status: 400, reason, ok: false }))),
      ...stream.end(),
    ].join('\n');
    expect(printed).not.toContain('\u001b');
    expect((JSON.parse(printed) as { reason: string }[])[0]!.reason).toBe(reason);
  });
});

describe('PushTextReport', () => {
  it('explains the first answer of each kind, then gives one line a token, then a summary', () => {
    const report = new PushTextReport(plain);
    const first = report.add(result({ token: '1'.repeat(64) }));
    expect(first).toEqual([
      '✓ 11111111…11111111  200  https://127.0.0.1:8443, which reports the sandbox',
      '  The server at 127.0.0.1:8443 accepted the notification.',
      '  apns-id 11111111-2222-3333-4444-555555555555',
    ]);
    expect(report.add(result({ token: '2'.repeat(64) }))).toEqual([
      '✓ 22222222…22222222  200  apns-id 11111111-2222-3333-4444-555555555555',
    ]);
    const refused = report.add(
      result({
        token: '3'.repeat(64),
        status: 410,
        reason: 'Unregistered',
        ok: false,
        apnsId: null,
        explanation: 'The device token is no longer active for the topic.',
        hint: 'Stop sending to it.',
      }),
    );
    expect(refused).toHaveLength(3);
    expect(report.summary()).toEqual([
      '2 of 3 pushes were accepted; not accepted: 1 × 410 Unregistered.',
    ]);
  });

  it('explains each kind once however the kinds alternate, and every kind past the hundredth each time', () => {
    const report = new PushTextReport(plain);
    const ofKind = (n: number) =>
      result({ status: 400, reason: `Reason${n}`, ok: false, explanation: `Refused, kind ${n}.` });
    expect(report.add(ofKind(1))).toHaveLength(3);
    expect(report.add(ofKind(2))).toHaveLength(3);
    expect(report.add(ofKind(1))).toHaveLength(1);
    expect(report.add(ofKind(2))).toHaveLength(1);
    for (let n = 3; n <= 100; n += 1) expect(report.add(ofKind(n))).toHaveLength(3);
    // 100 kinds are remembered; the 101st is explained every time it comes.
    expect(report.add(ofKind(101))).toHaveLength(3);
    expect(report.add(ofKind(101))).toHaveLength(3);
    expect(report.add(ofKind(100))).toHaveLength(1);
    expect(report.add(ofKind(1))).toHaveLength(1);
    // The same words from another server are another kind.
    expect(report.add(result({ endpoint: 'https://127.0.0.1:9443' }))).toHaveLength(3);
  });

  it("points to Apple's Push Notifications Console for Apple's ids only", () => {
    const report = new PushTextReport(plain);
    const at = (endpoint: string) =>
      report
        .add(result({ endpoint, apnsId: null, apnsUniqueId: 'abcd-1234' }))
        .find((line) => line.includes('apns-unique-id'));
    const console = "apns-unique-id abcd-1234 (look it up in Apple's Push Notifications Console)";
    expect(at('https://api.sandbox.push.apple.com')).toContain(console);
    expect(at('https://127.0.0.1:8443')).toBe('  apns-unique-id abcd-1234');
    expect(at('https://api.sandbox.push.apple.com:2197')).toContain(console);
  });

  it('says nothing more for a single push', () => {
    const report = new PushTextReport(plain);
    report.add(result());
    expect(report.summary()).toEqual([]);
  });

  it('escapes what a server sent before it reaches the terminal', () => {
    const report = new PushTextReport(plain);
    const lines = report
      .add(
        result({
          status: 400,
          reason: '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007',
          ok: false,
          apnsId: '\u001b[5m',
          explanation:
            'The server at 127.0.0.1:8443 answered 400 with the reason \u001b[2J\u001b[31mPWNED\u001b]0;title\u0007, which apns-setup does not know.',
        }),
      )
      .join('\n');
    expect(controlCharacters(lines)).toEqual([]);
    expect(lines).toContain('400 \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07');
    expect(lines).toContain('apns-id \\x1b[5m');
  });

  it('keeps a reason with a newline on its own line, so it cannot pose as another result', () => {
    const report = new PushTextReport(plain);
    const lines = report.add(
      result({ status: 400, reason: 'Bad\n✓ 00000000…00000000  200', ok: false, apnsId: null }),
    );
    expect(lines[0]).toBe(
      '✗ aaaaaaaa…aaaaaaaa  400 Bad\\n✓ 00000000…00000000  200  https://127.0.0.1:8443, which reports the sandbox',
    );
    expect(lines.filter((line) => line.startsWith('✓'))).toEqual([]);
  });

  it('says what came instead of an answer', () => {
    const report = new PushTextReport(plain);
    const [line] = report.add(
      result({
        status: null,
        ok: false,
        apnsId: null,
        failure: 'timeout',
        explanation: '127.0.0.1:8443 did not answer within 1 s (--timeout).',
      }),
    );
    expect(line).toMatch(/^✗ aaaaaaaa…aaaaaaaa {2}no answer \(timeout\) {2}/);
  });
});

/** The control characters in `text`, newlines apart: what must never reach a terminal raw. */
function controlCharacters(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f);
  });
}

/** The sandbox's log in words: refusals explained, notifications on one line (plus warnings). */
import { describe, expect, it } from 'vitest';
import { answerPush } from '../../src/core/apns/sandbox-rules.js';
import { describeLogEntry } from '../../src/sandbox/describe-entry.js';
import {
  describeBrokenSession,
  describeNoHttp2,
  describeTlsRefusal,
  describeUnresponsive,
} from '../../src/sandbox/refusals.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

const NOW = new Date('2026-11-28T21:14:03Z');
const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const certificate = issueSandboxCertificate({ now: NOW, bundleId: 'com.example.push' }).certificate;

function entryFor(headers: Record<string, string>, path = `/3/device/${TOKEN}`) {
  return answerPush({
    method: 'POST',
    path,
    headers,
    body: Buffer.from('{"aps":{"alert":"Hi"}}'),
    clientCertificate: certificate,
    environment: 'sandbox',
    knownTokens: null,
    newApnsId: () => '3f1c2b9e-7a41-4d2e-9c55-0b6e1f7d8a90',
    newUniqueId: () => 'aaaaaaaa-0000-4000-8000-000000000000',
    now: NOW,
  }).logEntry;
}

describe('a connection the client broke', () => {
  it('names the stream limit when the connection had reached it', () => {
    const entry = describeBrokenSession('ERR_HTTP2_ERROR', 'Protocol error', 1000, 1000, NOW);
    expect(entry.reason).toBe('TOO_MANY_STREAMS');
    expect(describeLogEntry(entry)).toBe(
      '21:14:03 closed a connection: the client opened more than 1000 requests at once on one connection, more than the sandbox allows (its SETTINGS_MAX_CONCURRENT_STREAMS; APNs advertises 1000): wait for answers before sending more.',
    );
  });

  it("keeps nghttp2's words for another breach", () => {
    expect(describeBrokenSession('ERR_HTTP2_ERROR', 'Protocol error', 3, 1000, NOW)).toMatchObject({
      reason: 'ERR_HTTP2_ERROR',
      explanation: 'the client broke the HTTP/2 protocol (Protocol error)',
    });
  });

  it('says an unresponsive connection was closed', () => {
    expect(describeLogEntry(describeUnresponsive(NOW))).toMatch(
      /^21:14:03 closed a connection: the connection stopped responding/,
    );
  });
});

describe('describeTlsRefusal', () => {
  it('explains a refused client certificate by its verification code', () => {
    expect(describeTlsRefusal('ECONNRESET', 'CERT_HAS_EXPIRED', 'socket hang up', NOW)).toEqual({
      event: 'connection-refused',
      time: '2026-11-28T21:14:03.000Z',
      reason: 'CERT_HAS_EXPIRED',
      explanation: 'the client certificate has expired (Apple refuses it during the handshake too)',
    });
  });

  it('keeps an unknown verification code visible', () => {
    expect(describeTlsRefusal('ECONNRESET', 'PATH_LENGTH_EXCEEDED', '', NOW)?.explanation).toBe(
      'the client certificate was refused (PATH_LENGTH_EXCEEDED)',
    );
  });

  it('stays quiet about a client that hung up mid-handshake (a port probe)', () => {
    expect(describeTlsRefusal('ECONNRESET', null, 'socket hang up', NOW)).toBeNull();
  });

  it("keeps OpenSSL's reason of an unknown handshake error, without its file and line", () => {
    const message =
      'C0B7E5F7:error:0A0000EB:SSL routines:tls_early_post_process_client_hello:some new problem:../deps/openssl/openssl/ssl/statem/statem_srvr.c:1234:';
    expect(describeTlsRefusal('ERR_SSL_SOMETHING', null, message, NOW)).toMatchObject({
      reason: 'ERR_SSL_SOMETHING',
      explanation: 'the TLS handshake failed: some new problem',
    });
  });

  it('says HTTP/2 is needed', () => {
    expect(describeNoHttp2(NOW).explanation).toMatch(/HTTP\/2 only \(curl needs --http2\)/);
  });
});

describe('describeLogEntry', () => {
  it('an accepted push: time, status, push type, token, topic and apns-id', () => {
    expect(
      describeLogEntry(entryFor({ 'apns-topic': 'com.example.push', 'apns-push-type': 'alert' })),
    ).toBe(
      '21:14:03 200 accepted alert → 740f4707…61bb78ad (com.example.push), apns-id 3f1c2b9e-7a41-4d2e-9c55-0b6e1f7d8a90',
    );
  });

  it('a refused push: the reason in plain words', () => {
    expect(
      describeLogEntry(entryFor({ 'apns-topic': 'com.example.other', 'apns-push-type': 'alert' })),
    ).toBe(
      '21:14:03 400 TopicDisallowed → 740f4707…61bb78ad (com.example.other): This certificate is not allowed to push to the topic.',
    );
  });

  it('a wrong path shows the path', () => {
    expect(describeLogEntry(entryFor({ 'apns-push-type': 'alert' }, '/2/device/x'))).toBe(
      '21:14:03 404 BadPath → /2/device/x (com.example.push): The request path was not /3/device/<token>.',
    );
  });

  it('warnings go on their own lines', () => {
    expect(describeLogEntry(entryFor({ 'apns-topic': 'com.example.push' })).split('\n')).toEqual([
      expect.stringMatching(/^21:14:03 200 accepted push → /),
      '  Warning: No apns-push-type header: Apple requires it for watchOS 6 and later and recommends it always.',
    ]);
  });

  it('a refused connection', () => {
    expect(describeLogEntry(describeNoHttp2(NOW))).toBe(
      '21:14:03 refused a connection: the client did not offer HTTP/2 (ALPN h2): APNs speaks HTTP/2 only (curl needs --http2).',
    );
  });
});

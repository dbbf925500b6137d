/**
 * curl --http2 --cert ck.pem against the sandbox: a client nobody here wrote, used the way the
 * classic guides use it against Apple.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import {
  portalIdentity,
  startTestSandbox,
  waitForEntry,
  type TestSandbox,
} from '../helpers/sandbox-harness.js';
import { curl, hasCurl } from '../helpers/sandbox-process.js';

// The real clock: curl and the sandbox check the certificate against it.
const now = new Date();

const TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const scratch = scratchDir('apns-setup-curl-');
let running: TestSandbox;
let ckPem: string;

beforeAll(async () => {
  running = await startTestSandbox();
  const identity = portalIdentity(running.state, 'development', {
    now,
    bundleId: 'com.example.curl',
  });
  ckPem = join(scratch.path, 'ck.pem');
  writeFileSync(ckPem, identity.certificatePem + identity.keyPem, { mode: 0o600 });
});

afterAll(async () => {
  await running?.stop();
  scratch.remove();
});

const push = (extra: string[] = [], path = `/3/device/${TOKEN}`, topic = 'com.example.curl') =>
  curl([
    '--http2',
    '--cert',
    ckPem,
    '--cacert',
    running.state.caFile,
    '-H',
    `apns-topic: ${topic}`,
    '-H',
    'apns-push-type: alert',
    '-d',
    '{"aps":{"alert":"hi"}}',
    ...extra,
    `${running.sandbox.url}${path}`,
  ]);

describe.skipIf(!hasCurl)('curl against the sandbox', () => {
  it('gets 200 with apns-id and apns-unique-id', async () => {
    const result = await push();
    expect(result.exitCode).toBe(0);
    expect(result.status).toBe(200);
    expect(result.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.headers['apns-unique-id']).toMatch(/^[0-9a-f-]{36}$/);
    const entry = await waitForEntry(
      running.entries,
      (e) => e.event === 'notification' && e.apnsId === result.headers['apns-id'],
    );
    expect(entry).toMatchObject({ payload: { aps: { alert: 'hi' } }, topic: 'com.example.curl' });
  });

  it('gets Apple’s error bodies', async () => {
    const wrongTopic = await push([], `/3/device/${TOKEN}`, 'com.example.other');
    expect([wrongTopic.status, wrongTopic.body]).toEqual([400, '{"reason":"TopicDisallowed"}']);
    // curl sends a header given twice twice.
    const twice = await push(['-H', 'apns-topic: com.example.curl']);
    expect([twice.status, twice.body]).toEqual([400, '{"reason":"DuplicateHeaders"}']);
    const badToken = await push([], '/3/device/1234');
    expect([badToken.status, badToken.body]).toEqual([400, '{"reason":"BadDeviceToken"}']);
  });

  it('counts a UTF-8 collapse id in bytes, as APNs does', async () => {
    const fits = await push(['-H', `apns-collapse-id: ${'é'.repeat(32)}`]);
    expect(fits.status).toBe(200);
    const tooLong = await push(['-H', `apns-collapse-id: ${'é'.repeat(33)}`]);
    expect([tooLong.status, tooLong.body]).toEqual([400, '{"reason":"BadCollapseId"}']);
    const entry = await waitForEntry(
      running.entries,
      (e) => e.event === 'notification' && e.apnsId === fits.headers['apns-id'],
    );
    expect(entry).toMatchObject({ collapseId: 'é'.repeat(32) });
  });

  it('without --cert: the handshake fails, and the sandbox log says the certificate was missing', async () => {
    const result = await curl([
      '--http2',
      '--cacert',
      running.state.caFile,
      '-d',
      '{}',
      `${running.sandbox.url}/3/device/${TOKEN}`,
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.status).toBeNull();
    await waitForEntry(
      running.entries,
      (e) =>
        e.event === 'connection-refused' &&
        e.reason === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
    );
  });

  it('over HTTP/1.1: refused, and the log says APNs speaks HTTP/2 only', async () => {
    const result = await push(['--http1.1']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/no application protocol/);
    const entry = await waitForEntry(
      running.entries,
      (e) => e.event === 'connection-refused' && e.reason === 'ERR_SSL_NO_APPLICATION_PROTOCOL',
    );
    expect(entry).toMatchObject({ explanation: expect.stringMatching(/HTTP\/2 only/) });
  });

  it('without the sandbox CA: curl refuses the server, and the log says to pass the CA', async () => {
    const result = await curl([
      '--http2',
      '--cert',
      ckPem,
      '-d',
      '{}',
      `${running.sandbox.url}/3/device/${TOKEN}`,
    ]);
    expect(result.exitCode).toBe(60);
    const entry = await waitForEntry(
      running.entries,
      (e) => e.event === 'connection-refused' && e.reason === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    );
    expect(entry).toMatchObject({ explanation: expect.stringMatching(/curl --cacert/) });
  });
});

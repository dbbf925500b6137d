import { describe, expect, it } from 'vitest';
import type { PushResult } from '../../src/flows/send-push.js';
import { pushReport } from '../../src/ui/render-push.js';
import { styleFor } from '../../src/ui/style.js';

const plain = styleFor(false, {});

function accepted(endpoint: string): PushResult {
  return {
    index: 0,
    token: 'a'.repeat(64),
    topic: 'com.example.push',
    probe: false,
    environment: 'sandbox',
    environmentSource: 'apple',
    endpoint,
    status: 200,
    apnsId: '11111111-2222-3333-4444-555555555555',
    apnsUniqueId: '66666666-7777-8888-9999-000000000000',
    reason: null,
    ok: true,
    explanation: 'APNs accepted the notification.',
    hint: null,
    attempts: 1,
    otherEnvironment: null,
    failure: null,
    profile: null,
  };
}

describe('pushReport', () => {
  it("sends people to Apple's Push Notifications Console only for Apple's own ids", () => {
    const apple = pushReport([accepted('https://api.sandbox.push.apple.com')], plain);
    expect(apple).toContain(
      "apns-unique-id 66666666-7777-8888-9999-000000000000 (look it up in Apple's Push Notifications Console)",
    );
    const local = pushReport([accepted('https://127.0.0.1:8443')], plain);
    expect(local).toContain('apns-unique-id 66666666-7777-8888-9999-000000000000');
    expect(local).not.toContain('Push Notifications Console');
  });
});

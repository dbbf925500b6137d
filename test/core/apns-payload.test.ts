import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildAlertPayload,
  loadTemplate,
  PAYLOAD_TEMPLATE_NAMES,
  validatePayload,
} from '../../src/core/apns/payload.js';
import type { PushType } from '../../src/core/apns/payload.js';
import { buildPushRequest } from '../../src/core/apns/request.js';
import { repoRoot } from '../helpers/fixtures.js';

/** `{"aps":{"alert":"xxx…"}}` of exactly `size` bytes. */
function payloadOfSize(size: number): Buffer {
  const shell = '{"aps":{"alert":""}}';
  return Buffer.from(`{"aps":{"alert":"${'x'.repeat(size - shell.length)}"}}`);
}

function caught(run: () => unknown): { code: string; message: string; hint: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string; hint: string };
  }
  throw new Error('expected an error');
}

describe('validatePayload', () => {
  it('accepts exactly 4096 bytes and refuses 4097, saying the size and the limit', () => {
    expect(validatePayload(payloadOfSize(4096), 'alert').bytes).toHaveLength(4096);
    const error = caught(() => validatePayload(payloadOfSize(4097), 'alert'));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toBe(
      'the payload is 4097 bytes; APNs accepts at most 4096 bytes for alert pushes.',
    );
    expect(error.hint).toMatch(/Remove 1 bytes/);
  });

  it('allows 5120 bytes for VoIP and no more', () => {
    expect(validatePayload(payloadOfSize(5120), 'voip').json).toHaveProperty('aps');
    expect(caught(() => validatePayload(payloadOfSize(5121), 'voip')).message).toMatch(
      /5121 bytes; APNs accepts at most 5120 bytes for voip/,
    );
    expect(caught(() => validatePayload(payloadOfSize(4097), 'background')).code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const text = 'é'.repeat(2100); // 2100 characters, 4200 bytes
    const error = caught(() =>
      validatePayload(Buffer.from(JSON.stringify({ aps: { alert: text } })), 'alert'),
    );
    expect(error.message).toMatch(/^the payload is 4220 bytes/);
  });

  it.each([
    ['', 'the payload is empty.'],
    [' \n\t', 'the payload is empty.'],
    ['{"aps":', /^the payload is not valid JSON: /],
    ['[1,2]', 'the payload is JSON but not an object (it is an array).'],
    ['"hello"', 'the payload is JSON but not an object (it is a string).'],
    ['null', 'the payload is JSON but not an object (it is null).'],
    ['{"aps":"hello"}', /"aps" is a string; Apple defines it as a dictionary/],
  ])('refuses %j as INVALID_PAYLOAD', (text, message) => {
    const error = caught(() => validatePayload(Buffer.from(text), 'alert'));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.message).toEqual(
      message instanceof RegExp ? expect.stringMatching(message) : message,
    );
    expect(error.hint).toBeTruthy();
  });

  it('drops a UTF-8 byte-order mark from the bytes to send and refuses UTF-16', () => {
    const json = '{"aps":{"alert":"Hi"}}';
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    expect(Buffer.from(validatePayload(withBom, 'alert').bytes).toString()).toBe(json);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]);
    expect(caught(() => validatePayload(utf16, 'alert')).message).toBe(
      'the payload is UTF-16 text.',
    );
    expect(caught(() => validatePayload(Buffer.from([0x7b, 0xc3, 0x7d]), 'alert')).message).toBe(
      'the payload is not UTF-8 text.',
    );
  });
});

describe('buildAlertPayload', () => {
  it('writes compact JSON with the alert as title and body, badge and sound', () => {
    const bytes = buildAlertPayload({
      alert: 'Hello from apns-setup',
      title: 'Test',
      subtitle: 'Sub',
      badge: '3',
      sound: 'default',
    });
    expect(Buffer.from(bytes).toString()).toBe(
      '{"aps":{"alert":{"title":"Test","subtitle":"Sub","body":"Hello from apns-setup"},"badge":3,"sound":"default"}}',
    );
    expect(Buffer.from(buildAlertPayload({ alert: 'Hi', badge: 0 })).toString()).toBe(
      '{"aps":{"alert":{"body":"Hi"},"badge":0}}',
    );
  });

  it('refuses an empty alert, an empty sound and a badge that is not a whole number', () => {
    expect(caught(() => buildAlertPayload({ alert: ' ' })).message).toBe(
      'the alert text is empty.',
    );
    expect(caught(() => buildAlertPayload({ alert: 'a', sound: '' })).message).toBe(
      '--sound is empty.',
    );
    for (const badge of ['-1', '2.5', 'three', '']) {
      const error = caught(() => buildAlertPayload({ alert: 'a', badge }));
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe(`--badge "${badge}" is not a whole number.`);
    }
  });
});

describe('payload templates', () => {
  const dir = join(repoRoot, 'templates/payloads');
  const templates = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f.replace(/\.json$/, ''), readFileSync(join(dir, f), 'utf8')]),
  );

  it('ships exactly the five templates the push command names', () => {
    expect(Object.keys(templates).sort()).toEqual([...PAYLOAD_TEMPLATE_NAMES].sort());
  });

  it.each(PAYLOAD_TEMPLATE_NAMES.map((n) => [n]))(
    '%s is 2-space indented JSON that passes validation and gets the right push type',
    (name) => {
      const text = templates[name]!;
      expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2) + '\n');
      const bytes = loadTemplate(name, templates);
      const request = buildPushRequest({
        token: 'ab'.repeat(32),
        certificate: { bundleId: 'com.example.app', topics: [], type: 'development' },
        payload: bytes,
      });
      const expected: PushType = name === 'background' ? 'background' : 'alert';
      expect(request.pushType).toBe(expected);
      expect(request.headers['apns-priority']).toBe(name === 'background' ? '5' : '10');
      const aps = validatePayload(bytes, expected).json.aps as Record<string, unknown>;
      if (name === 'background') {
        expect(aps).toEqual({ 'content-available': 1 });
      } else if (name === 'badge') {
        expect(typeof aps.badge).toBe('number');
      } else {
        expect(JSON.stringify(aps.alert)).toMatch(/apns-setup test/);
      }
      if (name === 'sound') expect(aps.sound).toBe('default');
    },
  );

  it('finds a template whatever its case or .json suffix, and lists the names when it cannot', () => {
    expect(Buffer.from(loadTemplate('Banner.json', templates)).toString()).toBe(templates.banner);
    const error = caught(() => loadTemplate('toast', templates));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('there is no payload template named "toast".');
    expect(error.hint).toBe('Use --template with one of: alert, background, badge, banner, sound.');
    expect(caught(() => loadTemplate('constructor', templates)).code).toBe('USAGE');
  });
});

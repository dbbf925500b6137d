/**
 * The notification body: built from `--alert`, read from a file, or taken from a template, and
 * checked the way APNs checks it before a single byte goes on the wire.
 */
import { InputError } from '../errors.js';
import { jsonErrorPosition } from '../json-error-position.js';

/** Values of the `apns-push-type` header. */
export const PUSH_TYPES = [
  'alert',
  'background',
  'location',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
  'pushtotalk',
  'widgets',
] as const;
export type PushType = (typeof PUSH_TYPES)[number];

/** Apple's limits: 4 KB for every push, 5 KB for VoIP. */
export function maxPayloadBytes(pushType: PushType): number {
  return pushType === 'voip' ? 5120 : 4096;
}

export type JsonObject = Record<string, unknown>;

export interface ValidatedPayload {
  json: JsonObject;
  /** The bytes to send: the input without a UTF-8 byte-order mark, which APNs would not accept. */
  bytes: Uint8Array;
}

const PAYLOAD_HINT =
  'Give a JSON object such as {"aps":{"alert":"Hello"}}, or use --alert TEXT or --template alert.';

/** Checks bytes to be sent as a payload: UTF-8 JSON, an object, within the size limit. */
export function validatePayload(bytes: Uint8Array, pushType: PushType): ValidatedPayload {
  const payload = parsePayload(bytes);
  checkPayloadSize(payload.bytes, pushType);
  return payload;
}

/** Parses without the size check, for callers that must read the payload to learn its push type. */
export function parsePayload(input: Uint8Array): ValidatedPayload {
  if (input[0] === 0xff && input[1] === 0xfe) throw utf16Error();
  if (input[0] === 0xfe && input[1] === 0xff) throw utf16Error();
  const bytes =
    input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InputError('INVALID_PAYLOAD', 'the payload is not UTF-8 text.', {
      hint: 'APNs payloads are UTF-8 JSON: save the file as UTF-8.',
      cause,
    });
  }
  if (text.trim() === '') {
    // APNs answers 400 PayloadEmpty for this; say it before connecting.
    throw new InputError('INVALID_PAYLOAD', 'the payload is empty.', { hint: PAYLOAD_HINT });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Where, never what: the file may be something secret given by mistake.
    const at = jsonErrorPosition(text);
    const where =
      at === null
        ? ''
        : at.atEnd
          ? ': it ends too early'
          : `: at line ${at.line}, column ${at.column}`;
    throw new InputError('INVALID_PAYLOAD', `the payload is not valid JSON${where}.`, {
      hint: PAYLOAD_HINT,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(
      'INVALID_PAYLOAD',
      `the payload is JSON but not an object (it is ${describeJson(json)}).`,
      { hint: PAYLOAD_HINT },
    );
  }
  const aps = (json as JsonObject).aps;
  if (aps !== undefined && (typeof aps !== 'object' || aps === null || Array.isArray(aps))) {
    throw new InputError(
      'INVALID_PAYLOAD',
      `the payload's "aps" is ${describeJson(aps)}; Apple defines it as a dictionary.`,
      { hint: 'Write "aps" as an object, e.g. {"aps":{"alert":"Hello"}}.' },
    );
  }
  return { json: json as JsonObject, bytes };
}

export function checkPayloadSize(bytes: Uint8Array, pushType: PushType): void {
  const limit = maxPayloadBytes(pushType);
  if (bytes.length > limit) {
    throw new InputError(
      'PAYLOAD_TOO_LARGE',
      `the payload is ${bytes.length} bytes; APNs accepts at most ${limit} bytes for ${pushType} pushes.`,
      {
        hint: `Remove ${bytes.length - limit} bytes: shorten the text or drop custom keys (APNs would answer 413 PayloadTooLarge).`,
      },
    );
  }
}

function utf16Error(): InputError {
  return new InputError('INVALID_PAYLOAD', 'the payload is UTF-16 text.', {
    hint: 'APNs payloads are UTF-8 JSON: save the file as UTF-8.',
  });
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

export interface AlertOptions {
  alert: string;
  title?: string | undefined;
  subtitle?: string | undefined;
  /** `--badge N`: a string straight from the flag is accepted and checked. */
  badge?: number | string | undefined;
  sound?: string | undefined;
}

/** `--alert TEXT [--title T] [--subtitle S] [--badge N] [--sound NAME]` as compact JSON bytes. */
export function buildAlertPayload(options: AlertOptions): Uint8Array {
  const hint = 'Pass the notification text with --alert, e.g. --alert "Hello from apns-setup".';
  if (options.alert.trim() === '') {
    throw new InputError('USAGE', 'the alert text is empty.', { hint });
  }
  const alert: JsonObject = {};
  if (options.title !== undefined) alert.title = nonEmpty(options.title, '--title');
  if (options.subtitle !== undefined) alert.subtitle = nonEmpty(options.subtitle, '--subtitle');
  alert.body = options.alert;
  const aps: JsonObject = { alert };
  if (options.badge !== undefined) aps.badge = parseBadge(options.badge);
  if (options.sound !== undefined) aps.sound = nonEmpty(options.sound, '--sound');
  return Buffer.from(JSON.stringify({ aps }), 'utf8');
}

function nonEmpty(value: string, flag: string): string {
  if (value.trim() === '') {
    throw new InputError('USAGE', `${flag} is empty.`, {
      hint: `Give ${flag} some text, or leave it out.`,
    });
  }
  return value;
}

function parseBadge(value: number | string): number {
  const text = String(value).trim();
  // Apple: "the number to display in a badge"; 0 removes the badge, negatives mean nothing.
  if (!/^\d{1,9}$/.test(text)) {
    throw new InputError('USAGE', `--badge "${String(value)}" is not a whole number.`, {
      hint: 'Pass the badge count as a number of 0 or more, e.g. --badge 3 (0 clears the badge).',
    });
  }
  return Number(text);
}

/**
 * The templates shipped in templates/payloads/, one `<name>.json` each: the classic guide's four
 * styles plus a silent push. `banner` is an ordinary alert: iOS shows any alert as a banner
 * while the app is in the background, so the payload cannot ask for a banner. `background`
 * carries only `content-available: 1`, which makes it a background push (priority 5).
 */
export const PAYLOAD_TEMPLATE_NAMES = ['alert', 'badge', 'sound', 'banner', 'background'] as const;
export type PayloadTemplateName = (typeof PAYLOAD_TEMPLATE_NAMES)[number];

/**
 * `--template NAME`: `templates` maps a name to the file's text (the flow reads the files).
 * Returns the template's bytes; `validatePayload` checks them like any other payload.
 */
export function loadTemplate(
  name: string,
  templates: Readonly<Record<string, string>>,
): Uint8Array {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/\.json$/, '');
  const text = Object.prototype.hasOwnProperty.call(templates, key) ? templates[key] : undefined;
  if (text === undefined) {
    const names = Object.keys(templates).sort().join(', ');
    throw new InputError('USAGE', `there is no payload template named "${name}".`, {
      hint: `Use --template with one of: ${names}.`,
    });
  }
  return Buffer.from(text, 'utf8');
}

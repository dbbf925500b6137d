/**
 * One APNs request as data: `POST /3/device/<token>` with the `apns-*` headers, every value
 * checked here so that APNs' 400 answers (BadTopic, BadPriority, BadCollapseId, …) are caught
 * before connecting.
 */
import { InputError } from '../errors.js';
import type { CertificateType } from '../pki/types.js';
import { normalizeDeviceToken } from './device-token.js';
import { checkPayloadSize, parsePayload, PUSH_TYPES } from './payload.js';
import type { JsonObject, PushType } from './payload.js';

export type Priority = 1 | 5 | 10;

/** What the request needs to know about the certificate that will sign the connection. */
export interface CertificateFacts {
  bundleId: string | null;
  topics: readonly string[];
  type: CertificateType;
}

export interface PushRequestInput {
  token: string;
  topic?: string | undefined;
  /**
   * The certificate the connection presents; null for token (.p8) authentication, where
   * `topic` is required and names the app as a certificate's bundle id would.
   */
  certificate: CertificateFacts | null;
  /** A `PushType`, or a flag value checked against them. */
  pushType?: string | undefined;
  /** Flag values may arrive as strings; they are checked as strictly as numbers. */
  priority?: number | string | undefined;
  /** UNIX time in seconds; 0 means "deliver once or never". */
  expiration?: number | string | undefined;
  collapseId?: string | undefined;
  apnsId?: string | undefined;
  payload: Uint8Array;
}

export interface PushRequest {
  path: string;
  /**
   * HTTP/2 headers with lower-case names, ready for `session.request()` (`:path` included).
   * Values are byte strings: Node's http2 writes each character as one latin1 byte, so a
   * non-ASCII collapse id is held as its UTF-8 bytes, one character per byte (read it back with
   * `Buffer.from(value, 'latin1').toString('utf8')`).
   */
  headers: Record<string, string>;
  body: Uint8Array;
  token: string;
  topic: string;
  pushType: PushType;
  priority: Priority;
  /** Things that will probably fail at APNs but are the user's call; one sentence each. */
  warnings: string[];
}

/**
 * Topic suffixes Apple assigns to push types (multi-topic certificates list them, e.g.
 * `com.x.app.voip`); longest first so `.voip-ptt` is not read as `.voip`.
 */
const TOPIC_SUFFIXES: readonly (readonly [string, PushType])[] = [
  ['.push-type.liveactivity', 'liveactivity'],
  ['.location-query', 'location'],
  ['.pushkit.fileprovider', 'fileprovider'],
  ['.complication', 'complication'],
  ['.voip-ptt', 'pushtotalk'],
  ['.voip', 'voip'],
];

/** Apple documents these push types as available with token (.p8) authentication only. */
export const TOKEN_AUTH_ONLY: readonly PushType[] = ['liveactivity', 'location'];

const COLLAPSE_ID_MAX_BYTES = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Bundle ids are letters, digits, hyphens and periods (Apple's rule); "_" is tolerated.
const TOPIC = /^[A-Za-z0-9.\-_]+$/;

export function buildPushRequest(input: PushRequestInput): PushRequest {
  const warnings: string[] = [];
  const token = normalizeDeviceToken(input.token);
  const { json, bytes } = parsePayload(input.payload);

  const explicitType = input.pushType === undefined ? undefined : parsePushType(input.pushType);
  const explicitTopic = input.topic === undefined ? undefined : checkTopic(input.topic);

  let topic: string;
  let pushType: PushType;
  const cert = input.certificate ?? { bundleId: null, topics: [], type: 'other' as const };
  if (input.certificate === null) {
    // Token authentication: the key is the team's, so the topic names the app. A plain bundle
    // id gets the suffix of the push type, as a certificate's bundle id does.
    if (explicitTopic === undefined) {
      throw new InputError(
        'USAGE',
        'token authentication needs --topic: a key is for a whole team, not one app.',
        {
          hint: "Pass the app's bundle id, e.g. --topic com.example.app.",
        },
      );
    }
    const implied = pushTypeOfTopic(explicitTopic);
    pushType = explicitType ?? implied ?? pushTypeOfPayload(json);
    if (implied === undefined) {
      topic = explicitTopic + suffixOf(pushType);
    } else {
      topic = explicitTopic;
      if (explicitType !== undefined && implied !== explicitType) {
        warnings.push(
          `Warning: the topic ${topic} is for ${implied} pushes, but --push-type is ${explicitType}: APNs will likely refuse it. Leave out --push-type, or use the topic ${withoutSuffix(topic)}${suffixOf(explicitType)}.`,
        );
      }
    }
  } else if (explicitTopic !== undefined) {
    topic = explicitTopic;
    const implied = pushTypeOfTopic(topic);
    pushType = explicitType ?? implied ?? defaultPushType(cert, json);
    if (explicitType !== undefined && implied !== undefined && implied !== explicitType) {
      warnings.push(
        `Warning: the topic ${topic} is for ${implied} pushes, but --push-type is ${explicitType}: APNs will likely refuse it. Leave out --push-type, or use the topic ${withoutSuffix(topic)}${suffixOf(explicitType)}.`,
      );
    }
  } else {
    if (cert.bundleId === null || cert.bundleId === '') {
      throw new InputError('USAGE', 'the certificate has no bundle id to use as the topic.', {
        hint: "Pass the app's bundle id with --topic, e.g. --topic com.example.app.",
      });
    }
    pushType = explicitType ?? pushTypeOfTopic(cert.bundleId) ?? defaultPushType(cert, json);
    // Apple: VoIP, complication, … pushes go to the bundle id plus that type's suffix.
    const suffix = suffixOf(pushType);
    topic = cert.bundleId.endsWith(suffix) ? cert.bundleId : cert.bundleId + suffix;
  }

  if (input.certificate !== null) {
    checkTopicAgainstCertificate(topic, cert, warnings);
    if (TOKEN_AUTH_ONLY.includes(pushType)) {
      throw new InputError(
        'USAGE',
        `${pushType} pushes need token authentication: Apple accepts them only from a provider that signs with a .p8 key, never over a certificate.`,
        {
          hint: 'Push with --auth-key AuthKey_KEYID.p8 --team-id TEAMID --topic BUNDLE_ID instead of --cert.',
        },
      );
    }
  }

  const priority = choosePriority(input.priority, pushType);
  checkPayloadSize(bytes, pushType);

  const path = `/3/device/${token}`;
  const headers: Record<string, string> = {
    ':method': 'POST',
    ':path': path,
    'apns-topic': topic,
    'apns-push-type': pushType,
    'apns-priority': String(priority),
  };
  if (input.expiration !== undefined) {
    headers['apns-expiration'] = parseExpiration(input.expiration);
  }
  if (input.collapseId !== undefined) {
    headers['apns-collapse-id'] = checkCollapseId(input.collapseId);
  }
  if (input.apnsId !== undefined) headers['apns-id'] = parseApnsId(input.apnsId);

  return { path, headers, body: bytes, token, topic, pushType, priority, warnings };
}

/** The same request for another device token, already normalised (normalizeDeviceToken). */
export function withDeviceToken(request: PushRequest, token: string): PushRequest {
  const path = `/3/device/${token}`;
  return { ...request, token, path, headers: { ...request.headers, ':path': path } };
}

/**
 * The same request signed with a provider token (`authorization: bearer …`). Copied with
 * Object.assign, not spread: the request is usually withDeviceToken's, just made, and spreading
 * a fresh object costs Node 20 some microseconds, once per token.
 */
export function withAuthorization(request: PushRequest, authorization: string): PushRequest {
  const headers: Record<string, string> = Object.assign({}, request.headers);
  headers.authorization = authorization;
  return Object.assign({}, request, { headers });
}

export function parsePushType(value: string): PushType {
  const type = value.trim().toLowerCase();
  if (!(PUSH_TYPES as readonly string[]).includes(type)) {
    throw new InputError('USAGE', `--push-type "${value}" is not an APNs push type.`, {
      hint: `Use one of: ${PUSH_TYPES.join(', ')}.`,
    });
  }
  return type as PushType;
}

/** The push type a topic's suffix stands for, or undefined for a plain bundle id. */
export function pushTypeOfTopic(topic: string): PushType | undefined {
  return TOPIC_SUFFIXES.find(([suffix]) => topic.endsWith(suffix))?.[1];
}

/**
 * Apple's rule for a silent push: `content-available: 1` and nothing the user would see or
 * hear (no alert, badge or sound); such a payload must be sent as `background`.
 */
export function pushTypeOfPayload(json: JsonObject): PushType {
  const aps = json.aps;
  if (typeof aps !== 'object' || aps === null) return 'alert';
  const a = aps as JsonObject;
  const silent =
    a['content-available'] === 1 &&
    a.alert === undefined &&
    a.badge === undefined &&
    a.sound === undefined;
  return silent ? 'background' : 'alert';
}

function defaultPushType(cert: CertificateFacts, json: JsonObject): PushType {
  // A VoIP Services certificate pushes nothing but VoIP.
  return cert.type === 'voip' ? 'voip' : pushTypeOfPayload(json);
}

function suffixOf(pushType: PushType): string {
  return TOPIC_SUFFIXES.find(([, type]) => type === pushType)?.[0] ?? '';
}

function withoutSuffix(topic: string): string {
  const found = TOPIC_SUFFIXES.find(([suffix]) => topic.endsWith(suffix));
  return found === undefined ? topic : topic.slice(0, -found[0].length);
}

function checkTopic(value: string): string {
  const topic = value.trim();
  if (!TOPIC.test(topic)) {
    // node-apn#479: a topic written as <com.x.app> got TopicDisallowed from APNs.
    const what = topic === '' ? 'is empty' : 'may hold only letters, digits, "-", "_" and "."';
    throw new InputError('USAGE', `--topic "${value}" ${what}.`, {
      hint: "Pass the app's bundle id, plus a suffix such as .voip where needed, e.g. --topic com.example.app (no brackets or spaces).",
    });
  }
  return topic;
}

function checkTopicAgainstCertificate(topic: string, cert: CertificateFacts, warnings: string[]) {
  if (cert.topics.length > 0) {
    if (!cert.topics.includes(topic)) {
      warnings.push(
        `Warning: this certificate may push only to ${cert.topics.join(', ')}, not to ${topic}: APNs will likely answer TopicDisallowed. Pass one of them with --topic.`,
      );
    }
  } else if (cert.bundleId !== null && cert.bundleId !== '' && topic !== cert.bundleId) {
    warnings.push(
      `Warning: this certificate is for ${cert.bundleId} alone, not ${topic}: APNs will likely answer TopicDisallowed. Pass --topic ${cert.bundleId}, or use a certificate for ${topic}.`,
    );
  }
}

function choosePriority(value: number | string | undefined, pushType: PushType): Priority {
  if (value === undefined) return pushType === 'background' ? 5 : 10;
  const text = String(value).trim();
  const priority = Number(text);
  if (!/^\d+$/.test(text) || (priority !== 1 && priority !== 5 && priority !== 10)) {
    throw new InputError('USAGE', `--priority "${String(value)}" is not an APNs priority.`, {
      hint: 'Use 10 (send now), 5 (when the device saves power) or 1 (lowest).',
    });
  }
  // Apple: background notifications must be sent with priority 5.
  if (pushType === 'background' && priority !== 5) {
    throw new InputError('USAGE', `background pushes must use priority 5, not ${priority}.`, {
      hint: 'Leave out --priority (apns-setup sends 5), or send an alert push instead.',
    });
  }
  return priority;
}

function parseExpiration(value: number | string): string {
  const text = String(value).trim();
  if (!/^\d{1,12}$/.test(text)) {
    throw new InputError(
      'USAGE',
      `--expiration "${String(value)}" is not a UNIX time in seconds.`,
      {
        hint: 'Pass seconds since 1970 (e.g. `date -d +1hour +%s`), or 0 to deliver once and not store the push.',
      },
    );
  }
  return String(Number(text));
}

function checkCollapseId(value: string): string {
  const size = Buffer.byteLength(value, 'utf8');
  if (size === 0) {
    throw new InputError('USAGE', 'the collapse id is empty.', {
      hint: 'Give --collapse-id some text, or leave it out.',
    });
  }
  if (size > COLLAPSE_ID_MAX_BYTES) {
    throw new InputError(
      'USAGE',
      `the collapse id is ${size} bytes in UTF-8; APNs accepts at most ${COLLAPSE_ID_MAX_BYTES}.`,
      { hint: 'Use a shorter collapse id (APNs would answer 400 BadCollapseId).' },
    );
  }
  // APNs counts the collapse id in UTF-8 bytes; Node would otherwise send `é` as one latin1 byte.
  return Buffer.from(value, 'utf8').toString('latin1');
}

function parseApnsId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!UUID.test(id)) {
    throw new InputError('USAGE', `--apns-id "${value}" is not a UUID.`, {
      hint: 'Pass a UUID such as 123e4567-e89b-12d3-a456-426614174000, or leave it out and APNs makes one.',
    });
  }
  return id;
}

/**
 * How the local sandbox answers one push request, as APNs does: request in, status, headers,
 * body and a log entry out. Pure: the server hands in the peer certificate, the clock and the
 * id generators.
 *
 * The checks run in the order of CHECKS below; the first that objects answers. Apple does not
 * publish its order. Ours puts the device token last on purpose: a credential probe (a
 * well-formed but unknown token) must get `400 BadDeviceToken` only once the certificate, the
 * environment, the topic, the headers and the payload were all accepted, which is what a probe
 * against Apple proves.
 *
 * Sources: Apple's "Sending notification requests to APNs" and "Handling notification
 * responses from APNs"; the validating handler of pushy's mock server (jchambers/pushy) for
 * the shape of the checks; responses recorded from the real service (TopicDisallowed for a
 * malformed topic: node-apn#479; 410 bodies carry a millisecond `timestamp`: buford#12).
 */
import type { CertificateInfo, Environment } from '../pki/types.js';
import { MAX_TOKEN_HEX_DIGITS, MIN_TOKEN_HEX_DIGITS } from './device-token.js';
import { maxPayloadBytes, PUSH_TYPES, type PushType } from './payload.js';
import {
  decodeProviderToken,
  PROVIDER_TOKEN_MIN_INTERVAL_MS,
  verifyProviderToken,
  type ProviderTokenVerdict,
  type TrustedTokenKey,
} from './provider-token.js';
import { APNS_REASONS } from './reasons.js';
import { pushTypeOfTopic } from './request.js';

/** Request headers with lower-case names; a header sent more than once holds an array. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Token (.p8) authentication, as the sandbox was told to accept it. */
export interface SandboxTokenAuth {
  /** The keys whose tokens are accepted, each with its key id and team. */
  keys: readonly TrustedTokenKey[];
  /** The team's bundle ids (`--topics`); a topic is allowed when it is one of them or a typed topic of one (`.voip`, …). null: any topic. */
  topics: readonly string[] | null;
}

/** The provider token a connection last had accepted, and since when it has had it. */
export interface ConnectionToken {
  token: string;
  since: Date;
}

/** What the sandbox knows about a device token from `--tokens`. */
export interface KnownToken {
  /** The app (bundle id) the token was issued to; null when the file does not say. */
  bundleId: string | null;
  /** The environment the token belongs to; null when the file does not say. */
  environment: Environment | null;
  /** Since when the token is no longer valid (410 Unregistered); null while it is. */
  unregisteredSince: Date | null;
}

export interface PushAnswerInput {
  method: string;
  path: string;
  /**
   * Values as Node's http2 hands them over: one character per byte (latin1), so a UTF-8
   * collapse id arrives as its bytes.
   */
  headers: RequestHeaders;
  body: Uint8Array;
  /** The body's real length when the server kept only the start of a very large one. */
  bodyLength?: number;
  clientCertificate: CertificateInfo | null;
  /** Token authentication as APNs does it; absent or null: client certificates only. */
  tokenAuth?: SandboxTokenAuth | null;
  /** The token this connection had accepted before this request; null for its first. */
  connectionToken?: ConnectionToken | null;
  environment: Environment;
  /** null: every well-formed token is accepted. */
  knownTokens: ReadonlyMap<string, KnownToken> | null;
  newApnsId: () => string;
  newUniqueId: () => string;
  now: Date;
}

export interface PushAnswer {
  status: number;
  reason: string | null;
  headers: { 'apns-id': string; 'apns-unique-id'?: string; 'content-type'?: string };
  /** The JSON error body, or null for 200 (APNs sends no body then). */
  body: string | null;
  logEntry: NotificationLogEntry;
  /**
   * The provider token this request proved, which is now the connection's (the server keeps
   * it for the next request's `connectionToken`); null when none was accepted.
   */
  acceptedToken: string | null;
}

/** One line of the sandbox log per request (`--json` prints it as is). */
export interface NotificationLogEntry {
  event: 'notification';
  time: string;
  environment: Environment;
  status: number;
  reason: string | null;
  apnsId: string;
  apnsUniqueId: string | null;
  method: string;
  path: string;
  token: string | null;
  topic: string | null;
  /** Header values as sent (null when absent), so a bad value shows up as the client wrote it. */
  pushType: string | null;
  priority: string | null;
  expiration: string | null;
  collapseId: string | null;
  payloadBytes: number;
  /** The parsed payload when it is JSON within the size limit; otherwise null. */
  payload: unknown;
  certificate: {
    subject: string;
    bundleId: string | null;
    teamId: string | null;
    environments: Environment[];
    sha256: string;
  } | null;
  /**
   * The provider token's key id, team and time of issue as the client wrote them (null when a
   * field is absent or not of its type); null when the request carried no bearer token.
   */
  providerToken: { keyId: string | null; teamId: string | null; issuedAt: string | null } | null;
  /** Things APNs accepts but that are probably mistakes, one sentence each. */
  warnings: string[];
}

/** The facts every check reads, worked out once. */
interface RequestFacts {
  input: PushAnswerInput;
  /** Single-valued headers; a repeated header keeps its first value here. */
  header: (name: string) => string | undefined;
  repeated: string[];
  /** The token part of a `/3/device/<token>` path, or null for another path. */
  token: string | null;
  /** The topic the request is for: the header, or the certificate's only topic. */
  topic: string | null;
  /**
   * The bearer token, when token authentication is on and the request carries an
   * `authorization` header: it then decides, and a client certificate is not looked at.
   */
  providerToken: { token: string | null; verdict: ProviderTokenVerdict } | null;
  pushType: string | undefined;
  bodyLength: number;
}

interface Rejection {
  reason: string;
  timestamp?: number;
}

type Check = (facts: RequestFacts) => Rejection | null;

const DEVICE_PATH = '/3/device/';
// RFC 4122 text form; APNs documents lower case but UUIDs compare case-insensitively.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRIORITIES = new Set(['1', '5', '10']);
const COLLAPSE_ID_MAX_BYTES = 64;
/** Push types whose topic is the bundle id plus a suffix (request.ts TOPIC_SUFFIXES). */
const SUFFIXED_PUSH_TYPES = new Set<string>([
  'voip',
  'complication',
  'fileprovider',
  'liveactivity',
  'pushtotalk',
  'location',
]);
/** HTTP/2 lets a client split `cookie` into several fields (RFC 9113 8.2.3): not a duplicate. */
const MAY_REPEAT = new Set(['cookie']);

const reject = (reason: string): Rejection => ({ reason });

function checkMethod(facts: RequestFacts): Rejection | null {
  return facts.input.method.toUpperCase() === 'POST' ? null : reject('MethodNotAllowed');
}

function checkPath(facts: RequestFacts): Rejection | null {
  const { path } = facts.input;
  if (path === '/3/device' || path === DEVICE_PATH) return reject('MissingDeviceToken');
  return path.startsWith(DEVICE_PATH) ? null : reject('BadPath');
}

function checkDuplicateHeaders(facts: RequestFacts): Rejection | null {
  return facts.repeated.length > 0 ? reject('DuplicateHeaders') : null;
}

function checkMessageId(facts: RequestFacts): Rejection | null {
  const id = facts.header('apns-id');
  return id === undefined || UUID.test(id) ? null : reject('BadMessageId');
}

function checkCredential(facts: RequestFacts): Rejection | null {
  if (facts.providerToken !== null) return checkProviderToken(facts, facts.providerToken);
  const cert = facts.input.clientCertificate;
  if (cert === null) {
    // Without token authentication configured, a bearer token is not enough.
    return reject(
      facts.header('authorization') === undefined ? 'MissingProviderToken' : 'InvalidProviderToken',
    );
  }
  // TLS already refuses an expired certificate; this keeps the rules right on their own.
  const now = facts.input.now.getTime();
  if (now < cert.notBefore.getTime() || now > cert.notAfter.getTime()) {
    return reject('BadCertificate');
  }
  // No sandbox or production extension (classify.ts also gives Website Push ID and Pass Type
  // ID certificates production, where Apple accepts them).
  if (cert.environments.length === 0) return reject('BadCertificate');
  return cert.environments.includes(facts.input.environment)
    ? null
    : reject('BadCertificateEnvironment');
}

/**
 * A bearer token: verified as APNs does, then held to one change per connection every 20
 * minutes (a new token sooner is TooManyProviderTokenUpdates, and the old one stays).
 */
function checkProviderToken(
  facts: RequestFacts,
  bearer: NonNullable<RequestFacts['providerToken']>,
): Rejection | null {
  if (!bearer.verdict.ok) return reject(bearer.verdict.reason);
  const previous = facts.input.connectionToken ?? null;
  if (
    previous !== null &&
    previous.token !== bearer.token &&
    facts.input.now.getTime() - previous.since.getTime() < PROVIDER_TOKEN_MIN_INTERVAL_MS
  ) {
    return reject('TooManyProviderTokenUpdates');
  }
  return null;
}

function checkTopic(facts: RequestFacts): Rejection | null {
  const sent = facts.header('apns-topic');
  if (sent === undefined) return facts.topic === null ? reject('MissingTopic') : null;
  if (sent.trim() === '') return reject('BadTopic');
  if (facts.providerToken !== null) {
    // A team's key pushes to any of its apps; the sandbox knows them from --topics, if given.
    const topics = facts.input.tokenAuth?.topics ?? null;
    return topics === null || topics.some((bundleId) => belongsTo(sent, bundleId))
      ? null
      : reject('TopicDisallowed');
  }
  // Apple answers TopicDisallowed even for a malformed topic such as `<com.x.app>`
  // (node-apn#479), so any topic the certificate does not list gets that answer.
  return allowedTopics(facts.input.clientCertificate).includes(sent)
    ? null
    : reject('TopicDisallowed');
}

function checkPushType(facts: RequestFacts): Rejection | null {
  const type = facts.pushType;
  return type === undefined || (PUSH_TYPES as readonly string[]).includes(type)
    ? null
    : reject('InvalidPushType');
}

function checkPriority(facts: RequestFacts): Rejection | null {
  const priority = facts.header('apns-priority');
  if (priority === undefined) return null;
  if (!PRIORITIES.has(priority)) return reject('BadPriority');
  // Apple: background pushes "must" use priority 5, and sending 10 with only content-available
  // "is an error". Which reason the real service gives is not documented; BadPriority names the
  // header at fault. Strict on purpose, so the bug surfaces here before Apple throttles it.
  // An absent priority is let through: APNs defaults it and accepts the push.
  return priority === '10' && facts.pushType === 'background' ? reject('BadPriority') : null;
}

function checkExpiration(facts: RequestFacts): Rejection | null {
  const expiration = facts.header('apns-expiration');
  if (expiration === undefined) return null;
  return /^\d{1,15}$/.test(expiration) ? null : reject('BadExpirationDate');
}

function checkCollapseId(facts: RequestFacts): Rejection | null {
  const id = facts.header('apns-collapse-id');
  // One character per byte (see PushAnswerInput.headers): the length is the size in bytes.
  return id !== undefined && id.length > COLLAPSE_ID_MAX_BYTES ? reject('BadCollapseId') : null;
}

function checkPayload(facts: RequestFacts): Rejection | null {
  if (facts.bodyLength === 0) return reject('PayloadEmpty');
  return facts.bodyLength > payloadLimit(facts) ? reject('PayloadTooLarge') : null;
}

function checkDeviceToken(facts: RequestFacts): Rejection | null {
  const token = facts.token ?? '';
  if (!isWellFormedToken(token)) return reject('BadDeviceToken');
  const known = facts.input.knownTokens;
  if (known === null) return null;
  const entry = known.get(token.toLowerCase());
  // A token of the other environment is what APNs calls a bad token (a debug build's token
  // sent to production, or the reverse).
  if (entry === undefined) return reject('BadDeviceToken');
  if (entry.environment !== null && entry.environment !== facts.input.environment) {
    return reject('BadDeviceToken');
  }
  const topic = facts.topic;
  if (entry.bundleId !== null && topic !== null && !belongsTo(topic, entry.bundleId)) {
    return reject('DeviceTokenNotForTopic');
  }
  if (entry.unregisteredSince !== null) {
    return { reason: 'Unregistered', timestamp: entry.unregisteredSince.getTime() };
  }
  return null;
}

/** Reasons of the checks that run before the credential's (see CHECKS). */
const PRE_CREDENTIAL_REASONS = new Set([
  'MethodNotAllowed',
  'MissingDeviceToken',
  'BadPath',
  'DuplicateHeaders',
  'BadMessageId',
]);

/** In order; the first objection answers. */
const CHECKS: readonly Check[] = [
  checkMethod,
  checkPath,
  checkDuplicateHeaders,
  checkMessageId,
  checkCredential,
  checkTopic,
  checkPushType,
  checkPriority,
  checkExpiration,
  checkCollapseId,
  checkPayload,
  checkDeviceToken,
];

export function answerPush(input: PushAnswerInput): PushAnswer {
  const facts = readFacts(input);
  let rejection: Rejection | null = null;
  for (const check of CHECKS) {
    rejection = check(facts);
    if (rejection) break;
  }

  const sentId = facts.header('apns-id');
  // Apple returns the client's apns-id as sent, or one it made; a malformed one is replaced.
  const apnsId = sentId !== undefined && UUID.test(sentId) ? sentId : input.newApnsId();
  // apns-unique-id exists only in the development environment (Push Notifications Console).
  const uniqueId =
    rejection === null && input.environment === 'sandbox' ? input.newUniqueId() : null;
  const status = rejection === null ? 200 : statusOf(rejection.reason);
  const body =
    rejection === null
      ? null
      : JSON.stringify(
          rejection.timestamp === undefined
            ? { reason: rejection.reason }
            : { reason: rejection.reason, timestamp: rejection.timestamp },
        );

  return {
    status,
    reason: rejection?.reason ?? null,
    headers: {
      'apns-id': apnsId,
      ...(uniqueId === null ? {} : { 'apns-unique-id': uniqueId }),
      ...(body === null ? {} : { 'content-type': 'application/json' }),
    },
    body,
    logEntry: logEntryOf(facts, status, rejection?.reason ?? null, apnsId, uniqueId),
    acceptedToken:
      facts.providerToken?.verdict.ok === true &&
      // The checks before the credential's say nothing about the token.
      !PRE_CREDENTIAL_REASONS.has(rejection?.reason ?? '') &&
      rejection?.reason !== 'TooManyProviderTokenUpdates'
        ? facts.providerToken.token
        : null,
  };
}

function readFacts(input: PushAnswerInput): RequestFacts {
  const repeated: string[] = [];
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const lower = name.toLowerCase();
    const list = typeof value === 'string' ? [value] : value;
    if (list.length === 0) continue;
    if ((list.length > 1 || values.has(lower)) && !MAY_REPEAT.has(lower)) repeated.push(lower);
    if (!values.has(lower)) values.set(lower, list[0]!);
  }
  const header = (name: string): string | undefined => values.get(name);
  const token = input.path.startsWith(DEVICE_PATH) ? input.path.slice(DEVICE_PATH.length) : null;

  const providerToken = readProviderToken(input, header('authorization'));
  const sentTopic = header('apns-topic');
  // Apple: without apns-topic, a certificate for one topic pushes to that topic (its subject's
  // bundle id); a certificate for several topics needs the header (MissingTopic), and so does
  // a provider token, which is for a whole team.
  const allowed = providerToken === null ? allowedTopics(input.clientCertificate) : [];
  const topic = sentTopic ?? (allowed.length === 1 ? allowed[0]! : null);

  return {
    input,
    header,
    repeated,
    token,
    topic,
    providerToken,
    pushType: header('apns-push-type'),
    bodyLength: input.bodyLength ?? input.body.length,
  };
}

/** `authorization: bearer <JWT>`, verified, when token authentication is on. */
function readProviderToken(
  input: PushAnswerInput,
  authorization: string | undefined,
): RequestFacts['providerToken'] {
  const tokenAuth = input.tokenAuth ?? null;
  if (tokenAuth === null || authorization === undefined) return null;
  const token = /^bearer +(\S+)$/i.exec(authorization.trim())?.[1] ?? null;
  return {
    token,
    verdict:
      token === null
        ? { ok: false, reason: 'InvalidProviderToken', why: 'not "bearer <token>"' }
        : verifyProviderToken(token, tokenAuth.keys, input.now),
  };
}

function allowedTopics(cert: CertificateInfo | null): string[] {
  if (cert === null) return [];
  if (cert.topics.length > 0) return cert.topics;
  return cert.bundleId ? [cert.bundleId] : [];
}

function payloadLimit(facts: RequestFacts): number {
  const type = facts.pushType ?? (facts.topic === null ? undefined : pushTypeOfTopic(facts.topic));
  return maxPayloadBytes((type ?? 'alert') as PushType);
}

function isWellFormedToken(token: string): boolean {
  return (
    /^[0-9a-fA-F]+$/.test(token) &&
    token.length % 2 === 0 &&
    token.length >= MIN_TOKEN_HEX_DIGITS &&
    token.length <= MAX_TOKEN_HEX_DIGITS
  );
}

/** `com.x.app` and its typed topics (`com.x.app.voip`, …) belong to the app `com.x.app`. */
function belongsTo(topic: string, bundleId: string): boolean {
  return topic === bundleId || topic.startsWith(`${bundleId}.`);
}

function statusOf(reason: string): number {
  const info = Object.prototype.hasOwnProperty.call(APNS_REASONS, reason)
    ? APNS_REASONS[reason]
    : undefined;
  return info?.status ?? 400;
}

function logEntryOf(
  facts: RequestFacts,
  status: number,
  reason: string | null,
  apnsId: string,
  apnsUniqueId: string | null,
): NotificationLogEntry {
  const { input, header } = facts;
  const cert = input.clientCertificate;
  const collapseId = header('apns-collapse-id');
  return {
    event: 'notification',
    time: input.now.toISOString(),
    environment: input.environment,
    status,
    reason,
    apnsId,
    apnsUniqueId,
    method: input.method,
    path: input.path,
    token: facts.token,
    topic: facts.topic,
    pushType: facts.pushType ?? null,
    priority: header('apns-priority') ?? null,
    expiration: header('apns-expiration') ?? null,
    collapseId: collapseId === undefined ? null : Buffer.from(collapseId, 'latin1').toString(),
    payloadBytes: facts.bodyLength,
    payload: reason === 'PayloadTooLarge' ? null : parseJson(input.body),
    certificate:
      cert === null
        ? null
        : {
            subject: cert.subject.rfc2253,
            bundleId: cert.bundleId,
            teamId: cert.teamId,
            environments: cert.environments,
            sha256: cert.sha256,
          },
    providerToken: providerTokenOf(facts),
    warnings: reason === null ? warningsFor(facts) : [],
  };
}

/** What the bearer token says of itself, for the log; its fields are the client's, untrusted. */
function providerTokenOf(facts: RequestFacts): NotificationLogEntry['providerToken'] {
  const authorization = facts.header('authorization');
  if (authorization === undefined) return null;
  const jwt = /^bearer +(\S+)$/i.exec(authorization.trim())?.[1];
  const parts = jwt === undefined ? null : decodeProviderToken(jwt);
  const iat = parts?.iat;
  const issuedAt =
    typeof iat === 'number' && Number.isSafeInteger(iat) && Math.abs(iat) < 8.64e12
      ? new Date(iat * 1000).toISOString()
      : null;
  return {
    keyId: typeof parts?.kid === 'string' ? parts.kid : null,
    teamId: typeof parts?.iss === 'string' ? parts.iss : null,
    issuedAt,
  };
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch {
    return null;
  }
}

/**
 * What Apple accepts but a device would not show as meant, or what Apple documents as required
 * without a documented rejection: said in the log rather than refused.
 */
function warningsFor(facts: RequestFacts): string[] {
  const warnings: string[] = [];
  const json = parseJson(facts.input.body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    // Apple documents no reason for a body that is not a JSON object.
    warnings.push(
      'The payload is not a JSON object: APNs documents no rejection for it, but no device would show it.',
    );
  }
  const type = facts.pushType;
  if (type === undefined) {
    warnings.push(
      'No apns-push-type header: Apple requires it for watchOS 6 and later and recommends it always.',
    );
  } else if (facts.topic !== null) {
    const implied = pushTypeOfTopic(facts.topic) ?? null;
    const expected = SUFFIXED_PUSH_TYPES.has(type) ? type : null;
    if (implied !== expected) {
      warnings.push(
        `The push type is ${type} but the topic ${facts.topic} is ${implied === null ? 'a plain bundle id' : `for ${implied} pushes`}: Apple expects voip, complication, fileprovider, liveactivity, pushtotalk and location pushes to go to the bundle id plus that type's suffix (e.g. .voip), and other pushes to the bundle id.`,
      );
    }
  }
  if ((type === 'liveactivity' || type === 'location') && facts.providerToken === null) {
    warnings.push(
      `Apple accepts ${type} pushes only with token (.p8) authentication, not with a certificate.`,
    );
  }
  return warnings;
}

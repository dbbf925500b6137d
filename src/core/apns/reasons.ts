/**
 * Every reason APNs gives for refusing a push, in plain words, with what to do next; and the
 * explanation of one response combined with what the certificate says about itself.
 *
 * Sources: Apple's "Handling notification responses from APNs", the reason table of pushy's mock
 * server (jchambers/pushy RejectionReason.java) and reasons seen in other clients (APNSwift#229).
 */
import type { CertificateType, Environment } from '../pki/types.js';
import { APNS_HOSTS } from './endpoints.js';
import type { ApsEnvironment } from './provisioning-profile.js';

/** How to retry: not at all, after a backoff delay, or at once on a fresh connection. */
export type RetryClass = 'no' | 'backoff' | 'new-connection';

export interface ReasonInfo {
  /** The status APNs sends with this reason. */
  status: number;
  retry: RetryClass;
  /** What happened, in one sentence. */
  meaning: string;
  /** What to do, in one sentence. */
  fix: string;
}

const PUSH_TYPE_LIST =
  'alert, background, voip, complication, fileprovider, mdm, liveactivity, pushtotalk, widgets or location';

export const APNS_REASONS: Readonly<Record<string, ReasonInfo>> = {
  BadCollapseId: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-collapse-id header was longer than 64 bytes.',
    fix: 'Use a collapse id of at most 64 bytes in UTF-8, or leave out --collapse-id.',
  },
  BadDeviceToken: {
    status: 400,
    retry: 'no',
    meaning:
      'APNs did not recognise the device token: it is malformed, or it belongs to the other environment.',
    fix: "Send a debug build's token to the sandbox (--env sandbox) and a TestFlight or App Store build's token to production (--env production).",
  },
  BadExpirationDate: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-expiration header was not a valid UNIX time.',
    fix: 'Pass seconds since 1970, or 0 to deliver once, with --expiration.',
  },
  BadMessageId: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-id header was not a valid UUID.',
    fix: 'Pass a lower-case UUID with --apns-id, or leave it out and APNs makes one.',
  },
  BadPriority: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-priority header was not 1, 5 or 10.',
    fix: 'Use --priority 10, 5 or 1; background pushes need 5.',
  },
  BadTopic: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-topic header was not a valid topic.',
    fix: "Pass the app's bundle id with --topic, plus a suffix such as .voip when the push type needs one.",
  },
  DeviceTokenNotForTopic: {
    status: 400,
    retry: 'no',
    meaning: 'The device token belongs to a different app (bundle id) or team than the topic.',
    fix: "Use a token from the app whose bundle id is the topic, or push with that app's certificate.",
  },
  DuplicateHeaders: {
    status: 400,
    retry: 'no',
    meaning: 'A request header was sent more than once.',
    fix: 'Send each apns-* header once; the client that sent the request has a bug.',
  },
  IdleTimeout: {
    status: 400,
    retry: 'new-connection',
    meaning: 'APNs closed the connection because it had been idle for too long.',
    fix: 'Open a new connection and send again; apns-setup does this by itself.',
  },
  InvalidPushType: {
    status: 400,
    retry: 'no',
    meaning: 'The apns-push-type header was not a push type APNs knows.',
    fix: `Pass --push-type ${PUSH_TYPE_LIST}.`,
  },
  MissingDeviceToken: {
    status: 400,
    retry: 'no',
    meaning: 'The request path carried no device token.',
    fix: 'Pass the device token with --token, as 64 hex digits.',
  },
  MissingTopic: {
    status: 400,
    retry: 'no',
    meaning:
      'The request had no apns-topic header, which a certificate for several topics requires.',
    fix: "Pass the topic with --topic, e.g. the app's bundle id.",
  },
  PayloadEmpty: {
    status: 400,
    retry: 'no',
    meaning: 'The notification payload was empty.',
    fix: 'Give a JSON payload with --payload FILE, --alert TEXT or --template NAME.',
  },
  TopicDisallowed: {
    status: 400,
    retry: 'no',
    meaning: 'This certificate is not allowed to push to the topic.',
    fix: 'Push to a topic the certificate was made for (`apns-setup inspect` lists them), or use the certificate of that app.',
  },
  BadCertificate: {
    status: 403,
    retry: 'no',
    meaning:
      'APNs refused the client certificate: it is revoked, not a push certificate, or not issued by Apple.',
    fix: 'Make a new push certificate in the Apple Developer portal and bring it in with `apns-setup import`.',
  },
  BadCertificateEnvironment: {
    status: 403,
    retry: 'no',
    meaning: 'The client certificate is for the other environment.',
    fix: 'Push to the environment the certificate is for with --env, or make a certificate for this one.',
  },
  ExpiredProviderToken: {
    status: 403,
    retry: 'no',
    meaning: 'The provider authentication token (JWT) is more than an hour old.',
    fix: 'Sign a new token at least once an hour; with a certificate, check that it was sent with the request.',
  },
  Forbidden: {
    status: 403,
    retry: 'no',
    meaning: 'APNs does not allow this sender to make this request.',
    fix: 'Check with `apns-setup inspect` that the certificate is a current Apple push certificate for this app.',
  },
  InvalidProviderToken: {
    status: 403,
    retry: 'no',
    meaning:
      'The provider authentication token (JWT) is invalid: wrong key, key id or team id, or a bad signature.',
    fix: 'Sign the token with the .p8 key whose id is in `kid` and the team id in `iss`; with a certificate, check that it was sent with the request.',
  },
  MissingProviderToken: {
    status: 403,
    retry: 'no',
    meaning: 'APNs received neither a client certificate nor a provider authentication token.',
    fix: 'Pass the certificate together with its private key (--cert ck.pem, a .p12, or --cert with --key), or a token key with --auth-key AuthKey_KEYID.p8 --team-id TEAMID.',
  },
  UnrelatedKeyIdInToken: {
    status: 403,
    retry: 'no',
    meaning: "The provider token's key id (kid) does not belong to the team in its issuer (iss).",
    fix: 'Sign the token with a key made by the same team as the team id in the token.',
  },
  BadEnvironmentKeyInToken: {
    status: 403,
    retry: 'no',
    meaning: "The provider token's key is not enabled for this environment.",
    fix: 'Enable the key for this environment in the Apple Developer portal, or push to the environment the key is for.',
  },
  BadPath: {
    status: 404,
    retry: 'no',
    meaning: 'The request path was not /3/device/<token>.',
    fix: 'Check that --endpoint points at an APNs server and not at a proxy that rewrites paths.',
  },
  MethodNotAllowed: {
    status: 405,
    retry: 'no',
    meaning: 'The request did not use the POST method.',
    fix: 'Send pushes with POST; the client that sent the request has a bug.',
  },
  ExpiredToken: {
    status: 410,
    retry: 'no',
    meaning: 'The device token has expired.',
    fix: 'Stop sending to this token and use the fresh one the app gets when it registers again.',
  },
  Unregistered: {
    status: 410,
    retry: 'no',
    meaning:
      'The device token is no longer active for the topic: the app was removed or its notifications were turned off.',
    fix: 'Stop sending to this token; the app sends a new one if it registers again.',
  },
  PayloadTooLarge: {
    status: 413,
    retry: 'no',
    meaning: 'The payload was larger than APNs allows (4096 bytes, 5120 for VoIP).',
    fix: 'Shorten the text or drop custom keys from the payload.',
  },
  TooManyProviderTokenUpdates: {
    status: 429,
    retry: 'backoff',
    meaning:
      'The provider authentication token was replaced too often (more than once every 20 minutes).',
    fix: 'Reuse each token for 20 to 60 minutes before signing a new one.',
  },
  TooManyRequests: {
    status: 429,
    retry: 'backoff',
    meaning: 'Too many pushes were sent to this device token in a short time.',
    fix: 'Wait a while before sending to this device again.',
  },
  InternalServerError: {
    status: 500,
    retry: 'backoff',
    meaning: 'APNs had an internal error.',
    fix: 'Try again in a moment; apns-setup retries a few times with a growing delay.',
  },
  ServiceUnavailable: {
    status: 503,
    retry: 'new-connection',
    meaning: 'APNs is unavailable for the moment.',
    fix: 'Try again later on a new connection; apns-setup retries a few times.',
  },
  Shutdown: {
    status: 503,
    retry: 'new-connection',
    meaning: 'The APNs server is shutting down this connection.',
    fix: 'Send again on a new connection; apns-setup does this by itself.',
  },
};

/** The entry for `reason`, or undefined for a reason this table does not know. */
export function describeReason(reason: string): ReasonInfo | undefined {
  return Object.prototype.hasOwnProperty.call(APNS_REASONS, reason)
    ? APNS_REASONS[reason]
    : undefined;
}

/** Known reasons decide; an unknown one falls back on its status (429/500 wait, 503 reconnects). */
export function retryClassFor(status: number | null, reason: string | null): RetryClass {
  const info = reason === null ? undefined : describeReason(reason);
  if (info !== undefined) return info.retry;
  if (status === 429 || status === 500) return 'backoff';
  if (status === 503) return 'new-connection';
  return 'no';
}

export interface ResponseCertificate {
  type: CertificateType;
  environments: readonly Environment[];
  bundleId: string | null;
  topics: readonly string[];
}

export interface ResponseContext {
  /** Null when the status line was not seen (a stream reset after the body, a GOAWAY). */
  status: number | null;
  reason: string | null;
  environment: Environment;
  certificate: ResponseCertificate | null;
  topic: string;
  /** True for a credential probe (no --token): a random, well-formed token. */
  probe: boolean;
  /** From a 410 body: milliseconds since 1970, or null when absent or not a number. */
  timestamp?: number | null;
  /**
   * Who answered, as a sentence may begin with it: 'APNs' (the default) for Apple's servers,
   * e.g. 'The server at 127.0.0.1:8443' for another --endpoint.
   */
  server?: string;
  /** Token (.p8) authentication: the key id and team the token named. Absent or null: a certificate. */
  token?: { keyId: string; teamId: string } | null;
  /**
   * This computer's clock minus the server's, in milliseconds, from the answer's `date` header
   * (to the second); null when the server sent none.
   */
  clockOffsetMs?: number | null;
  /**
   * `push --profile`: the provisioning profile of the build the tokens come from. Its
   * aps-environment says where that build registers device tokens; null when the App ID has
   * no push (the app then has no device token at all).
   */
  profile?: { apsEnvironment: ApsEnvironment | null } | null;
}

export interface Explanation {
  ok: boolean;
  explanation: string;
  hint: string | null;
}

export function explainResponse(context: ResponseContext): Explanation {
  const { status, reason, environment, certificate: cert, topic, probe } = context;
  const where = envName(environment);
  const server = context.server ?? 'APNs';
  const token = context.token ?? null;
  const credential =
    token === null
      ? 'this certificate'
      : `the token of key ${token.keyId} for team ${token.teamId}`;

  if (status === 200) {
    return {
      ok: true,
      explanation: probe
        ? `The server accepted the test push for ${topic} in ${where}, so it accepted ${credential} (a local sandbox accepts any well-formed token).`
        : `${server} accepted the notification for ${topic} in ${where}.`,
      hint: null,
    };
  }

  if (reason === 'BadDeviceToken' && probe && (status === 400 || status === null)) {
    return {
      ok: true,
      explanation: `${server} accepted ${credential} for ${topic} in ${where}: the test token was refused as unknown, which is the expected answer to a credential probe.`,
      hint: 'Pass --token with a device token from the app to send a real notification.',
    };
  }

  const info = reason === null ? undefined : describeReason(reason);
  if (reason === null || info === undefined) return explainUnknown(status, reason, server);

  const profile = context.profile ?? null;
  if (profile !== null && (reason === 'BadDeviceToken' || reason === 'BadEnvironmentKeyInToken')) {
    return explainWithProfile(reason, profile.apsEnvironment, context, cert, server);
  }

  if (token !== null) {
    const explained = explainTokenAnswer(reason, info, token, context, server);
    if (explained !== null) return explained;
  }

  switch (reason) {
    case 'BadDeviceToken':
      return {
        ok: false,
        explanation: `${server} in ${where} did not recognise the device token: it is malformed, or it belongs to the other environment.`,
        hint: badDeviceTokenHint(environment, cert),
      };
    case 'BadCertificateEnvironment':
      return explainBadCertificateEnvironment(environment, cert, info, server);
    case 'TopicDisallowed':
      return {
        ok: false,
        explanation: `${server} does not allow this certificate to push to ${topic}${certificateScope(cert)}.`,
        hint: topicHint(topic, cert) ?? info.fix,
      };
    case 'DeviceTokenNotForTopic':
      return {
        ok: false,
        explanation: `The device token belongs to another app or team than ${topic}${certificateScope(cert)}.`,
        hint: topic.endsWith('.voip')
          ? 'A VoIP push needs the PushKit token (pushRegistry(_:didUpdate:for:)), not the one from registerForRemoteNotifications.'
          : `Use a token from the app whose bundle id is ${withoutTypeSuffix(topic)}, or push with the certificate of the app the token came from.`,
      };
    case 'MissingTopic':
      return {
        ok: false,
        explanation:
          cert !== null && cert.topics.length > 0
            ? `APNs needs the apns-topic header because this certificate covers several topics (${cert.topics.join(', ')}).`
            : info.meaning,
        hint: info.fix,
      };
    case 'Unregistered':
    case 'ExpiredToken':
      return {
        ok: false,
        explanation: info.meaning + since(context.timestamp),
        hint: info.fix,
      };
    default:
      return { ok: false, explanation: info.meaning, hint: info.fix };
  }
}

/** The answers whose words differ with token (.p8) authentication; null for the others. */
function explainTokenAnswer(
  reason: string,
  info: ReasonInfo,
  token: { keyId: string; teamId: string },
  context: ResponseContext,
  server: string,
): Explanation | null {
  const { keyId, teamId } = token;
  const offset = context.clockOffsetMs ?? null;
  const clockFix =
    'Set this computer’s clock right (turn on network time: `timedatectl set-ntp true`, or Date & Time → Set automatically), then push again.';
  switch (reason) {
    case 'InvalidProviderToken': {
      // A clock running ahead makes the token's iat lie in the server's future.
      if (offset !== null && offset >= CLOCK_SKEW_MS) {
        return {
          ok: false,
          explanation: `${server} refused the provider token as invalid, and this computer’s clock is ${clockOffsetWords(offset)} the server’s (by its date header): a token issued in the server’s future is invalid.`,
          hint: clockFix,
        };
      }
      return {
        ok: false,
        explanation: `${server} refused the provider token of key ${keyId}, team ${teamId}: the key id, the team id or the key is wrong, or the key was revoked.`,
        hint: `At developer.apple.com → Certificates, Identifiers & Profiles → Keys, check that key ${keyId} exists (a revoked key fails at once), has Apple Push Notifications service enabled, and that ${teamId} is its team's ID (Membership); sign with that key's own AuthKey_${keyId}.p8.`,
      };
    }
    case 'ExpiredProviderToken':
      return {
        ok: false,
        explanation:
          offset !== null && Math.abs(offset) >= CLOCK_SKEW_MS
            ? `${server} says the provider token is more than an hour old, though it was signed just now: this computer’s clock is ${clockOffsetWords(offset)} the server’s (by its date header).`
            : `${server} says the provider token is more than an hour old, though it was signed just now: this computer’s clock is probably wrong${offset === null ? '' : ' (it agrees with the server’s date header within a minute, so check the server too)'}.`,
        hint: clockFix,
      };
    case 'MissingProviderToken':
      return {
        ok: false,
        explanation: `${server} received no provider token, although apns-setup sent one in the authorization header.`,
        hint: 'Check that nothing between here and the server (a proxy) strips the authorization header.',
      };
    case 'TooManyProviderTokenUpdates':
      return {
        ok: false,
        explanation: `${info.meaning} apns-setup signs one token per run and a new one at most every 20 minutes.`,
        hint: `If another provider signs with key ${keyId} too, let it reuse each token for 20 to 60 minutes instead of signing one per push.`,
      };
    case 'TopicDisallowed':
      return {
        ok: false,
        explanation: `${server} does not allow team ${teamId} to push to ${context.topic}.`,
        hint: `Pass the bundle id of one of team ${teamId}'s apps with --topic, and check that key ${keyId} belongs to the team that owns the app.`,
      };
    case 'DeviceTokenNotForTopic':
      return {
        ok: false,
        explanation: `The device token belongs to another app or team than ${context.topic}.`,
        hint: context.topic.endsWith('.push-type.liveactivity')
          ? "A Live Activity push needs the activity's push token (Activity.pushTokenUpdates), not the app's device token."
          : context.topic.endsWith('.location-query')
            ? 'A location push needs the token from startMonitoringLocationPushes, not the app’s device token.'
            : `Use a token from the app whose bundle id is ${withoutTypeSuffix(context.topic)}.`,
      };
    default:
      return null;
  }
}

/** `development` → the sandbox, `production` → production (as apnsEnvironmentOfProfile). */
function tokenEnvironmentOf(aps: ApsEnvironment): Environment {
  return aps === 'development' ? 'sandbox' : 'production';
}

/** "aps-environment development: a build signed with it registers sandbox tokens (api.sandbox…)". */
export function profileEnvironmentWords(aps: ApsEnvironment): string {
  const environment = tokenEnvironmentOf(aps);
  const builds =
    aps === 'development'
      ? 'a development build (run from Xcode)'
      : 'an ad hoc, TestFlight or App Store build';
  return `the profile's aps-environment is ${aps}: ${builds} signed with it registers its device tokens with ${envName(environment)} (${APNS_HOSTS[environment]})`;
}

/**
 * BadDeviceToken and BadEnvironmentKeyInToken when `--profile` says which environment the
 * build's tokens belong to: the profile's aps-environment decides what to do.
 */
function explainWithProfile(
  reason: 'BadDeviceToken' | 'BadEnvironmentKeyInToken',
  aps: ApsEnvironment | null,
  context: ResponseContext,
  cert: ResponseCertificate | null,
  server: string,
): Explanation {
  const { environment } = context;
  const where = envName(environment);
  const refused =
    reason === 'BadDeviceToken'
      ? `${server} in ${where} did not recognise the device token`
      : `${server} says the provider token's key is not enabled for ${where}`;
  if (aps === null) {
    return {
      ok: false,
      explanation: `${refused}, and the profile has no aps-environment: its App ID has no Push Notifications capability, so the app signed with it cannot receive pushes and has no device token.`,
      hint: 'Turn on Push Notifications for the App ID at developer.apple.com (Identifiers), download the profile again (or let Xcode regenerate it), rebuild, and push to the token that build registers.',
    };
  }
  const tokens = tokenEnvironmentOf(aps);
  const other: Environment = environment === 'sandbox' ? 'production' : 'sandbox';
  if (tokens !== environment) {
    const certificateOnly =
      cert !== null && cert.environments.length > 0 && !cert.environments.includes(tokens);
    return {
      ok: false,
      explanation: `${refused}: ${profileEnvironmentWords(aps)}, not with ${where}.`,
      hint: certificateOnly
        ? `This certificate is for ${where} only: make ${certificateKind(tokens)} certificate and push with --env ${tokens}.`
        : `Push with --env ${tokens}.`,
    };
  }
  if (reason === 'BadEnvironmentKeyInToken') {
    return {
      ok: false,
      explanation: `${refused}, which is where this build's tokens belong: ${profileEnvironmentWords(aps)}.`,
      hint: `At developer.apple.com → Keys, make the key work in ${where} (or in both: Sandbox & Production), or sign with a key that does.`,
    };
  }
  return {
    ok: false,
    explanation: `${refused}, though ${profileEnvironmentWords(aps)}: the token does not come from a build signed with this profile, or it was not copied whole.`,
    hint: `Take the token from the build signed with this profile (it changes when the app is reinstalled); a token from ${other === 'sandbox' ? 'a build run from Xcode' : 'a TestFlight or App Store build'} belongs to ${envName(other)}.`,
  };
}

/** A clock this far from the server's is worth a word (the date header has whole seconds). */
const CLOCK_SKEW_MS = 60 * 1000;

/** "1 h 5 min ahead of", "3 min 20 s behind": this computer's clock against the server's. */
export function clockOffsetWords(offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const parts = [
    days > 0 ? `${days} d` : null,
    hours > 0 ? `${hours} h` : null,
    minutes > 0 ? `${minutes} min` : null,
    rest > 0 && days === 0 && hours === 0 ? `${rest} s` : null,
  ].filter((part) => part !== null);
  return `${parts.length === 0 ? '0 s' : parts.join(' ')} ${offsetMs > 0 ? 'ahead of' : 'behind'}`;
}

function explainUnknown(status: number | null, reason: string | null, server: string): Explanation {
  const answer = status === null ? `${server} answered` : `${server} answered ${status}`;
  const retry = retryClassFor(status, reason);
  const hint =
    retry !== 'no'
      ? 'This is usually temporary: try again in a moment.'
      : reason === null
        ? 'Look up the status in Apple\'s "Handling notification responses from APNs".'
        : `Look up "${reason}" in Apple's "Handling notification responses from APNs".`;
  return {
    ok: false,
    explanation:
      reason === null
        ? `${answer} without a reason.`
        : `${answer} with the reason ${reason}, which apns-setup does not know.`,
    hint,
  };
}

function badDeviceTokenHint(environment: Environment, cert: ResponseCertificate | null): string {
  const other: Environment = environment === 'sandbox' ? 'production' : 'sandbox';
  const origin =
    environment === 'sandbox'
      ? "A TestFlight or App Store build's token is a production token"
      : 'A token from a build run from Xcode (a debug build) is a sandbox token';
  let next: string;
  if (cert === null || cert.environments.includes(other)) {
    next = `push it with --env ${other}`;
  } else {
    next = `this certificate is for ${envName(environment)} only, so make ${certificateKind(other)} certificate and push with --env ${other}`;
  }
  return `${origin}: ${next}; otherwise check that the token was copied whole.`;
}

function explainBadCertificateEnvironment(
  environment: Environment,
  cert: ResponseCertificate | null,
  info: ReasonInfo,
  server: string,
): Explanation {
  const where = envName(environment);
  if (cert === null) {
    return {
      ok: false,
      explanation: `${server} says the client certificate is not for ${where}.`,
      hint: info.fix,
    };
  }
  if (cert.environments.length === 0) {
    return {
      ok: false,
      explanation: `${server} refused the certificate in ${where}: it carries neither Apple's sandbox nor production push extension.`,
      hint: 'Push with an Apple Push Services certificate; `apns-setup inspect` shows what a certificate is for.',
    };
  }
  if (!cert.environments.includes(environment)) {
    const other: Environment = environment === 'sandbox' ? 'production' : 'sandbox';
    return {
      ok: false,
      explanation: `This certificate is for ${envName(other)} only, and you pushed to ${where}.`,
      hint: `Use --env ${other}, or make ${certificateKind(environment)} certificate.`,
    };
  }
  return {
    ok: false,
    explanation: `${server} says the certificate is not for ${where}, although it carries Apple's ${environment} extension.`,
    hint: `Check that --env and --endpoint name the same environment: the sandbox is api.sandbox.push.apple.com, production is api.push.apple.com.`,
  };
}

function topicHint(topic: string, cert: ResponseCertificate | null): string | null {
  if (cert === null) return null;
  if (cert.topics.length > 0 && !cert.topics.includes(topic)) {
    return `Pass one of the certificate's topics with --topic: ${cert.topics.join(', ')}.`;
  }
  if (cert.topics.length === 0 && cert.bundleId !== null && cert.bundleId !== topic) {
    return `Pass --topic ${cert.bundleId}, or push with the certificate made for ${topic}.`;
  }
  return 'The certificate names this topic, so check in the Apple Developer portal that it has not been revoked.';
}

function certificateScope(cert: ResponseCertificate | null): string {
  if (cert === null || cert.bundleId === null) return '';
  if (cert.topics.length === 0) return `; this certificate is for ${cert.bundleId} only`;
  return `; this certificate is for ${cert.bundleId} (topics ${cert.topics.join(', ')})`;
}

function withoutTypeSuffix(topic: string): string {
  return topic.replace(
    /\.(voip|voip-ptt|complication|pushkit\.fileprovider|push-type\.liveactivity|location-query)$/,
    '',
  );
}

function since(timestamp: number | null | undefined): string {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return '';
  const date = new Date(timestamp);
  // Date's range is ±8.64e15 ms; anything outside is not a real timestamp.
  if (Number.isNaN(date.getTime())) return '';
  return ` APNs has known it to be invalid since ${date.toISOString()}.`;
}

function envName(environment: Environment): string {
  return environment === 'sandbox' ? 'the sandbox' : 'production';
}

function certificateKind(environment: Environment): string {
  return environment === 'sandbox'
    ? 'a development (sandbox) or universal'
    : 'a production or universal';
}

export interface ErrorBody {
  reason: string | null;
  /** Milliseconds since 1970 from a 410 body; null when absent or not a number. */
  timestamp: number | null;
}

/** Reads an APNs error body without trusting it: bad JSON or odd fields give nulls, never a throw. */
export function parseErrorBody(body: Uint8Array | string): ErrorBody {
  const text = (typeof body === 'string' ? body : new TextDecoder().decode(body))
    .replace(/^\uFEFF/, '')
    .trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A truncated body may still name the reason.
    const reason = /"reason"\s*:\s*"([^"]*)"/.exec(text)?.[1]?.trim();
    const timestamp = /"timestamp"\s*:\s*(\d+)/.exec(text)?.[1];
    return {
      reason: reason === undefined || reason === '' ? null : reason,
      timestamp: timestamp === undefined ? null : Number(timestamp),
    };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { reason: null, timestamp: null };
  }
  const fields = json as Record<string, unknown>;
  const reason = typeof fields.reason === 'string' ? fields.reason.trim() : '';
  return { reason: reason === '' ? null : reason, timestamp: readTimestamp(fields.timestamp) };
}

function readTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  // sideshow/apns2 tests a body with "2016-01-16 17:44:04 +1300": not milliseconds, so null.
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return null;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): the cap doubles each time up
 * to `maxMs`, and the delay is drawn from its upper half ("equal jitter") so clients that failed
 * together do not retry together. `random` is in [0, 1), e.g. Math.random() from the caller.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions, random: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retryDelayMs needs an attempt number of 1 or more, got ${attempt}.`);
  }
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  const jitter = Math.min(Math.max(Number.isFinite(random) ? random : 0, 0), 1);
  return Math.round(cap / 2 + (cap / 2) * jitter);
}

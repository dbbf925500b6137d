/**
 * The push journey's first half: everything the user gave (tokens, payload, headers, the
 * credential, the endpoint) is read and checked before connecting, so a typo costs no
 * connection, and the request is built. What looks wrong but may be meant is a warning.
 *
 * Tokens are never all held at once: a tokens file is read through once to check every line
 * and count the distinct tokens, then read again as the pushes go out; tokens piped to stdin
 * (`--tokens-file -`) are checked as they come, since stdin cannot be read twice.
 */
import type { KeyObject } from 'node:crypto';
import { probeDeviceToken, normalizeDeviceToken } from '../core/apns/device-token.js';
import {
  chooseEnvironment,
  endpointFor,
  parseEndpointUrl,
  type Endpoint,
  type RequestedEnvironment,
} from '../core/apns/endpoints.js';
import {
  buildAlertPayload,
  loadTemplate,
  parsePayload,
  PAYLOAD_TEMPLATE_NAMES,
} from '../core/apns/payload.js';
import { apnsEnvironmentOfProfile, profileCoversTopic } from '../core/apns/provisioning-profile.js';
import { buildPushRequest, withDeviceToken, type PushRequest } from '../core/apns/request.js';
import { TokenLineSplitter, tokenOfLine } from '../core/apns/token-lines.js';
import { keyIdFromFileName, openTokenKey } from '../core/apns/token-key.js';
import { TokenSet } from '../core/apns/token-set.js';
import { daysLeft, RENEWAL_WINDOW_DAYS } from '../core/expiry.js';
import { inFile, InputError, isApnsSetupError, withFileName } from '../core/errors.js';
import { keyMatchesSpki } from '../core/pki/key-match.js';
import { encodePem } from '../core/pki/pem.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import type { PushPorts, PushProfileFacts } from './push-ports.js';
import { openMaterial, readCertificates } from './read-file-material.js';
import { openProvisioningProfile } from './read-profile.js';
import { pushRefusals } from './refusals.js';

export interface PushInput {
  /** ck.pem, a .p12, or a certificate PEM (with `key`); or `authKey` instead. */
  cert?: string | undefined;
  key?: string | undefined;
  /** Token authentication: the `AuthKey_KEYID.p8`, with `teamId` and (unless in its name) `keyId`. */
  authKey?: string | undefined;
  teamId?: string | undefined;
  keyId?: string | undefined;
  tokens: readonly string[];
  /** One token a line; `-` for stdin. */
  tokensFile?: string | undefined;
  topic?: string | undefined;
  env?: RequestedEnvironment | undefined;
  /** A JSON file, or `-` for stdin. */
  payload?: string | undefined;
  alert?: string | undefined;
  title?: string | undefined;
  subtitle?: string | undefined;
  badge?: string | undefined;
  sound?: string | undefined;
  template?: string | undefined;
  pushType?: string | undefined;
  priority?: string | undefined;
  expiration?: string | undefined;
  collapseId?: string | undefined;
  apnsId?: string | undefined;
  /** Apple's port: 443 or 2197. */
  port?: number | undefined;
  /** Another APNs-compatible server, e.g. a local sandbox. */
  endpoint?: string | undefined;
  /** A CA certificate file to trust instead of Node's roots. */
  ca?: string | undefined;
  /** `--profile`: the provisioning profile of the build the tokens come from. */
  profile?: string | undefined;
  /** Bounds the whole exchange with the server: connecting, every answer, retries and waits. */
  timeoutMs: number;
}

/**
 * The tokens to push to, each once, in the order given: in batches, as a file's chunks come
 * (a few thousand at a time), since one step of an async iterator per token cost more than
 * the push's own bookkeeping.
 */
export interface TokenSource extends AsyncIterable<readonly string[]> {
  /** How many distinct tokens; null when they are read from stdin as they come. */
  count: number | null;
}

/** How the pushes prove who sends them: a client certificate, or provider tokens signed with a .p8. */
export type PushCredential =
  | { kind: 'certificate'; file: string; certificate: CertificateInfo; key: KeyObject }
  | { kind: 'token'; file: string; key: KeyObject; keyId: string; teamId: string };

export interface PushPlan {
  /** The request, checked once: every token gets it with its own `:path` (withDeviceToken). */
  template: PushRequest;
  tokens: TokenSource;
  probe: boolean;
  credential: PushCredential;
  /** PEM to trust instead of Node's roots (--ca). */
  ca: string | undefined;
  /** The environment answers are explained for. */
  environment: Environment;
  primary: Endpoint;
  /** Apple's port, for the other environment's host. */
  port: number;
  /** A universal certificate's (or a token key's) BadDeviceToken is tried in the other environment. */
  retryOther: boolean;
  /** --endpoint names a server that is not Apple's: its environment is what it says, if anything. */
  customEndpoint: boolean;
  /** `--profile`: the build the tokens come from, and where it registers them. */
  profile: PushProfileFacts | null;
}

/** Reads and checks every input, says what looks wrong, and builds the requests. */
export async function planPush(input: PushInput, ports: PushPorts): Promise<PushPlan> {
  checkCredentialFlags(input);
  if (input.payload === '-' && input.tokensFile === '-') {
    throw new InputError('USAGE', pushRefusals.stdinTwice, { hint: pushRefusals.stdinTwiceHint });
  }
  const payload = await readPayload(input, ports);
  inFile(payload.label, () => parsePayload(payload.bytes));
  const probeToken = probeDeviceToken(ports.randomBytes(32));
  const tokens = await readTokens(input, ports, probeToken);
  const custom = readEndpoint(input);
  const ca = input.ca === undefined ? undefined : await readTrustedCa(input.ca, ports);
  const credential =
    input.authKey === undefined
      ? await readCertificateCredential(input.cert!, input, ports)
      : await readTokenCredential(input.authKey, input, ports);
  const profile = input.profile === undefined ? null : await readPushProfile(input.profile, ports);

  if (credential.kind === 'certificate') {
    warnAboutCertificate(credential.file, credential.certificate, ports);
  }
  // A token key is the team's, for both environments (Apple lets a key be limited to one, in
  // which case APNs answers BadEnvironmentKeyInToken).
  const environments: readonly Environment[] =
    credential.kind === 'certificate'
      ? credential.certificate.environments
      : ['sandbox', 'production'];
  const choice = chooseEnvironment({
    requested: input.env,
    certificateEnvironments: environments,
  });
  if (choice.warning !== null) ports.warn({ kind: 'advice', text: choice.warning });
  else if (credential.kind === 'certificate' && environments.length === 0) {
    const { file, certificate } = credential;
    ports.warn({ kind: 'not-apns', file, certificate, doing: 'push' });
  }
  const requested = input.env === 'auto' ? undefined : input.env;
  if (custom?.environment && requested !== undefined && requested !== custom.environment) {
    ports.warn({
      kind: 'endpoint-environment',
      requested,
      endpointEnvironment: custom.environment,
    });
  }
  // Free to choose (no --env, or auto, and a credential for both): the profile's build says
  // where its tokens live, so that host is tried first.
  const tokenEnvironment = profile?.tokenEnvironment ?? null;
  const chosen =
    choice.retryOtherOnBadDeviceToken && tokenEnvironment !== null
      ? tokenEnvironment
      : choice.environment;
  const environment = custom?.environment ?? chosen;
  if (profile !== null && profile.apsEnvironment !== null && tokenEnvironment !== environment) {
    ports.warn({
      kind: 'profile-environment',
      file: profile.file,
      apsEnvironment: profile.apsEnvironment,
      tokenEnvironment: tokenEnvironment!,
      pushEnvironment: environment,
      because: custom?.environment ? 'endpoint' : requested !== undefined ? 'env' : 'certificate',
    });
  }
  const port = input.port ?? 443;

  const facts =
    credential.kind === 'certificate'
      ? {
          bundleId: credential.certificate.bundleId,
          topics: credential.certificate.topics,
          type: credential.certificate.type,
        }
      : null;
  // Nothing in the request but its path depends on the token: build and check it once.
  const template = buildRequest(input, probeToken, facts, payload);
  for (const warning of new Set(template.warnings)) {
    ports.warn({ kind: 'advice', text: warning });
  }
  if (
    profile !== null &&
    profile.bundleId !== null &&
    !profileCoversTopic(profile.bundleId, template.topic)
  ) {
    ports.warn({
      kind: 'profile-bundle-id',
      file: profile.file,
      bundleId: profile.bundleId,
      topic: template.topic,
    });
  }
  return {
    template,
    tokens: tokens.source,
    probe: tokens.probe,
    credential,
    ca,
    environment,
    primary: custom ?? endpointFor(environment, port),
    port,
    // The other environment is another Apple host; a custom endpoint is one server.
    retryOther: custom === null && choice.retryOtherOnBadDeviceToken,
    customEndpoint: custom !== null && custom.environment === null,
    profile,
  };
}

/**
 * `--profile`: the provisioning profile read before connecting (a file that is not one is a
 * one-line error, exit 2), and what about it is worth a warning: no push at all, or expired.
 */
async function readPushProfile(file: string, ports: PushPorts): Promise<PushProfileFacts> {
  let info;
  try {
    info = await openProvisioningProfile(ports, file);
  } catch (error) {
    // A .p12 or an encrypted key asks for a passphrase: the point is that it is not a profile.
    if (isApnsSetupError(error) && error.code === 'PASSPHRASE_REQUIRED') {
      throw new InputError('WRONG_KIND', pushRefusals.profileNotAProfile(file), {
        hint: pushRefusals.profileNotAProfileHint,
      });
    }
    throw error;
  }
  if (info.apsEnvironment === null) {
    ports.warn({ kind: 'profile-without-push', file, unknownValue: info.unknownApsEnvironment });
  }
  if (info.expirationDate.getTime() <= ports.now().getTime()) {
    ports.warn({ kind: 'profile-expired', file, expirationDate: info.expirationDate });
  }
  return {
    file,
    name: info.name,
    apsEnvironment: info.apsEnvironment,
    tokenEnvironment: apnsEnvironmentOfProfile(info),
    bundleId: info.bundleId,
  };
}

interface PayloadSource {
  /** Where the payload came from, in front of its errors: a file, `stdin`, `--alert`. */
  label: string;
  bytes: Uint8Array;
}

async function readPayload(input: PushInput, ports: PushPorts): Promise<PayloadSource> {
  const given = [
    input.payload === undefined ? null : '--payload',
    input.alert === undefined ? null : '--alert',
    input.template === undefined ? null : '--template',
  ].filter((flag) => flag !== null);
  if (given.length > 1) {
    throw new InputError('USAGE', pushRefusals.severalPayloadSources(given), {
      hint: pushRefusals.severalPayloadSourcesHint,
    });
  }
  if (input.alert === undefined) {
    for (const [flag, value] of [
      ['--title', input.title],
      ['--subtitle', input.subtitle],
      ['--badge', input.badge],
      ['--sound', input.sound],
    ] as const) {
      if (value !== undefined) {
        throw new InputError('USAGE', pushRefusals.alertPartWithoutAlert(flag), {
          hint: pushRefusals.alertPartWithoutAlertHint(flag),
        });
      }
    }
  }
  if (input.payload === '-') return { label: 'stdin', bytes: await ports.readStdin() };
  if (input.payload !== undefined) {
    return { label: input.payload, bytes: await ports.readFile(input.payload) };
  }
  if (input.alert !== undefined) {
    const { alert, title, subtitle, badge, sound } = input;
    return { label: '--alert', bytes: buildAlertPayload({ alert, title, subtitle, badge, sound }) };
  }
  const name = input.template ?? 'alert';
  const templates: Record<string, string> = {};
  for (const template of PAYLOAD_TEMPLATE_NAMES) {
    templates[template] = await ports.readTemplate(`payloads/${template}.json`);
  }
  return { label: `the ${name} template`, bytes: loadTemplate(name, templates) };
}

/** Repeated tokens are each warned about, up to this many; the rest are counted. */
const DUPLICATE_WARNINGS = 10;

/** Says which tokens are listed more than once, without flooding the terminal. */
class DuplicateWarnings {
  #shown = 0;
  #more = 0;
  readonly #ports: PushPorts;

  constructor(ports: PushPorts) {
    this.#ports = ports;
  }

  repeat(token: string): void {
    if (this.#shown < DUPLICATE_WARNINGS) {
      this.#shown += 1;
      this.#ports.warn({ kind: 'duplicate-token', token });
    } else {
      this.#more += 1;
    }
  }

  finish(): void {
    if (this.#more > 0) this.#ports.warn({ kind: 'more-duplicate-tokens', count: this.#more });
    this.#more = 0;
  }
}

/**
 * `--token` values and `--tokens-file` lines, normalised; each token is sent once. Without any,
 * the credential probe's token.
 */
async function readTokens(
  input: PushInput,
  ports: PushPorts,
  probeToken: string,
): Promise<{ source: TokenSource; probe: boolean }> {
  const flagTokens = input.tokens.map((value, i) =>
    inFile(input.tokens.length === 1 ? '--token' : `--token #${i + 1}`, () =>
      normalizeDeviceToken(value),
    ),
  );
  const file = input.tokensFile;
  if (file === undefined && flagTokens.length === 0) {
    return { source: tokenSource(1, () => fromList([probeToken])), probe: true };
  }
  const seen = new TokenSet();
  const duplicates = new DuplicateWarnings(ports);
  const unique = flagTokens.filter((token) => {
    if (seen.claim(token)) return true;
    duplicates.repeat(token);
    return false;
  });
  if (file === undefined) {
    duplicates.finish();
    return { source: tokenSource(unique.length, () => fromList(unique)), probe: false };
  }
  if (file === '-') {
    return { source: stdinTokens(unique, seen, duplicates, ports), probe: false };
  }
  // A file is read twice: now, to check every line before connecting, and as the pushes go out.
  // This first pass notes where the repeats are, so that the set of tokens (tens of MB for a
  // million) is gone before the connection and its pushes need memory.
  const repeats: number[] = [];
  let found = 0;
  for await (const batch of tokensIn(ports.streamFile(file), file)) {
    for (const token of batch) {
      if (!seen.add(token)) {
        repeats.push(found);
        duplicates.repeat(token);
      }
      found += 1;
    }
  }
  duplicates.finish();
  if (found === 0) throw noTokens(file);
  return { source: fileTokens(unique, seen.size, file, repeats, ports), probe: false };
}

/** The second pass over a tokens file: every token but the repeats the first pass found. */
function fileTokens(
  flagTokens: readonly string[],
  count: number,
  file: string,
  repeats: readonly number[],
  ports: PushPorts,
): TokenSource {
  return tokenSource(count, async function* () {
    if (flagTokens.length > 0) yield flagTokens;
    let place = 0;
    let repeat = 0;
    for await (const batch of tokensIn(ports.streamFile(file), file)) {
      const fresh: string[] = [];
      for (const token of batch) {
        if (repeats[repeat] === place) repeat += 1;
        else fresh.push(token);
        place += 1;
      }
      yield fresh;
    }
  });
}

/**
 * stdin is read once, as the pushes go out: each line is checked when it comes, and a repeat
 * is found with the set of the tokens seen so far.
 */
function stdinTokens(
  flagTokens: readonly string[],
  seen: TokenSet,
  duplicates: DuplicateWarnings,
  ports: PushPorts,
): TokenSource {
  return tokenSource(null, async function* () {
    if (flagTokens.length > 0) yield flagTokens;
    let found = 0;
    for await (const batch of tokensIn(ports.streamFile('-'), 'stdin')) {
      const fresh: string[] = [];
      for (const token of batch) {
        found += 1;
        if (seen.claim(token)) fresh.push(token);
        else duplicates.repeat(token);
      }
      yield fresh;
    }
    duplicates.finish();
    if (found === 0) throw noTokens('stdin');
  });
}

/** The tokens of a list, as one batch. */
function fromList(tokens: readonly string[]): AsyncIterator<readonly string[]> {
  let given = false;
  return {
    next: () => {
      if (given) return Promise.resolve({ done: true, value: undefined });
      given = true;
      return Promise.resolve({ done: false, value: tokens });
    },
  };
}

function tokenSource(
  count: number | null,
  tokens: () => AsyncIterator<readonly string[]>,
): TokenSource {
  return { count, [Symbol.asyncIterator]: tokens };
}

/**
 * The tokens of a tokens file as its chunks arrive, a batch per chunk, each line checked (blank
 * and # lines skipped). A bad line ends it, after the tokens before it: those are still pushed.
 */
async function* tokensIn(chunks: AsyncIterable<Uint8Array>, label: string) {
  const lines = new TokenLineSplitter(label);
  let number = 0;
  let bad: { error: unknown } | null = null;
  const tokensOf = (batch: string[]) => {
    const tokens: string[] = [];
    for (const line of batch) {
      number += 1;
      try {
        const token = tokenOfLine(line, label, number);
        if (token !== null) tokens.push(token);
      } catch (error) {
        bad = { error };
        break;
      }
    }
    return tokens;
  };
  for await (const chunk of chunks) {
    yield tokensOf(lines.push(chunk));
    if (bad !== null) throw (bad as { error: unknown }).error;
  }
  yield tokensOf(lines.end());
  if (bad !== null) throw (bad as { error: unknown }).error;
}

function noTokens(label: string): InputError {
  return new InputError('USAGE', pushRefusals.noTokensInFile(label), {
    hint: pushRefusals.noTokensInFileHint,
  });
}

/** The request for one token: the plan's, with the token's path. */
export function requestFor(plan: PushPlan, token: string): PushRequest {
  return token === plan.template.token ? plan.template : withDeviceToken(plan.template, token);
}

function readEndpoint(input: PushInput): Endpoint | null {
  if (input.endpoint === undefined) {
    // Checks --port now, before any file is read.
    endpointFor('sandbox', input.port ?? 443);
    return null;
  }
  if (input.port !== undefined) {
    throw new InputError('USAGE', pushRefusals.portWithEndpoint, {
      hint: pushRefusals.portWithEndpointHint,
    });
  }
  return parseEndpointUrl(input.endpoint);
}

/** `--ca FILE`: PEM or DER certificates, handed to TLS as PEM. */
async function readTrustedCa(file: string, ports: PushPorts): Promise<string> {
  const certificates = await readCertificates(ports, file, {
    message: pushRefusals.noCaCertificate(file),
    hint: pushRefusals.noCaCertificateHint,
  });
  return certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

/**
 * The credential flags, before any file is read: a certificate or a token key (not both, not
 * neither), and what a token key needs beside it. One line each, exit 2.
 */
function checkCredentialFlags(input: PushInput): void {
  const usage = (message: string, hint: string) => new InputError('USAGE', message, { hint });
  if (input.authKey !== undefined) {
    if (input.cert !== undefined) {
      throw usage(pushRefusals.certAndAuthKey, pushRefusals.certAndAuthKeyHint);
    }
    if (input.key !== undefined) {
      throw usage(pushRefusals.keyWithAuthKey, pushRefusals.keyWithAuthKeyHint);
    }
    if (input.teamId === undefined) {
      throw usage(pushRefusals.noTeamId, pushRefusals.noTeamIdHint);
    }
    if (input.keyId === undefined && keyIdFromFileName(input.authKey) === null) {
      throw usage(pushRefusals.noKeyId(input.authKey), pushRefusals.noKeyIdHint);
    }
    if (input.topic === undefined) {
      throw usage(pushRefusals.noTopicWithToken, pushRefusals.noTopicWithTokenHint);
    }
    return;
  }
  if (input.cert === undefined) {
    throw usage(pushRefusals.noCredential, pushRefusals.noCredentialHint);
  }
  const tokenFlags = [
    input.teamId === undefined ? null : '--team-id',
    input.keyId === undefined ? null : '--key-id',
  ].filter((flag) => flag !== null);
  if (tokenFlags.length > 0) {
    throw usage(
      pushRefusals.tokenFlagsWithCert(tokenFlags),
      pushRefusals.tokenFlagsWithCertHint(tokenFlags),
    );
  }
}

/** `--auth-key`: the .p8 read as every command reads one, with its key id and team. */
async function readTokenCredential(
  file: string,
  input: PushInput,
  ports: PushPorts,
): Promise<PushCredential> {
  const bytes = await ports.readFile(file);
  const opened = inFile(file, () => openTokenKey(bytes, file));
  const keyId = (input.keyId ?? opened.keyId)!.trim();
  const teamId = input.teamId!.trim();
  if (input.keyId !== undefined && opened.keyId !== null && opened.keyId !== keyId) {
    ports.warn({ kind: 'advice', text: pushRefusals.keyIdDiffersFromName(keyId, opened.keyId) });
  }
  for (const [flag, value] of [
    ['--key-id', keyId],
    ['--team-id', teamId],
  ] as const) {
    if (!APPLE_ID.test(value)) {
      ports.warn({ kind: 'advice', text: pushRefusals.unusualAppleId(flag, value) });
    }
  }
  return { kind: 'token', file, key: opened.key, keyId, teamId };
}

/** Apple's key ids and team ids: 10 upper-case letters and digits. */
const APPLE_ID = /^[A-Z0-9]{10}$/;

async function readCertificateCredential(
  file: string,
  input: PushInput,
  ports: PushPorts,
): Promise<PushCredential> {
  const { material } = await openMaterial(ports, file, {
    needKey: input.key === undefined,
  });
  const certificate = material.certificates[0];
  if (certificate === undefined) {
    throw new InputError('NO_CERTIFICATE', pushRefusals.noCertificate(file), {
      hint: pushRefusals.noCertificateHint,
    });
  }
  if (input.key !== undefined) {
    const { material: keyMaterial } = await openMaterial(ports, input.key, { needKey: true });
    const keys = keyMaterial.keys.flatMap((entry) => (entry.key === null ? [] : [entry.key]));
    if (keys.length === 0) {
      throw new InputError('NO_PRIVATE_KEY', pushRefusals.keyFileWithoutKey(input.key), {
        hint: pushRefusals.keyFileWithoutKeyHint,
      });
    }
    const key = keys.find((k) => keyMatchesSpki(k, certificate.publicKeySpki));
    if (key === undefined) {
      throw new InputError('KEY_MISMATCH', pushRefusals.keyMismatch(input.key, file), {
        hint: pushRefusals.keyMismatchHint,
      });
    }
    return { kind: 'certificate', file, certificate, key };
  }
  if (material.keys.length === 0) {
    throw new InputError('NO_PRIVATE_KEY', pushRefusals.noKey(file), {
      hint: pushRefusals.noKeyHint,
    });
  }
  if (material.leafKey === null) {
    throw new InputError('KEY_MISMATCH', pushRefusals.ownKeyMismatch(file), {
      hint: pushRefusals.keyMismatchHint,
    });
  }
  return { kind: 'certificate', file, certificate, key: material.leafKey };
}

function warnAboutCertificate(file: string, certificate: CertificateInfo, ports: PushPorts) {
  const now = ports.now();
  const left = daysLeft(certificate.notAfter, now);
  if (certificate.notAfter.getTime() <= now.getTime()) {
    ports.warn({ kind: 'expired', file, certificate });
  } else if (certificate.notBefore.getTime() > now.getTime()) {
    ports.warn({ kind: 'not-yet-valid', file, certificate });
  } else if (certificate.isApns && left <= RENEWAL_WINDOW_DAYS) {
    ports.warn({ kind: 'expiring', file, certificate, daysLeft: left });
  }
}

function buildRequest(
  input: PushInput,
  token: string,
  certificate: Parameters<typeof buildPushRequest>[0]['certificate'],
  payload: PayloadSource,
): PushRequest {
  try {
    return buildPushRequest({
      token,
      topic: input.topic,
      certificate,
      pushType: input.pushType,
      priority: input.priority,
      expiration: input.expiration,
      collapseId: input.collapseId,
      apnsId: input.apnsId,
      payload: payload.bytes,
    });
  } catch (error) {
    // The size limit depends on the push type, so it is checked here, not when reading.
    if (isApnsSetupError(error) && error.code === 'PAYLOAD_TOO_LARGE') {
      throw withFileName(payload.label, error);
    }
    throw error;
  }
}

/**
 * `push`: proves a certificate works by pushing with it over HTTP/2. Everything the user gave
 * (tokens, payload, headers, the credential) is read and checked before connecting, so a typo
 * costs no connection; then every token goes out concurrently over one connection, with
 * bounded retries where APNs says to retry, and each answer is explained in plain words.
 */
import type { KeyObject } from 'node:crypto';
import {
  ApnsConnectionError,
  type ApnsConnection,
  type ApnsConnectOptions,
} from '../adapters/apns-client.js';
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
import {
  explainResponse,
  parseErrorBody,
  retryClassFor,
  retryDelayMs,
  type RetryClass,
} from '../core/apns/reasons.js';
import { buildPushRequest, type PushRequest } from '../core/apns/request.js';
import { InputError, isApnsSetupError, type ExitCode } from '../core/errors.js';
import { keyMatchesSpki } from '../core/pki/key-match.js';
import { exportPkcs8Pem } from '../core/pki/keys.js';
import { encodePem } from '../core/pki/pem.js';
import { decodeText } from '../core/pki/text.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import { pushMessages } from '../ui/render-push.js';
import type { FlowPorts } from './ports.js';
import { inFile, openMaterial, readCertificates, withFileName } from './read-file-material.js';

export interface PushInput {
  /** ck.pem, a .p12, or a certificate PEM (with `key`). */
  cert: string;
  key?: string | undefined;
  tokens: readonly string[];
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
  timeoutMs: number;
}

export interface PushPorts extends Pick<FlowPorts, 'readFile' | 'passphrase' | 'warn' | 'now'> {
  readStdin(): Promise<Buffer>;
  /** A file of the package's templates/ folder, e.g. `payloads/alert.json`. */
  readTemplate(relativePath: string): Promise<string>;
  connect(options: ApnsConnectOptions): Promise<ApnsConnection>;
  randomBytes(size: number): Uint8Array;
  /** In [0, 1): the jitter of retry delays. */
  random(): number;
  sleep(ms: number): Promise<void>;
  /** A line for the person while the command works. */
  progress(message: string): void;
}

export interface PushResult {
  token: string;
  /** The token was the credential probe's, not the user's. */
  probe: boolean;
  environment: Environment;
  /** The origin the answer came from. */
  endpoint: string;
  /** Null when the server closed the connection (GOAWAY) with a reason instead of answering. */
  status: number | null;
  apnsId: string | null;
  apnsUniqueId: string | null;
  reason: string | null;
  ok: boolean;
  explanation: string;
  hint: string | null;
  /** Times the push was sent, retries and the other environment included. */
  attempts: number;
}

/** Apple: retry 429/500/503 with backoff, bounded; three attempts keep a test push quick. */
export const MAX_ATTEMPTS = 3;
const BACKOFF = { baseMs: 1000, maxMs: 8000 };
/** Streams in flight at once; APNs allows many per connection, a tokens file may hold thousands. */
const CONCURRENCY = 100;

export async function testPush(input: PushInput, ports: PushPorts): Promise<PushResult[]> {
  const plan = await planPush(input, ports);
  const { requests, probe, certificate, environment, primary } = plan;
  ports.progress(
    pushMessages.sending({
      count: requests.length,
      probe,
      topic: requests[0]!.topic,
      where: primary.url.replace(/^https:\/\//, ''),
      environment,
      certificate,
    }),
  );

  const certificatePem = encodePem('CERTIFICATE', certificate.der);
  const keyPem = exportPkcs8Pem(plan.key);
  const connections = new Connections((endpoint) =>
    ports
      .connect({
        url: endpoint.url,
        host: endpoint.host,
        port: endpoint.port,
        ca: plan.ca,
        certificatePem,
        keyPem,
        timeoutMs: input.timeoutMs,
      })
      .catch((error: unknown) => {
        // TLS may refuse the credential itself (a SHA-1 signature): that is about the file.
        throw isApnsSetupError(error) && error.exitCode === 2
          ? withFileName(input.cert, error)
          : error;
      }),
  );
  const deliver = (request: PushRequest, endpoint: Endpoint) =>
    deliverWithRetries(request, endpoint, connections, ports);

  const pushOne = async (request: PushRequest): Promise<PushResult> => {
    const first = await deliver(request, primary);
    const unknownToken = first.status === 400 && first.reason === 'BadDeviceToken';
    // A probe token is unknown everywhere by design: never try it in the other environment.
    if (probe || !plan.retryOther || !unknownToken) {
      return resultOf(plan, request, first, environment, primary);
    }
    const other: Environment = environment === 'sandbox' ? 'production' : 'sandbox';
    const otherEndpoint = endpointFor(other, plan.port);
    const second = await deliver(request, otherEndpoint);
    const result = resultOf(plan, request, second, other, otherEndpoint);
    const stillUnknown = second.status === 400 && second.reason === 'BadDeviceToken';
    return {
      ...result,
      attempts: first.attempts + second.attempts,
      explanation: pushMessages.otherEnvironment({
        first: environment,
        second: other,
        ok: result.ok,
        stillUnknown,
        topic: request.topic,
        explanation: result.explanation,
      }),
      hint: result.ok
        ? pushMessages.otherEnvironmentHint(other)
        : stillUnknown
          ? pushMessages.unknownEverywhereHint
          : result.hint,
    };
  };

  try {
    const settled = await mapConcurrently(requests, CONCURRENCY, pushOne);
    const failed = settled.find((s) => s?.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<PushResult>).value);
  } finally {
    await connections.closeAll();
  }
}

/** Everything decided before connecting. */
interface PushPlan {
  requests: PushRequest[];
  probe: boolean;
  certificate: CertificateInfo;
  key: KeyObject;
  /** PEM to trust instead of Node's roots (--ca). */
  ca: string | undefined;
  /** The environment answers are explained for. */
  environment: Environment;
  primary: Endpoint;
  /** Apple's port, for the other environment's host. */
  port: number;
  /** A universal certificate's BadDeviceToken is tried in the other environment. */
  retryOther: boolean;
}

/** Reads and checks every input, says what looks wrong, and builds the requests. */
async function planPush(input: PushInput, ports: PushPorts): Promise<PushPlan> {
  const payload = await readPayload(input, ports);
  inFile(payload.label, () => parsePayload(payload.bytes));
  const tokens = await readTokens(input, ports);
  const custom = readEndpoint(input);
  const ca = input.ca === undefined ? undefined : await readTrustedCa(input.ca, ports);
  const { certificate, key } = await readCredential(input, ports);

  warnAboutCertificate(input.cert, certificate, ports);
  const choice = chooseEnvironment({
    requested: input.env,
    certificateEnvironments: certificate.environments,
  });
  if (choice.warning !== null) ports.warn(withoutWarningPrefix(choice.warning));
  else if (certificate.environments.length === 0) {
    ports.warn(pushMessages.notApns(input.cert, certificate));
  }
  const requested = input.env === 'auto' ? undefined : input.env;
  if (custom?.environment && requested !== undefined && requested !== custom.environment) {
    ports.warn(pushMessages.endpointEnvironmentMismatch(requested, custom.environment));
  }
  const environment = custom?.environment ?? choice.environment;
  const port = input.port ?? 443;

  const probe = tokens.length === 0;
  const sendTo = probe ? [probeDeviceToken(ports.randomBytes(32))] : tokens;
  const facts = {
    bundleId: certificate.bundleId,
    topics: certificate.topics,
    type: certificate.type,
  };
  const requests = sendTo.map((token) => buildRequest(input, token, facts, payload));
  for (const warning of new Set(requests.flatMap((r) => r.warnings))) {
    ports.warn(withoutWarningPrefix(warning));
  }
  return {
    requests,
    probe,
    certificate,
    key,
    ca,
    environment,
    primary: custom ?? endpointFor(environment, port),
    port,
    // The other environment is another Apple host; a custom endpoint is one server.
    retryOther: custom === null && choice.retryOtherOnBadDeviceToken,
  };
}

function resultOf(
  plan: PushPlan,
  request: PushRequest,
  answer: Answer,
  environment: Environment,
  endpoint: Endpoint,
): PushResult {
  const { certificate } = plan;
  const { ok, explanation, hint } = explainResponse({
    status: answer.status,
    reason: answer.reason,
    environment,
    certificate: {
      type: certificate.type,
      environments: certificate.environments,
      bundleId: certificate.bundleId,
      topics: certificate.topics,
    },
    topic: request.topic,
    probe: plan.probe,
    timestamp: answer.timestamp,
  });
  return {
    token: request.token,
    probe: plan.probe,
    environment,
    endpoint: endpoint.url,
    status: answer.status,
    apnsId: answer.apnsId,
    apnsUniqueId: answer.apnsUniqueId,
    reason: answer.reason,
    ok,
    explanation,
    hint,
    attempts: answer.attempts,
  };
}

/** 0 when every push was accepted (a probe's BadDeviceToken counts), 1 otherwise. */
export function pushExitCode(results: readonly PushResult[]): ExitCode {
  return results.length > 0 && results.every((r) => r.ok) ? 0 : 1;
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
    throw new InputError('USAGE', pushMessages.severalPayloadSources(given), {
      hint: pushMessages.severalPayloadSourcesHint,
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
        throw new InputError('USAGE', pushMessages.alertPartWithoutAlert(flag), {
          hint: pushMessages.alertPartWithoutAlertHint(flag),
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

/** `--token` values and `--tokens-file` lines, normalised; duplicates are sent once. */
async function readTokens(input: PushInput, ports: PushPorts): Promise<string[]> {
  const tokens: string[] = [];
  input.tokens.forEach((value, i) => {
    const label = input.tokens.length === 1 ? '--token' : `--token #${i + 1}`;
    tokens.push(inFile(label, () => normalizeDeviceToken(value)));
  });
  if (input.tokensFile !== undefined) {
    const file = input.tokensFile;
    const lines = decodeText(await ports.readFile(file)).split('\n');
    let found = 0;
    lines.forEach((line, i) => {
      const text = line.replace(/#.*$/, '').trim();
      if (text === '') return;
      found += 1;
      tokens.push(inFile(`${file} line ${i + 1}`, () => normalizeDeviceToken(text)));
    });
    if (found === 0) {
      throw new InputError('USAGE', pushMessages.noTokensInFile(file), {
        hint: pushMessages.noTokensInFileHint,
      });
    }
  }
  // A tokens file may hold thousands: count once instead of searching the list per token.
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  for (const [token, count] of counts) {
    if (count > 1) ports.warn(pushMessages.duplicateToken(token));
  }
  return [...counts.keys()];
}

function readEndpoint(input: PushInput): Endpoint | null {
  if (input.endpoint === undefined) {
    // Checks --port now, before any file is read.
    endpointFor('sandbox', input.port ?? 443);
    return null;
  }
  if (input.port !== undefined) {
    throw new InputError('USAGE', pushMessages.portWithEndpoint, {
      hint: pushMessages.portWithEndpointHint,
    });
  }
  return parseEndpointUrl(input.endpoint);
}

/** `--ca FILE`: PEM or DER certificates, handed to TLS as PEM. */
async function readTrustedCa(file: string, ports: PushPorts): Promise<string> {
  const certificates = await readCertificates(ports, file, {
    message: pushMessages.noCaCertificate(file),
    hint: pushMessages.noCaCertificateHint,
  });
  return certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

async function readCredential(
  input: PushInput,
  ports: PushPorts,
): Promise<{ certificate: CertificateInfo; key: KeyObject }> {
  const { material } = await openMaterial(ports, input.cert, {
    needKey: input.key === undefined,
  });
  const certificate = material.certificates[0];
  if (certificate === undefined) {
    throw new InputError('NO_CERTIFICATE', pushMessages.noCertificate(input.cert), {
      hint: pushMessages.noCertificateHint,
    });
  }
  if (input.key !== undefined) {
    const { material: keyMaterial } = await openMaterial(ports, input.key, { needKey: true });
    const keys = keyMaterial.keys.flatMap((entry) => (entry.key === null ? [] : [entry.key]));
    if (keys.length === 0) {
      throw new InputError('NO_PRIVATE_KEY', pushMessages.keyFileWithoutKey(input.key), {
        hint: pushMessages.keyFileWithoutKeyHint,
      });
    }
    const key = keys.find((k) => keyMatchesSpki(k, certificate.publicKeySpki));
    if (key === undefined) {
      throw new InputError('KEY_MISMATCH', pushMessages.keyMismatch(input.key, input.cert), {
        hint: pushMessages.keyMismatchHint,
      });
    }
    return { certificate, key };
  }
  if (material.keys.length === 0) {
    throw new InputError('NO_PRIVATE_KEY', pushMessages.noKey(input.cert), {
      hint: pushMessages.noKeyHint,
    });
  }
  if (material.leafKey === null) {
    throw new InputError('KEY_MISMATCH', pushMessages.ownKeyMismatch(input.cert), {
      hint: pushMessages.keyMismatchHint,
    });
  }
  return { certificate, key: material.leafKey };
}

function warnAboutCertificate(file: string, certificate: CertificateInfo, ports: PushPorts) {
  const now = ports.now().getTime();
  if (certificate.notAfter.getTime() <= now) ports.warn(pushMessages.expired(file, certificate));
  else if (certificate.notBefore.getTime() > now) {
    ports.warn(pushMessages.notYetValid(file, certificate));
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

/** The core's warnings start with "Warning:", which the console adds itself. */
function withoutWarningPrefix(message: string): string {
  return message.replace(/^Warning:\s*/, '');
}

interface Answer {
  status: number | null;
  apnsId: string | null;
  apnsUniqueId: string | null;
  reason: string | null;
  timestamp: number | null;
  attempts: number;
}

async function deliverWithRetries(
  request: PushRequest,
  endpoint: Endpoint,
  connections: Connections,
  ports: PushPorts,
): Promise<Answer> {
  let answer: Answer | null = null;
  let failure: ApnsConnectionError | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const connection = await connections.get(endpoint);
    let retry: RetryClass;
    try {
      const response = await connection.send({ headers: request.headers, body: request.body });
      const body =
        response.status === 200 ? { reason: null, timestamp: null } : parseErrorBody(response.body);
      answer = {
        status: response.status,
        apnsId: response.headers['apns-id'],
        apnsUniqueId: response.headers['apns-unique-id'],
        reason: body.reason,
        timestamp: body.timestamp,
        attempts: attempt,
      };
      failure = null;
      retry = response.status === 200 ? 'no' : retryClassFor(response.status, body.reason);
    } catch (error) {
      if (!(error instanceof ApnsConnectionError)) throw error;
      // A GOAWAY with a reason is APNs' answer, given at the connection level.
      answer =
        error.goawayReason === null
          ? null
          : {
              status: null,
              apnsId: null,
              apnsUniqueId: null,
              reason: error.goawayReason,
              timestamp: null,
              attempts: attempt,
            };
      if (!error.retryable) {
        if (answer !== null) return answer;
        throw error;
      }
      failure = error;
      retry = 'new-connection';
    }
    if (retry === 'no' || attempt === MAX_ATTEMPTS) break;
    if (retry === 'new-connection') connections.discard(endpoint, connection);
    await ports.sleep(retryDelayMs(attempt, BACKOFF, ports.random()));
  }
  if (answer !== null) return answer;
  throw failure ?? new Error('no answer and no failure');
}

/**
 * One connection per endpoint, shared by every push to it (Apple treats a connection per
 * notification as abuse), replaced when the server sent GOAWAY or it closed.
 */
class Connections {
  readonly #open = new Map<
    string,
    { pending: Promise<ApnsConnection>; connection?: ApnsConnection }
  >();
  readonly #all: Promise<ApnsConnection>[] = [];
  readonly #connect: (endpoint: Endpoint) => Promise<ApnsConnection>;

  constructor(connect: (endpoint: Endpoint) => Promise<ApnsConnection>) {
    this.#connect = connect;
  }

  async get(endpoint: Endpoint): Promise<ApnsConnection> {
    for (let tries = 1; ; tries++) {
      let entry = this.#open.get(endpoint.url);
      if (entry === undefined) {
        const created: { pending: Promise<ApnsConnection>; connection?: ApnsConnection } = {
          pending: this.#connect(endpoint),
        };
        // Registered before any caller awaits it, so `connection` is set when they resume.
        created.pending.then(
          (connection) => (created.connection = connection),
          () => this.#open.delete(endpoint.url),
        );
        this.#open.set(endpoint.url, created);
        this.#all.push(created.pending);
        entry = created;
      }
      const connection = await entry.pending;
      // A connection that died at once is handed out anyway: its error then says why.
      if (connection.usable || tries >= MAX_ATTEMPTS) return connection;
      this.discard(endpoint, connection);
    }
  }

  /** Stops handing out `connection`; pushes still in flight on it may finish. */
  discard(endpoint: Endpoint, connection: ApnsConnection): void {
    if (this.#open.get(endpoint.url)?.connection === connection) this.#open.delete(endpoint.url);
    void connection.close();
  }

  async closeAll(): Promise<void> {
    const settled = await Promise.allSettled(this.#all);
    await Promise.all(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
  }
}

/** Runs `action` on every item, `limit` at a time; after a failure it starts no new item. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  action: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await action(items[index]!) };
      } catch (reason) {
        failed = true;
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

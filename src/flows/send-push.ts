/**
 * `push`: proves a certificate works by pushing with it over HTTP/2. The plan reads and checks
 * every input before connecting (push-plan.ts); the delivery sends the tokens as they come, as
 * many at once as the server allows on one connection, with bounded retries, all within the
 * --timeout (push-delivery.ts); each answer becomes a result record, explained by the core's
 * knowledge of APNs reasons, and is reported at once. ui/render-push.ts words the records.
 */
import { endpointFor, type Endpoint } from '../core/apns/endpoints.js';
import { ProviderTokenRenewal, signProviderToken } from '../core/apns/provider-token.js';
import { explainResponse, type ResponseContext } from '../core/apns/reasons.js';
import { withAuthorization, type PushRequest } from '../core/apns/request.js';
import {
  CancelledError,
  isApnsSetupError,
  OperationError,
  withFileName,
  type ExitCode,
} from '../core/errors.js';
import { exportPkcs8Pem } from '../core/pki/keys.js';
import { encodePem } from '../core/pki/pem.js';
import type { Environment } from '../core/pki/types.js';
import { Connections, deliverAll, deliverWithRetries, type Delivery } from './push-delivery.js';
import { planPush, requestFor, type PushInput, type PushPlan } from './push-plan.js';
import type {
  ApnsConnectionFailure,
  ApnsFailure,
  PushCredentialFacts,
  PushPorts,
  PushProfileFacts,
} from './push-ports.js';
import { pushRefusals } from './refusals.js';

export type { PushInput } from './push-plan.js';

export interface PushResult {
  /** The token's place among the tokens sent (0 for the first): results come as answers do. */
  index: number;
  token: string;
  topic: string;
  /** The token was the credential probe's, not the user's. */
  probe: boolean;
  /** The environment the answer is explained for (see `environmentKnown`). */
  environment: Environment;
  /**
   * How that environment is known: Apple's host names say it; another --endpoint may report it
   * (a local apns-setup sandbox does); else it is the one asked for, assumed.
   */
  environmentSource: 'apple' | 'reported' | 'assumed';
  /** The origin the answer came from. */
  endpoint: string;
  /** Null when the server closed the connection (GOAWAY) with a reason instead of answering. */
  status: number | null;
  apnsId: string | null;
  apnsUniqueId: string | null;
  /** The server's reason; untrusted text, to be escaped before it reaches a terminal. */
  reason: string | null;
  ok: boolean;
  /** The core's explanation of this answer, or the failure's sentence; what to do about it. */
  explanation: string;
  hint: string | null;
  /** Times the push was sent, retries and the other environment included. */
  attempts: number;
  /**
   * A universal certificate's token that the first environment did not know was sent to the
   * other one: where it went first, and whether the second did not know it either.
   */
  otherEnvironment: { first: Environment; stillUnknown: boolean } | null;
  /** Why no answer came (status and reason are null then), e.g. 'timeout'. */
  failure: ApnsFailure | null;
  /** `--profile`: its aps-environment and where the build registers tokens (null: no push). */
  profile: Pick<PushProfileFacts, 'apsEnvironment' | 'tokenEnvironment'> | null;
}

/** What a whole run came to. */
export interface PushSummary {
  /** Pushes sent (distinct tokens), each with its result. */
  count: number;
  accepted: number;
}

/** The --timeout ran out before every token was sent (exit 1): the rest were not. */
export class PushTimeoutError extends OperationError implements ApnsConnectionFailure {
  readonly failure = 'timeout' as const;
  readonly retryable = false;
  readonly goawayReason = null;
}

/**
 * Pushes to every token, reporting each result as its answer arrives (in that order, not the
 * tokens'); memory stays flat however many tokens there are. Throws when the pushes cannot go
 * on at all (the server cannot be reached, the --timeout ran out with tokens left, a bad line
 * in tokens piped to stdin), after the pushes in flight have been reported.
 */
export async function pushEach(
  input: PushInput,
  ports: PushPorts,
  report: (result: PushResult) => void,
): Promise<PushSummary> {
  const plan = await planPush(input, ports);
  const { template, probe, credential, environment, primary } = plan;
  ports.progress({
    count: plan.tokens.count,
    probe,
    topic: template.topic,
    where: primary.url.replace(/^https:\/\//, ''),
    environment,
    credential: credentialFacts(plan),
    customEndpoint: plan.customEndpoint,
    profile: plan.profile,
  });

  // --timeout bounds everything from here: connecting, answers, retries and their waits.
  const deadline = ports.clock() + input.timeoutMs;
  const certificatePem =
    credential.kind === 'certificate' ? encodePem('CERTIFICATE', credential.certificate.der) : null;
  const keyPem = credential.kind === 'certificate' ? exportPkcs8Pem(credential.key) : null;
  // Token authentication: one token for the run, renewed as APNs asks (provider-token.ts).
  const tokens =
    credential.kind === 'token'
      ? new ProviderTokenRenewal((now) =>
          signProviderToken({
            key: credential.key,
            keyId: credential.keyId,
            teamId: credential.teamId,
            now,
          }),
        )
      : null;
  const authorize = (request: PushRequest): PushRequest =>
    tokens === null
      ? request
      : withAuthorization(request, `bearer ${tokens.token(ports.now(), ports.clock())}`);
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
        deadline,
      })
      .catch((error: unknown) => {
        // TLS may refuse the credential itself (a SHA-1 signature): that is about the file.
        throw isApnsSetupError(error) && error.exitCode === 2
          ? withFileName(credential.file, error)
          : error;
      }),
  );
  const deliver = (request: PushRequest, endpoint: Endpoint) =>
    deliverWithRetries(authorize(request), endpoint, connections, ports, deadline);

  const facts = runFactsOf(plan);
  /** The token unknown where it was sent, tried in the other environment. */
  const pushElsewhere = async (
    request: PushRequest,
    index: number,
    first: Delivery,
  ): Promise<PushResult> => {
    const other: Environment = environment === 'sandbox' ? 'production' : 'sandbox';
    const otherEndpoint = endpointFor(other, plan.port);
    const second = await deliver(request, otherEndpoint);
    const result = resultOf(plan, facts, request, index, second, other, otherEndpoint, ports.now);
    result.attempts = attemptsOf(first) + attemptsOf(second);
    result.otherEnvironment = { first: environment, stillUnknown: isUnknownToken(second) };
    return result;
  };
  // A promise chain, not an async function: one frame less per token.
  const pushOne = (request: PushRequest, index: number): Promise<PushResult> =>
    deliver(request, primary).then((first) =>
      // A probe token is unknown everywhere by design: never try it in the other environment.
      probe || !plan.retryOther || !isUnknownToken(first)
        ? resultOf(plan, facts, request, index, first, environment, primary, ports.now)
        : pushElsewhere(request, index, first),
    );

  const summary: PushSummary = { count: 0, accepted: 0 };
  const reported = (result: PushResult) => {
    summary.count += 1;
    if (result.ok) summary.accepted += 1;
    report(result);
  };
  let started = 0;
  const stopped = () =>
    new CancelledError(pushRefusals.stoppedLeftTokens(started, plan.tokens.count));
  try {
    let exhausted: boolean;
    try {
      ({ exhausted } = await deliverAll(
        plan.tokens,
        () => connections.limit(primary),
        (token) => pushOne(requestFor(plan, token), started++).then(reported),
        () => ports.stopRequested() || ports.clock() >= deadline,
      ));
    } catch (error) {
      // Stopping may end the reading of the tokens (stdin closed): the stop is what happened.
      if (ports.stopRequested()) throw stopped();
      throw error;
    }
    if (!exhausted && ports.stopRequested()) throw stopped();
    if (!exhausted) {
      throw new PushTimeoutError(
        'OPERATION_FAILED',
        pushRefusals.timeoutLeftTokens(formatSeconds(input.timeoutMs), started, plan.tokens.count),
        { hint: pushRefusals.timeoutLeftTokensHint },
      );
    }
  } finally {
    await connections.closeAll();
  }
  return summary;
}

/** Every result, in the order of the tokens: for one push, or a few (the demo, tests). */
export async function sendPush(input: PushInput, ports: PushPorts): Promise<PushResult[]> {
  const results: PushResult[] = [];
  await pushEach(input, ports, (result) => results.push(result));
  return results.sort((a, b) => a.index - b.index);
}

function isUnknownToken(delivery: Delivery): boolean {
  return (
    delivery.kind === 'answer' &&
    delivery.answer.status === 400 &&
    delivery.answer.reason === 'BadDeviceToken'
  );
}

function attemptsOf(delivery: Delivery): number {
  return delivery.kind === 'answer' ? delivery.answer.attempts : delivery.attempts;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** What the progress line says about the credential. */
function credentialFacts(plan: PushPlan): PushCredentialFacts {
  const { credential } = plan;
  return credential.kind === 'certificate'
    ? { kind: 'certificate', certificate: credential.certificate }
    : { kind: 'token', keyId: credential.keyId, teamId: credential.teamId };
}

/**
 * This computer's clock minus the server's, from the answer's `date` header (whole seconds:
 * the local time is rounded down the same way); null without a readable one.
 */
function clockOffsetMs(serverDate: string | null, localNow: Date): number | null {
  if (serverDate === null) return null;
  const server = Date.parse(serverDate);
  if (Number.isNaN(server)) return null;
  return Math.floor(localNow.getTime() / 1000) * 1000 - server;
}

/** What explains every answer of a run alike: worked out once, not once per token. */
interface RunFacts {
  certificate: ResponseContext['certificate'];
  token: ResponseContext['token'];
  profile: ResponseContext['profile'];
  resultProfile: PushResult['profile'];
  /** "The server at HOST", per endpoint, for a server that is not Apple's. */
  servers: Map<string, string>;
}

function runFactsOf(plan: PushPlan): RunFacts {
  const { credential } = plan;
  const certificate = credential.kind === 'certificate' ? credential.certificate : null;
  return {
    certificate:
      certificate === null
        ? null
        : {
            type: certificate.type,
            environments: certificate.environments,
            bundleId: certificate.bundleId,
            topics: certificate.topics,
          },
    token:
      credential.kind === 'token' ? { keyId: credential.keyId, teamId: credential.teamId } : null,
    profile: plan.profile === null ? null : { apsEnvironment: plan.profile.apsEnvironment },
    resultProfile:
      plan.profile === null
        ? null
        : {
            apsEnvironment: plan.profile.apsEnvironment,
            tokenEnvironment: plan.profile.tokenEnvironment,
          },
    servers: new Map(),
  };
}

function serverOf(plan: PushPlan, facts: RunFacts, endpoint: Endpoint): string | undefined {
  if (!plan.customEndpoint) return undefined;
  let server = facts.servers.get(endpoint.url);
  if (server === undefined) {
    server = `The server at ${endpoint.url.replace(/^https:\/\//, '')}`;
    facts.servers.set(endpoint.url, server);
  }
  return server;
}

/**
 * The record of one push. Built field by field, never by spreading a fresh object: that costs
 * Node 20 some microseconds, and this runs once per token.
 */
function resultOf(
  plan: PushPlan,
  facts: RunFacts,
  request: PushRequest,
  index: number,
  delivery: Delivery,
  asked: Environment,
  endpoint: Endpoint,
  now: () => Date,
): PushResult {
  const profile = facts.resultProfile;
  if (delivery.kind === 'failure') {
    const { failure, attempts } = delivery;
    return {
      index,
      token: request.token,
      topic: request.topic,
      probe: plan.probe,
      environment: asked,
      environmentSource: plan.customEndpoint ? 'assumed' : 'apple',
      endpoint: endpoint.url,
      status: null,
      apnsId: null,
      apnsUniqueId: null,
      reason: null,
      ok: false,
      explanation: failure.message,
      hint: failure.hint ?? null,
      attempts,
      otherEnvironment: null,
      failure: failure.failure,
      profile,
    };
  }
  const { answer } = delivery;
  // Another server may say which environment it plays; then that is the one explained.
  const environment =
    plan.customEndpoint && answer.reportedEnvironment !== null ? answer.reportedEnvironment : asked;
  const { ok, explanation, hint } = explainResponse({
    status: answer.status,
    reason: answer.reason,
    environment,
    certificate: facts.certificate,
    token: facts.token,
    // Only a refusal is explained by the clock: an accepted push needs no date parsed.
    clockOffsetMs: answer.status === 200 ? null : clockOffsetMs(answer.serverDate, now()),
    topic: request.topic,
    probe: plan.probe,
    timestamp: answer.timestamp,
    profile: facts.profile,
    server: serverOf(plan, facts, endpoint),
  });
  return {
    index,
    token: request.token,
    topic: request.topic,
    probe: plan.probe,
    environment,
    environmentSource: !plan.customEndpoint
      ? 'apple'
      : answer.reportedEnvironment !== null
        ? 'reported'
        : 'assumed',
    endpoint: endpoint.url,
    status: answer.status,
    apnsId: answer.apnsId,
    apnsUniqueId: answer.apnsUniqueId,
    reason: answer.reason,
    ok,
    explanation,
    hint,
    attempts: answer.attempts,
    otherEnvironment: null,
    failure: null,
    profile,
  };
}

/** 0 when every push was accepted (a probe's BadDeviceToken counts), 1 otherwise. */
export function pushExitCode(results: readonly PushResult[] | PushSummary): ExitCode {
  const summary: PushSummary =
    'count' in results
      ? results
      : { count: results.length, accepted: results.filter((r) => r.ok).length };
  return summary.count > 0 && summary.accepted === summary.count ? 0 : 1;
}

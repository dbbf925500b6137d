/**
 * `push`: proves a certificate works by pushing with it over HTTP/2. The plan reads and checks
 * every input before connecting (push-plan.ts); the delivery sends every token concurrently over
 * one connection with bounded retries (push-delivery.ts); each answer becomes a result record,
 * explained by the core's knowledge of APNs reasons. ui/render-push.ts words the records.
 */
import { endpointFor, type Endpoint } from '../core/apns/endpoints.js';
import { explainResponse } from '../core/apns/reasons.js';
import type { PushRequest } from '../core/apns/request.js';
import { isApnsSetupError, withFileName, type ExitCode } from '../core/errors.js';
import { exportPkcs8Pem } from '../core/pki/keys.js';
import { encodePem } from '../core/pki/pem.js';
import type { Environment } from '../core/pki/types.js';
import { Connections, deliverWithRetries, mapConcurrently, type Answer } from './push-delivery.js';
import { planPush, type PushInput, type PushPlan } from './push-plan.js';
import type { PushPorts } from './push-ports.js';

export type { PushInput } from './push-plan.js';

export interface PushResult {
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
  reason: string | null;
  ok: boolean;
  /** The core's explanation of this answer, and what to do about it. */
  explanation: string;
  hint: string | null;
  /** Times the push was sent, retries and the other environment included. */
  attempts: number;
  /**
   * A universal certificate's token that the first environment did not know was sent to the
   * other one: where it went first, and whether the second did not know it either.
   */
  otherEnvironment: { first: Environment; stillUnknown: boolean } | null;
}

/** Streams in flight at once; APNs allows many per connection, a tokens file may hold thousands. */
const CONCURRENCY = 100;

export async function sendPush(input: PushInput, ports: PushPorts): Promise<PushResult[]> {
  const plan = await planPush(input, ports);
  const { requests, probe, certificate, environment, primary } = plan;
  ports.progress({
    count: requests.length,
    probe,
    topic: requests[0]!.topic,
    where: primary.url.replace(/^https:\/\//, ''),
    environment,
    certificate,
    customEndpoint: plan.customEndpoint,
  });

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
    return {
      ...resultOf(plan, request, second, other, otherEndpoint),
      attempts: first.attempts + second.attempts,
      otherEnvironment: {
        first: environment,
        stillUnknown: second.status === 400 && second.reason === 'BadDeviceToken',
      },
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

function resultOf(
  plan: PushPlan,
  request: PushRequest,
  answer: Answer,
  asked: Environment,
  endpoint: Endpoint,
): PushResult {
  const { certificate } = plan;
  // Another server may say which environment it plays; then that is the one explained.
  const environment =
    plan.customEndpoint && answer.reportedEnvironment !== null ? answer.reportedEnvironment : asked;
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
    ...(plan.customEndpoint
      ? { server: `The server at ${endpoint.url.replace(/^https:\/\//, '')}` }
      : {}),
  });
  return {
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
  };
}

/** 0 when every push was accepted (a probe's BadDeviceToken counts), 1 otherwise. */
export function pushExitCode(results: readonly PushResult[]): ExitCode {
  return results.length > 0 && results.every((r) => r.ok) ? 0 : 1;
}

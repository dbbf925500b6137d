/**
 * The push journey's second half: the requests go out concurrently over one connection per
 * endpoint (Apple treats a connection per notification as abuse), with bounded retries where
 * APNs says to retry, and each answer is kept as it came.
 */
import type { Endpoint } from '../core/apns/endpoints.js';
import {
  parseErrorBody,
  retryClassFor,
  retryDelayMs,
  type RetryClass,
} from '../core/apns/reasons.js';
import type { PushRequest } from '../core/apns/request.js';
import type { Environment } from '../core/pki/types.js';
import {
  isConnectionFailure,
  type ApnsConnection,
  type ApnsConnectionFailure,
  type PushPorts,
} from './push-ports.js';

/** Apple: retry 429/500/503 with backoff, bounded; three attempts keep a test push quick. */
export const MAX_ATTEMPTS = 3;
const BACKOFF = { baseMs: 1000, maxMs: 8000 };

/** What came back for one request, after its retries. */
export interface Answer {
  status: number | null;
  apnsId: string | null;
  apnsUniqueId: string | null;
  reason: string | null;
  timestamp: number | null;
  attempts: number;
  /** The environment the server said it serves (a local apns-setup sandbox does), else null. */
  reportedEnvironment: Environment | null;
}

function environmentOf(value: string | null): Environment | null {
  return value === 'sandbox' || value === 'production' ? value : null;
}

export async function deliverWithRetries(
  request: PushRequest,
  endpoint: Endpoint,
  connections: Connections,
  ports: PushPorts,
): Promise<Answer> {
  let answer: Answer | null = null;
  let failure: ApnsConnectionFailure | null = null;
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
        reportedEnvironment: environmentOf(response.headers['apns-setup-environment']),
        reason: body.reason,
        timestamp: body.timestamp,
        attempts: attempt,
      };
      failure = null;
      retry = response.status === 200 ? 'no' : retryClassFor(response.status, body.reason);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
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
              reportedEnvironment: null,
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
export class Connections {
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
export async function mapConcurrently<T, R>(
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

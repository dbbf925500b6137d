/**
 * The push journey's second half: the requests go out as the tokens come, as many at once as
 * the server allows on one connection per endpoint (Apple treats a connection per notification
 * as abuse), with bounded retries where APNs says to retry, all within the --timeout; each
 * answer is kept as it came.
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
/**
 * Connections to one endpoint opened in a row without one answer worth keeping (a server that
 * answers every push 503, or closes every connection): the last of them is kept rather than
 * replaced, so retries cannot turn into a stream of new connections.
 */
export const MAX_FRUITLESS_CONNECTIONS = 3;
/** However many streams a server allows, at most this many pushes are in flight at once. */
export const MAX_IN_FLIGHT = 1000;

/** An accepted push's body: APNs sends none. */
const NO_ERROR = { reason: null, timestamp: null } as const;

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
  /** The server's `date` header: its clock, to compare this computer's with. */
  serverDate: string | null;
}

/** How one request ended: the server's answer, or why none came. */
export type Delivery =
  | { kind: 'answer'; answer: Answer }
  | { kind: 'failure'; failure: ApnsConnectionFailure; attempts: number };

function environmentOf(value: string | null): Environment | null {
  return value === 'sandbox' || value === 'production' ? value : null;
}

/**
 * Sends one request, retrying as APNs says: 429 and 500 after a pause on the same connection;
 * 503 after a pause on a new one; a request the server did not process (GOAWAY past it, a
 * connection closed before it was written) at once on a new one. No retry starts that could not
 * finish before `deadline` (on ports.clock()). Throws only when no connection could be opened
 * and the server never answered.
 */
export async function deliverWithRetries(
  request: PushRequest,
  endpoint: Endpoint,
  connections: Connections,
  ports: PushPorts,
  deadline: number,
): Promise<Delivery> {
  let last: Delivery | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let lease: Lease;
    try {
      // Once the connection is open, a push takes it at once, not a turn later.
      lease = connections.ready(endpoint) ?? (await connections.acquire(endpoint));
    } catch (error) {
      if (last !== null) break;
      throw error;
    }
    let retry: RetryClass | 'at-once';
    try {
      // The request is what send() reads (its headers and body): no copy per push.
      const response = await lease.connection.send(request);
      const body = response.status === 200 ? NO_ERROR : parseErrorBody(response.body);
      last = {
        kind: 'answer',
        answer: {
          status: response.status,
          apnsId: response.headers['apns-id'],
          apnsUniqueId: response.headers['apns-unique-id'],
          reportedEnvironment: environmentOf(response.headers['apns-setup-environment']),
          serverDate: response.headers.date ?? null,
          reason: body.reason,
          timestamp: body.timestamp,
          attempts: attempt,
        },
      };
      retry = response.status === 200 ? 'no' : retryClassFor(response.status, body.reason);
      if (retry === 'no') connections.answered(lease);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      // A request the server did not process changes nothing: keep what it answered before.
      if (!(error.retryable && last?.kind === 'answer')) last = asDelivery(error, attempt);
      retry = !error.retryable ? 'no' : lease.connection.usable ? 'backoff' : 'at-once';
    } finally {
      lease.release();
    }
    if (retry === 'no' || attempt === MAX_ATTEMPTS) break;
    if (retry === 'new-connection') connections.retire(lease);
    if (retry !== 'at-once') {
      const delay = retryDelayMs(attempt, BACKOFF, ports.random());
      if (ports.clock() + delay >= deadline) break;
      await ports.sleep(delay);
    } else if (ports.clock() >= deadline) {
      break;
    }
  }
  return last!;
}

/** A GOAWAY with a reason is APNs' answer, given at the connection level. */
function asDelivery(failure: ApnsConnectionFailure, attempts: number): Delivery {
  if (failure.goawayReason === null) return { kind: 'failure', failure, attempts };
  return {
    kind: 'answer',
    answer: {
      status: null,
      apnsId: null,
      apnsUniqueId: null,
      reason: failure.goawayReason,
      timestamp: null,
      attempts,
      reportedEnvironment: null,
      serverDate: null,
    },
  };
}

/** A connection lent to one request; `release` gives it back. */
export interface Lease {
  readonly connection: ApnsConnection;
  release(): void;
}

interface Entry {
  url: string;
  pending: Promise<ApnsConnection>;
  connection: ApnsConnection | null;
  /** Requests using it now: a retired connection is closed when the last one is done. */
  leases: number;
  retired: boolean;
  /** It carried an answer worth keeping (not one to retry). */
  answered: boolean;
  /** The one lease every push on this connection is lent (#leaseOf). */
  lease: Lease | null;
}

/**
 * One connection per endpoint, shared by every push to it (Apple treats a connection per
 * notification as abuse), replaced when the server sent GOAWAY, closed it, or answered 503:
 * once for all the pushes that saw it happen, and at most MAX_FRUITLESS_CONNECTIONS times in a
 * row without an answer worth keeping. A connection that could not be opened stays failed: the
 * endpoint is down for this run, and every push to it gets that error at once.
 */
export class Connections {
  readonly #current = new Map<string, Entry>();
  readonly #entries = new Map<ApnsConnection, Entry>();
  /** Per endpoint: connections retired in a row without an answer worth keeping. */
  readonly #fruitless = new Map<string, number>();
  readonly #all: Entry[] = [];
  readonly #connect: (endpoint: Endpoint) => Promise<ApnsConnection>;

  constructor(connect: (endpoint: Endpoint) => Promise<ApnsConnection>) {
    this.#connect = connect;
  }

  /** Connections opened so far, to every endpoint. */
  get opened(): number {
    return this.#all.length;
  }

  async acquire(endpoint: Endpoint): Promise<Lease> {
    for (;;) {
      const entry = this.#current.get(endpoint.url) ?? this.#open(endpoint);
      entry.leases += 1;
      let connection: ApnsConnection;
      try {
        connection = await entry.pending;
      } catch (error) {
        entry.leases -= 1;
        throw error;
      }
      // A connection that died is lent anyway when no new one may be opened: its error then
      // says why.
      if (connection.usable || !this.#retire(entry)) return this.#leaseOf(entry, connection);
      entry.leases -= 1;
    }
  }

  /** The endpoint's connection, lent now if it is open and usable; else null (acquire it). */
  ready(endpoint: Endpoint): Lease | null {
    const entry = this.#current.get(endpoint.url);
    const connection = entry?.connection;
    if (!entry || !connection?.usable) return null;
    entry.leases += 1;
    return this.#leaseOf(entry, connection);
  }

  /** The connection answered a push: the endpoint works, whatever it does next. */
  answered(lease: Lease): void {
    const entry = this.#entries.get(lease.connection);
    if (entry === undefined || entry.answered) return;
    entry.answered = true;
    this.#fruitless.set(entry.url, 0);
  }

  /** Stops lending the lease's connection (APNs said 503): the next push opens a new one. */
  retire(lease: Lease): void {
    const entry = this.#entries.get(lease.connection);
    if (entry !== undefined) this.#retire(entry);
  }

  /** How many pushes the endpoint's connection carries at once, as its server allows. */
  limit(endpoint: Endpoint): number {
    const connection = this.#current.get(endpoint.url)?.connection;
    // Until it is open nothing is known: one push goes first and opens it.
    if (!connection) return 1;
    return Math.max(1, Math.min(connection.maxConcurrentStreams, MAX_IN_FLIGHT));
  }

  async closeAll(): Promise<void> {
    const settled = await Promise.allSettled(this.#all.map((e) => e.pending));
    await Promise.all(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
  }

  #open(endpoint: Endpoint): Entry {
    const entry: Entry = {
      url: endpoint.url,
      pending: this.#connect(endpoint),
      connection: null,
      leases: 0,
      retired: false,
      answered: false,
      lease: null,
    };
    // Registered before any caller awaits it, so `connection` is set when they resume.
    entry.pending.then(
      (connection) => {
        entry.connection = connection;
        this.#entries.set(connection, entry);
      },
      () => undefined,
    );
    this.#current.set(endpoint.url, entry);
    this.#all.push(entry);
    return entry;
  }

  /** Retires the endpoint's current connection, unless the cap says to keep it. */
  #retire(entry: Entry): boolean {
    if (this.#current.get(entry.url) !== entry) return true;
    const fruitless = this.#fruitless.get(entry.url) ?? 0;
    if (!entry.answered && fruitless + 1 >= MAX_FRUITLESS_CONNECTIONS) return false;
    this.#fruitless.set(entry.url, entry.answered ? 0 : fruitless + 1);
    this.#current.delete(entry.url);
    entry.retired = true;
    if (entry.leases === 0) void entry.connection?.close();
    return true;
  }

  /** A lease holds nothing of its own: every push on the connection shares one. */
  #leaseOf(entry: Entry, connection: ApnsConnection): Lease {
    entry.lease ??= { connection, release: () => this.#release(entry) };
    return entry.lease;
  }

  #release(entry: Entry): void {
    entry.leases -= 1;
    if (entry.retired && entry.leases === 0) void entry.connection?.close();
  }
}

/**
 * Runs `deliver` on every item as the items come, in batches, at most `limit()` at a time (read
 * again before each item: a server may change its limit). No batch is read before its previous
 * one is all under way, so memory stays flat however many items there are. Stops when `stop()`
 * says so (reading on only to know whether any item was left out) or after a delivery throws;
 * then waits for the deliveries in flight and throws the first error (a delivery's, then the
 * items' own). Resolves with whether every item was delivered.
 */
export async function deliverAll<T>(
  batches: AsyncIterable<readonly T[]>,
  limit: () => number,
  deliver: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<{ exhausted: boolean }> {
  const iterator = batches[Symbol.asyncIterator]();
  let batch: readonly T[] = [];
  let next = 0;
  let inFlight = 0;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  /** The loop waits until no more than this many are in flight (or a delivery failed). */
  let wakeAt = 0;
  const settled = (atMost: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      wakeAt = atMost;
    });
  const resume = () => {
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  const done = () => {
    inFlight -= 1;
    if (inFlight <= wakeAt) resume();
  };
  const failed = (error: unknown) => {
    failure ??= { error };
    inFlight -= 1;
    resume();
  };
  let exhausted = false;
  let readError: { error: unknown } | null = null;
  for (;;) {
    if (failure !== null) break;
    const max = limit();
    if (inFlight >= max) {
      // A full window is refilled once a sixteenth of it is free, not at every answer: each
      // wake-up is a promise and a turn of this loop.
      const atMost = Math.max(0, max - Math.max(1, Math.floor(max / 16)));
      while (inFlight > atMost && failure === null) await settled(atMost);
      continue;
    }
    const stopping = stop();
    if (next === batch.length) {
      let read: IteratorResult<readonly T[]>;
      try {
        // When stopping, one more read says whether anything was left out.
        read = await iterator.next();
      } catch (error) {
        readError = { error };
        break;
      }
      if (read.done) {
        exhausted = true;
        break;
      }
      batch = read.value;
      next = 0;
      if (batch.length === 0) continue;
    }
    if (stopping) break;
    inFlight += 1;
    deliver(batch[next++]!).then(done, failed);
  }
  while (inFlight > 0) await settled(0);
  if (!exhausted && readError === null) await iterator.return?.();
  if (failure !== null) throw (failure as { error: unknown }).error;
  if (readError !== null) throw readError.error;
  return { exhausted };
}

/**
 * The OS keychain, for `--keychain` (DESIGN "Commands"): the macOS Keychain, the Windows
 * Credential Manager, and on Linux the Secret Service (GNOME Keyring, KWallet, KeePassXC). Never
 * Linux's kernel keyring, @napi-rs/keyring's fallback, which forgets everything at reboot.
 *
 * The API, for the passphrase sources and the wizard (all exported from this file):
 *
 *   const account = keychainAccountFor(keyFileBytes); // pure (core/keychain-account.ts)
 *   const keychain = await openKeychain();            // never rejects, never hangs
 *   if (!keychain.available) {
 *     // keychain.reason: 'unsupported' | 'no-service' | 'no-keyring' | 'locked' | 'timeout'
 *     //                  | 'failed' (KeychainUnavailableReason)
 *     // keychain.message: one line, no full stop, never a secret, to put after "the OS keychain
 *     //   is not available: ", e.g. "no Secret Service is running (org.freedesktop.secrets)".
 *     // Go on with the other sources and say so in one line.
 *   } else {
 *     await keychain.get(account);             // the stored passphrase, or undefined
 *     await keychain.set(account, passphrase); // on first use, once it has opened the key
 *     await keychain.delete(account);          // true when there was one
 *     keychain.close();                        // optional: the helper ends with the process
 *   }
 *
 * get, set and delete reject only with an OperationError of code KEYCHAIN_FAILED, whose message
 * is one line that never holds the secret: catch it and go on as for "unavailable". After a
 * timeout the keychain stays closed: every later call rejects the same way at once.
 *
 * How it works, and why. openKeychain() probes: it stores and deletes a throwaway entry (account
 * `availability-probe`), so "available" means a write works now, not merely that a library
 * loaded. All of @napi-rs/keyring's errors have the code GenericFailure: the reason comes from
 * the message, and anything unrecognised is 'failed' with the library's words. The library is
 * loaded only by a helper process (`node -`, with the source below on its stdin and requests on
 * an IPC channel, so no secret is ever in an argument or in the environment), never by the CLI's
 * own process, because its calls can block where no timeout inside the process can help
 * (measured on Linux with 2.1.2):
 * - its constructor connects to the D-Bus session bus synchronously, on the main thread: a bus
 *   that accepts the connection and never answers blocks it for good, timers included;
 * - a locked keyring asks its Secret Service to show an unlock prompt and waits for the answer;
 *   nobody answers a prompt shown on a screen nobody sees (an SSH session into a desktop). Its
 *   async variant waits on a libuv pool thread, and process.exit() then waits for that thread.
 * So each call has a deadline (15 s by default): long enough to type a password into an unlock
 * prompt or click "Allow" in the macOS one, short enough not to look like a hang. At the
 * deadline the helper is killed (SIGKILL), the keychain is reported unavailable ('timeout') and
 * the command goes on with the other sources. Where no prompt can be shown at all (no display)
 * the Secret Service dismisses it at once, and that reads 'locked'. The helper never keeps the
 * CLI alive: it is unreferenced, ends when the IPC channel closes, and is killed when the
 * process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { OperationError } from '../core/errors.js';
import { KEYCHAIN_SERVICE, keychainAccountFor } from '../core/keychain-account.js';
import { escapeControlCharacters } from '../core/safe-text.js';

export { KEYCHAIN_ACCOUNT_PATTERN } from '../core/keychain-account.js';
export { KEYCHAIN_SERVICE, keychainAccountFor };

export const KEYCHAIN_PACKAGE = '@napi-rs/keyring';
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 15_000;
/** The entry openKeychain() stores and deletes to see whether writing works. */
export const PROBE_ACCOUNT = 'availability-probe';

export type KeychainUnavailableReason =
  /** @napi-rs/keyring or its prebuilt package for this platform is missing, or will not load. */
  | 'unsupported'
  /** Linux: no D-Bus session bus, or no Secret Service on it. */
  | 'no-service'
  /** Linux: a Secret Service runs, but has no default keyring to store into. */
  | 'no-keyring'
  /** The keyring is locked and was not unlocked (the prompt was dismissed or cannot be shown). */
  | 'locked'
  /** No answer within the deadline: the helper was killed. */
  | 'timeout'
  /** Anything else the keychain said. */
  | 'failed';

/** Why the keychain cannot be used, or why a call failed: a reason and one line. */
export interface KeychainFailure {
  readonly reason: KeychainUnavailableReason;
  /** One line, no full stop, never a secret: "no Secret Service is running (…)". */
  readonly message: string;
}

/** What openKeychain() returns when the keychain cannot be used: go on without it. */
export interface KeychainUnavailable extends KeychainFailure {
  readonly available: false;
}

export interface Keychain {
  readonly available: true;
  /** What it is called here, for messages: "the Secret Service", "the macOS Keychain". */
  readonly store: string;
  /** The secret stored for this account, or undefined when there is none. */
  get(account: string): Promise<string | undefined>;
  /** Stores (or replaces) the secret for this account. */
  set(account: string, secret: string): Promise<void>;
  /** Deletes the account's secret: true when there was one, false when there was none. */
  delete(account: string): Promise<boolean>;
  /** Ends the helper process now (optional: it never outlives the process). */
  close(): void;
}

export interface OpenKeychainOptions {
  /** The deadline of each call, the probe included; DEFAULT_KEYCHAIN_TIMEOUT_MS by default. */
  timeoutMs?: number;
  /** The helper's environment (DBUS_SESSION_BUS_ADDRESS, HOME…); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export async function openKeychain(
  options: OpenKeychainOptions = {},
): Promise<Keychain | KeychainUnavailable> {
  let moduleUrl: string;
  try {
    moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve(KEYCHAIN_PACKAGE)).href;
  } catch {
    return unavailable('unsupported', `${KEYCHAIN_PACKAGE} is not installed`);
  }
  let helper: KeychainHelper;
  try {
    helper = new KeychainHelper(
      moduleUrl,
      options.env ?? process.env,
      options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS,
    );
  } catch (error) {
    // spawn() throws at once only on arguments it cannot pass (an environment value with NUL).
    return unavailable('failed', `the keychain helper did not start: ${describe(error)}`);
  }
  const probe = await helper.call({ op: 'probe', account: PROBE_ACCOUNT, secret: 'probe' });
  if (!probe.ok) {
    helper.close();
    return { available: false, ...probe.failure };
  }

  const store = storeName(process.platform);
  const call = async (request: HelperRequest, doing: string): Promise<HelperValue> => {
    const outcome = await helper.call(request);
    if (outcome.ok) return outcome.value;
    throw new OperationError(
      'KEYCHAIN_FAILED',
      `${store} could not ${doing}: ${outcome.failure.message}`,
      {
        hint: HINTS[outcome.failure.reason],
      },
    );
  };
  return {
    available: true,
    store,
    get: async (account) => {
      const value = await call({ op: 'get', account }, 'read the passphrase');
      return typeof value === 'string' ? value : undefined;
    },
    set: async (account, secret) => {
      await call({ op: 'set', account, secret }, 'store the passphrase');
    },
    delete: async (account) =>
      (await call({ op: 'delete', account }, 'delete the passphrase')) === true,
    close: () => helper.close(),
  };
}

/**
 * What a failure of @napi-rs/keyring means, in one line. `stage` says whether the package
 * failed to load or a call failed; `detail` is its message (already free of the secret).
 */
export function explainKeychainFailure(stage: 'load' | 'call', detail: string): KeychainFailure {
  const words = oneLine(detail);
  if (stage === 'load') {
    return /Cannot find native binding|Failed to load native binding/.test(words)
      ? {
          reason: 'unsupported',
          message: `${KEYCHAIN_PACKAGE} has no prebuilt package installed for ${process.platform}-${process.arch}`,
        }
      : { reason: 'unsupported', message: `${KEYCHAIN_PACKAGE} did not load: ${words}` };
  }
  if (/DBUS_SESSION_BUS_ADDRESS/.test(words)) {
    return {
      reason: 'no-service',
      message:
        'no Secret Service: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)',
    };
  }
  if (/Failed to connect to socket|Connection refused|No such file or directory/.test(words)) {
    return {
      reason: 'no-service',
      message: 'no Secret Service: the D-Bus session bus cannot be reached',
    };
  }
  if (/org\.freedesktop\.secrets|ServiceUnknown/.test(words)) {
    return {
      reason: 'no-service',
      message: 'no Secret Service is running (org.freedesktop.secrets)',
    };
  }
  if (/Did not receive a reply/.test(words)) {
    return { reason: 'no-service', message: 'the Secret Service did not reply' };
  }
  if (/interaction is not allowed/i.test(words)) {
    // macOS, a locked keychain where it cannot ask (an SSH session): errSecInteractionNotAllowed.
    return {
      reason: 'locked',
      message: 'the keychain is locked, and cannot ask to be unlocked here (no user interaction)',
    };
  }
  if (/prompt was dismissed|\blocked\b/i.test(words)) {
    return {
      reason: 'locked',
      message:
        'the keyring is locked, and was not unlocked (the unlock prompt was dismissed or could not be shown)',
    };
  }
  if (/Secret Service: no result found/.test(words)) {
    return {
      reason: 'no-keyring',
      message: 'the Secret Service has no default keyring to store into',
    };
  }
  return { reason: 'failed', message: withoutPrefixes(words) };
}

/**
 * One line of at most `max` characters: runs of white space (line breaks included) become one
 * space, other control characters are escaped (core/safe-text).
 */
export function oneLine(text: string, max = 200): string {
  const flat = escapeControlCharacters(text.replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const HINTS: Record<KeychainUnavailableReason, string> = {
  unsupported: `reinstall with optional dependencies (npm install --include=optional), or do without --keychain`,
  'no-service':
    'start a Secret Service (GNOME Keyring or KWallet) in this session, or do without --keychain',
  'no-keyring': 'create a default keyring (GNOME: Passwords and Keys), or do without --keychain',
  locked: 'unlock the keyring and run the command again, or do without --keychain',
  timeout: 'answer or close the keychain prompt, if one is open, and run the command again',
  failed: 'run the command again without --keychain',
};

function unavailable(reason: KeychainUnavailableReason, message: string): KeychainUnavailable {
  return { available: false, reason, message };
}

function storeName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'the Windows Credential Manager';
  return 'the Secret Service';
}

/** "Platform failure: DBus error: …" → "DBus error: …": the library's framing says nothing. */
function withoutPrefixes(words: string): string {
  return words.replace(/^(Platform failure|Couldn't access platform storage): /, '');
}

function describe(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

/** Replaces every occurrence of the secret, should a message ever quote it. */
export function scrubSecret(detail: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? detail : detail.split(secret).join('***');
}

// --- the helper process -----------------------------------------------------------------------

interface HelperRequest {
  op: 'probe' | 'get' | 'set' | 'delete';
  account: string;
  secret?: string;
}

type HelperValue = string | boolean | null;

interface HelperReply {
  id: number;
  ok: boolean;
  value?: HelperValue;
  stage?: 'load' | 'call';
  detail?: string;
}

type Outcome = { ok: true; value: HelperValue } | { ok: false; failure: KeychainFailure };

/**
 * Runs in the helper, an ES module read from stdin. argv: [node, '-', module URL, service].
 * Synchronous calls, one at a time; every outcome is a message, nothing is printed.
 */
const HELPER_SOURCE = `
const [moduleUrl, service] = process.argv.slice(-2);
const options = { linux: { store: 'secret-service' } };
let Entry;
process.on('disconnect', () => process.exit(0));
process.on('message', async (request) => {
  let stage = 'load';
  try {
    if (Entry === undefined) {
      const loaded = await import(moduleUrl);
      Entry = loaded.Entry ?? loaded.default.Entry;
    }
    stage = 'call';
    const entry = new Entry(service, request.account, options);
    let value = null;
    if (request.op === 'probe') {
      entry.setPassword(request.secret);
      entry.deletePassword();
    } else if (request.op === 'get') {
      value = entry.getPassword() ?? null;
    } else if (request.op === 'set') {
      entry.setPassword(request.secret);
    } else if (request.op === 'delete') {
      value = entry.deletePassword();
    }
    process.send({ id: request.id, ok: true, value });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    process.send({ id: request.id, ok: false, stage, detail });
  }
});
`;

class KeychainHelper {
  private readonly child: ChildProcess;
  private readonly pending = new Map<
    number,
    { secret: string | undefined; resolve: (outcome: Outcome) => void }
  >();
  private nextId = 1;
  private ended: KeychainFailure | undefined;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  constructor(
    moduleUrl: string,
    env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
  ) {
    // Loaded here, not imported: child_process (and net, which it loads) is some 8 ms of start-up
    // that every command reading a passphrase would pay for, and only --keychain uses it.
    const { spawn } = process.getBuiltinModule('node:child_process');
    this.child = spawn(
      process.execPath,
      ['--input-type=module', '-', moduleUrl, KEYCHAIN_SERVICE],
      {
        env,
        stdio: ['pipe', 'ignore', 'ignore', 'ipc'],
        windowsHide: true,
      },
    );
    this.child.stdin?.on('error', () => {
      // The helper died before reading its source: 'exit' says so.
    });
    this.child.stdin?.end(HELPER_SOURCE);
    this.child.on('message', (reply: HelperReply) => this.settle(reply));
    this.child.on('error', (error) =>
      this.end({
        reason: 'failed',
        message: `the keychain helper did not start: ${describe(error)}`,
      }),
    );
    this.child.on('exit', (code, signal) =>
      this.end({
        reason: 'failed',
        message: `the keychain helper ended unexpectedly (${signal ?? `exit code ${String(code)}`})`,
      }),
    );
    // The CLI never waits for the helper: only a pending call (its timer) keeps the process up.
    this.child.unref();
    this.child.channel?.unref();
    process.on('exit', this.killOnExit);
  }

  call(request: HelperRequest): Promise<Outcome> {
    if (this.ended !== undefined) return Promise.resolve({ ok: false, failure: this.ended });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const seconds = Math.round(this.timeoutMs / 100) / 10;
        this.end({
          reason: 'timeout',
          message: `the keychain did not answer within ${seconds} s (is an unlock prompt waiting on another screen?)`,
        });
      }, this.timeoutMs);
      this.pending.set(id, {
        secret: request.secret,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      });
      const notListening: KeychainFailure = {
        reason: 'failed',
        message: 'the keychain helper is not listening',
      };
      try {
        this.child.send({ id, ...request }, (error) => {
          if (error) this.end(notListening);
        });
      } catch {
        this.end(notListening);
      }
    });
  }

  close(): void {
    this.end({ reason: 'failed', message: 'the keychain was closed' });
  }

  private settle(reply: HelperReply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    // The secret goes before anything else reads the library's words, truncation included.
    const detail = scrubSecret(reply.detail ?? '', waiting.secret);
    waiting.resolve(
      reply.ok
        ? { ok: true, value: reply.value ?? null }
        : { ok: false, failure: explainKeychainFailure(reply.stage ?? 'call', detail) },
    );
  }

  /** The helper is done for: kill it, and fail every call still waiting with `failure`. */
  private end(failure: KeychainFailure): void {
    if (this.ended !== undefined) return;
    this.ended = failure;
    process.off('exit', this.killOnExit);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const waiting of this.pending.values()) waiting.resolve({ ok: false, failure });
    this.pending.clear();
  }
}

/**
 * `push`: the sentences it says (kept together so they read as a whole, in mkcert's voice),
 * one line per token for people, and the contract's JSON for machines.
 */
import type { Environment } from '../core/pki/types.js';
import { escapeToOneLine } from '../core/safe-text.js';
import { APNS_HOSTS } from '../core/apns/endpoints.js';
import type { PushProfileFacts, PushProgress } from '../flows/push-ports.js';
import type { PushResult } from '../flows/send-push.js';
import { describeCertificate } from './messages.js';
import type { Style } from './style.js';
import { shortToken } from './warnings.js';
import { capitalise } from '../core/capitalise.js';

function envName(environment: Environment): string {
  return environment === 'sandbox' ? 'the sandbox' : 'production';
}

/** The line said while the pushes go out. */
export function describePushProgress(progress: PushProgress): string {
  const what = progress.probe
    ? 'Sending a credential probe (a well-formed token that belongs to no device)'
    : progress.count === null
      ? 'Sending a push to each token read from stdin'
      : `Sending ${progress.count === 1 ? 'a push' : `${progress.count} pushes`}`;
  const where = progress.customEndpoint
    ? `${progress.where} (not Apple's; asked for ${envName(progress.environment)})`
    : `${progress.where} (${envName(progress.environment)})`;
  const credential = progress.credential;
  const using =
    credential.kind === 'certificate'
      ? describeCertificate(credential.certificate)
      : `a token signed with key ${credential.keyId} of team ${credential.teamId}`;
  const line = `${what} for ${progress.topic} to ${where} with ${using}…`;
  return progress.profile === null ? line : `${line}\n${describeProfileBuild(progress.profile)}`;
}

/** What `--profile` says about the build the tokens come from. */
export function describeProfileBuild(profile: PushProfileFacts): string {
  const name =
    profile.name === null ? profile.file : `"${escapeToOneLine(profile.name)}" (${profile.file})`;
  if (profile.apsEnvironment === null || profile.tokenEnvironment === null) {
    return `The profile ${name} has no aps-environment: the app signed with it cannot receive pushes.`;
  }
  const tokens =
    profile.apsEnvironment === 'development' ? 'development (sandbox) tokens' : 'production tokens';
  return `The profile ${name} has aps-environment ${profile.apsEnvironment}: this build's tokens are ${tokens}, for ${APNS_HOSTS[profile.tokenEnvironment]}.`;
}

/**
 * The explanation and hint of a result: the core's, or, for a token first tried in the other
 * environment, what that second try showed.
 */
export function explainPushResult(r: PushResult): { explanation: string; hint: string | null } {
  const other = r.otherEnvironment;
  // A failure's sentence starts as an error's does, in lower case, after "Error: ".
  if (other === null) return { explanation: capitalise(r.explanation), hint: r.hint };
  const first = other.first;
  const second = r.environment;
  if (r.ok) {
    return {
      explanation: `APNs accepted the notification for ${r.topic} in ${envName(second)}: this token belongs to ${envName(second)} (${buildOf(second)}), not ${envName(first)}.`,
      hint: `Next time push this token with --env ${second}.`,
    };
  }
  if (other.stillUnknown) {
    return {
      explanation: 'Neither the sandbox nor production recognised the device token.',
      hint: "Check that the token was copied whole and comes from this app's current install (tokens change when the app is reinstalled).",
    };
  }
  return {
    explanation: `${capitalise(envName(first))} did not recognise the token, so it was sent to ${envName(second)}: ${r.explanation}`,
    hint: r.hint,
  };
}

/** Which server answered, and how its environment is known. */
function answeredBy(r: PushResult): string {
  switch (r.environmentSource) {
    case 'apple':
      return `${r.environment}, ${r.endpoint}`;
    case 'reported':
      return `${r.endpoint}, which reports ${envName(r.environment)}`;
    case 'assumed':
      return `${r.endpoint}, which does not say its environment (explained as ${envName(r.environment)}, as asked)`;
  }
}

function buildOf(environment: Environment): string {
  return environment === 'sandbox' ? 'a build run from Xcode' : 'a TestFlight or App Store build';
}

/**
 * One token's object in the `--json` document: the contract's fields only. Written out field by
 * field: spreading a fresh object costs Node 20 some microseconds, and this runs per token.
 */
export function pushJsonObject(r: PushResult) {
  const { explanation, hint } = explainPushResult(r);
  const object: Pick<
    PushResult,
    | 'token'
    | 'environment'
    | 'endpoint'
    | 'status'
    | 'apnsId'
    | 'apnsUniqueId'
    | 'ok'
    | 'explanation'
    | 'hint'
  > & {
    // The server's reason, or the failure's name when no answer came.
    reason: string | null;
    profile?: {
      apsEnvironment: PushProfileFacts['apsEnvironment'];
      environment: PushProfileFacts['tokenEnvironment'];
    };
  } = {
    token: r.token,
    environment: r.environment,
    endpoint: r.endpoint,
    status: r.status,
    apnsId: r.apnsId,
    apnsUniqueId: r.apnsUniqueId,
    // No answer at all: what happened instead (timeout, connection-lost, ...).
    reason: r.reason ?? r.failure,
    ok: r.ok,
    explanation,
    hint,
  };
  // Only with --profile: the contract's fields stay as they were without it.
  if (r.profile !== null) {
    object.profile = {
      apsEnvironment: r.profile.apsEnvironment,
      environment: r.profile.tokenEnvironment,
    };
  }
  return object;
}

/** The `--json` document: one object per token, the contract's fields only. */
export function pushJson(results: readonly PushResult[]) {
  return results.map(pushJsonObject);
}

/** The object in the --json document when the push got no answer at all: mostly null. */
export function pushFailureObject(
  error: { message: string; hint?: string | undefined; failure?: string },
  endpoint: string | null,
) {
  return {
    token: null,
    environment: null,
    endpoint,
    status: null,
    apnsId: null,
    apnsUniqueId: null,
    reason: error.failure ?? null,
    ok: false,
    explanation: capitalise(error.message),
    hint: error.hint ?? null,
  };
}

/**
 * The --json document written as the answers arrive: `[`, then one object a line, then `]`;
 * stdout is one valid JSON array however the run ends. Each object is held until the next one
 * (or the end) says whether it needs a comma, so at most one is held.
 */
export class PushJsonStream {
  #opened = false;
  #held: string | null = null;

  /** The lines to print now for this object. */
  add(object: object): string[] {
    const lines = this.#opened ? [] : ['['];
    this.#opened = true;
    if (this.#held !== null) lines.push(`${this.#held},`);
    this.#held = `  ${JSON.stringify(object)}`;
    return lines;
  }

  /** The lines that close the document (none if nothing was ever printed). */
  end(): string[] {
    if (!this.#opened) return [];
    const lines = this.#held === null ? [] : [this.#held];
    this.#held = null;
    this.#opened = false;
    return [...lines, ']'];
  }
}

/** Explanations said once each, up to this many kinds; past it, each is said again. */
const EXPLAINED_KINDS = 100;
/** Kinds of refusal counted separately in the summary; the rest are "other". */
const SUMMARY_KINDS = 10;

/**
 * For people, as the answers arrive: one line per token (✓ or ✗, the token, the answer), and
 * the first time an answer comes up, what it means and what to do; at the end, how many were
 * accepted. Everything a server sent is escaped before it reaches the terminal.
 */
export class PushTextReport {
  readonly #style: Style;
  readonly #explained = new Set<string>();
  readonly #refused = new Map<string, number>();
  #count = 0;
  #accepted = 0;
  /** The last kind of explanation said, and whether the last endpoint seen is Apple's. */
  #lastKind: Pick<
    PushResult,
    'explanation' | 'hint' | 'endpoint' | 'environment' | 'environmentSource'
  > | null = null;
  #appleEndpoint: { endpoint: string; apple: boolean } | null = null;

  constructor(style: Style) {
    this.#style = style;
  }

  /** The lines to print now for this result. */
  add(r: PushResult): string[] {
    const style = this.#style;
    this.#count += 1;
    const answer = answerOf(r);
    if (r.ok) this.#accepted += 1;
    else this.#countRefusal(answer);
    const mark = r.ok ? style.green('✓') : style.red('✗');
    const who = r.probe ? '(probe)' : shortToken(r.token);
    const { explanation, hint } = explainPushResult(r);
    const idLine = this.#idLine(r);
    // Most results of a run are explained alike: the kind is compared with the last one said
    // before a key is built, as it runs once per token.
    const last = this.#lastKind;
    const sameAsLast =
      last !== null &&
      last.explanation === explanation &&
      last.hint === hint &&
      last.endpoint === r.endpoint &&
      last.environment === r.environment &&
      last.environmentSource === r.environmentSource;
    const kind = sameAsLast ? null : `${answeredBy(r)}\n${explanation}\n${hint}`;
    if (sameAsLast || this.#explained.has(kind!)) {
      return [`${mark} ${who}  ${escapeToOneLine(answer)}${idLine === null ? '' : `  ${idLine}`}`];
    }
    if (this.#explained.size < EXPLAINED_KINDS) {
      this.#explained.add(kind!);
      this.#lastKind = {
        explanation,
        hint,
        endpoint: r.endpoint,
        environment: r.environment,
        environmentSource: r.environmentSource,
      };
    }
    const lines = [
      `${mark} ${who}  ${escapeToOneLine(answer)}  ${style.dim(escapeToOneLine(answeredBy(r)))}`,
      `  ${escapeToOneLine(explanation)}`,
    ];
    if (hint !== null) lines.push(`  ${escapeToOneLine(hint)}`);
    if (idLine !== null) lines.push(`  ${idLine}`);
    return lines;
  }

  /** The ids the server gave the push, to look it up; null when it gave none. */
  #idLine(r: PushResult): string | null {
    if (r.apnsId === null && r.apnsUniqueId === null) return null;
    const apnsId = r.apnsId === null ? null : `apns-id ${r.apnsId}`;
    let uniqueId: string | null = null;
    if (r.apnsUniqueId !== null) {
      // Only Apple's own sandbox knows its ids; a local server's mean nothing to the Console.
      if (this.#appleEndpoint?.endpoint !== r.endpoint) {
        this.#appleEndpoint = {
          endpoint: r.endpoint,
          apple: /\.push\.apple\.com(:\d+)?$/.test(r.endpoint),
        };
      }
      uniqueId = `apns-unique-id ${r.apnsUniqueId}${this.#appleEndpoint.apple ? " (look it up in Apple's Push Notifications Console)" : ''}`;
    }
    const ids = apnsId === null ? uniqueId! : uniqueId === null ? apnsId : `${apnsId}, ${uniqueId}`;
    return this.#style.dim(escapeToOneLine(ids));
  }

  /** The closing lines: how many of several pushes were accepted, and what the others got. */
  summary(): string[] {
    if (this.#count <= 1) return [];
    if (this.#accepted === this.#count) return [`All ${this.#count} pushes were accepted.`];
    const refused = [...this.#refused].map(([answer, n]) => `${n} × ${escapeToOneLine(answer)}`);
    return [
      `${this.#accepted} of ${this.#count} pushes were accepted; not accepted: ${refused.join(', ')}.`,
    ];
  }

  #countRefusal(answer: string): void {
    const key =
      this.#refused.has(answer) || this.#refused.size < SUMMARY_KINDS ? answer : 'other answers';
    this.#refused.set(key, (this.#refused.get(key) ?? 0) + 1);
  }
}

/** The status and reason, or what came instead of an answer. */
function answerOf(r: PushResult): string {
  if (r.status !== null) return `${r.status}${r.reason === null ? '' : ` ${r.reason}`}`;
  if (r.reason !== null) return `no status, ${r.reason}`;
  return `no answer (${r.failure ?? 'unknown'})`;
}

/** For people, every result at once: the lines of PushTextReport, then its summary. */
export function pushReport(results: readonly PushResult[], style: Style): string {
  const report = new PushTextReport(style);
  return [...results.flatMap((r) => report.add(r)), ...report.summary()].join('\n');
}

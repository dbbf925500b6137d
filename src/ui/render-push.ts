/**
 * `push`: the sentences it says (kept together so they read as a whole, in mkcert's voice),
 * one line per token for people, and the contract's JSON for machines.
 */
import type { Environment } from '../core/pki/types.js';
import type { PushProgress } from '../flows/push-ports.js';
import type { PushResult } from '../flows/send-push.js';
import { describeCertificate } from './messages.js';
import type { Style } from './style.js';
import { shortToken } from './warnings.js';

function envName(environment: Environment): string {
  return environment === 'sandbox' ? 'the sandbox' : 'production';
}

/** The line said while the pushes go out. */
export function describePushProgress(progress: PushProgress): string {
  const what = progress.probe
    ? 'Sending a credential probe (a well-formed token that belongs to no device)'
    : `Sending ${progress.count === 1 ? 'a push' : `${progress.count} pushes`}`;
  const where = progress.customEndpoint
    ? `${progress.where} (not Apple's; asked for ${envName(progress.environment)})`
    : `${progress.where} (${envName(progress.environment)})`;
  return `${what} for ${progress.topic} to ${where} with ${describeCertificate(progress.certificate)}…`;
}

/**
 * The explanation and hint of a result: the core's, or, for a token first tried in the other
 * environment, what that second try showed.
 */
export function explainPushResult(r: PushResult): { explanation: string; hint: string | null } {
  const other = r.otherEnvironment;
  if (other === null) return { explanation: r.explanation, hint: r.hint };
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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The `--json` document: one object per token, the contract's fields only. */
export function pushJson(results: readonly PushResult[]) {
  return results.map((r) => ({
    token: r.token,
    environment: r.environment,
    endpoint: r.endpoint,
    status: r.status,
    apnsId: r.apnsId,
    apnsUniqueId: r.apnsUniqueId,
    reason: r.reason,
    ok: r.ok,
    ...explainPushResult(r),
  }));
}

/** The --json document when the push got no answer at all: the contract's fields, mostly null. */
export function pushFailureJson(
  error: { message: string; hint?: string | undefined; failure?: string },
  endpoint: string | null,
) {
  return [
    {
      token: null,
      environment: null,
      endpoint,
      status: null,
      apnsId: null,
      apnsUniqueId: null,
      reason: error.failure ?? null,
      ok: false,
      explanation: error.message,
      hint: error.hint ?? null,
    },
  ];
}

/** For people: a ✓ or ✗ line per token, then what it means and what to do. */
export function pushReport(results: readonly PushResult[], style: Style): string {
  const lines: string[] = [];
  for (const r of results) {
    const mark = r.ok ? style.green('✓') : style.red('✗');
    const who = r.probe ? '(probe)' : shortToken(r.token);
    const answer =
      r.status === null
        ? `no status${r.reason === null ? '' : `, ${r.reason}`}`
        : `${r.status}${r.reason === null ? '' : ` ${r.reason}`}`;
    lines.push(`${mark} ${who}  ${answer}  ${style.dim(answeredBy(r))}`);
    const { explanation, hint } = explainPushResult(r);
    lines.push(`  ${explanation}`);
    if (hint !== null) lines.push(`  ${hint}`);
    const ids = [
      r.apnsId === null ? null : `apns-id ${r.apnsId}`,
      r.apnsUniqueId === null
        ? null
        : // Only Apple's own sandbox knows its ids; a local server's mean nothing to the Console.
          `apns-unique-id ${r.apnsUniqueId}${/\.push\.apple\.com(:\d+)?$/.test(r.endpoint) ? " (look it up in Apple's Push Notifications Console)" : ''}`,
    ].filter((part) => part !== null);
    if (ids.length > 0) lines.push(`  ${style.dim(ids.join(', '))}`);
  }
  if (results.length > 1) {
    const accepted = results.filter((r) => r.ok).length;
    lines.push(
      accepted === results.length
        ? `All ${results.length} pushes were accepted.`
        : `${accepted} of ${results.length} pushes were accepted.`,
    );
  }
  return lines.join('\n');
}

/** One sandbox log entry as a line for a person (without --json). */
import { describeReason } from '../core/apns/reasons.js';
import { escapeControlCharacters } from '../core/safe-text.js';
import type { SandboxLogEntry } from './server.js';

export function describeLogEntry(entry: SandboxLogEntry): string {
  const time = entry.time.slice(11, 19);
  if (entry.event === 'connection-refused') {
    return `${time} refused a connection: ${entry.explanation}.`;
  }
  if (entry.event === 'connection-closed') {
    return `${time} closed a connection: ${entry.explanation}.`;
  }
  const target = `${entry.token === null ? entry.path : shortToken(entry.token)}${entry.topic ? ` (${entry.topic})` : ''}`;
  const type = entry.pushType ?? 'push';
  // The key id and team are the client's words: escaped like any text from outside.
  const token = entry.providerToken;
  const by =
    token === null
      ? ''
      : escapeControlCharacters(
          ` (token of key ${token.keyId ?? 'unknown'}, team ${token.teamId ?? 'unknown'})`,
        );
  const head =
    entry.reason === null
      ? `${time} ${entry.status} accepted ${type} → ${target}${by}, apns-id ${entry.apnsId}`
      : `${time} ${entry.status} ${entry.reason} → ${target}${by}: ${describeReason(entry.reason)?.meaning ?? ''}`;
  return [head.trimEnd(), ...entry.warnings.map((warning) => `  Warning: ${warning}`)].join('\n');
}

function shortToken(token: string): string {
  return token.length > 16 ? `${token.slice(0, 8)}…${token.slice(-8)}` : token;
}

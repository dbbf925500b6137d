/**
 * The `--tokens FILE` list: the device tokens the sandbox knows, one a line, each optionally
 * followed by what the sandbox should say about it:
 *
 *   740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad
 *   <740f4707 bebcf74f 9b7c25d4 …>                  as an old NSData description prints it
 *   5c1c0d2f…  com.example.app                       the app it belongs to (else DeviceTokenNotForTopic)
 *   9b7c25d4…  production                            its environment (else BadDeviceToken)
 *   a1b2c3d4…  unregistered                          410 Unregistered
 *
 * Blank lines and `#` comments are ignored.
 */
import { InputError, isApnsSetupError } from '../core/errors.js';
import { normalizeDeviceToken } from '../core/apns/device-token.js';
import type { KnownToken } from '../core/apns/sandbox-rules.js';

const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

const HINT =
  'Write one device token per line (64 hex digits), optionally followed by "unregistered", "sandbox" or "production", and the bundle id of its app.';

/**
 * Parses the list. `loadedAt` is the time an `unregistered` token has been invalid since (the
 * `timestamp` of its 410 answer). Errors name the line, not the file: the caller prefixes it.
 */
export function parseTokenList(text: string, loadedAt: Date): Map<string, KnownToken> {
  const tokens = new Map<string, KnownToken>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const { tokenText, rest } = splitToken(line);
    let token: string;
    try {
      token = normalizeDeviceToken(tokenText);
    } catch (error) {
      if (!isApnsSetupError(error)) throw error;
      throw new InputError('USAGE', `${where}: ${error.message}`, { hint: HINT, cause: error });
    }
    const entry: KnownToken = { bundleId: null, environment: null, unregisteredSince: null };
    for (const word of rest) {
      const lower = word.toLowerCase();
      if (lower === 'unregistered') entry.unregisteredSince = loadedAt;
      else if (lower === 'sandbox' || lower === 'development') entry.environment = 'sandbox';
      else if (lower === 'production') entry.environment = 'production';
      else if (BUNDLE_ID.test(word)) entry.bundleId = word;
      else {
        throw new InputError('USAGE', `${where}: "${word}" is not a bundle id or a keyword`, {
          hint: HINT,
        });
      }
    }
    tokens.set(token, entry);
  });
  return tokens;
}

/** The token is the first word, or everything between `<` and `>` (spaces and all). */
function splitToken(line: string): { tokenText: string; rest: string[] } {
  if (line.startsWith('<')) {
    const end = line.indexOf('>');
    if (end !== -1) {
      return { tokenText: line.slice(0, end + 1), rest: words(line.slice(end + 1)) };
    }
  }
  const [first = '', ...rest] = words(line);
  return { tokenText: first, rest };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/**
 * Device tokens as people paste them: `<740f4707 bebcf74f …>` from an old `NSData` description,
 * upper-case hex from a log, or the real thing.
 */
import { InputError } from '../errors.js';

/**
 * Tokens are 32 bytes today, but Apple says not to hard-code their length ("APNs device tokens
 * are of variable length. Do not hard-code their size"), so longer even-length hex is accepted.
 */
export const MIN_TOKEN_HEX_DIGITS = 64;
export const MAX_TOKEN_HEX_DIGITS = 200;

const HINT =
  'Pass the token the app received in didRegisterForRemoteNotificationsWithDeviceToken as hex, e.g. `deviceToken.map { String(format: "%02x", $0) }.joined()`: 64 hex digits.';

/** A token already as APNs expects it: lower-case hex, of an even length within the bounds. */
const NORMAL = new RegExp(
  `^(?:[0-9a-f]{2}){${MIN_TOKEN_HEX_DIGITS / 2},${MAX_TOKEN_HEX_DIGITS / 2}}$`,
);

/**
 * Whether the text is a token as normalizeDeviceToken returns it. Most are, in a list exported
 * from a server: they are taken as they are, with nothing to strip, copy or check again.
 */
export function isNormalDeviceToken(text: string): boolean {
  return NORMAL.test(text);
}

/** The token as APNs expects it in `/3/device/<token>`: lower-case hex. */
export function normalizeDeviceToken(input: string): string {
  if (NORMAL.test(input)) return input;
  // Since iOS 13 `Data.description` prints `{length = 32, bytes = 0x740f4707 ... 5c1c0d2f}`,
  // with the middle elided: the token cannot be recovered from it.
  if (/length\s*=\s*\d+\s*,\s*bytes\s*=/.test(input)) {
    throw new InputError(
      'USAGE',
      'the device token is the output of Data.description (iOS 13 and later), which leaves out the middle of the token.',
      { hint: HINT },
    );
  }
  const token = input.replace(/[<>\s]/g, '').toLowerCase();
  if (token === '') {
    throw new InputError('USAGE', 'the device token is empty.', { hint: HINT });
  }
  const bad = /[^0-9a-f]/.exec(token);
  if (bad) {
    throw new InputError(
      'USAGE',
      `the device token contains "${bad[0]}" (at position ${bad.index + 1}), which is not a hexadecimal digit.`,
      { hint: HINT },
    );
  }
  if (token.length < MIN_TOKEN_HEX_DIGITS) {
    throw new InputError(
      'USAGE',
      `the device token has ${token.length} hex digits; a device token has at least ${MIN_TOKEN_HEX_DIGITS} (32 bytes).`,
      { hint: HINT },
    );
  }
  if (token.length > MAX_TOKEN_HEX_DIGITS) {
    throw new InputError(
      'USAGE',
      `the device token has ${token.length} hex digits; apns-setup accepts at most ${MAX_TOKEN_HEX_DIGITS}.`,
      { hint: HINT },
    );
  }
  if (token.length % 2 !== 0) {
    throw new InputError(
      'USAGE',
      `the device token has an odd number of hex digits (${token.length}), so a digit is missing or extra.`,
      { hint: HINT },
    );
  }
  return token;
}

/**
 * The token of a credential probe: well-formed but belonging to no device, so APNs answers
 * `400 BadDeviceToken` once it has accepted the certificate, topic and environment.
 */
export function probeDeviceToken(randomBytes: Uint8Array): string {
  if (randomBytes.length !== 32) {
    throw new RangeError(`probeDeviceToken needs 32 random bytes, got ${randomBytes.length}.`);
  }
  return Buffer.from(randomBytes).toString('hex');
}

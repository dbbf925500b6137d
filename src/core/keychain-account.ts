/**
 * The names under which a passphrase is kept in the OS keychain (DESIGN "Commands"): service
 * `apns-setup`, account derived from the SHA-256 of the key file's bytes, so that moving or
 * renaming the folder keeps it, and another key (or the same key written again) gets its own.
 */
import { createHash } from 'node:crypto';

export const KEYCHAIN_SERVICE = 'apns-setup';

/** `key-sha256:` and 64 lowercase hex digits. */
export const KEYCHAIN_ACCOUNT_PATTERN = /^key-sha256:[0-9a-f]{64}$/;

/**
 * The account of the key file with these bytes, exactly as on disk: no BOM or line-ending
 * normalisation, so a file that was rewritten (even with the same key) is a new account.
 */
export function keychainAccountFor(keyFileBytes: Uint8Array): string {
  return `key-sha256:${createHash('sha256').update(keyFileBytes).digest('hex')}`;
}

import { describe, expect, it } from 'vitest';
import {
  KEYCHAIN_ACCOUNT_PATTERN,
  KEYCHAIN_SERVICE,
  keychainAccountFor,
} from '../../src/core/keychain-account.js';

describe('keychainAccountFor', () => {
  it('is key-sha256: and the SHA-256 of the bytes, in lowercase hex', () => {
    // FIPS 180-2's "abc" vector.
    expect(keychainAccountFor(new TextEncoder().encode('abc'))).toBe(
      'key-sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(keychainAccountFor(new Uint8Array())).toMatch(KEYCHAIN_ACCOUNT_PATTERN);
  });

  it('depends on the bytes only: a copy elsewhere has the same account', () => {
    const pem = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF…\n');
    expect(keychainAccountFor(Buffer.from(pem))).toBe(keychainAccountFor(new Uint8Array(pem)));
  });

  it('tells different files apart, even the same text with other line endings', () => {
    const lf = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\nA\n');
    const crlf = Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----\r\nA\r\n');
    expect(keychainAccountFor(lf)).not.toBe(keychainAccountFor(crlf));
  });

  it('uses the service of the design', () => {
    expect(KEYCHAIN_SERVICE).toBe('apns-setup');
  });
});

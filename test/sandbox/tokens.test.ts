import { describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { parseTokenList } from '../../src/sandbox/tokens.js';

const A = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const B = 'b'.repeat(64);
const LOADED = new Date('2026-11-28T12:00:00Z');

describe('parseTokenList', () => {
  it('reads tokens, keywords, bundle ids, comments and blank lines', () => {
    const text = [
      '# devices of the QA team',
      A.toUpperCase(),
      '',
      `${B}  com.example.app  production   # the release build`,
      `${'c'.repeat(64)} unregistered`,
      `${'d'.repeat(64)} development`,
    ].join('\r\n');
    const tokens = parseTokenList(text, LOADED);
    expect([...tokens.entries()]).toEqual([
      [A, { bundleId: null, environment: null, unregisteredSince: null }],
      [B, { bundleId: 'com.example.app', environment: 'production', unregisteredSince: null }],
      ['c'.repeat(64), { bundleId: null, environment: null, unregisteredSince: LOADED }],
      ['d'.repeat(64), { bundleId: null, environment: 'sandbox', unregisteredSince: null }],
    ]);
  });

  it('reads a token as an old NSData description prints it', () => {
    const spaced = `<${A.match(/.{8}/g)!.join(' ')}> sandbox`;
    expect([...parseTokenList(spaced, LOADED).entries()]).toEqual([
      [A, { bundleId: null, environment: 'sandbox', unregisteredSince: null }],
    ]);
  });

  it('names the line of a malformed token, with the hint of the token rules', () => {
    const error = (() => {
      try {
        parseTokenList(`${A}\n${'z'.repeat(64)}\n`, LOADED);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(isApnsSetupError(error)).toBe(true);
    if (!isApnsSetupError(error)) return;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'line 2: the device token contains "z" (at position 1), which is not a hexadecimal digit.',
    );
    expect(error.hint).toMatch(/one device token per line/);
  });

  it('refuses a word that is neither a keyword nor a bundle id', () => {
    expect(() => parseTokenList(`${A} revoked`, LOADED)).toThrow(
      'line 1: "revoked" is not a bundle id or a keyword',
    );
  });

  it('gives an empty list for a file of comments', () => {
    expect(parseTokenList('# nothing yet\n\n', LOADED).size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { escapeControl } from '../../src/ui/terminal-text.js';

describe('escapeControl', () => {
  it('writes out the escapes that would clear the screen, colour it and set the title', () => {
    expect(escapeControl('\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007')).toBe(
      '\\e[2J\\e[31mPWNED\\e]0;title\\a',
    );
  });

  it('keeps a reason on its line: newlines, carriage returns, tabs and backspaces show', () => {
    expect(escapeControl('Bad\r\nDevice\tToken\b')).toBe('Bad\\r\\nDevice\\tToken\\b');
  });

  it('shows other C0 and C1 controls and DEL as hex, and the characters that reorder text', () => {
    expect(escapeControl('a\u0000b\u007fc\u009bd')).toBe('a\\x00b\\x7fc\\x9bd');
    expect(escapeControl('evil\u202etxt.exe\u2066')).toBe('evil\\u202etxt.exe\\u2066');
  });

  it('leaves ordinary text alone, accents and symbols included', () => {
    const text = 'BadDeviceToken: café ✓ — 日本 "quoted" \\ back-slash';
    expect(escapeControl(text)).toBe(text);
  });
});

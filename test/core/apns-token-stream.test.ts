/**
 * A tokens file as it streams in (TokenLineSplitter, tokenOfLine) and the set that finds
 * repeated tokens (TokenSet): what a file from a Windows editor, a PowerShell redirect or a
 * pipe holds, cut into chunks anywhere.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import {
  MAX_TOKEN_LINE_CHARS,
  TokenLineSplitter,
  tokenOfLine,
} from '../../src/core/apns/token-lines.js';
import { TokenSet } from '../../src/core/apns/token-set.js';

const TOKEN_A = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const TOKEN_B = 'b'.repeat(64);

/** Every line, with the input cut into chunks of `size` bytes. */
function linesOf(bytes: Buffer, size: number): string[] {
  const splitter = new TokenLineSplitter('tokens.txt');
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += size)
    lines.push(...splitter.push(bytes.subarray(i, i + size)));
  lines.push(...splitter.end());
  return lines;
}

const text = `# QA devices\r\n${TOKEN_A}\r\n\r\n<${TOKEN_B.slice(0, 8)} ${TOKEN_B.slice(8)}> # iPad café\r\n${TOKEN_A}`;
const expected = [
  '# QA devices',
  TOKEN_A,
  '',
  `<${TOKEN_B.slice(0, 8)} ${TOKEN_B.slice(8)}> # iPad café`,
  TOKEN_A,
];

describe('TokenLineSplitter', () => {
  const encodings: [string, Buffer][] = [
    ['UTF-8', Buffer.from(text, 'utf8')],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    [
      'UTF-16LE with a BOM (PowerShell 5 >)',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    ],
    [
      'UTF-16BE with a BOM',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    ],
    ['UTF-16LE without a BOM', Buffer.from(text, 'utf16le')],
  ];
  for (const [name, bytes] of encodings) {
    it(`reads ${name}, CRLF, whatever the chunk size`, () => {
      for (const size of [1, 2, 3, 5, 64, 65_536]) expect(linesOf(bytes, size)).toEqual(expected);
    });
  }

  it('holds no more than one line: a line past the limit is refused, naming it', () => {
    const splitter = new TokenLineSplitter('stdin');
    expect(splitter.push(Buffer.from(`${TOKEN_A}\n`))).toEqual([TOKEN_A]);
    let error: unknown;
    try {
      for (let i = 0; i < 10; i++) splitter.push(Buffer.alloc(MAX_TOKEN_LINE_CHARS / 4, 0x61));
    } catch (e) {
      error = e;
    }
    expect(isApnsSetupError(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^stdin line 2 is longer than 65536 characters/);
  });

  it('counts the lines it hands out', () => {
    const splitter = new TokenLineSplitter('t');
    splitter.push(Buffer.from('a\nb\nc'));
    expect(splitter.lineNumber).toBe(2);
    splitter.end();
    expect(splitter.lineNumber).toBe(3);
  });
});

describe('tokenOfLine', () => {
  it('normalises a token, skips blank lines and comments', () => {
    expect(
      tokenOfLine(`  <${TOKEN_B.slice(0, 8)} ${TOKEN_B.slice(8).toUpperCase()}> # iPad`, 'f', 4),
    ).toBe(TOKEN_B);
    expect(tokenOfLine('   ', 'f', 1)).toBeNull();
    expect(tokenOfLine('# a comment', 'f', 1)).toBeNull();
  });

  it('names the file and line of a bad token, without the rest of the file', () => {
    expect(() => tokenOfLine('not-a-token', 'tokens.txt', 7)).toThrow(
      /^tokens\.txt line 7: the device token contains "n" \(at position 1\)/,
    );
  });
});

describe('TokenSet', () => {
  it('says whether a token is new, and claims each once', () => {
    const set = new TokenSet();
    expect(set.add(TOKEN_A)).toBe(true);
    expect(set.add(TOKEN_A)).toBe(false);
    expect(set.add(TOKEN_B)).toBe(true);
    expect(set.size).toBe(2);
    expect(set.claim(TOKEN_A)).toBe(true);
    expect(set.claim(TOKEN_A)).toBe(false);
    // A token never added is added by its claim.
    expect(set.claim('cd'.repeat(40))).toBe(true);
    expect(set.add('cd'.repeat(40))).toBe(false);
    expect(set.size).toBe(3);
  });

  it('is exact for 200,000 tokens of several lengths, tokens that differ in one byte included', () => {
    const set = new TokenSet();
    const tokens: string[] = [];
    for (let i = 0; i < 100_000; i++) tokens.push(randomBytes(32).toString('hex'));
    for (let i = 0; i < 50_000; i++) tokens.push(i.toString(16).padStart(64, '0'));
    for (let i = 0; i < 50_000; i++) tokens.push(`ff${i.toString(16).padStart(198, '0')}`);
    for (const token of tokens) expect(set.add(token)).toBe(true);
    expect(set.size).toBe(200_000);
    for (const token of tokens) expect(set.add(token)).toBe(false);
    for (const token of tokens) expect(set.claim(token)).toBe(true);
    for (const token of tokens) expect(set.claim(token)).toBe(false);
    expect(set.size).toBe(200_000);
  });
});

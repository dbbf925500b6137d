/** Where a payload stops being JSON, without its content, agreeing with JSON.parse. */
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from '../../src/core/json-error-position.js';

const valid = [
  '{"aps":{"alert":"Hi"}}',
  ' [1, -2.5e3, true, false, null, "a\\u00e9\\n"] ',
  '{}',
  '"just a string"',
  '0',
  '{"a":[{"b":{}}],"c":""}',
];
const invalid: [string, { line: number; column: number; atEnd: boolean }][] = [
  ['Sekr3t-PASS-word\n', { line: 1, column: 1, atEnd: false }],
  ['{"aps": {"alert": "Hi"}', { line: 1, column: 24, atEnd: true }],
  ['{\n  "aps": {\n    "alert": \'Hi\'\n  }\n}', { line: 3, column: 14, atEnd: false }],
  ['{"a":1,}', { line: 1, column: 8, atEnd: false }],
  ['[01]', { line: 1, column: 3, atEnd: false }],
  ['{"a":1} x', { line: 1, column: 9, atEnd: false }],
  ['"tab\tinside"', { line: 1, column: 5, atEnd: false }],
  ['{"a":"\\x"}', { line: 1, column: 8, atEnd: false }],
];

describe('jsonErrorPosition', () => {
  it.each(valid)('%s is valid, as JSON.parse says', (text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(jsonErrorPosition(text)).toBeNull();
  });

  it.each(invalid)('%j: not JSON, and where', (text, position) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(jsonErrorPosition(text)).toEqual(position);
  });

  it('a very deep nesting is an error, not a crash', () => {
    expect(jsonErrorPosition('['.repeat(100_000))).not.toBeNull();
  });
});

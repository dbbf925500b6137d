import { describe, expect, it } from 'vitest';
import {
  isNormalDeviceToken,
  normalizeDeviceToken,
  probeDeviceToken,
} from '../../src/core/apns/device-token.js';

const HEX = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';

function usageError(input: string): { code: string; message: string; hint: string } {
  try {
    normalizeDeviceToken(input);
  } catch (error) {
    return error as { code: string; message: string; hint: string };
  }
  throw new Error(`expected ${input} to be refused`);
}

describe('normalizeDeviceToken', () => {
  it('turns an NSData description with brackets and spaces into lower-case hex', () => {
    expect(
      normalizeDeviceToken(
        '<740F4707 BEBCF74F 9B7C25D4 8E335894 5F6AA01D A5DDB387 462C7EAF 61BB78AD>',
      ),
    ).toBe(HEX);
    expect(normalizeDeviceToken(` ${HEX}\n`)).toBe(HEX);
  });

  it('accepts longer even-length tokens, as Apple says token length may grow', () => {
    expect(normalizeDeviceToken(HEX + HEX.slice(0, 36))).toHaveLength(100);
    expect(normalizeDeviceToken('ab'.repeat(100))).toHaveLength(200);
  });

  it.each([
    ['', /is empty/],
    ['<  >', /is empty/],
    [HEX.slice(0, 62), /has 62 hex digits; a device token has at least 64/],
    [HEX.slice(0, 63) + 'g', /contains "g" \(at position 64\)/],
    [`0x${HEX}`, /contains "x" \(at position 2\)/],
    [HEX + 'a', /odd number of hex digits \(65\)/],
    ['ab'.repeat(101), /has 202 hex digits; apns-setup accepts at most 200/],
    [
      '{length = 32, bytes = 0x740f4707 bebcf74f ... 462c7eaf 61bb78ad }',
      /Data\.description \(iOS 13 and later\)/,
    ],
  ])('refuses %j with what was wrong', (input, message) => {
    const error = usageError(input);
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/64 hex digits/);
  });
});

describe('isNormalDeviceToken', () => {
  it('is true exactly for what normalizeDeviceToken returns unchanged', () => {
    const inputs = [
      HEX,
      HEX.toUpperCase(),
      ` ${HEX}`,
      `<${HEX}>`,
      HEX.slice(0, 62),
      HEX.slice(0, 63),
      HEX + 'a',
      HEX + 'ab',
      HEX.slice(0, 63) + 'g',
      'ab'.repeat(99) + 'a',
      'ab'.repeat(100),
      'ab'.repeat(101),
      '',
    ];
    for (const input of inputs) {
      let unchanged: boolean;
      try {
        unchanged = normalizeDeviceToken(input) === input;
      } catch {
        unchanged = false;
      }
      expect([input, isNormalDeviceToken(input)]).toEqual([input, unchanged]);
    }
    expect(inputs.filter(isNormalDeviceToken)).toEqual([HEX, HEX + 'ab', 'ab'.repeat(100)]);
  });
});

describe('probeDeviceToken', () => {
  it('makes a well-formed token from 32 random bytes', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 3);
    const token = probeDeviceToken(bytes);
    expect(token).toBe(Buffer.from(bytes).toString('hex'));
    expect(normalizeDeviceToken(token)).toBe(token);
  });

  it('refuses anything but 32 bytes', () => {
    expect(() => probeDeviceToken(new Uint8Array(31))).toThrow(RangeError);
  });
});

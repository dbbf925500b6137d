import { describe, expect, it } from 'vitest';
import { capitalise } from '../../src/core/capitalise.js';

describe('capitalise', () => {
  it('starts a sentence in upper case', () => {
    expect(capitalise('the certificate expired.')).toBe('The certificate expired.');
    expect(capitalise('élan')).toBe('Élan');
  });

  it('leaves a sentence that already starts so, or starts with no letter, as it is', () => {
    expect(capitalise('APNs accepted it.')).toBe('APNs accepted it.');
    expect(capitalise('"aps.cer" is empty')).toBe('"aps.cer" is empty');
    expect(capitalise('')).toBe('');
  });
});

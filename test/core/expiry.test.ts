/**
 * The logic of the CI gate at its edges: exactly --days left, a second before and after expiry,
 * not yet valid. A fixed clock; every date is relative to it.
 */
import { describe, expect, it } from 'vitest';
import { assessExpiry, daysLeft, daysSince, formatDate } from '../../src/core/expiry.js';
import { daysAgoText } from '../../src/ui/messages.js';

const NOW = new Date('2031-06-15T12:00:00.000Z');
const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;
const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);
const validUntil = (offsetMs: number) => ({ notBefore: at(-365 * DAY), notAfter: at(offsetMs) });

describe('daysLeft', () => {
  it('counts whole days, rounded down', () => {
    expect(daysLeft(at(30 * DAY), NOW)).toBe(30);
    expect(daysLeft(at(31 * DAY - SECOND), NOW)).toBe(30);
    expect(daysLeft(at(30 * DAY - SECOND), NOW)).toBe(29);
    expect(daysLeft(at(SECOND), NOW)).toBe(0);
  });

  it('is negative once the certificate has ended, even by a second', () => {
    expect(daysLeft(NOW, NOW)).toBe(0);
    expect(daysLeft(at(-SECOND), NOW)).toBe(-1);
    expect(daysLeft(at(-DAY), NOW)).toBe(-1);
    expect(daysLeft(at(-DAY - SECOND), NOW)).toBe(-2);
  });
});

describe('daysSince: how long ago it ended, as people count', () => {
  it('counts whole days since, rounded down: 3 days and an hour ago is 3 days ago', () => {
    expect(daysSince(at(-3 * DAY - 60 * 60 * SECOND), NOW)).toBe(3);
    expect(daysSince(at(-3 * DAY), NOW)).toBe(3);
    expect(daysSince(at(-3 * DAY + SECOND), NOW)).toBe(2);
    expect(daysSince(at(-SECOND), NOW)).toBe(0);
  });

  it('is said without "1 days" or "0 days ago"', () => {
    expect(daysAgoText(daysSince(at(-SECOND), NOW))).toBe('less than a day ago');
    expect(daysAgoText(daysSince(at(-DAY - SECOND), NOW))).toBe('1 day ago');
    expect(daysAgoText(daysSince(at(-3 * DAY - SECOND), NOW))).toBe('3 days ago');
  });
});

describe('assessExpiry with --days 30', () => {
  it('exactly 30 days left is expiring: the window includes its last day', () => {
    expect(assessExpiry(validUntil(30 * DAY), NOW, 30)).toEqual({
      status: 'expiring',
      daysLeft: 30,
    });
  });

  it('31 days left is ok', () => {
    expect(assessExpiry(validUntil(31 * DAY), NOW, 30)).toEqual({ status: 'ok', daysLeft: 31 });
  });

  it('a second short of 31 days is 30 days left, so expiring', () => {
    expect(assessExpiry(validUntil(31 * DAY - SECOND), NOW, 30).status).toBe('expiring');
  });

  it('one second before the end it is still valid, and expiring', () => {
    expect(assessExpiry(validUntil(SECOND), NOW, 30)).toEqual({
      status: 'expiring',
      daysLeft: 0,
    });
  });

  it('at the very second of notAfter it has expired', () => {
    expect(assessExpiry(validUntil(0), NOW, 30)).toEqual({ status: 'expired', daysLeft: 0 });
  });

  it('a second after the end it has expired', () => {
    expect(assessExpiry(validUntil(-SECOND), NOW, 30)).toEqual({
      status: 'expired',
      daysLeft: -1,
    });
  });

  it('--days 0 warns only about a certificate that ends today', () => {
    expect(assessExpiry(validUntil(DAY), NOW, 0).status).toBe('ok');
    expect(assessExpiry(validUntil(DAY - SECOND), NOW, 0).status).toBe('expiring');
  });
});

describe('assessExpiry before notBefore', () => {
  it('a certificate that starts in a second is not yet valid', () => {
    const validity = { notBefore: at(SECOND), notAfter: at(365 * DAY) };
    expect(assessExpiry(validity, NOW, 30)).toEqual({ status: 'not-yet-valid', daysLeft: 365 });
  });

  it('one that started this very second is valid', () => {
    const validity = { notBefore: NOW, notAfter: at(365 * DAY) };
    expect(assessExpiry(validity, NOW, 30).status).toBe('ok');
  });

  it('an expired certificate is expired even if its dates are backwards', () => {
    const validity = { notBefore: at(DAY), notAfter: at(-DAY) };
    expect(assessExpiry(validity, NOW, 30).status).toBe('expired');
  });
});

describe('formatDate', () => {
  it('is the UTC calendar date', () => {
    expect(formatDate(new Date('2031-12-31T23:59:59Z'))).toBe('2031-12-31');
  });
});

/** Expiry assessment for `check` and for every summary that shows "days left". */
import { isoDate } from './utc-date.js';

export type ExpiryStatus = 'ok' | 'expiring' | 'expired' | 'not-yet-valid';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The last days of a certificate in which every command that shows it says to make its successor
 * (and `check`'s default --days): time for a CSR, Apple's portal and a deploy, while the live
 * certificate keeps working.
 */
export const RENEWAL_WINDOW_DAYS = 30;

/**
 * Whole days until `notAfter`, rounded down: a certificate that ends in 30.9 days has 30 days
 * left, one that ended an hour ago has -1.
 */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/**
 * Whole days since `past`, rounded down: a certificate that ended 3 days and an hour ago ended
 * 3 days ago (its `daysLeft` is -4, rounded down the other way).
 */
export function daysSince(past: Date, now: Date): number {
  return Math.floor((now.getTime() - past.getTime()) / DAY_MS);
}

export interface ExpiryAssessment {
  status: ExpiryStatus;
  daysLeft: number;
}

/** `days`: the warning window; a certificate with `daysLeft <= days` is expiring. */
export function assessExpiry(
  validity: { notBefore: Date; notAfter: Date },
  now: Date,
  days: number,
): ExpiryAssessment {
  const left = daysLeft(validity.notAfter, now);
  if (validity.notAfter.getTime() <= now.getTime()) return { status: 'expired', daysLeft: left };
  if (validity.notBefore.getTime() > now.getTime())
    return { status: 'not-yet-valid', daysLeft: left };
  return { status: left <= days ? 'expiring' : 'ok', daysLeft: left };
}

/** Calendar date as people read it in a table: 2026-08-21. */
export function formatDate(date: Date): string {
  return isoDate(date);
}

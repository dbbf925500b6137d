import { describe, expect, it } from 'vitest';
import { isoBasicStamp, isoDate } from '../../src/core/utc-date.js';
import { seededRandom } from '../helpers/seeded-random.js';

// Date.UTC reads years 0 to 99 as 1900 to 1999: the first day of year 0 from its ISO form.
const earliest = Date.parse('0000-01-01T00:00:00Z');
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('dates in UTC, as toISOString says them', () => {
  const edges = [
    new Date(Date.UTC(1950, 0, 1)),
    new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)),
    new Date(0),
    new Date(Date.UTC(2000, 1, 29, 12, 0, 0)),
    new Date(Date.UTC(2026, 11, 31, 23, 59, 59)),
    new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
    new Date(Date.UTC(2050, 0, 1)),
    new Date(latest),
    new Date('0005-07-07T08:09:10Z'),
  ];

  it('the day: YYYY-MM-DD', () => {
    const next = seededRandom(20261130);
    const dates = [
      ...edges,
      ...Array.from({ length: 5000 }, () => new Date(earliest + next() * (latest - earliest))),
    ];
    for (const date of dates)
      expect(isoDate(date), date.toISOString()).toBe(date.toISOString().slice(0, 10));
  });

  it('the stamp of a backup: YYYYMMDDTHHMMSSZ', () => {
    const next = seededRandom(7);
    const dates = [
      ...edges,
      ...Array.from({ length: 5000 }, () => new Date(earliest + next() * (latest - earliest))),
    ];
    for (const date of dates) {
      const iso = date.toISOString();
      expect(isoBasicStamp(date), iso).toBe(`${iso.slice(0, 19).replace(/[-:]/g, '')}Z`);
    }
    expect(isoBasicStamp(new Date(Date.UTC(2026, 10, 28, 20, 45, 1)))).toBe('20261128T204501Z');
  });
});

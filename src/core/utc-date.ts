/**
 * Dates as text, in UTC: what toISOString says, from the UTC fields. A process's first
 * toISOString() costs Node 20 most of a millisecond (V8 sets up its date formatting), and
 * `inspect`, `check` and `import` would pay it only to print a date or name a backup.
 */

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** 2031-12-31 (years 0 to 9999, as certificates hold). */
export function isoDate(date: Date): string {
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}

/**
 * 20261128T204501Z: ISO 8601's basic format, to the second, with no character a file system
 * refuses (a backup's name).
 */
export function isoBasicStamp(date: Date): string {
  return `${isoDate(date).replace(/-/g, '')}T${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
}

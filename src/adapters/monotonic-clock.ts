/**
 * Milliseconds on a monotonic clock, from an arbitrary origin: what performance.now() counts,
 * without node:perf_hooks, which costs a push some 2 ms of start-up to load. A deadline taken
 * here must be compared here.
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

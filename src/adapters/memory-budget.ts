/**
 * V8 sizes its heap for speed: a process that allocates fast (an HTTP/2 client with 1,000
 * requests in flight) grows its young generation to 2 × 16 MB and its old generation to several
 * times what is alive. `push` to 40,000 tokens peaked at 177 MB where 93 MB did the same work as
 * fast, and a million tokens stay near 110 MB (`BENCH_MILLION=1 npm run bench`). These GC
 * settings are read by V8 as it decides, so they still apply when set after start-up.
 *
 * A young generation kept at 1 MB is collected every forty pushes or so, in a millisecond or
 * two: helper threads that must start and meet for that cost more than they share. With them,
 * 100,000 tokens to the local sandbox on two cores took 10.2 s and 9.8 s of CPU; on one
 * thread, 9.2 s and 8.6 s.
 */
const SMALL_HEAP = [
  '--semi-space-growth-factor=1',
  '--heap-growing-percent=25',
  '--no-parallel-scavenge',
  // V8 drops the bytecode of a function not run in five full collections: in a long push, all
  // of the start-up's. The code this run keeps for the next ones (command-file.ts) would lack
  // it (150 KB kept instead of 300 KB), and every later run, which takes kept code as it is,
  // would compile it anew: a one-token push cost 46 million instructions more (9 % of Node's
  // start-up). The start-up's bytecode is some 300 KB; a million tokens do not notice it.
  '--no-flush-bytecode',
];
/** V8's own values of the same flags. */
const DEFAULT_HEAP = [
  '--semi-space-growth-factor=2',
  '--heap-growing-percent=0',
  '--parallel-scavenge',
  '--flush-bytecode',
];

let applied = false;

/**
 * Keeps the young generation at its start size, collected on the main thread, and grows the old
 * one by 25 % at a time. Undone by restoreDefaultHeap.
 */
export function preferSmallHeap(): void {
  if (applied) return;
  applied = true;
  setFlags(SMALL_HEAP);
}

/**
 * Sets the flags preferSmallHeap changed back to V8's defaults, once the pushes are done. V8
 * keeps its flags in the code it compiles: code kept after a run with these (command-file.ts)
 * would be refused by every later run, which starts with the defaults.
 */
export function restoreDefaultHeap(): void {
  if (!applied) return;
  applied = false;
  setFlags(DEFAULT_HEAP);
}

function setFlags(flags: readonly string[]): void {
  // Loaded here, not imported: node:v8 is some 3 ms of every push's start-up, and only a push
  // to a tokens file sets these.
  const v8 = process.getBuiltinModule('node:v8');
  try {
    for (const flag of flags) v8.setFlagsFromString(flag);
  } catch {
    // A V8 that refuses flags after start-up keeps its defaults: more memory, same result.
  }
}

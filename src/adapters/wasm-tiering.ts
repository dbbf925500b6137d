/**
 * V8 runs WebAssembly as its baseline compiler (Liftoff) made it, and recompiles a function
 * with its optimising compiler, in the background, once the function has run some 1.8 MB of
 * code (V8 11's --wasm-tiering-budget). The SHA-1 of the key derivation (core/pki/sha-rounds.ts)
 * runs 10 KB a round, so it passes that mark within the first 200 of the 4,096 rounds an
 * import runs, and V8 then compiles code that the run never uses: 17 million instructions
 * (3 % of `node -e 0`), on the second core or, at exit, waited for. Import was 3–16 ms
 * slower in alternating runs.
 *
 * Compiled with a budget of 200 MB, the modules of a file with 2,048 iterations (import and
 * convert run 40–100 MB) never tier up, and those of a file with a million still do, where
 * the optimised code pays (the scalar SHA-256 is ten times faster optimised).
 *
 * The flag is set for the compile alone and put back at once: V8 keeps a digest of its flags in
 * the code it caches (command-file.ts), and code kept under other flags is refused by every
 * run that starts with V8's own. So it is put back only where V8's default is known; with
 * another V8, nothing is changed.
 */
import type { WasmCompileWrapper } from '../core/wasm-module.js';

/** The default of --wasm-tiering-budget, by V8 version (major.minor). */
const DEFAULT_BUDGET: Readonly<Record<string, number>> = { '11.3': 1_800_000 };

const LATE_BUDGET = 200_000_000;

export const compileWithLateTierUp: WasmCompileWrapper = (compile) => {
  const fallback = DEFAULT_BUDGET[process.versions.v8.split('.').slice(0, 2).join('.')];
  if (fallback === undefined) return compile();
  const v8 = process.getBuiltinModule('node:v8');
  try {
    v8.setFlagsFromString(`--wasm-tiering-budget=${LATE_BUDGET}`);
  } catch {
    return compile(); // a V8 that refuses flags now compiles as it would have
  }
  try {
    return compile();
  } finally {
    v8.setFlagsFromString(`--wasm-tiering-budget=${fallback}`);
  }
};

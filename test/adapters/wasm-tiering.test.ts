/**
 * The compile of core's WebAssembly with V8's tier-up put off (adapters/wasm-tiering.ts): the
 * flag is changed for the compile alone. What shows it from here is the code V8 caches, which
 * carries a digest of V8's flags (bytes 12–15 of its header): code cached after the compile must
 * be what code cached before it is, or every command's kept code would be refused
 * (command-file.ts).
 */
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileWithLateTierUp } from '../../src/adapters/wasm-tiering.js';
import { instantiateWasm, wrapWasmCompile } from '../../src/core/wasm-module.js';
import { sha1Rounds } from '../../src/core/pki/sha-rounds.js';
import { createHash } from 'node:crypto';

const flagDigest = (): string =>
  new Script('1 + 1').createCachedData().subarray(12, 16).toString('hex');
/** The V8 of Node 20, whose default the adapter knows. */
const knownV8 = process.versions.v8.startsWith('11.3.');

describe('compileWithLateTierUp', () => {
  it.runIf(knownV8)('changes V8’s flags during the compile, and puts them back after it', () => {
    const before = flagDigest();
    let during = '';
    const result = compileWithLateTierUp(() => {
      during = flagDigest();
      return 42;
    });
    expect(result).toBe(42);
    expect(during).not.toBe(before);
    expect(flagDigest()).toBe(before);
  });

  it('puts them back when the compile throws, and passes its error on', () => {
    const before = flagDigest();
    const failure = new Error('not WebAssembly');
    expect(() =>
      compileWithLateTierUp(() => {
        throw failure;
      }),
    ).toThrow(failure);
    expect(flagDigest()).toBe(before);
  });

  it('wraps the compiles of core’s modules, which still compute what node:crypto does', () => {
    const before = flagDigest();
    const wrapped: number[] = [];
    wrapWasmCompile((compile) => {
      wrapped.push(1);
      return compileWithLateTierUp(compile);
    });
    try {
      // The smallest module there is: the magic number and version 1.
      expect(instantiateWasm(Buffer.from('0061736d01000000', 'hex'))).toEqual({});
      expect(wrapped).toHaveLength(1);
      const digest = createHash('sha1').update('seed').digest();
      let expected = digest;
      for (let i = 0; i < 3; i++) expected = createHash('sha1').update(expected).digest();
      expect(sha1Rounds(digest, 3)).toEqual(expected);
      expect(flagDigest()).toBe(before);
    } finally {
      wrapWasmCompile((compile) => compile());
    }
  });
});

/**
 * How core compiles its WebAssembly (pki/sha-rounds.ts): `new WebAssembly.Module`, inside whatever
 * the process wrapped around it (wrapWasmCompile). How V8 compiles is set by its flags, the
 * process's state, which core does not touch: adapters/wasm-tiering.ts does, and
 * run-command.ts hands its wrapper in.
 */

// Node's own WebAssembly, as far as it is used here (@types/node 20 declares no values for it).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

/** Runs a compile, and gives back what it compiled. */
export type WasmCompileWrapper = <T>(compile: () => T) => T;

let wrapper: WasmCompileWrapper = (compile) => compile();

/** What a module's exports are, once compiled and instantiated with nothing imported. */
export function instantiateWasm(bytes: Uint8Array): object {
  const module = wrapper(() => new WebAssembly.Module(bytes));
  return new WebAssembly.Instance(module).exports;
}

/** Every later compile runs inside `wrap`. */
export function wrapWasmCompile(wrap: WasmCompileWrapper): void {
  wrapper = wrap;
}

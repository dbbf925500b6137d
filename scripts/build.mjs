// `npm run build`: src/ → dist/, bundled by esbuild, so that a command loads one file or a
// handful instead of resolving ~75 modules one by one, and still only its own code. In the
// program every `import()` in src/ (each command, the wizard's journeys, the prompt library, the
// task list, execa) is a chunk of its own, loaded when it is reached; the commands scripts and CI
// run are each one file.
//
// Bundled: our code and the pure-JS libraries it imports (commander, @inquirer/prompts, listr2,
// execa and their dependencies). Left outside, and loaded from node_modules at run time:
// - node-forge, which core/pki/forge.ts loads lazily with require(), piece by piece (single DES
//   is a few of its ~50 files; CSRs need more); esbuild cannot see through that require, and
//   need not.
// - @napi-rs/keyring, a native module with a prebuilt package per platform: it is resolved at
//   run time, never bundled.
//
// The builds, and the help in between:
// - the program (src/program.ts → dist/program.js), ES modules with every other file in
//   dist/chunks/;
// - the help of the program and of each command, rendered by that program (renderHelp) into
//   dist/help.json;
// - the commands scripts and CI run, each one CommonJS file (dist/commands/NAME.cjs,
//   src/one-command.ts): that command's code and its command line as a table, read from the
//   program's commander tree, in one file, so that its run neither starts Node's ES module
//   loader nor resolves a chain of chunks, nor loads commander. What
//   they import lazily (the passphrase prompt, the plist parser) is a CommonJS file apart, in
//   dist/vendor/, loaded when reached;
// - the bin (src/cli.ts → dist/cli.cjs), CommonJS on its own: it answers `--version` (the
//   version inlined here) and help (from dist/help.json) without Node's ES module loader,
//   requires dist/commands/NAME.cjs for those commands, and imports dist/program.js for the
//   rest.
// dist/meta.json (not shipped) maps each output file of all of them to the sources and packages
// it holds: test/e2e/startup.test.ts reads it to tell which packages a command loaded. Type
// checking is `npm run typecheck` (tsc), as before.
//
// One more entry point, built apart so that it changes nothing in the bin's chunks and is not
// shipped: dist/adapters/keychain.js, the OS keychain adapter alone, which the Secret Service
// test drives from separate node processes (test/helpers/keychain-client.mjs).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const dist = new URL('dist/', root);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

// Every @inquirer package says "sideEffects": false in its package.json, but esbuild reads that
// from the package.json nearest the file, and theirs have another one in dist/esm/ (the module
// type alone). Said again here, so that the prompts we do not import (the editor, with
// iconv-lite and chardet: four fifths of the library's bytes) stay out of the bundle.
const inquirerHasNoSideEffects = {
  name: 'inquirer-has-no-side-effects',
  setup(plugin) {
    plugin.onResolve({ filter: /^@inquirer\// }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      const resolved = await plugin.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: resolved.external, sideEffects: false };
    });
  },
};

/** The commands built into a file of their own; the bin requires them by name (src/cli.ts). */
const oneFileCommands = ['inspect', 'check', 'import', 'convert', 'push'];

/**
 * What those commands import lazily, each a CommonJS file of dist/vendor/ built from the module
 * named: kept out of the command's file, whose every byte Node reads and parses at start-up, and
 * loaded only when reached. A lazy import not listed here fails the build, so that none is
 * bundled into a command's file unnoticed.
 */
const vendorModules = {
  './inquirer.js': { name: 'inquirer', entry: 'src/adapters/inquirer.ts' },
  plist: { name: 'plist', entry: 'plist' },
  '@xmldom/xmldom': { name: 'xmldom', entry: '@xmldom/xmldom' },
};

/**
 * `one-command:NAME`: the file of that command, src/one-command.ts with its module and its plain
 * command line, read from the program's commander tree (plainCommandLines) after its build.
 */
const oneCommandEntries = (commandLines) => ({
  name: 'one-command-entries',
  setup(plugin) {
    plugin.onResolve({ filter: /^one-command:/ }, (args) => ({
      path: args.path.slice('one-command:'.length),
      namespace: 'one-command',
    }));
    plugin.onLoad({ filter: /.*/, namespace: 'one-command' }, (args) => ({
      contents: [
        `import * as command from './src/commands/${args.path}.js';`,
        "import { oneCommand } from './src/one-command.js';",
        `export const run = oneCommand(command, ${JSON.stringify(commandLines[args.path])});`,
      ].join('\n'),
      resolveDir: new URL('.', root).pathname,
      loader: 'ts',
    }));
  },
});

const lazyImportsFromVendor = {
  name: 'lazy-imports-from-vendor',
  setup(plugin) {
    plugin.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const vendor = vendorModules[args.path];
      if (vendor) return { path: `../vendor/${vendor.name}.cjs`, external: true };
      return {
        errors: [
          { text: `a lazy import of ${args.path}: add it to vendorModules (scripts/build.mjs)` },
        ],
      };
    });
  },
};

/** A vendor module that imports another (plist, the XML parser) requires that one's file. */
const vendorRequiresVendor = {
  name: 'vendor-requires-vendor',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^.]/ }, (args) => {
      const vendor = vendorModules[args.path];
      if (!vendor || args.kind === 'entry-point') return undefined;
      return { path: `./${vendor.name}.cjs`, external: true };
    });
  },
};

/**
 * Commander requires child_process at load, for the executable subcommands we do not use; with
 * the net module it loads, that is some 8 ms of every command's start-up. Commander gets it on
 * first use instead (in the program; the commands in a file of their own load no commander).
 */
const commanderChildProcessOnUse = {
  name: 'commander-child-process-on-use',
  setup(plugin) {
    plugin.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /node_modules\/commander\//.test(args.importer)
        ? { path: 'child_process', namespace: 'on-use' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'on-use' }, () => ({
      contents:
        "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// Our sources are ES modules and find files beside them with import.meta.url (templates/,
// node-forge, the keychain package); in a CommonJS file it is the file's own URL, made when
// asked for: most runs never ask, and making it at load cost every command's start-up.
const importMetaUrlInCommonJs = {
  define: { 'import.meta.url': '__apnsSetupImportMeta.url' },
  banner: {
    js: "const __apnsSetupImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
  },
};

/** What every build shares: our sources bundled for Node 20.17, into dist/. */
const everyBuild = {
  absWorkingDir: new URL('.', root).pathname,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20.17',
  logLevel: 'warning',
};

/** A CommonJS build: its files end in .cjs, as the package's "type" is "module". */
const commonJs = { format: 'cjs', outExtension: { '.js': '.cjs' } };

// The bin imports dist/program.js, the first build's entry, at run time: never bundled into it.
const programStaysOutside = {
  name: 'program-stays-outside',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/program\.js$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/**
 * dist/help.json, which the bin reads (src/prerendered-help.ts): each help as dist/program.js
 * writes it to a stdout that is no terminal (commander wraps it to 80 columns then), and whether
 * a terminal of any width from 80 gets the same bytes. Commander wraps to a terminal's width,
 * except where too little room is left for a description, which it then does not wrap at all: a
 * text the same at 80 and on a very wide terminal may still differ at 100. So it must be the
 * same at every width up to its longest unwrapped line; past that nothing can wrap.
 */
async function prerenderHelp() {
  const { renderHelp } = await import(new URL('program.js', dist).href);
  const texts = (rendered) => [['program', rendered.program], ...Object.entries(rendered.commands)];
  const at80 = renderHelp(version, 80);
  const unwrapped = renderHelp(version, 100_000);
  const longest = Math.max(
    ...texts(unwrapped).flatMap(([, text]) => text.split('\n').map((line) => line.length)),
  );
  const others = [unwrapped];
  for (let width = 81; width <= longest; width += 1) others.push(renderHelp(version, width));
  const entry = (text, pick) => ({
    text,
    sameAtAnyWidthFrom80: others.every((rendered) => pick(rendered) === text),
  });
  return {
    program: entry(at80.program, (rendered) => rendered.program),
    commands: Object.fromEntries(
      Object.entries(at80.commands).map(([name, text]) => [
        name,
        entry(text, (rendered) => rendered.commands[name]),
      ]),
    ),
  };
}

rmSync(dist, { recursive: true, force: true });
const program = await build({
  ...everyBuild,
  entryPoints: { program: 'src/program.ts' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  format: 'esm',
  external: ['node-forge', '@napi-rs/keyring'],
  // Bundled CommonJS (commander) calls require() for Node's own modules; ESM has none.
  banner: {
    js: "import { createRequire as __apnsSetupCreateRequire } from 'node:module';\nconst require = __apnsSetupCreateRequire(import.meta.url);",
  },
  plugins: [inquirerHasNoSideEffects, commanderChildProcessOnUse],
  metafile: true,
});

writeFileSync(new URL('help.json', dist), JSON.stringify(await prerenderHelp()));
const { plainCommandLines } = await import(new URL('program.js', dist).href);
const commandLines = Object.fromEntries(
  plainCommandLines(version, oneFileCommands).map((commandLine) => [commandLine.name, commandLine]),
);

const commands = await build({
  ...everyBuild,
  ...commonJs,
  entryPoints: Object.fromEntries(
    oneFileCommands.map((name) => [`commands/${name}`, `one-command:${name}`]),
  ),
  external: ['node-forge', '@napi-rs/keyring'],
  // A lazy import() becomes a require() in a promise: dist/vendor/ is CommonJS, and import()
  // would start Node's ES module loader for it.
  supported: { 'dynamic-import': false },
  ...importMetaUrlInCommonJs,
  plugins: [oneCommandEntries(commandLines), lazyImportsFromVendor],
  metafile: true,
});
const vendor = await build({
  ...everyBuild,
  ...commonJs,
  entryPoints: Object.fromEntries(
    Object.values(vendorModules).map(({ name, entry }) => [`vendor/${name}`, entry]),
  ),
  ...importMetaUrlInCommonJs,
  plugins: [inquirerHasNoSideEffects, vendorRequiresVendor],
  metafile: true,
});

// Each command's file by the digest of its bytes: the name of its compiled code in the user's
// code cache (src/command-file.ts), so that code never meets another build of the file.
// And each is ASCII: with one character beyond it, Node holds the whole file as a two-byte
// string (twice its size, young enough to cost a garbage collection at start-up). esbuild
// escapes strings and names, but not comments.
const commandDigests = Object.fromEntries(
  oneFileCommands.map((name) => {
    const bytes = readFileSync(new URL(`commands/${name}.cjs`, dist));
    const text = bytes.toString('latin1');
    const found = /[^\t\n\r\x20-\x7e]/.exec(text);
    if (found) {
      const line = text.slice(0, found.index).split('\n').length;
      throw new Error(
        `dist/commands/${name}.cjs, line ${line}: byte 0x${found[0].charCodeAt(0).toString(16)} is not ASCII; its source (a comment?) must be`,
      );
    }
    return [name, createHash('sha256').update(bytes).digest('hex').slice(0, 32)];
  }),
);

const bin = await build({
  ...everyBuild,
  ...commonJs,
  entryPoints: { cli: 'src/cli.ts' },
  define: {
    APNS_SETUP_VERSION: JSON.stringify(version),
    APNS_SETUP_ONE_FILE_COMMANDS: JSON.stringify(commandDigests),
  },
  plugins: [programStaysOutside],
  metafile: true,
});
const builds = [program, commands, vendor, bin];
writeFileSync(
  new URL('meta.json', dist),
  JSON.stringify({
    inputs: Object.assign({}, ...builds.map((built) => built.metafile.inputs)),
    outputs: Object.assign({}, ...builds.map((built) => built.metafile.outputs)),
  }),
);
await build({
  ...everyBuild,
  entryPoints: { 'adapters/keychain': 'src/adapters/keychain.ts' },
  format: 'esm',
  external: ['@napi-rs/keyring'],
});
// esbuild does not set the executable bit; npm sets it on install, but `./dist/cli.cjs`
// and a local `npm link` need it too.
chmodSync(new URL('cli.cjs', dist), 0o755);

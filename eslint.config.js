import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** An import of another layer's folder, at any depth (`../ui/x.js`, `../../flows/y.js`). */
const OTHER_LAYERS = (names) => `(^|/)(${names})/`;
const CLI = '(^|/)(cli|program)(\\.js)?$';
/** Anything that is not a relative import nor one of `allowed`. */
const ANY_PACKAGE_BUT = (allowed) => `^(?!\\.|(${allowed})$)`;
const IO_MODULES =
  '^(node:)?(fs|fs/promises|child_process|http|http2|https|net|tls|dgram|dns|os|readline|process|worker_threads)$';
const UI_LIBRARIES = '^(@inquirer/.*|listr2|execa|commander|@napi-rs/keyring)$';

function layer(files, { why, forbid, typesOnly = [] }) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbid.map((regex) => ({ regex, message: why })),
            ...typesOnly.map((name) => ({
              regex: OTHER_LAYERS(name),
              allowTypeImports: true,
              message: `${why}: only types from ${name}/ (a port's type, never its implementation)`,
            })),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'templates/providers/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The layers of DESIGN.md, held by the linter: a wrong arrow fails `npm test`.
  // core ← flows ← commands → ui; adapters and sandbox implement the flows' ports (types only);
  // only cli.ts and commands/ wire them together.
  layer('src/core/**/*.ts', {
    why: 'core/ is pure: bytes, strings and dates in, records out (DESIGN.md)',
    // Only core itself, node:crypto, node:buffer and node-forge.
    forbid: [
      OTHER_LAYERS('adapters|flows|ui|commands|sandbox'),
      CLI,
      ANY_PACKAGE_BUT('node:crypto|node:buffer|node-forge'),
    ],
  }),
  // forge.ts loads node-forge on first use, with require() (see there): core's one node:module.
  layer('src/core/pki/forge.ts', {
    why: 'core/ is pure: bytes, strings and dates in, records out (DESIGN.md)',
    forbid: [
      OTHER_LAYERS('adapters|flows|ui|commands|sandbox'),
      CLI,
      ANY_PACKAGE_BUT('node:crypto|node:buffer|node-forge|node:module'),
    ],
  }),
  layer('src/flows/**/*.ts', {
    why: 'flows/ compose core over their ports and return records; ui/ words them',
    forbid: [OTHER_LAYERS('ui|commands|sandbox'), CLI, IO_MODULES, UI_LIBRARIES],
    typesOnly: ['adapters'],
  }),
  layer('src/ui/**/*.ts', {
    why: 'ui/ turns records into sentences; it reads no file and calls no flow',
    forbid: [OTHER_LAYERS('adapters|commands|sandbox'), CLI, IO_MODULES],
    typesOnly: ['flows'],
  }),
  layer('src/adapters/**/*.ts', {
    why: 'adapters/ are thin: they implement ports, and say nothing to the person',
    forbid: [OTHER_LAYERS('ui|commands|sandbox'), CLI],
    typesOnly: ['flows'],
  }),
  layer('src/sandbox/**/*.ts', {
    why: 'the sandbox stands beside the flows: it implements their ports and prints nothing',
    forbid: [OTHER_LAYERS('ui|commands'), CLI],
    typesOnly: ['flows'],
  }),
  layer('src/commands/**/*.ts', {
    why: 'commands/ are the edge; cli.ts registers them',
    forbid: [CLI],
  }),
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'process', 'console'] },
  },
  {
    files: ['src/ui/console.ts', 'test/**/*.ts', 'bench/**/*', 'scripts/**/*'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'test/**/*.ts', 'bench/**/*'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // A CommonJS file requires: that is what it is (test/helpers/builtins-loaded.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

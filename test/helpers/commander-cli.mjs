// The command line without the bin's own answers: dist/program.js run as the bin runs it when it
// does not answer itself (src/cli.ts), so that commander answers --version and help too.
// test/e2e/help.test.ts compares the bin's answers with these, byte for byte.
//   node commander-cli.mjs ARGS...
import { readFileSync } from 'node:fs';

const { runProgram } = await import(new URL('../../dist/program.js', import.meta.url).href);
const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
);
const code = await runProgram(process.argv, version);
process.exitCode = code;
process.stdout.write('', () => process.exit(code));

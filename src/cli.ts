#!/usr/bin/env node
/**
 * The bin: runs the command line (program.ts) and exits with its code. The only place that
 * calls process.exit.
 *
 * Start-up is part of the design. `apns-setup --version` is what scripts run to see that the
 * tool is there, and `--help` what a person runs first: both are answered here, from what the
 * build wrote (the version, inlined; the help, in dist/help.json), before commander, the command
 * list or anything else is loaded. So this file is built apart, as CommonJS (dist/cli.cjs):
 * Node's ES module loader alone costs some 7 % of `node -e 0`. The program and every chunk of
 * it are ES modules, imported only when a command runs.
 */
import { join } from 'node:path';
import { prerenderedHelp } from './prerendered-help.js';

/** package.json's version, inlined by the build (scripts/build.mjs). */
declare const APNS_SETUP_VERSION: string;

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  // `--version` (or `-V`) and nothing else: the version alone, as commander prints it.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${APNS_SETUP_VERSION}\n`);
    return 0;
  }
  // The build wrote it through the console (ui.data), as commander's answer would be written.
  // __dirname: this file runs only as CommonJS, beside dist/help.json.
  const help = prerenderedHelp(args, join(__dirname, 'help.json'), process.stdout);
  if (help !== null) {
    process.stdout.write(help);
    return 0;
  }
  const { runCommandLine } = await import('./program.js');
  return runCommandLine(argv, APNS_SETUP_VERSION);
}

void main(process.argv).then((code) => {
  process.exitCode = code;
  // Let pending writes to piped stdout/stderr flush before the process ends.
  process.stdout.write('', () => process.exit(code));
});

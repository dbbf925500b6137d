#!/usr/bin/env node
/**
 * The bin: runs the command line (program.ts) and exits with its code. The only place that
 * calls process.exit.
 *
 * Start-up is part of the design. `apns-setup --version` alone is what scripts run to see that
 * the tool is there: it is answered here from package.json, before commander, the command list
 * or anything else is loaded.
 */
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** `--version` (or `-V`) and nothing else: the version alone, as commander prints it. */
function asksOnlyVersion(argv: string[]): boolean {
  return argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
}

let code: number;
if (asksOnlyVersion(process.argv)) {
  process.stdout.write(`${packageVersion()}\n`);
  code = 0;
} else {
  const { runCommandLine } = await import('./program.js');
  code = await runCommandLine(process.argv, packageVersion());
}
process.exitCode = code;
// Let pending writes to piped stdout/stderr flush before the process ends.
process.stdout.write('', () => process.exit(code));

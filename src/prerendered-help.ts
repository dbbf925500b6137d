/**
 * Help without commander: the bin answers a request for help from the texts the build rendered
 * with the program itself (renderHelp in program.ts, written to dist/help.json by
 * scripts/build.mjs), and only where they are the bytes commander would write.
 */
import { readFileSync } from 'node:fs';

/** One text of dist/help.json. */
export interface PrerenderedText {
  /** As written to a stdout that is no terminal: commander wraps it to 80 columns then. */
  text: string;
  /** The build saw no line of it wrapped at any width from 80 on: good on a terminal that wide. */
  sameAtAnyWidthFrom80: boolean;
}

/** dist/help.json. */
export interface PrerenderedHelp {
  program: PrerenderedText;
  commands: Record<string, PrerenderedText>;
}

/**
 * Which help `args` ask for, in the forms commander answers with help and exit 0: `--help`,
 * `-h`, `help` (the program's); `<command> --help`, `<command> -h`, `help <command>`.
 */
function askedHelp(args: string[]): { command: string | null } | null {
  const [first, second] = args;
  if (args.length === 1 && (first === '--help' || first === '-h' || first === 'help')) {
    return { command: null };
  }
  if (args.length !== 2 || first === undefined || second === undefined) return null;
  if (first === 'help') return { command: second };
  if (second === '--help' || second === '-h') return { command: first };
  return null;
}

/**
 * The help `args` ask for, when the build's text is what commander would write to `stdout`;
 * otherwise null, and commander answers. Commander wraps to the terminal's width, or to 80
 * without a terminal.
 */
export function prerenderedHelp(
  args: string[],
  helpFile: string,
  stdout: { isTTY?: boolean; columns?: number },
): string | null {
  const asked = askedHelp(args);
  if (!asked) return null;
  let help: PrerenderedHelp;
  try {
    help = JSON.parse(readFileSync(helpFile, 'utf8')) as PrerenderedHelp;
  } catch {
    return null;
  }
  const { command } = asked;
  // hasOwn: `apns-setup constructor --help` names no command, whatever an object inherits.
  const found =
    command === null
      ? help.program
      : Object.hasOwn(help.commands, command)
        ? help.commands[command]
        : undefined;
  if (!found) return null;
  if (stdout.isTTY && !(found.sameAtAnyWidthFrom80 && (stdout.columns ?? 0) >= 80)) return null;
  return found.text;
}

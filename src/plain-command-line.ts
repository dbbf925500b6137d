/**
 * A plain command line, read without commander: a command in a file of its own (one-command.ts)
 * reads it from a table the build wrote from commander's own tree (describePlainCommandLines in
 * command-line.ts), so that what scripts and CI run most (`check --days 30 certs/`, `push --cert
 * ck.pem --token …`) starts without loading and configuring commander, some 8 % of Node's own
 * start-up.
 *
 * Plain means what commander would read the same way, and nothing else: the command's own long
 * options (`--out dir`, `--out=dir`), their values through the same parsers, positional
 * arguments, and `--debug`. Anything more (help, `--version`, an unknown or misspelt option, `--`,
 * a value that looks like an option, a value a parser or a choice refuses, a missing argument) is
 * not read here: parsePlainCommandLine returns null and the whole program answers, usage errors
 * and suggestions included. test/plain-command-line.test.ts holds the two readings side by side.
 */
import type { CommandName } from './commands/definitions.js';
import {
  OptionValueError,
  optionValueParsers,
  type OptionValueName,
  type OptionValueParser,
} from './commands/option-values.js';

export interface PlainOption {
  /** What the command line spells it as: its long flag, and its short one if it has one. */
  flags: string[];
  /** Its key in the options object (commander's attribute name). */
  key: string;
  /** A switch (true), a `--no-…` switch (false), or an option that takes a value. */
  kind: 'switch' | 'negated-switch' | 'value';
  /** The values it accepts, when it names them. */
  choices?: string[];
  /** How its value is read, when it is more than a string (option-values.ts). */
  parser?: OptionValueName;
  /** An option the command cannot run without (`import --key`). */
  mandatory: boolean;
}

export interface PlainArgument {
  required: boolean;
  /** The last argument may take every remaining one. */
  variadic: boolean;
}

/** One command's command line, as the build read it from commander (a JSON value). */
export interface PlainCommandLine {
  name: CommandName;
  options: PlainOption[];
  arguments: PlainArgument[];
  /** The options object before the command line is read: the defaults. */
  defaults: Record<string, unknown>;
}

/** What commander would have given the command's action. */
export interface ParsedCommandLine {
  args: string[];
  options: Record<string, unknown>;
  /** The program's --debug. */
  debug: boolean;
}

/** Every option of the program itself is read by the program alone, except this one. */
const DEBUG = '--debug';

const looksLikeOption = (token: string) => token.length > 1 && token.startsWith('-');

/** The command line `node cli.cjs [--debug] NAME …`, read as commander would; or null. */
export function parsePlainCommandLine(
  argv: readonly string[],
  table: PlainCommandLine,
): ParsedCommandLine | null {
  // Commander's program takes its own --debug wherever it stands, before the command reads the
  // rest; a --debug that is an option's value is never reached (such a value is not plain).
  const tokens = argv.slice(2).filter((token) => token !== DEBUG);
  if (tokens[0] !== table.name) return null;
  const options = structuredClone(table.defaults);
  const args: string[] = [];
  for (let i = 1; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (!looksLikeOption(token)) {
      args.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = equals > 0 ? token.slice(0, equals) : token;
    const option = table.options.find((candidate) => candidate.flags.includes(flag));
    if (!option) return null;
    if (option.kind !== 'value') {
      if (equals > 0) return null;
      options[option.key] = option.kind === 'switch';
      continue;
    }
    let value: string | undefined;
    if (equals > 0) value = token.slice(equals + 1);
    else {
      i += 1;
      value = tokens[i];
    }
    if (value === undefined || (equals < 0 && looksLikeOption(value))) return null;
    const read = readValue(option, value, options[option.key]);
    if (read === refused) return null;
    options[option.key] = read;
  }
  if (table.options.some((option) => option.mandatory && options[option.key] === undefined)) {
    return null;
  }
  if (table.arguments.some((argument, i) => argument.required && args[i] === undefined)) {
    return null;
  }
  const last = table.arguments.at(-1);
  if (!last?.variadic && args.length > table.arguments.length) return null;
  return { args, options, debug: argv.includes(DEBUG) };
}

const refused = Symbol('refused');

function readValue(option: PlainOption, value: string, previous: unknown): unknown {
  if (option.choices && !option.choices.includes(value)) return refused;
  if (!option.parser) return value;
  try {
    return (optionValueParsers[option.parser] as OptionValueParser)(value, previous);
  } catch (error) {
    if (error instanceof OptionValueError) return refused;
    throw error;
  }
}

/**
 * The option values that are more than a string: a number of days, a timeout, a repeated
 * --token. Commander reads them through definitions.ts; a command in a file of its own reads a
 * plain command line (plain-command-line.ts) through the same functions, without commander.
 * Each refuses a value by throwing OptionValueError: commander then says why (as
 * InvalidArgumentError), and the plain command line hands the command line to commander.
 */

export class OptionValueError extends Error {}

export type OptionValueParser = (value: string, previous: unknown) => unknown;

/** Each parser, by the name the build writes into a plain command line's table. */
export const optionValueParsers = {
  positiveInteger: (value: string): number => {
    if (!/^[1-9]\d*$/.test(value)) throw new OptionValueError('expected a whole number above 0.');
    return Number(value);
  },
  nonNegativeInteger: (value: string): number => {
    if (!/^\d+$/.test(value)) throw new OptionValueError('expected a whole number.');
    return Number(value);
  },
  /** A repeatable option: every value, in order. */
  collect: (value: string, previous: unknown): string[] => [...(previous as string[]), value],
} satisfies Record<string, OptionValueParser>;

export type OptionValueName = keyof typeof optionValueParsers;

/** ANSI styling, only when the stream is a terminal and NO_COLOR / TERM=dumb are not set. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
}

const plain: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
  green: (t) => t,
};

function wrap(open: number, close: number) {
  return (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
}

const ansi: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  green: wrap(32, 39),
};

export function styleFor(isTTY: boolean, env: NodeJS.ProcessEnv): Style {
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  if (!isTTY || (env.NO_COLOR ?? '') !== '' || env.TERM === 'dumb') return plain;
  return ansi;
}

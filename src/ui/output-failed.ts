/**
 * The one line said when writing stdout failed (a full disk under `> file`). The bin says it,
 * outside the console (which may be what failed), so this file imports nothing: it is part of
 * every start-up.
 */

/** https://no-color.org: any non-empty NO_COLOR disables colour; so do TERM=dumb and no terminal. */
export function wantsColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

/** `reason` is Node's own words for the failure (`no space left on device`), never input. */
export function outputFailedLine(
  reason: string,
  code: string | undefined,
  colour: boolean,
): string {
  const label = colour ? '\u001b[31mError:\u001b[39m' : 'Error:';
  return `${label} writing the output failed: ${reason}${code === undefined ? '' : ` (${code})`}.`;
}

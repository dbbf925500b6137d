import type { ExitCode } from '../core/errors.js';
import { inspectFiles } from '../flows/inspect-files.js';
import { inspectJson, inspectText } from '../ui/render-inspect.js';
import type { CommandContext } from './context.js';
import { createFlowPorts, hasPassphraseWithoutPrompt } from './flow-ports.js';

interface InspectOptions {
  json?: boolean;
  passphraseFile?: string;
}

export async function run(
  args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as InspectOptions;
  const ports = createFlowPorts(context, options);
  const entries = await inspectFiles(args, ports, {
    openEncryptedKeys: hasPassphraseWithoutPrompt(context, options),
  });
  const now = context.now();
  const shown = entries.filter((e) => e.material ?? e.lockedPkcs12 ?? e.tokenKey);
  // stdout holds the report (with --json: every entry, failed ones with their `error`);
  // what went wrong is said to the person on stderr, like every other failure.
  if (options.json) context.ui.data(JSON.stringify(inspectJson(entries, now), null, 2));
  else if (shown.length > 0) context.ui.data(inspectText(shown, now));
  const failed = entries.flatMap((e) => (e.error ? [e.error] : []));
  for (const error of failed.slice(0, -1)) context.ui.fail(error.message, error.hint);
  // The last failure goes to cli.ts like any other error: exit 2, and its stack with --debug.
  const last = failed.at(-1);
  if (last) throw last;
  return 0;
}

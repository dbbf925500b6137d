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
  context.ui.data(
    options.json ? JSON.stringify(inspectJson(entries, now), null, 2) : inspectText(entries, now),
  );
  return entries.some((e) => e.error) ? 2 : 0;
}

import type { Pkcs12Profile } from '../core/pki/pkcs12-write.js';
import { convertP12 } from '../flows/convert-p12.js';
import { credentialSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

interface ConvertOptions {
  out: string;
  p12Profile: Pkcs12Profile;
  insecure?: boolean;
  force?: boolean;
  passphraseFile?: string;
}

export async function run(args: string[], raw: Record<string, unknown>, context: CommandContext) {
  const options = raw as unknown as ConvertOptions;
  const ports = createFlowPorts(context, options);
  const result = await convertP12(
    {
      file: args[0]!,
      outDir: options.out,
      profile: options.p12Profile,
      force: options.force ?? false,
    },
    ports,
  );
  context.ui.say(credentialSummary(result, context.now(), viewOf(context)));
  return 0 as const;
}

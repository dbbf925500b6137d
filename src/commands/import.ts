import type { Pkcs12Profile } from '../core/pki/pkcs12-write.js';
import { importCertificate } from '../flows/import-certificate.js';
import { credentialSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

interface ImportOptions {
  key: string;
  out?: string;
  p12Profile: Pkcs12Profile;
  splitP12?: boolean;
  insecure?: boolean;
  force?: boolean;
  passphraseFile?: string;
}

export async function run(args: string[], raw: Record<string, unknown>, context: CommandContext) {
  const options = raw as unknown as ImportOptions;
  const ports = createFlowPorts(context, options);
  const result = await importCertificate(
    {
      certificateFile: args[0]!,
      keyFile: options.key,
      outDir: options.out,
      profile: options.p12Profile,
      splitP12: options.splitP12 ?? false,
      force: options.force ?? false,
    },
    ports,
  );
  context.ui.say(credentialSummary(result, context.now(), viewOf(context)));
  return 0 as const;
}

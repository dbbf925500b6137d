import { createKeyAndCsr } from '../flows/create-csr.js';
import { csrSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

interface CsrOptions {
  email: string;
  commonName: string;
  country?: string;
  out: string;
  keySize: string;
  insecure?: boolean;
  force?: boolean;
  passphraseFile?: string;
}

export async function run(_args: string[], raw: Record<string, unknown>, context: CommandContext) {
  const options = raw as unknown as CsrOptions;
  const ports = createFlowPorts(context, options);
  const result = await createKeyAndCsr(
    {
      email: options.email,
      commonName: options.commonName,
      country: options.country,
      keySize: Number(options.keySize),
      outDir: options.out,
      force: options.force ?? false,
    },
    ports,
  );
  context.ui.say(csrSummary(result, viewOf(context)));
  return 0 as const;
}

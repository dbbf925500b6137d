import { readGitConfig } from '../adapters/git-config.js';
import type { ExitCode } from '../core/errors.js';
import { renewCertificate } from '../flows/renew.js';
import { renewSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts, emptyOrMissingDir } from './flow-ports.js';

interface RenewOptions {
  from: string;
  out?: string;
  email?: string;
  commonName?: string;
  reuseKey?: boolean;
  insecure?: boolean;
  passphraseFile?: string;
}

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as RenewOptions;
  const result = await renewCertificate(
    {
      from: options.from,
      outDir: options.out,
      email: options.email,
      commonName: options.commonName,
      reuseKey: options.reuseKey ?? false,
    },
    {
      ...createFlowPorts(context, options),
      gitConfig: (name) => readGitConfig(name, context.cwd),
      isEmptyOrMissingDir: emptyOrMissingDir(context),
    },
  );
  context.ui.say(renewSummary(result, context.now(), viewOf(context)));
  return 0;
}

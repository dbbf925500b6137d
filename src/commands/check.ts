import { InputError, type ExitCode } from '../core/errors.js';
import { findCertificateFiles } from '../adapters/find-files.js';
import { readTemplate } from '../adapters/templates.js';
import { checkCertificates, checkExitCode } from '../flows/check-expiry.js';
import { checkJson, checkMessages, checkTable, ciWorkflow } from '../ui/render-check.js';
import type { CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

interface CheckOptions {
  days: number;
  json?: boolean;
  printCi?: 'github';
  passphraseFile?: string;
}

export async function run(
  args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as CheckOptions;
  if (options.printCi) {
    context.ui.data(
      ciWorkflow(await readTemplate(`ci/${options.printCi}.yml`), {
        paths: args,
        days: options.days,
      }),
    );
    return 0;
  }
  if (args.length === 0) {
    throw new InputError('USAGE', 'check needs the certificate files or folders to look at', {
      hint: 'For example: apns-setup check certs/ --days 30',
    });
  }
  const found = await findCertificateFiles(args, {
    onSkip: (file, note) => context.ui.say(`${file}: ${note}`),
  });
  const named = new Set(args);
  // A CI gate must never stop to ask: passphrases come from --passphrase-file or the environment.
  const ports = createFlowPorts(context, { ...options, prompt: false });
  const { results, skipped } = await checkCertificates(
    { files: found.map((path) => ({ path, named: named.has(path) })), days: options.days },
    ports,
  );
  for (const { file } of skipped) context.ui.say(`${file}: ${checkMessages.skippedLocked}`);
  if (results.length === 0) {
    throw new InputError('NO_CERTIFICATE', checkMessages.nothingFound(args), {
      hint: checkMessages.nothingFoundHint,
    });
  }
  context.ui.data(
    options.json
      ? JSON.stringify(checkJson(options.days, results, skipped), null, 2)
      : checkTable(results, context.ui.style),
  );
  return checkExitCode(results);
}

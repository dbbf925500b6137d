import { InputError, type ExitCode } from '../core/errors.js';
import { walkCertificateFiles } from '../adapters/find-files.js';
import { readTemplate } from '../adapters/templates.js';
import {
  checkCertificates,
  checkExitCode,
  type CheckFile,
  type CheckStatus,
} from '../flows/check-expiry.js';
import {
  checkJson,
  checkMessages,
  checkTable,
  ciWorkflow,
  type CheckReportWriter,
} from '../ui/render-check.js';
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
  const onSkip = (file: string, note: string) => context.ui.say(`${file}: ${note}`);
  const named = new Set(args);
  const days = options.days;
  let writer: CheckReportWriter;
  if (options.json) {
    writer = checkJson(days);
  } else {
    // Two walks: the first only measures the paths, so that the FILE column fits them all
    // while each row is printed as its certificate is read (walking is cheap; reading is not).
    let widest = 0;
    for await (const path of walkCertificateFiles(args)) widest = Math.max(widest, path.length);
    writer = checkTable(context.ui.style, widest);
  }
  const files = walkCertificateFiles(args, { onSkip });
  // A CI gate must never stop to ask: passphrases come from --passphrase-file or the environment.
  const ports = createFlowPorts(context, { ...options, prompt: false });
  const statuses = new Set<CheckStatus>();
  const skipped: string[] = [];
  const print = (lines: string[]) => {
    for (const line of lines) context.ui.data(line);
  };
  try {
    for await (const event of checkCertificates({ files: tagged(files, named), days }, ports)) {
      if (event.kind === 'skipped') {
        context.ui.say(`${event.file}: ${checkMessages.skippedLocked}`);
        skipped.push(event.file);
        continue;
      }
      statuses.add(event.result.status);
      print(writer.add(event.result));
    }
  } finally {
    // Also when a folder cannot be read halfway: what was printed stays one whole document.
    if (statuses.size > 0) print(writer.end(skipped));
  }
  if (statuses.size === 0) {
    throw new InputError('NO_CERTIFICATE', checkMessages.nothingFound(args), {
      hint: checkMessages.nothingFoundHint,
    });
  }
  return checkExitCode(statuses);
}

async function* tagged(
  files: AsyncIterable<string>,
  named: Set<string>,
): AsyncGenerator<CheckFile> {
  for await (const path of files) yield { path, named: named.has(path) };
}

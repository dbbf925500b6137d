/** Wires the real adapters into the ports the flows use. */
import { resolve } from 'node:path';
import { credentialFilesBeside } from '../adapters/find-files.js';
import { readInputFile } from '../adapters/input-files.js';
import { assertWritable, writeOutputFiles } from '../adapters/output-files.js';
import { resolvePassphrase } from '../adapters/passphrase.js';
import { parsePlist } from '../adapters/plist.js';
import { createPrompter } from '../adapters/prompt.js';
import type { FlowPorts } from '../flows/ports.js';
import { describeWarning } from '../ui/warnings.js';
import type { CommandContext } from './context.js';

export interface PassphraseFlags {
  passphraseFile?: string | undefined;
  insecure?: boolean | undefined;
  /** False for commands that must never stop to ask (check). */
  prompt?: boolean;
}

export function createFlowPorts(context: CommandContext, flags: PassphraseFlags): FlowPorts {
  const prompter = createPrompter({
    stdin: context.stdin,
    stderr: context.stderr,
    isInteractive: context.isInteractive,
  });
  const at = (path: string) => resolve(context.cwd, path);
  return {
    readFile: (path) => readInputFile(path),
    assertWritable: (dir, names, force) => assertWritable(at(dir), names, { force }),
    writeFiles: (dir, files, force) =>
      writeOutputFiles(at(dir), files, { force, now: context.now() }),
    passphrase: (request) =>
      resolvePassphrase(
        { purpose: request.purpose, subject: request.subject },
        {
          passphraseFile: flags.passphraseFile,
          env: context.env,
          prompter,
          isInteractive: (flags.prompt ?? true) && context.isInteractive,
          insecure: flags.insecure ?? false,
          neverPrompts: flags.prompt === false,
        },
      ),
    parsePlist,
    filesBeside: (file) => credentialFilesBeside(file),
    warn: (warning) => context.ui.warn(describeWarning(warning)),
    now: context.now,
  };
}

/** True when a passphrase is available without asking: inspect then opens encrypted keys too. */
export function hasPassphraseWithoutPrompt(
  context: CommandContext,
  flags: PassphraseFlags,
): boolean {
  return Boolean(flags.passphraseFile) || context.env.APNS_SETUP_PASSPHRASE !== undefined;
}

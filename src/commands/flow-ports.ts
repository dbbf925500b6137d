/** Wires the real adapters into the ports the flows use. */
import { resolve } from 'node:path';
import { credentialFilesBeside } from '../adapters/find-files.js';
import { readInputFile } from '../adapters/input-files.js';
import {
  isEncryptedKey,
  keychainPassphrases,
  type KeychainPassphrases,
} from '../adapters/keychain-passphrase.js';
import { passphraseAtHand, resolvePassphrase } from '../adapters/passphrase.js';
import {
  assertWritable,
  isEmptyOrMissingDir,
  writeOutputFiles,
  type ShowPath,
} from '../adapters/output-files.js';
import { parsePlist } from '../adapters/plist.js';
import { createPrompter } from '../adapters/prompt.js';
import type { FlowPorts } from '../flows/ports.js';
import { displayPath } from '../ui/summaries.js';
import { describeWarning } from '../ui/warnings.js';
import type { CommandContext } from './context.js';

export interface PassphraseFlags {
  passphraseFile?: string | undefined;
  insecure?: boolean | undefined;
  /** False for commands that must never stop to ask (check). */
  prompt?: boolean;
  /** --keychain; the wizard turns it on once the person chose it (`keychainSwitch`). */
  keychain?: boolean | undefined;
  keychainSwitch?: { on: boolean };
}

export function createFlowPorts(context: CommandContext, flags: PassphraseFlags): FlowPorts {
  // The context itself, not its stdin: the prompter reads it only to ask (see runCommandLine).
  const prompter = createPrompter(context);
  const at = (path: string) => resolve(context.cwd, path);
  const show = shownFrom(context);
  const keychainOn = () => flags.keychain === true || flags.keychainSwitch?.on === true;
  let keychain: KeychainPassphrases | null = null;
  const keychainSource = () =>
    keychainOn()
      ? (keychain ??= keychainPassphrases({
          warn: (line) => context.ui.warn(line),
          note: (line) => context.ui.say(line),
        }))
      : undefined;
  // The passphrases of this run: a key written with one of them (import keeps the one that
  // opened key.pem for apns.p12) is kept in the keychain once it is on disk (see writeFiles).
  const seen = new Set<string>();
  return {
    readFile: (path) => readInputFile(path),
    assertWritable: (dir, names, force) => assertWritable(at(dir), names, { force, show }),
    writeFiles: async (dir, files, force) => {
      const written = await writeOutputFiles(at(dir), files, { force, now: context.now(), show });
      const source = keychainSource();
      if (source && seen.size > 0) {
        for (const file of files) {
          const bytes =
            typeof file.contents === 'string' ? Buffer.from(file.contents) : file.contents;
          if (!file.secret || !isEncryptedKey(bytes)) continue;
          // remember() keeps only a passphrase that opens these bytes.
          for (const passphrase of seen) await source.remember(bytes, passphrase);
        }
      }
      return written;
    },
    passphrase: async (request) => {
      const passphrase = await resolvePassphrase(
        {
          purpose: request.purpose,
          subject: request.subject,
          ...(request.file ? { file: request.file } : {}),
        },
        {
          passphraseFile: flags.passphraseFile,
          env: context.env,
          prompter,
          isInteractive: (flags.prompt ?? true) && context.isInteractive,
          insecure: flags.insecure ?? false,
          neverPrompts: flags.prompt === false,
          keychain: keychainSource(),
        },
      );
      if (passphrase !== '') seen.add(passphrase);
      return passphrase;
    },
    passphraseAtHand: () =>
      passphraseAtHand({ passphraseFile: flags.passphraseFile, env: context.env }),
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

/** Paths in errors as the summaries show them: the same file reads the same way in both. */
function shownFrom(context: CommandContext): ShowPath {
  return (path) => displayPath(path, context.cwd);
}

/** Whether an output folder (as typed) is new or holds nothing of the person's. */
export function emptyOrMissingDir(context: CommandContext): (dir: string) => Promise<boolean> {
  return (dir) => isEmptyOrMissingDir(resolve(context.cwd, dir), shownFrom(context));
}

/**
 * Where a passphrase comes from (DESIGN "Commands"). Never from a plain flag value: it would show
 * in `ps` and in shell history. In order: --passphrase-file, APNS_SETUP_PASSPHRASE, the OS
 * keychain (--keychain), a prompt; when it cannot ask, the error names the options and says why.
 */
import { InputError } from '../core/errors.js';
import { readPassphraseFile } from './input-files.js';
import type { KeychainPassphrases } from './keychain-passphrase.js';
import type { Prompter } from './prompt.js';
import { capitalise } from '../core/capitalise.js';

export const PASSPHRASE_ENV = 'APNS_SETUP_PASSPHRASE';

export interface PassphraseRequest {
  /** 'open' an existing file, or 'protect' one about to be written (asked twice). */
  purpose: 'open' | 'protect';
  /** What it is for, in words: "the key in certs/key.pem". */
  subject: string;
  /** For 'open': the prompt accepts an empty answer. 'protect' accepts one only with insecure. */
  allowEmpty?: boolean;
  /** For 'open': the bytes to open, by which the OS keychain keeps their passphrase. */
  file?: Uint8Array;
}

export interface PassphraseSources {
  passphraseFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  prompter: Prompter;
  isInteractive: boolean;
  /**
   * The command never asks (check: a CI gate must not hang), terminal or not: the error must
   * then not blame a missing terminal, since running it in one would not help.
   */
  neverPrompts?: boolean | undefined;
  /** --insecure: a key may be written without a passphrase. */
  insecure?: boolean | undefined;
  /** --keychain: passphrases kept in the OS keychain, read before asking and kept once used. */
  keychain?: KeychainPassphrases | undefined;
}

export async function resolvePassphrase(
  request: PassphraseRequest,
  sources: PassphraseSources,
): Promise<string> {
  const passphrase = await fromSources(request, sources);
  // Kept for next time only once seen to open the file (remember checks it).
  if (request.purpose === 'open' && request.file && sources.keychain) {
    await sources.keychain.remember(request.file, passphrase);
  }
  return passphrase;
}

/**
 * The passphrase of --passphrase-file or APNS_SETUP_PASSPHRASE, the sources that need no one
 * to answer, in resolvePassphrase's order; null without them, or when the file cannot be read
 * (resolvePassphrase says why, if the passphrase is asked for).
 */
export async function passphraseAtHand(
  sources: Pick<PassphraseSources, 'passphraseFile' | 'env'>,
): Promise<string | null> {
  if (sources.passphraseFile !== undefined) {
    try {
      return await readPassphraseFile(sources.passphraseFile);
    } catch {
      return null;
    }
  }
  return sources.env[PASSPHRASE_ENV] ?? null;
}

async function fromSources(
  request: PassphraseRequest,
  sources: PassphraseSources,
): Promise<string> {
  if (sources.passphraseFile !== undefined) {
    const passphrase = await readPassphraseFile(sources.passphraseFile);
    return checked(passphrase, `the first line of ${sources.passphraseFile}`, request, sources);
  }

  const fromEnv = sources.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) return checked(fromEnv, PASSPHRASE_ENV, request, sources);

  if (request.purpose === 'open' && request.file && sources.keychain) {
    const kept = await sources.keychain.lookup(request.file);
    if (kept !== undefined) return kept;
  }

  const protect = request.purpose === 'protect';
  const insecure = protect && sources.insecure === true;
  if (sources.isInteractive && sources.neverPrompts !== true) {
    return sources.prompter.password(promptMessage(request, insecure), {
      confirm: protect,
      allowEmpty: protect ? insecure : request.allowEmpty === true,
    });
  }
  // --insecure without any source and no one to ask: the user chose an unprotected key.
  if (insecure) return '';
  const why =
    sources.neverPrompts === true
      ? 'this command never asks for one'
      : 'there is no terminal to ask for it';
  // The same two sources either way; not "run it in a terminal": a command that never asks
  // would not ask there either.
  if (protect) {
    // Not the passphrase of an input: a new one, for the keys about to be written.
    throw new InputError(
      'NO_TTY',
      `${capitalise(request.subject)} needs a new passphrase, and ${why}`,
      {
        hint: `pass --passphrase-file FILE or set ${PASSPHRASE_ENV} with the passphrase to protect it, or pass --insecure to write the key without one`,
      },
    );
  }
  throw new InputError('NO_TTY', `${capitalise(request.subject)} needs a passphrase, and ${why}`, {
    hint: `pass --passphrase-file FILE or set ${PASSPHRASE_ENV}`,
  });
}

/** An empty passphrase protects nothing: for 'protect' it takes --insecure to accept it. */
function checked(
  passphrase: string,
  origin: string,
  request: PassphraseRequest,
  sources: PassphraseSources,
): string {
  if (passphrase !== '' || request.purpose === 'open' || sources.insecure === true) {
    return passphrase;
  }
  throw new InputError(
    'PASSPHRASE_REQUIRED',
    `${capitalise(request.subject)} needs a passphrase, and ${origin} is empty`,
    { hint: 'give a non-empty passphrase, or pass --insecure to write it without one' },
  );
}

function promptMessage(request: PassphraseRequest, insecure: boolean): string {
  if (request.purpose === 'open') return `Passphrase for ${request.subject}:`;
  return insecure
    ? `New passphrase for ${request.subject} (empty for none):`
    : `New passphrase for ${request.subject}:`;
}

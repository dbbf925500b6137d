import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  passphraseAtHand,
  resolvePassphrase,
  type PassphraseRequest,
  type PassphraseSources,
} from '../../src/adapters/passphrase.js';
import type { PasswordOptions, Prompter } from '../../src/adapters/prompt.js';

/** Replays answers in order and records what it was asked; an unexpected prompt fails. */
class FakePrompter implements Prompter {
  readonly asked: { message: string; options: PasswordOptions | undefined }[] = [];
  constructor(private readonly answers: string[] = []) {}
  password(message: string, options?: PasswordOptions): Promise<string> {
    this.asked.push({ message, options });
    const answer = this.answers.shift();
    if (answer === undefined) return Promise.reject(new Error(`unexpected prompt: ${message}`));
    return Promise.resolve(answer);
  }
}

const openKey: PassphraseRequest = { purpose: 'open', subject: 'the key in certs/key.pem' };
const protectKey: PassphraseRequest = { purpose: 'protect', subject: 'the new key' };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apns-setup-passphrase-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sources(overrides: Partial<PassphraseSources> = {}): PassphraseSources {
  return { env: {}, prompter: new FakePrompter(), isInteractive: false, ...overrides };
}

async function rejection(promise: Promise<unknown>) {
  return (await promise.catch((e: unknown) => e)) as Error & {
    code: string;
    hint: string;
    exitCode: number;
  };
}

describe('resolvePassphrase: where the passphrase comes from', () => {
  it('takes --passphrase-file first, over the environment and the prompt', async () => {
    const file = join(dir, 'pass.txt');
    await writeFile(file, 'from the file\r\n');
    const prompter = new FakePrompter(['typed']);
    const passphrase = await resolvePassphrase(
      openKey,
      sources({
        passphraseFile: file,
        env: { APNS_SETUP_PASSPHRASE: 'from the environment' },
        prompter,
        isInteractive: true,
      }),
    );
    expect(passphrase).toBe('from the file');
    expect(prompter.asked).toEqual([]);
  });

  it('takes APNS_SETUP_PASSPHRASE next, over the prompt', async () => {
    const prompter = new FakePrompter(['typed']);
    const passphrase = await resolvePassphrase(
      openKey,
      sources({
        env: { APNS_SETUP_PASSPHRASE: 'from the environment' },
        prompter,
        isInteractive: true,
      }),
    );
    expect(passphrase).toBe('from the environment');
    expect(prompter.asked).toEqual([]);
  });

  it('does not fall back to other sources when the named file is missing', async () => {
    const missing = join(dir, 'nope.txt');
    const error = await rejection(
      resolvePassphrase(
        openKey,
        sources({
          passphraseFile: missing,
          env: { APNS_SETUP_PASSPHRASE: 'from the environment' },
        }),
      ),
    );
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toBe(`${missing}: no such file`);
  });

  it('asks once to open, twice (confirm) to protect', async () => {
    const prompter = new FakePrompter(['opened', 'protected']);
    const interactive = sources({ prompter, isInteractive: true });
    expect(await resolvePassphrase(openKey, interactive)).toBe('opened');
    expect(await resolvePassphrase(protectKey, interactive)).toBe('protected');
    expect(prompter.asked).toEqual([
      {
        message: 'Passphrase for the key in certs/key.pem:',
        options: { confirm: false, allowEmpty: false },
      },
      { message: 'New passphrase for the new key:', options: { confirm: true, allowEmpty: false } },
    ]);
  });

  it('lets the prompt accept an empty answer when the request allows it, or with --insecure', async () => {
    const prompter = new FakePrompter(['', '']);
    const interactive = sources({ prompter, isInteractive: true });
    await resolvePassphrase({ ...openKey, allowEmpty: true }, interactive);
    await resolvePassphrase(protectKey, { ...interactive, insecure: true });
    expect(prompter.asked.map((call) => call.options?.allowEmpty)).toEqual([true, true]);
    expect(prompter.asked[1]!.message).toBe('New passphrase for the new key (empty for none):');
  });

  it('without a terminal and without a source, names both options', async () => {
    const error = await rejection(resolvePassphrase(openKey, sources()));
    expect(error.code).toBe('NO_TTY');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'The key in certs/key.pem needs a passphrase, and there is no terminal to ask for it',
    );
    expect(error.hint).toBe('pass --passphrase-file FILE or set APNS_SETUP_PASSPHRASE');
  });

  it('for new outputs without a terminal: a new passphrase, and --insecure named', async () => {
    const error = await rejection(resolvePassphrase(protectKey, sources()));
    expect(error.code).toBe('NO_TTY');
    expect(error.message).toBe(
      'The new key needs a new passphrase, and there is no terminal to ask for it',
    );
    expect(error.hint).toBe(
      'pass --passphrase-file FILE or set APNS_SETUP_PASSPHRASE with the passphrase to protect it, or pass --insecure to write the key without one',
    );
  });

  it('in a command that never asks, does not blame the terminal, even in one', async () => {
    const prompter = new FakePrompter(['never used']);
    const error = await rejection(
      resolvePassphrase(openKey, sources({ prompter, isInteractive: true, neverPrompts: true })),
    );
    expect(error.code).toBe('NO_TTY');
    expect(error.message).toBe(
      'The key in certs/key.pem needs a passphrase, and this command never asks for one',
    );
    expect(error.hint).toBe('pass --passphrase-file FILE or set APNS_SETUP_PASSPHRASE');
    expect(prompter.asked).toEqual([]);
  });

  it('without a terminal, --insecure means no passphrase for a new key (and only for one)', async () => {
    expect(await resolvePassphrase(protectKey, sources({ insecure: true }))).toBe('');
    const error = await rejection(resolvePassphrase(openKey, sources({ insecure: true })));
    expect(error.code).toBe('NO_TTY');
  });
});

describe('passphraseAtHand: what resolvePassphrase would take without anyone to ask', () => {
  it('is the first line of --passphrase-file, over the environment, as resolvePassphrase reads it', async () => {
    const file = join(dir, 'pass.txt');
    await writeFile(file, 'from the file\r\nsecond line\n');
    const both = { passphraseFile: file, env: { APNS_SETUP_PASSPHRASE: 'from the environment' } };
    expect(await passphraseAtHand(both)).toBe('from the file');
    expect(await passphraseAtHand(both)).toBe(await resolvePassphrase(openKey, sources(both)));
  });

  it('is APNS_SETUP_PASSPHRASE without a file, even empty; null without either', async () => {
    expect(await passphraseAtHand({ env: { APNS_SETUP_PASSPHRASE: 'from the environment' } })).toBe(
      'from the environment',
    );
    expect(await passphraseAtHand({ env: { APNS_SETUP_PASSPHRASE: '' } })).toBe('');
    expect(await passphraseAtHand({ env: {} })).toBeNull();
  });

  it('is null, not the environment, when the named file cannot be read (asking says why)', async () => {
    const missing = join(dir, 'nope.txt');
    const named = {
      passphraseFile: missing,
      env: { APNS_SETUP_PASSPHRASE: 'from the environment' },
    };
    expect(await passphraseAtHand(named)).toBeNull();
    expect((await rejection(resolvePassphrase(openKey, sources(named)))).code).toBe(
      'FILE_NOT_FOUND',
    );
  });
});

describe('resolvePassphrase: empty passphrases', () => {
  it('refuses an empty one to protect a key, naming where it came from and --insecure', async () => {
    const error = await rejection(
      resolvePassphrase(protectKey, sources({ env: { APNS_SETUP_PASSPHRASE: '' } })),
    );
    expect(error.code).toBe('PASSPHRASE_REQUIRED');
    expect(error.message).toBe(
      'The new key needs a passphrase, and APNS_SETUP_PASSPHRASE is empty',
    );
    expect(error.hint).toContain('--insecure');

    const file = join(dir, 'pass.txt');
    await writeFile(file, '\n');
    const fromFile = await rejection(
      resolvePassphrase(protectKey, sources({ passphraseFile: file })),
    );
    expect(fromFile.message).toBe(
      `The new key needs a passphrase, and the first line of ${file} is empty`,
    );
  });

  it('accepts an empty one with --insecure, and always to open (a .p12 with no password)', async () => {
    const empty = { APNS_SETUP_PASSPHRASE: '' };
    expect(await resolvePassphrase(protectKey, sources({ env: empty, insecure: true }))).toBe('');
    expect(await resolvePassphrase(openKey, sources({ env: empty }))).toBe('');
  });
});

/**
 * `--keychain` as a passphrase source (DESIGN "Commands"): after --passphrase-file and
 * APNS_SETUP_PASSPHRASE, before the prompt. A passphrase is kept under the SHA-256 of the bytes
 * of the key file it opens, so moving the folder keeps it; it is stored on first use, and only
 * once it has been seen to open that file. The keychain is opened once per run, lazily; when it
 * cannot be used the run goes on with the other sources, said in one line.
 */
import { readMaterial } from '../core/pki/material.js';
import { keychainAccountFor, openKeychain, type Keychain } from './keychain.js';

export interface KeychainPassphrases {
  /** A kept passphrase that opens `bytes`, or undefined. */
  lookup(bytes: Uint8Array): Promise<string | undefined>;
  /** Keeps `passphrase` for `bytes` when it opens them (and is not kept yet). */
  remember(bytes: Uint8Array, passphrase: string): Promise<void>;
}

/** True when `passphrase` opens the encrypted key (or .p12) in `bytes`. */
export function opens(bytes: Uint8Array, passphrase: string): boolean {
  try {
    const material = readMaterial(bytes, { passphrase });
    return material.keys.length > 0 && material.keys.every((k) => k.key !== null);
  } catch {
    return false;
  }
}

/** Whether `bytes` hold a key that needs a passphrase: only those are worth keeping one for. */
export function isEncryptedKey(bytes: Uint8Array): boolean {
  try {
    return readMaterial(bytes, { passphrase: null }).keys.some((k) => k.key === null);
  } catch {
    // A .p12 that will not open without its passphrase.
    return true;
  }
}

export function keychainPassphrases(say: {
  warn(line: string): void;
  note(line: string): void;
}): KeychainPassphrases {
  let opened: Promise<Keychain | null> | null = null;
  let kept = false;
  const keychain = () =>
    (opened ??= openKeychain().then((result) => {
      if (result.available) return result;
      say.warn(
        `the OS keychain is not available: ${result.message}; the passphrase comes from the other sources.`,
      );
      return null;
    }));
  const fail = (error: unknown) =>
    say.warn(
      `the OS keychain failed (${error instanceof Error ? error.message : 'unknown error'}); going on without it.`,
    );
  return {
    async lookup(bytes) {
      const store = await keychain();
      if (store === null) return undefined;
      try {
        const kept = await store.get(keychainAccountFor(bytes));
        if (kept === undefined) return undefined;
        if (opens(bytes, kept)) return kept;
        say.note('The passphrase kept in the OS keychain does not open this key any more.');
        return undefined;
      } catch (error) {
        fail(error);
        return undefined;
      }
    },
    async remember(bytes, passphrase) {
      if (passphrase === '' || !opens(bytes, passphrase)) return;
      const store = await keychain();
      if (store === null) return;
      try {
        const account = keychainAccountFor(bytes);
        if ((await store.get(account)) === passphrase) return;
        await store.set(account, passphrase);
        if (!kept) say.note(`Kept the passphrase in the OS keychain (${store.store}).`);
        kept = true;
      } catch (error) {
        fail(error);
      }
    },
  };
}

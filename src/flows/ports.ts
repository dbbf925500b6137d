/**
 * What the user journeys need from the outside world. Commands wire the real adapters in;
 * flow tests pass hand-written fakes.
 */
import type { PlannedFile } from '../core/outputs.js';
import type { FlowWarning } from './warnings.js';

export interface WrittenFile {
  name: string;
  path: string;
  secret: boolean;
  backupPath: string | null;
  /**
   * The file this one replaced (--force) held a secret others could read (group or world bits):
   * its backup is 0600 now, but the key may have been copied.
   */
  previouslyExposed: boolean;
}

export interface PassphraseRequest {
  /** 'open': unlock an input; 'protect': encrypt new outputs (asks twice at a prompt). */
  purpose: 'open' | 'protect';
  /** What it is for, as the user should read it: "the key in certs/key.pem". */
  subject: string;
  /** For 'open': the bytes it must open (the OS keychain keeps passphrases by them). */
  file?: Uint8Array;
}

export interface FlowPorts {
  readFile(path: string): Promise<Buffer>;
  /** Fails with FILE_EXISTS, writing nothing, when a target exists and force is off. */
  assertWritable(dir: string, names: string[], force: boolean): Promise<void>;
  writeFiles(dir: string, files: PlannedFile[], force: boolean): Promise<WrittenFile[]>;
  passphrase(request: PassphraseRequest): Promise<string>;
  /**
   * The passphrase the command was given without asking anyone (--passphrase-file, the
   * environment), or null. Looking is not asking: a .p12 tries it beside the empty passphrases
   * (one run of key derivation for all), and passphrase() is still called once it is used.
   */
  passphraseAtHand(): Promise<string | null>;
  /** A property list (a provisioning profile's content) as plain values; CORRUPT_FILE when unreadable. */
  parsePlist(bytes: Uint8Array): Promise<unknown>;
  /**
   * The credential files (certificates, .p12, keys, .p8, profiles) in the folder of `file`, not
   * in its subfolders, without `file` itself, in a stable order.
   */
  filesBeside(file: string): Promise<string[]>;
  warn(warning: FlowWarning): void;
  now(): Date;
}

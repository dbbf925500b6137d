/**
 * The token (.p8) keys the sandbox accepts provider tokens from: a public key (or the `.p8`
 * itself) given with `--auth-key-pub`, and, with `--state DIR`, a test key pair of its own,
 * made on first start as Apple hands one out: `DIR/AuthKey_KEYID.p8` (0600, written
 * atomically, never overwritten).
 */
import { createPublicKey, generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile } from '../adapters/input-files.js';
import { writeOutputFiles } from '../adapters/output-files.js';
import type { TrustedTokenKey } from '../core/apns/provider-token.js';
import { keyIdFromFileName, openTokenKey } from '../core/apns/token-key.js';
import { inFile, InputError, isApnsSetupError } from '../core/errors.js';
import { exportPkcs8Pem } from '../core/pki/keys.js';

/** The team the sandbox's own test key belongs to when no --team-id is given. */
export const SANDBOX_TEAM_ID = 'SANDBOX001';

/** `--auth-key-pub FILE`: a PEM public key, or the `.p8` (its public half is used). */
export async function readTrustedTokenKey(
  path: string,
  options: { keyId: string | undefined; teamId: string },
): Promise<TrustedTokenKey> {
  const bytes = await readInputFile(path, { what: 'the token key' });
  const keyId = options.keyId ?? keyIdFromFileName(path);
  if (keyId === null) {
    throw new InputError(
      'USAGE',
      `${path} does not carry its key id in its name (Apple names it AuthKey_KEYID.p8), and no --key-id was given.`,
      { hint: 'Pass --key-id with the 10-character Key ID the tokens name in their kid.' },
    );
  }
  const text = Buffer.from(bytes).toString('latin1');
  let key: KeyObject;
  if (/-----BEGIN PUBLIC KEY-----/.test(text)) {
    key = inFile(path, () => publicTokenKey(bytes));
  } else {
    const opened = inFile(path, () => openTokenKey(bytes, path));
    key = createPublicKey(opened.key);
  }
  return { keyId, teamId: options.teamId, key };
}

function publicTokenKey(bytes: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(bytes), format: 'pem' });
  } catch (error) {
    throw new InputError('CORRUPT_FILE', 'its PUBLIC KEY block cannot be read', {
      hint: 'Pass the .p8 itself, or its public key as `openssl pkey -in AuthKey_KEYID.p8 -pubout` writes it.',
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InputError(
      'WRONG_KIND',
      "it holds a public key that is not EC P-256, so no APNs token key's: those sign ES256",
      { hint: 'Pass the public key of an AuthKey_KEYID.p8, or the .p8 itself.' },
    );
  }
  return key;
}

export interface StateTokenKey {
  /** Absolute path of the `.p8`. */
  file: string;
  keyId: string;
  key: KeyObject;
  /** Made on this start. */
  created: boolean;
}

/**
 * The sandbox's own test key in its --state folder: the `AuthKey_*.p8` there (the first by
 * name, if there are several), or a new one.
 */
export async function loadOrCreateStateTokenKey(dir: string, now: Date): Promise<StateTokenKey> {
  const existing = await findStateTokenKey(dir);
  if (existing !== null) return existing;
  const keyId = newKeyId();
  const name = `AuthKey_${keyId}.p8`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  try {
    await writeOutputFiles(dir, [{ name, contents: exportPkcs8Pem(privateKey), secret: true }], {
      force: false,
      now,
    });
  } catch (error) {
    // Another sandbox on the same folder made one at the same moment: use what is there.
    if (isApnsSetupError(error) && error.code === 'FILE_EXISTS') {
      const raced = await findStateTokenKey(dir);
      if (raced !== null) return raced;
    }
    throw error;
  }
  return { file: join(dir, name), keyId, key: privateKey, created: true };
}

async function findStateTokenKey(dir: string): Promise<StateTokenKey | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const name = names.filter((n) => keyIdFromFileName(n) !== null).sort()[0];
  if (name === undefined) return null;
  const file = join(dir, name);
  const bytes = await readInputFile(file, { what: 'the sandbox token key' });
  const opened = inFile(file, () => openTokenKey(bytes, file));
  return { file, keyId: opened.keyId!, key: opened.key, created: false };
}

/** 10 upper-case letters and digits, as Apple's key ids are. */
function newKeyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = '';
  for (let i = 0; i < 10; i++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

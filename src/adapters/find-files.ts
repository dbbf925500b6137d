/**
 * What `check` looks at: files named on the command line as they are, and inside folders every
 * file that may hold a certificate, in a stable order so that CI output does not shuffle.
 *
 * In a folder only regular files are taken: a named pipe (say zz.pem made by mkfifo) would
 * make a reader wait for a writer that never comes, and `check` in CI would never end. Such a
 * file is skipped with a note; one named on the command line is the user's choice, and the
 * reader refuses it with a clear error.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { danglingLinkError, describeFileType, errnoCode, linkLoopError } from './input-files.js';
import { isBackupFileName, isTemporaryFileName } from './output-files.js';

export interface FindOptions {
  /** A file met in a folder and left out, with why: "skipped: a named pipe (FIFO), …". */
  onSkip?: (path: string, note: string) => void;
}

/** What `check` looks at in a folder. */
const CERTIFICATE_EXTENSIONS = new Set(['.cer', '.crt', '.der', '.pem', '.p12', '.pfx', '.p7b']);
/** Also keys, CSRs, token keys and profiles: where a profile's certificates may be. */
const CREDENTIAL_EXTENSIONS = new Set([
  ...CERTIFICATE_EXTENSIONS,
  '.p8',
  '.mobileprovision',
  '.provisionprofile',
  '.key',
  '.csr',
  '.certsigningrequest',
]);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

export async function findCertificateFiles(
  paths: string[],
  options: FindOptions = {},
): Promise<string[]> {
  const skip = options.onSkip ?? (() => undefined);
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    found.push(path);
  };

  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      throw await describeError(path, error);
    }
    // A file named on the command line is the user's choice, whatever its extension.
    if (!isDirectory) add(path);
    else for (const file of await walk(path, skip, CERTIFICATE_EXTENSIONS)) add(file);
  }
  return found;
}

/**
 * The credential files in the folder of `file` (not in its subfolders), `file` itself left
 * out: where `inspect` looks for the certificates a provisioning profile names.
 */
export async function credentialFilesBeside(file: string): Promise<string[]> {
  const files = await walk(dirname(file), () => undefined, CREDENTIAL_EXTENSIONS, false);
  const self = resolve(file);
  return files.filter((path) => resolve(path) !== self);
}

async function walk(
  dir: string,
  skip: (path: string, note: string) => void,
  extensions: Set<string>,
  recursive = true,
): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw await describeError(dir, error);
  }
  // Code-unit order, not locale order: the same list on every machine and in every language.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && !SKIPPED_FOLDERS.has(entry.name)) {
        files.push(...(await walk(path, skip, extensions)));
      }
    } else if (isCandidate(entry.name, extensions)) {
      // A linked folder is never walked (a link to a parent would loop); a linked file is
      // kept, and a dangling one or a loop too, so that `check` reports it instead of missing it.
      const kind = entry.isSymbolicLink() ? await linkTarget(path) : entry;
      if (kind === null || kind.isFile()) files.push(path);
      else if (!kind.isDirectory()) skip(path, skippedNote(kind));
    }
  }
  return files;
}

function isCandidate(name: string, extensions: Set<string>): boolean {
  if (isTemporaryFileName(name) || isBackupFileName(name)) return false;
  return extensions.has(extname(name).toLowerCase());
}

/** What a link leads to; null when it leads nowhere (dangling, a loop): the reader says so. */
async function linkTarget(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

function skippedNote(kind: Parameters<typeof describeFileType>[0]): string {
  return `skipped: ${describeFileType(kind)}, not a regular file (check reads only regular files)`;
}

async function describeError(path: string, error: unknown): Promise<unknown> {
  switch (errnoCode(error)) {
    case 'ELOOP':
      return linkLoopError(path, 'a certificate file or folder', error);
    case 'ENOENT':
    case 'ENOTDIR':
      if (await isSymbolicLink(path)) {
        return danglingLinkError(path, 'a certificate file or folder', error);
      }
      return new InputError('FILE_NOT_FOUND', `${path}: no such file or folder`, {
        hint: 'check the path; `check` takes certificate files and folders that hold them',
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new InputError('FILE_UNREADABLE', `${path}: permission denied`, {
        hint: 'make it readable by your user (ls -l shows its owner and mode)',
        cause: error,
      });
    default:
      return error;
  }
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * What `check` looks at: files named on the command line as they are, and inside folders every
 * file that may hold a certificate, in a stable order so that CI output does not shuffle.
 *
 * In a folder only regular files are taken: a named pipe (say zz.pem made by mkfifo) would
 * make a reader wait for a writer that never comes, and `check` in CI would never end. Such a
 * file is skipped with a note; one named on the command line is the user's choice, and the
 * reader refuses it with a clear error.
 *
 * The file system is asked in place (statSync, readdirSync), not on Node's thread pool: for
 * local metadata each hop there costs more than the call, and nothing here can wait (stat and
 * readdir never open a file). Only errors, rare, look further (input-files.ts's
 * isSymbolicLink, on fs.promises, which is loaded on its first use).
 */
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import {
  danglingLinkError,
  describeFileType,
  errnoCode,
  isSymbolicLink,
  linkLoopError,
} from './input-files.js';
import { isBackupFileName, isTemporaryFileName } from './output-files.js';

export interface FindOptions {
  /** A file met in a folder and left out, with why: "skipped: a named pipe (FIFO), …". */
  onSkip?: (path: string, note: string) => void;
}

/** What `check` looks at in a folder: what expires (certificates, profiles) and token keys. */
const CHECKED_EXTENSIONS = new Set([
  ...['.cer', '.crt', '.der', '.pem', '.p12', '.pfx', '.p7b'],
  ...['.p8', '.mobileprovision', '.provisionprofile'],
]);
/** Also keys and CSRs: where a profile's certificates may be, and what doctor sums up. */
const CREDENTIAL_EXTENSIONS = new Set([
  ...CHECKED_EXTENSIONS,
  '.key',
  '.csr',
  '.certsigningrequest',
]);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/**
 * The files to check, one at a time as the walk finds them: a folder of 20,000 certificates is
 * never held as a list. Every path named on the command line is looked at before the walk
 * starts, so a missing one is said before anything is printed.
 */
export async function* walkCertificateFiles(
  paths: string[],
  options: FindOptions = {},
): AsyncGenerator<string> {
  const skip = options.onSkip ?? (() => undefined);
  const named: { path: string; isDirectory: boolean }[] = [];
  for (const path of paths) {
    try {
      named.push({ path, isDirectory: statSync(path).isDirectory() });
    } catch (error) {
      throw await describeError(path, error);
    }
  }
  // A path met twice can only come from two arguments that overlap (`check certs certs/a.pem`):
  // one walk never yields a path twice. So one argument keeps no set of what it has seen.
  const seen = paths.length > 1 ? new Set<string>() : null;
  const fresh = (path: string): boolean => {
    if (!seen) return true;
    const key = resolve(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  for (const { path, isDirectory } of named) {
    // A file named on the command line is the user's choice, whatever its extension.
    if (!isDirectory) {
      if (fresh(path)) yield path;
    } else {
      for await (const file of walk(path, skip, CHECKED_EXTENSIONS)) {
        if (fresh(file)) yield file;
      }
    }
  }
}

/**
 * The credential files in the folder of `file` (not in its subfolders), `file` itself left
 * out: where `inspect` looks for the certificates a provisioning profile names.
 */
export async function credentialFilesBeside(file: string): Promise<string[]> {
  const self = resolve(file);
  const files = await collect(walk(dirname(file), () => undefined, CREDENTIAL_EXTENSIONS, false));
  return files.filter((path) => resolve(path) !== self);
}

async function* walk(
  dir: string,
  skip: (path: string, note: string) => void,
  extensions: Set<string>,
  recursive = true,
): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw await describeError(dir, error);
  }
  // Code-unit order, not locale order: the same list on every machine and in every language.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && !SKIPPED_FOLDERS.has(entry.name)) yield* walk(path, skip, extensions);
    } else if (isCandidate(entry.name, extensions)) {
      // A linked folder is never walked (a link to a parent would loop); a linked file is
      // kept, and a dangling one or a loop too, so that `check` reports it instead of missing it.
      const kind = entry.isSymbolicLink() ? linkTarget(path) : entry;
      if (kind === null || kind.isFile()) yield path;
      else if (!kind.isDirectory()) skip(path, skippedNote(kind));
    }
  }
}

function isCandidate(name: string, extensions: Set<string>): boolean {
  if (isTemporaryFileName(name) || isBackupFileName(name)) return false;
  return extensions.has(extname(name).toLowerCase());
}

/** What a link leads to; null when it leads nowhere (dangling, a loop): the reader says so. */
function linkTarget(path: string): Stats | null {
  try {
    return statSync(path);
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

/**
 * Every credential file (certificates, .p12, keys, CSRs, .p8, provisioning profiles) in `dir`
 * and its subfolders, in a stable order: what `doctor DIR` summarises.
 */
export async function findCredentialFiles(dir: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    const described = await describeError(dir, error);
    if (described instanceof InputError && described.code === 'FILE_NOT_FOUND') {
      throw new InputError(described.code, described.message, {
        hint: 'doctor takes the folder that holds your push credentials, e.g. apns-setup doctor certs/',
        cause: error,
      });
    }
    throw described;
  }
  if (!isDirectory) {
    throw new InputError('USAGE', `${dir} is a file; doctor looks at a folder`, {
      hint: `To see what one file is, run: apns-setup inspect ${dir}`,
    });
  }
  return collect(walk(dir, () => undefined, CREDENTIAL_EXTENSIONS));
}

// Array.fromAsync is Node 22's.
async function collect(paths: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const path of paths) all.push(path);
  return all;
}

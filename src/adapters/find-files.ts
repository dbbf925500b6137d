/**
 * What `check` looks at: files named on the command line as they are, and inside folders every
 * file that may hold a certificate, in a stable order so that CI output does not shuffle.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { errnoCode } from './input-files.js';
import { isBackupFileName, isTemporaryFileName } from './output-files.js';

const CERTIFICATE_EXTENSIONS = new Set(['.cer', '.crt', '.der', '.pem', '.p12', '.pfx', '.p7b']);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

export async function findCertificateFiles(paths: string[]): Promise<string[]> {
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
      throw describeError(path, error);
    }
    // A file named on the command line is the user's choice, whatever its extension.
    if (!isDirectory) add(path);
    else for (const file of await walk(path)) add(file);
  }
  return found;
}

async function walk(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw describeError(dir, error);
  }
  // Code-unit order, not locale order: the same list on every machine and in every language.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) files.push(...(await walk(path)));
    } else if (isCandidate(entry.name)) {
      // A linked folder is never walked (a link to a parent would loop); a linked file is
      // kept, and a dangling one too, so that `check` reports it instead of missing it.
      if (entry.isSymbolicLink() && (await isLinkToFolder(path))) continue;
      files.push(path);
    }
  }
  return files;
}

function isCandidate(name: string): boolean {
  if (isTemporaryFileName(name) || isBackupFileName(name)) return false;
  return CERTIFICATE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function isLinkToFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function describeError(path: string, error: unknown): unknown {
  switch (errnoCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
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

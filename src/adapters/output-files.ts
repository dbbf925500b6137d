/**
 * The only writer of output files (DESIGN "Output files"): all or nothing, secrets 0600 and
 * certificates 0644 whatever the umask, never a clobbered file without --force, and then the old
 * one kept as NAME.bak-<timestamp> — a secret's backup 0600 whatever the old file's mode, and
 * the result saying when that old secret had been readable by others.
 *
 * Each file goes to a temporary file in the target folder (same file system, so rename(2) is
 * atomic), is fsynced, and only when every file is safely on disk are they published.
 *
 * A name that was absent is published with link(2), not rename(2): rename silently replaces a
 * file that appeared since the check (another run writing the same new folder), link fails with
 * EEXIST. The loser then takes back the files it already published and fails with FILE_EXISTS,
 * so each run ends either with all of its files or with none, never a mix.
 * Where hard links are unsupported (FAT, some network shares) an empty placeholder is created
 * with O_EXCL and the temporary renamed over it: best effort, as a non-atomic writer that
 * renames over the placeholder in between still wins, but two apns-setup runs exclude each other.
 * A replaced file (--force) is renamed over, after its backup: replacing is what was asked.
 *
 * Interrupted runs. SIGINT or SIGTERM while writing removes this process's temporary files
 * (they hold keys, some unencrypted) before the process ends: they are registered while they
 * exist, and stop-signal.ts runs the clean-up synchronously. A publish cut short (by a signal,
 * or by SIGKILL or a power cut, which nothing can intercept) may leave some final files and
 * not others; so before publishing, a journal (.apns-setup-journal-<pid>-<random>: names and
 * SHA-256 of the files about to be published, no content) is written, and removed once all of
 * them are in place. The next run into that folder, finding the journal of a run that is no
 * longer alive, takes each existing file whose bytes are still what that journal says as that
 * run's, not the user's: it replaces it without --force and without a backup, and so finishes
 * the set. It then removes that journal and that dead run's temporary files at once. Journals
 * hold no secret and are never removed by age: only once nothing they list is left.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ApnsSetupError, InputError, OperationError } from '../core/errors.js';
import { isoBasicStamp } from '../core/utc-date.js';
import type { WrittenFile } from '../flows/ports.js';
import { errnoCode } from './input-files.js';
import {
  directFileSystem,
  type OutputFileHandle,
  type OutputFileSystem,
} from './direct-file-system.js';
import { cleanUpBeforeStop } from './stop-signal.js';

export type { OutputFileSystem } from './direct-file-system.js';

export interface OutputFile {
  name: string;
  contents: string | Uint8Array;
  /** Holds key material: written 0600. */
  secret: boolean;
}

export interface WriteOutputOptions {
  force: boolean;
  /** Names the backups of replaced files. */
  now: Date;
  fileSystem?: OutputFileSystem;
  /** How a path appears in an error: as the summary shows it (as is by default). */
  show?: ShowPath;
}

/** A path (absolute, as the file system is given it) as the person should read it. */
export type ShowPath = (path: string) => string;
const asIs: ShowPath = (path) => path;

const SECRET_MODE = 0o600;
const PUBLIC_MODE = 0o644;
const TEMP_PREFIX = '.apns-setup-tmp-';
const TEMP_NAME = /^\.apns-setup-tmp-(\d+)-[0-9a-f]+-.+$/;
const JOURNAL_PREFIX = '.apns-setup-journal-';
const JOURNAL_NAME = /^\.apns-setup-journal-(\d+)-[0-9a-f]+$/;
/** A journal lists a few names and hashes; anything larger is not one of ours. */
const MAX_JOURNAL_BYTES = 64 * 1024;
/** Output files are a few KB; a larger file at an output name is not a leftover of ours. */
const MAX_LEFTOVER_BYTES = 4 * 1024 * 1024;
const BACKUP_NAME = /\.bak-\d{8}T\d{6}Z(-\d+)?$/;
/**
 * A write takes milliseconds; a temporary file this old belongs to no running write, even if
 * its pid has since been reused by another process or it was written from another machine.
 */
const STALE_TEMP_AGE_MS = 15 * 60 * 1000;
/**
 * A dead pid alone proves nothing: a run in another pid namespace (a container sharing a bind
 * mount) or on another host (NFS) looks dead from here. Its temporary files live milliseconds,
 * so a dead pid counts only for a file older than this.
 */
const DEAD_PID_TEMP_AGE_MS = 60 * 1000;
/** link(2) failures that mean "no hard links here", not "the name is taken". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** `.apns-setup-tmp-<pid>-<random>-<name>`: what a killed run leaves behind. */
export function isTemporaryFileName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** `.apns-setup-journal-<pid>-<random>`: what a run cut short while publishing leaves. */
export function isJournalFileName(name: string): boolean {
  return JOURNAL_NAME.test(name);
}

/** `<name>.bak-20261128T204501Z` (or `-2`, `-3`… when one already exists that second). */
export function isBackupFileName(name: string): boolean {
  return BACKUP_NAME.test(name);
}

export async function writeOutputFiles(
  dir: string,
  files: OutputFile[],
  options: WriteOutputOptions,
): Promise<WrittenFile[]> {
  const fs = options.fileSystem ?? directFileSystem;
  const show = options.show ?? asIs;
  assertValidNames(files.map((file) => file.name));
  let targets: Targets;
  try {
    targets = await checkTargets(
      fs,
      dir,
      files.map((file) => file.name),
      options.force,
      show,
    );
  } catch (error) {
    throw describeWriteError(dir, error, show);
  }

  try {
    // A folder that will hold keys is created 0700, as ssh does for ~/.ssh: the files are 0600
    // anyway, but a key later written there by hand (`openssl rsa … > key.pem`) gets the umask.
    // An existing folder keeps its mode: it is the user's.
    const secret = files.some((file) => file.secret);
    await fs.mkdir(dir, { recursive: true, mode: secret ? 0o700 : 0o755 });
  } catch (error) {
    throw describeWriteError(dir, error, show);
  }

  const release = cleanUpBeforeStop(removeInFlightTempFilesSync);
  const stamp = isoBasicStamp(options.now);
  const staged: Staged[] = [];
  let journal: string | null = null;
  try {
    try {
      let folderNow = 0;
      // Written side by side: each waits on its own fsync, and five in a row were most of an
      // import's wait. Every one written is staged before the first failure is thrown, so the
      // roll-back removes them all.
      const written = await Promise.allSettled(files.map((file) => writeTempFile(fs, dir, file)));
      written.forEach((result, i) => {
        if (result.status !== 'fulfilled') return;
        const temp = result.value;
        const file = files[i]!;
        folderNow = Math.max(folderNow, temp.modifiedMs);
        staged.push({
          file,
          path: join(dir, file.name),
          tempPath: temp.path,
          identity: temp.identity,
          backup: null,
          published: null,
        });
      });
      const failed = written.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      await removeStaleTempFiles(fs, dir, folderNow);
      for (const entry of staged) {
        // A leftover of a run cut short is that run's file, not the user's: no backup.
        if (targets.existing.has(entry.file.name) && !targets.leftovers.has(entry.file.name)) {
          entry.backup = await backUp(fs, entry.path, stamp, entry.file.secret, show);
        }
      }
      journal = await writeJournal(fs, dir, files, show);
      for (const entry of staged) {
        if (targets.existing.has(entry.file.name)) {
          await fs.rename(entry.tempPath, entry.path);
          entry.published = 'replaced';
        } else {
          await publishNew(fs, entry, show);
          entry.published = 'created';
        }
      }
    } catch (error) {
      await rollBack(fs, staged);
      if (journal) await fs.unlink(journal).catch(() => undefined);
      throw describeWriteError(dir, error, show);
    }
    await syncDirectory(fs, dir, show);
    await fs.unlink(journal).catch(() => undefined);
    await removeFinishedRuns(fs, dir, targets.deadJournals, new Set(files.map((f) => f.name)));
  } finally {
    for (const entry of staged) inFlight.delete(entry.tempPath);
    release();
  }

  return staged.map((entry) => ({
    name: entry.file.name,
    path: entry.path,
    secret: entry.file.secret,
    backupPath: entry.backup?.path ?? null,
    previouslyExposed: entry.backup?.exposed ?? false,
  }));
}

/**
 * The checks writeOutputFiles makes before writing, for flows that want to fail before slow
 * work (key generation, a network call).
 */
export async function assertWritable(
  dir: string,
  names: string[],
  options: { force: boolean; fileSystem?: OutputFileSystem; show?: ShowPath },
): Promise<void> {
  const fs = options.fileSystem ?? directFileSystem;
  const show = options.show ?? asIs;
  assertValidNames(names);
  try {
    await checkTargets(fs, dir, names, options.force, show);
  } catch (error) {
    throw describeWriteError(dir, error, show);
  }
  const folder = await nearestExistingFolder(fs, dir);
  try {
    await fs.access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw describeWriteError(folder, error, show);
  }
}

/**
 * True when `dir` does not exist or holds nothing but our leftovers: `renew` writes into a new
 * folder and must not mix its files with anything else.
 */
export async function isEmptyOrMissingDir(dir: string, show: ShowPath = asIs): Promise<boolean> {
  let names: string[];
  try {
    names = await directFileSystem.readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return true;
    if (errnoCode(error) === 'ENOTDIR') throw notAFolderError(dir, show);
    throw error;
  }
  // Finder drops .DS_Store in every folder it opens; it is not the user's content.
  return names.every(
    (name) => name === '.DS_Store' || isTemporaryFileName(name) || isJournalFileName(name),
  );
}

interface Staged {
  file: OutputFile;
  path: string;
  tempPath: string;
  /** The temporary file's inode: what this run published, wherever the name now points. */
  identity: FileIdentity;
  backup: Backup | null;
  /** 'created' where the name was absent, 'replaced' where --force replaced a file. */
  published: 'created' | 'replaced' | null;
}

interface FileIdentity {
  dev: number;
  ino: number;
}

interface Backup {
  path: string;
  /**
   * Whether the original is still at its name: a hard link or a copy leave it there until the
   * new file replaces it atomically; without hard links it was moved aside.
   */
  originalInPlace: boolean;
  /** The original was a secret readable by others than its owner. */
  exposed: boolean;
}

interface Targets {
  /** Names that exist as regular files. */
  existing: Set<string>;
  /** Of those, the ones a dead run's journal claims: they may be replaced without --force. */
  leftovers: Set<string>;
  /** Journals of runs no longer alive, found in the folder. */
  deadJournals: DeadJournal[];
}

interface DeadJournal {
  path: string;
  pid: number;
  /** Name → SHA-256 (hex) of the file that run was publishing under it. */
  files: Map<string, string>;
}

async function checkTargets(
  fs: OutputFileSystem,
  dir: string,
  names: string[],
  force: boolean,
  show: ShowPath,
): Promise<Targets> {
  try {
    const stats = await fs.stat(dir);
    if (!stats.isDirectory()) throw notAFolderError(dir, show);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ELOOP') {
      // A link on the way that leads nowhere: mkdir would fail with a misleading ENOENT or
      // ENOTDIR, or the run would end in "something unexpected went wrong: ELOOP".
      const broken = await brokenLinkOnPath(fs, dir, show);
      if (broken) throw broken;
      if (code === 'ENOENT') return { existing: new Set(), leftovers: new Set(), deadJournals: [] };
    }
    if (code === 'ENOTDIR') throw pathThroughFileError(dir, error, show);
    throw error;
  }

  const existing = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    let stats;
    try {
      stats = await fs.lstat(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue;
      throw error;
    }
    if (stats.isDirectory()) {
      throw new InputError(
        'IS_A_DIRECTORY',
        `${show(path)}: is a folder, where ${name} is to be written`,
        {
          hint: 'move the folder away, or choose another folder',
        },
      );
    }
    // Renaming over a link would replace the link, not the file it points to, and the user
    // who made the link expects the opposite: refuse rather than guess.
    if (stats.isSymbolicLink()) {
      throw new InputError(
        'FILE_EXISTS',
        `${show(path)}: is a symbolic link; apns-setup does not write through links`,
        {
          hint: 'remove the link (or copy the file it points to over it), or choose another folder',
        },
      );
    }
    if (!stats.isFile()) {
      throw new InputError('FILE_EXISTS', `${show(path)}: is not a regular file`, {
        hint: 'move it away, or choose another folder',
      });
    }
    existing.add(name);
  }

  const deadJournals = await readDeadJournals(fs, dir);
  const leftovers = new Set<string>();
  for (const name of existing) {
    const claims = deadJournals.flatMap((journal) => journal.files.get(name) ?? []);
    if (claims.length > 0 && claims.includes(await contentHash(fs, join(dir, name)))) {
      leftovers.add(name);
    }
  }
  const theirs = [...existing].filter((name) => !leftovers.has(name));
  if (theirs.length > 0 && !force) throw alreadyExistsError(dir, theirs, show);
  return { existing, leftovers, deadJournals };
}

/** The journals in `dir` of runs that are no longer alive (unreadable ones are ignored). */
async function readDeadJournals(fs: OutputFileSystem, dir: string): Promise<DeadJournal[]> {
  const journals: DeadJournal[] = [];
  for (const name of await fs.readdir(dir)) {
    const match = JOURNAL_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    const path = join(dir, name);
    try {
      const bytes = await readSmallFile(fs, path, MAX_JOURNAL_BYTES);
      const parsed = JSON.parse(bytes?.toString('utf8') ?? 'null') as unknown;
      const files = (parsed as { files?: unknown } | null)?.files;
      if (typeof files !== 'object' || files === null) continue;
      const entries = Object.entries(files).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      );
      journals.push({ path, pid, files: new Map(entries) });
    } catch {
      // Not a journal we can read: it claims nothing.
    }
  }
  return journals;
}

/** SHA-256 of a regular file's bytes, never through a link; '' when it cannot be one of ours. */
async function contentHash(fs: OutputFileSystem, path: string): Promise<string> {
  const bytes = await readSmallFile(fs, path, MAX_LEFTOVER_BYTES).catch(() => null);
  return bytes ? createHash('sha256').update(bytes).digest('hex') : '';
}

/** A regular file's bytes, or null when it is something else or larger than `limit`. */
async function readSmallFile(
  fs: OutputFileSystem,
  path: string,
  limit: number,
): Promise<Buffer | null> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  const handle = await fs.open(path, flags);
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > limit) return null;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Before the first file is published: the names and SHA-256 of the files about to be, so that
 * a run that finds them after this one was cut short can tell them from the user's files. No
 * content, so nothing secret.
 */
async function writeJournal(
  fs: OutputFileSystem,
  dir: string,
  files: OutputFile[],
  show: ShowPath,
): Promise<string> {
  const path = join(dir, `${JOURNAL_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  const entries = files.map((file): [string, string] => [
    file.name,
    createHash('sha256').update(file.contents).digest('hex'),
  ]);
  const handle = await fs.open(path, 'wx', SECRET_MODE);
  try {
    await handle.writeFile(`${JSON.stringify({ files: Object.fromEntries(entries) })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The journal must be on disk before any file it describes is.
  await syncDirectory(fs, dir, show);
  return path;
}

/**
 * Dead runs whose journals claim nothing any more — every file they list is one this run has
 * just written, or no longer holds what they published — are over: their journals go, and
 * their temporary files at once (they may hold keys; the age rule would keep them a while).
 */
async function removeFinishedRuns(
  fs: OutputFileSystem,
  dir: string,
  journals: DeadJournal[],
  written: Set<string>,
): Promise<void> {
  const over = new Set<number>();
  for (const journal of journals) {
    let claims = false;
    for (const [name, hash] of journal.files) {
      if (!written.has(name) && (await contentHash(fs, join(dir, name))) === hash) claims = true;
    }
    if (claims) continue;
    await fs.unlink(journal.path).catch(() => undefined);
    over.add(journal.pid);
  }
  if (over.size === 0) return;
  for (const name of await fs.readdir(dir).catch(() => [])) {
    const match = TEMP_NAME.exec(name);
    if (match && over.has(Number(match[1]))) {
      await fs.unlink(join(dir, name)).catch(() => undefined);
    }
  }
}

/**
 * The first component of `dir`, from the end, that exists; if it is a symbolic link that leads
 * nowhere (to a missing target, or round in a loop), the error that says so.
 */
async function brokenLinkOnPath(
  fs: OutputFileSystem,
  dir: string,
  show: ShowPath,
): Promise<InputError | null> {
  for (let path = dir; ; path = dirname(path)) {
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(path)).isSymbolicLink();
    } catch (error) {
      // Missing, or reached through the broken link itself: look one level up.
      const code = errnoCode(error);
      const onTheWay = code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR';
      if (!onTheWay || dirname(path) === path) return null;
      continue;
    }
    if (!isLink) return null;
    try {
      await fs.stat(path);
      return null;
    } catch (error) {
      const where = path === dir ? `${show(dir)}: is` : `${show(dir)}: ${show(path)} is`;
      if (errnoCode(error) === 'ELOOP') {
        return new InputError('NOT_WRITABLE', `${where} a symbolic link loop`, {
          hint: 'the link leads back to itself (ls -l shows where it points): point it at a folder, or choose another folder',
          cause: error,
        });
      }
      return new InputError(
        'NOT_WRITABLE',
        `${where} a symbolic link to something that does not exist`,
        {
          hint: 'ls -l shows where it points: create that folder, or choose another folder',
          cause: error,
        },
      );
    }
  }
}

function alreadyExistsError(dir: string, names: string[], show: ShowPath): InputError {
  const [first, ...others] = names;
  const path = show(join(dir, first ?? ''));
  return others.length === 0
    ? new InputError('FILE_EXISTS', `${path} already exists`, {
        hint: `pass --force to replace it (the old file is kept as ${first}.bak-<timestamp>), or choose another folder`,
      })
    : new InputError(
        'FILE_EXISTS',
        `${path} and ${others.length} more of the files to write already exist`,
        {
          hint: 'pass --force to replace them (the old files are kept as NAME.bak-<timestamp>), or choose another folder',
        },
      );
}

/** Temporary files of this process that may be on disk: keys, some of them unencrypted. */
const inFlight = new Set<string>();

/** Synchronous, for a signal handler: the process ends right after. */
function removeInFlightTempFilesSync(): void {
  for (const path of inFlight) {
    try {
      unlinkSync(path);
    } catch {
      // Already renamed into place or removed.
    }
  }
  inFlight.clear();
}

async function writeTempFile(
  fs: OutputFileSystem,
  dir: string,
  file: OutputFile,
): Promise<{ path: string; identity: FileIdentity; modifiedMs: number }> {
  const mode = file.secret ? SECRET_MODE : PUBLIC_MODE;
  const tempPath = join(
    dir,
    `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${file.name}`,
  );
  // From before it exists until it is renamed or removed, a stop signal removes it
  // (stop-signal.ts): the file is on disk as soon as the open has run, before this code hears
  // of it, and a signal may come in between. The name is this process's own (pid, random bytes).
  inFlight.add(tempPath);
  let handle: OutputFileHandle;
  try {
    // 'wx' never opens a file someone else made; the mode is set at creation so a secret is
    // never readable by others, and set again because the umask may have taken bits away
    // (077 → 0600).
    handle = await fs.open(tempPath, 'wx', mode);
  } catch (error) {
    inFlight.delete(tempPath);
    throw error;
  }
  try {
    await handle.chmod(mode);
    await handle.writeFile(file.contents);
    await handle.sync();
    const { dev, ino, mtimeMs } = await handle.stat();
    await handle.close();
    return { path: tempPath, identity: { dev, ino }, modifiedMs: mtimeMs };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(tempPath).catch(() => undefined);
    throw error;
  }
}

/**
 * Puts a temporary file at a name that was absent, failing with FILE_EXISTS if it is not
 * absent any more: link(2) never replaces, where rename(2) would silently.
 */
async function publishNew(fs: OutputFileSystem, entry: Staged, show: ShowPath): Promise<void> {
  const dir = dirname(entry.path);
  try {
    await fs.link(entry.tempPath, entry.path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') throw alreadyExistsError(dir, [entry.file.name], show);
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
    await publishWithoutLink(fs, entry, show);
    return;
  }
  // The name holds the file now; a temporary left behind is only clutter for the next run.
  await fs.unlink(entry.tempPath).catch(() => undefined);
}

/** Best effort where hard links are unsupported: claim the name with O_EXCL, then fill it. */
async function publishWithoutLink(
  fs: OutputFileSystem,
  entry: Staged,
  show: ShowPath,
): Promise<void> {
  let placeholder;
  try {
    placeholder = await fs.open(entry.path, 'wx', entry.file.secret ? SECRET_MODE : PUBLIC_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST')
      throw alreadyExistsError(dirname(entry.path), [entry.file.name], show);
    throw error;
  }
  await placeholder.close();
  try {
    await fs.rename(entry.tempPath, entry.path);
  } catch (error) {
    await fs.unlink(entry.path).catch(() => undefined);
    throw error;
  }
}

/**
 * Keeps the file at `path` as `path.bak-<stamp>` (or `-2`, `-3`… when that name is taken).
 * Normally a hard link: no copy, and the original stays in place until it is replaced. But a
 * hard link shares the original's mode, and a secret's backup must be 0600 whatever the old
 * file's mode was (a ck.pem someone made 0644): such a secret is copied into a new 0600 file
 * instead, which leaves the original alone.
 */
async function backUp(
  fs: OutputFileSystem,
  path: string,
  stamp: string,
  secret: boolean,
  show: ShowPath,
): Promise<Backup> {
  if (secret) {
    const old = await readOld(fs, path);
    if (old.mode !== SECRET_MODE) {
      const copy = await writeTempFile(fs, dirname(path), {
        name: basename(path),
        contents: old.contents,
        secret: true,
      });
      try {
        const named = await giveBackupName(fs, path, stamp, copy.path, show);
        return { path: named.path, originalInPlace: true, exposed: (old.mode & 0o044) !== 0 };
      } finally {
        // Linked: the copy's temporary name goes; renamed: it is already gone.
        await fs.unlink(copy.path).catch(() => undefined);
        inFlight.delete(copy.path);
      }
    }
  }
  const named = await giveBackupName(fs, path, stamp, path, show);
  return { path: named.path, originalInPlace: named.linked, exposed: false };
}

/**
 * Gives `source` the first free backup name of `path`: a hard link, or where there are none
 * (FAT, some network shares) a rename to a name checked to be free (rename would replace an
 * older backup). A rename keeps the file's mode.
 */
async function giveBackupName(
  fs: OutputFileSystem,
  path: string,
  stamp: string,
  source: string,
  show: ShowPath,
): Promise<{ path: string; linked: boolean }> {
  for (let counter = 1; counter < 1000; counter += 1) {
    const backupPath = counter === 1 ? `${path}.bak-${stamp}` : `${path}.bak-${stamp}-${counter}`;
    try {
      await fs.link(source, backupPath);
      return { path: backupPath, linked: true };
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
        throw error;
      }
    }
    if (await exists(fs, backupPath)) continue;
    await fs.rename(source, backupPath);
    return { path: backupPath, linked: false };
  }
  throw new OperationError(
    'OPERATION_FAILED',
    `${show(path)}: too many backups made in one second`,
    {
      hint: 'remove some of the NAME.bak-* files beside it and try again',
    },
  );
}

/** The mode and bytes of a file about to be replaced; never through a link, never waiting. */
async function readOld(
  fs: OutputFileSystem,
  path: string,
): Promise<{ mode: number; contents: Buffer }> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  const handle = await fs.open(path, flags);
  try {
    const stats = await handle.stat();
    return { mode: stats.mode & 0o7777, contents: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** Best effort: puts back what was there before and removes what this run wrote. */
async function rollBack(fs: OutputFileSystem, staged: Staged[]): Promise<void> {
  const ignore = (): undefined => undefined;
  for (const entry of staged) {
    const { backup } = entry;
    if (entry.published === 'created') {
      // Only our own file: the name may since hold another run's (a race we lost elsewhere).
      if (await isSameFile(fs, entry.path, entry.identity)) {
        await fs.unlink(entry.path).catch(ignore);
      }
      await fs.unlink(entry.tempPath).catch(ignore);
    } else if (entry.published === 'replaced') {
      // A copied backup (a secret that was not 0600) comes back 0600: tighter, never looser.
      if (backup) await fs.rename(backup.path, entry.path).catch(ignore);
      else await fs.unlink(entry.path).catch(ignore);
    } else {
      await fs.unlink(entry.tempPath).catch(ignore);
      if (backup?.originalInPlace) await fs.unlink(backup.path).catch(ignore);
      else if (backup) await fs.rename(backup.path, entry.path).catch(ignore);
    }
  }
}

async function isSameFile(
  fs: OutputFileSystem,
  path: string,
  identity: FileIdentity,
): Promise<boolean> {
  try {
    const stats = await fs.lstat(path);
    return stats.dev === identity.dev && stats.ino === identity.ino;
  } catch {
    return false;
  }
}

/**
 * Removes temporary files of runs that were killed before they could clean up. Ages are measured
 * on the folder's own clock (`folderNow`: the time it stamped on the file just written), never
 * the process's: a network file system's server, or a process whose clock is shifted, would
 * otherwise make a live run's file look hours old or not yet written.
 */
async function removeStaleTempFiles(
  fs: OutputFileSystem,
  dir: string,
  folderNow: number,
): Promise<void> {
  const names = await fs.readdir(dir);
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const stats = await fs.lstat(path);
      if (!stats.isFile()) continue;
      const age = folderNow - stats.mtimeMs;
      const stale =
        age > STALE_TEMP_AGE_MS ||
        (age > DEAD_PID_TEMP_AGE_MS && !isProcessAlive(Number(match[1])));
      if (stale) await fs.unlink(path);
    } catch {
      // Housekeeping only: a file another run removed first, or one we may not delete, must
      // not stop this write.
    }
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(error) === 'EPERM';
  }
}

/** Makes the renames durable (POSIX: a rename is on disk only once its folder is fsynced). */
async function syncDirectory(fs: OutputFileSystem, dir: string, show: ShowPath): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Windows cannot open a folder (EISDIR) or fsync one (EPERM); some file systems refuse
    // (EINVAL). The files are already in place.
    const code = errnoCode(error);
    if (code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM') return;
    throw describeWriteError(dir, error, show);
  }
}

async function exists(fs: OutputFileSystem, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

async function nearestExistingFolder(fs: OutputFileSystem, dir: string): Promise<string> {
  let current = dir;
  for (;;) {
    try {
      await fs.stat(current);
      return current;
    } catch (error) {
      const parent = dirname(current);
      if (errnoCode(error) !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

function assertValidNames(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    // Names come from the code, never from the user: a bad one is a bug, not an input error.
    if (
      name === '' ||
      name === '.' ||
      name === '..' ||
      /[/\\\0]/.test(name) ||
      name.startsWith(TEMP_PREFIX) ||
      name.startsWith(JOURNAL_PREFIX) ||
      seen.has(name)
    ) {
      throw new Error(
        `writeOutputFiles: invalid or repeated output file name ${JSON.stringify(name)}`,
      );
    }
    seen.add(name);
  }
}

function notAFolderError(dir: string, show: ShowPath): InputError {
  return new InputError('FILE_EXISTS', `${show(dir)}: is a file, not a folder`, {
    hint: 'choose another folder (a new or existing one)',
  });
}

function pathThroughFileError(dir: string, cause: unknown, show: ShowPath): InputError {
  return new InputError('FILE_EXISTS', `${show(dir)}: part of this path is a file, not a folder`, {
    hint: 'choose another folder',
    cause,
  });
}

function describeWriteError(dir: string, error: unknown, show: ShowPath): unknown {
  if (error instanceof ApnsSetupError) return error;
  switch (errnoCode(error)) {
    // A folder the user cannot write is a choice of theirs, like a bad path: exit 2 (DESIGN
    // "Exit codes": invalid input or usage), where a full or failing disk is exit 1.
    case 'EACCES':
    case 'EPERM':
      return new InputError('NOT_WRITABLE', `${show(dir)}: permission denied, cannot write there`, {
        hint: 'choose another folder, or fix its permissions (ls -ld shows its owner and mode)',
        cause: error,
      });
    case 'EROFS':
      return new InputError('NOT_WRITABLE', `${show(dir)}: is on a read-only file system`, {
        hint: 'choose another folder, on a writable file system',
        cause: error,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new OperationError('OPERATION_FAILED', `${show(dir)}: no space left on the device`, {
        hint: 'free some space, or choose another folder; nothing was written',
        cause: error,
      });
    case 'ENOTDIR':
      return pathThroughFileError(dir, error, show);
    default:
      return error;
  }
}

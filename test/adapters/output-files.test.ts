import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import {
  assertWritable,
  isBackupFileName,
  isEmptyOrMissingDir,
  isTemporaryFileName,
  writeOutputFiles,
  type OutputFile,
  type OutputFileSystem,
} from '../../src/adapters/output-files.js';
import { directFileSystem } from '../../src/adapters/direct-file-system.js';

const now = new Date('2026-11-28T20:45:01.734Z');
const stamp = '20261128T204501Z';

const files: OutputFile[] = [
  { name: 'cert.pem', contents: '-----BEGIN CERTIFICATE-----\nnew\n', secret: false },
  { name: 'key.pem', contents: '-----BEGIN PRIVATE KEY-----\nnew\n', secret: true },
  { name: 'apns.p12', contents: new Uint8Array([0x30, 0x82, 0x01, 0x00]), secret: true },
];

let root: string;
let out: string;
let savedUmask: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'apns-setup-output-'));
  out = join(root, 'out');
  savedUmask = process.umask();
});
afterEach(async () => {
  process.umask(savedUmask);
  await rm(root, { recursive: true, force: true });
});

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function listing(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    result[name] = await readFile(join(dir, name), 'latin1');
  }
  return result;
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error('expected a failure');
}

/** The real file system, except that the nth call of `name` fails with `code`. */
function failingOn(
  name: 'rename' | 'open' | 'link' | 'mkdir' | 'access',
  nth: number,
  code: string,
): OutputFileSystem {
  let calls = 0;
  const real = directFileSystem[name] as (...args: unknown[]) => Promise<unknown>;
  const wrapped = (...args: unknown[]) => {
    calls += 1;
    if (calls === nth) {
      return Promise.reject(Object.assign(new Error(`${code}: simulated`), { code }));
    }
    return real(...args);
  };
  return { ...directFileSystem, [name]: wrapped } as OutputFileSystem;
}

async function writeOld(): Promise<void> {
  await mkdir(out);
  await writeFile(join(out, 'cert.pem'), 'old cert', { mode: 0o644 });
  await writeFile(join(out, 'key.pem'), 'old key', { mode: 0o600 });
  await writeFile(join(out, 'notes.txt'), 'mine');
}

describe('writeOutputFiles', () => {
  it('creates the folder and writes every file with its contents', async () => {
    const written = await writeOutputFiles(out, files, { force: false, now });
    expect(written).toEqual(
      [
        { name: 'cert.pem', path: join(out, 'cert.pem'), secret: false, backupPath: null },
        { name: 'key.pem', path: join(out, 'key.pem'), secret: true, backupPath: null },
        { name: 'apns.p12', path: join(out, 'apns.p12'), secret: true, backupPath: null },
      ].map((file) => ({ ...file, previouslyExposed: false })),
    );
    expect(await readFile(join(out, 'cert.pem'), 'utf8')).toBe(files[0]!.contents);
    expect(await readFile(join(out, 'apns.p12'))).toEqual(Buffer.from([0x30, 0x82, 0x01, 0x00]));
    expect((await readdir(out)).sort()).toEqual(['apns.p12', 'cert.pem', 'key.pem']);
  });

  it.each([
    ['a permissive umask (000)', 0o000],
    ['the usual umask (022)', 0o022],
    ['a restrictive umask (077)', 0o077],
  ])('writes secrets 0600 and certificates 0644 under %s', async (_label, umask) => {
    process.umask(umask);
    await writeOutputFiles(out, files, { force: false, now });
    expect(await mode(join(out, 'cert.pem'))).toBe(0o644);
    expect(await mode(join(out, 'key.pem'))).toBe(0o600);
    expect(await mode(join(out, 'apns.p12'))).toBe(0o600);
  });

  it('creates a folder for secrets 0700, and one for certificates only 0755', async () => {
    process.umask(0o022);
    await writeOutputFiles(join(root, 'secret'), files, { force: false, now });
    await writeOutputFiles(join(root, 'public'), [files[0]!], { force: false, now });
    expect(await mode(join(root, 'secret'))).toBe(0o700);
    expect(await mode(join(root, 'public'))).toBe(0o755);
  });

  it('leaves the mode of an existing folder alone', async () => {
    await mkdir(out, { mode: 0o755 });
    process.umask(0o022);
    await writeOutputFiles(out, files, { force: false, now });
    expect(await mode(out)).toBe(0o755);
  });

  it('refuses to replace an existing file without --force, and writes nothing', async () => {
    await writeOld();
    const before = await listing(out);
    const error = await failure(writeOutputFiles(out, files, { force: false, now }));
    expect(isApnsSetupError(error)).toBe(true);
    expect(error.code).toBe('FILE_EXISTS');
    expect(error.message).toBe(
      `${join(out, 'cert.pem')} and 1 more of the files to write already exist`,
    );
    expect(error.hint).toContain('--force');
    // Neutral: the folder may come from --out or from sandbox --state.
    expect(error.hint).toContain('or choose another folder');
    expect(error.hint).not.toContain('--out');
    expect(await listing(out)).toEqual(before);
  });

  it('names the one existing file and its backup name in the hint', async () => {
    await mkdir(out);
    await writeFile(join(out, 'key.pem'), 'old key');
    const error = await failure(writeOutputFiles(out, files, { force: false, now }));
    expect(error.message).toBe(`${join(out, 'key.pem')} already exists`);
    expect(error.hint).toBe(
      'pass --force to replace it (the old file is kept as key.pem.bak-<timestamp>), or choose another folder',
    );
  });

  it.each([1, 2, 3])(
    'when writing file %i of 3 fails (a full disk), writes none and leaves no temporary file',
    async (nth) => {
      await mkdir(out);
      await writeFile(join(out, 'notes.txt'), 'mine');
      const error = await failure(
        writeOutputFiles(out, files, {
          force: false,
          now,
          fileSystem: failingOn('open', nth, 'ENOSPC'),
        }),
      );
      expect(error.message).toBe(`${out}: no space left on the device`);
      expect(await listing(out)).toEqual({ 'notes.txt': 'mine' });
    },
  );

  it('with --force keeps each replaced file as NAME.bak-<timestamp>, with its bytes and mode', async () => {
    await writeOld();
    const written = await writeOutputFiles(out, files, { force: true, now });
    expect(written.map((file) => file.backupPath)).toEqual([
      join(out, `cert.pem.bak-${stamp}`),
      join(out, `key.pem.bak-${stamp}`),
      null,
    ]);
    expect(await listing(out)).toEqual({
      'apns.p12': '\x30\x82\x01\x00',
      'cert.pem': files[0]!.contents,
      [`cert.pem.bak-${stamp}`]: 'old cert',
      'key.pem': files[1]!.contents,
      [`key.pem.bak-${stamp}`]: 'old key',
      'notes.txt': 'mine',
    });
    expect(await mode(join(out, `key.pem.bak-${stamp}`))).toBe(0o600);
    expect(await mode(join(out, 'key.pem'))).toBe(0o600);
  });

  it('adds a counter when a backup of that second already exists', async () => {
    await writeOutputFiles(out, [files[0]!], { force: false, now });
    await writeOutputFiles(out, [files[0]!], { force: true, now });
    const third = await writeOutputFiles(out, [files[0]!], { force: true, now });
    expect(third[0]!.backupPath).toBe(join(out, `cert.pem.bak-${stamp}-2`));
    expect((await readdir(out)).sort()).toEqual([
      'cert.pem',
      `cert.pem.bak-${stamp}`,
      `cert.pem.bak-${stamp}-2`,
    ]);
  });

  it('moves the old file aside where hard links are not supported', async () => {
    await writeOld();
    await writeOutputFiles(out, files, {
      force: true,
      now,
      fileSystem: failingOn('link', 1, 'EPERM'),
    });
    expect(await readFile(join(out, `cert.pem.bak-${stamp}`), 'utf8')).toBe('old cert');
    expect(await readFile(join(out, `key.pem.bak-${stamp}`), 'utf8')).toBe('old key');
    expect(await readFile(join(out, 'cert.pem'), 'utf8')).toBe(files[0]!.contents);
  });

  describe('the backup of a secret', () => {
    const secrets: OutputFile[] = [
      { name: 'ck.pem', contents: 'new ck', secret: true },
      { name: 'key.unencrypted.pem', contents: 'new key', secret: true },
      { name: 'cert.pem', contents: 'new cert', secret: false },
    ];
    const noLinks: OutputFileSystem = {
      ...directFileSystem,
      link: () => Promise.reject(Object.assign(new Error('EPERM'), { code: 'EPERM' })),
    };

    async function oldFiles(modes: { ck: number; key: number; cert: number }): Promise<void> {
      await mkdir(out);
      await writeFile(join(out, 'ck.pem'), 'old ck');
      await writeFile(join(out, 'key.unencrypted.pem'), 'old key');
      await writeFile(join(out, 'cert.pem'), 'old cert');
      await nodeFs.chmod(join(out, 'ck.pem'), modes.ck);
      await nodeFs.chmod(join(out, 'key.unencrypted.pem'), modes.key);
      await nodeFs.chmod(join(out, 'cert.pem'), modes.cert);
    }

    it.each([
      ['with hard links', undefined],
      ['without hard links', noLinks],
    ])(
      'is 0600 although the old file had been made 0644, and the result says it was exposed (%s)',
      async (_label, fileSystem) => {
        await oldFiles({ ck: 0o644, key: 0o640, cert: 0o644 });
        const written = await writeOutputFiles(out, secrets, {
          force: true,
          now,
          ...(fileSystem ? { fileSystem } : {}),
        });
        expect(written.map((f) => [f.name, f.previouslyExposed])).toEqual([
          ['ck.pem', true],
          ['key.unencrypted.pem', true],
          ['cert.pem', false],
        ]);
        expect(await mode(join(out, `ck.pem.bak-${stamp}`))).toBe(0o600);
        expect(await mode(join(out, `key.unencrypted.pem.bak-${stamp}`))).toBe(0o600);
        expect(await readFile(join(out, `ck.pem.bak-${stamp}`), 'utf8')).toBe('old ck');
        expect(await readFile(join(out, `key.unencrypted.pem.bak-${stamp}`), 'utf8')).toBe(
          'old key',
        );
        expect(await mode(join(out, 'ck.pem'))).toBe(0o600);
        // A certificate is no secret: its backup keeps its mode.
        expect(await mode(join(out, `cert.pem.bak-${stamp}`))).toBe(0o644);
        // No temporary file is left behind by the copies.
        expect((await readdir(out)).filter(isTemporaryFileName)).toEqual([]);
      },
    );

    it('is a hard link of a 0600 secret, which was not exposed', async () => {
      await oldFiles({ ck: 0o600, key: 0o400, cert: 0o644 });
      const before = await stat(join(out, 'ck.pem'));
      const written = await writeOutputFiles(out, secrets, { force: true, now });
      expect(written.map((f) => f.previouslyExposed)).toEqual([false, false, false]);
      const backup = await stat(join(out, `ck.pem.bak-${stamp}`));
      expect(backup.ino).toBe(before.ino);
      expect(backup.mode & 0o777).toBe(0o600);
      // 0400 is not 0600: copied, so that every secret's backup has the same mode.
      expect(await mode(join(out, `key.unencrypted.pem.bak-${stamp}`))).toBe(0o600);
    });

    it('is false everywhere when nothing was replaced', async () => {
      const written = await writeOutputFiles(out, secrets, { force: false, now });
      expect(written.map((f) => f.previouslyExposed)).toEqual([false, false, false]);
    });

    it('a failed run leaves the old secret in place, with its mode, and no backup', async () => {
      await oldFiles({ ck: 0o644, key: 0o644, cert: 0o644 });
      const error = await failure(
        writeOutputFiles(out, secrets, {
          force: true,
          now,
          fileSystem: failingOn('rename', 1, 'EIO'),
        }),
      );
      expect(error.message).toMatch(/EIO/);
      expect(await listing(out)).toEqual({
        'cert.pem': 'old cert',
        'ck.pem': 'old ck',
        'key.unencrypted.pem': 'old key',
      });
      expect(await mode(join(out, 'ck.pem'))).toBe(0o644);
    });
  });

  it('removes a temporary file left by a killed run, once it is a minute old', async () => {
    await mkdir(out);
    // A process that has exited: its pid is free, as a killed run's would be.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killed = `.apns-setup-tmp-${dead}-0a1b2c3d4e5f-key.pem`;
    // A dead pid may be a live run in another container or on another host (a bind mount, NFS):
    // while its file is fresh, it may be a write in progress there.
    const freshDead = `.apns-setup-tmp-${dead}-0a1b2c3d4e5f-ck.pem`;
    const running = `.apns-setup-tmp-${process.ppid}-0a1b2c3d4e5f-cert.pem`;
    const oldRunning = `.apns-setup-tmp-${process.ppid}-abcdef012345-ck.pem`;
    for (const name of [killed, freshDead, running, oldRunning]) {
      await writeFile(join(out, name), 'partial');
    }
    // Ages on the folder's clock (what it stamped on a file just written), as the writer
    // measures them: the test's own clock may be shifted (faketime) while file times are not.
    const folderNow = (await stat(join(out, running))).mtimeMs;
    const twoMinutesAgo = new Date(folderNow - 2 * 60 * 1000);
    await utimes(join(out, killed), twoMinutesAgo, twoMinutesAgo);
    const twoHoursAgo = new Date(folderNow - 2 * 60 * 60 * 1000);
    await utimes(join(out, oldRunning), twoHoursAgo, twoHoursAgo);
    await writeFile(join(out, '.apns-setup-tmp-notes'), 'not ours');

    await writeOutputFiles(out, [files[0]!], { force: false, now });
    expect((await readdir(out)).sort()).toEqual(
      [
        freshDead,
        running, // its process is alive and it is recent: it may be a write in progress
        '.apns-setup-tmp-notes',
        'cert.pem',
      ].sort(),
    );
  });

  it('refuses a target that is a folder, before writing anything', async () => {
    await mkdir(join(out, 'key.pem'), { recursive: true });
    const error = await failure(writeOutputFiles(out, files, { force: true, now }));
    expect(error.code).toBe('IS_A_DIRECTORY');
    expect(error.message).toBe(
      `${join(out, 'key.pem')}: is a folder, where key.pem is to be written`,
    );
    expect(await readdir(out)).toEqual(['key.pem']);
  });

  it('refuses a target that is a symbolic link, even with --force', async () => {
    await mkdir(out);
    await writeFile(join(root, 'elsewhere.pem'), 'theirs');
    await symlink(join(root, 'elsewhere.pem'), join(out, 'cert.pem'));
    const error = await failure(writeOutputFiles(out, files, { force: true, now }));
    expect(error.code).toBe('FILE_EXISTS');
    expect(error.message).toContain('is a symbolic link');
    expect(await readdir(out)).toEqual(['cert.pem']);
    expect(await readFile(join(root, 'elsewhere.pem'), 'utf8')).toBe('theirs');
  });

  it('refuses an output folder that is a file', async () => {
    await writeFile(out, 'a file');
    const error = await failure(writeOutputFiles(out, files, { force: true, now }));
    expect(error.code).toBe('FILE_EXISTS');
    expect(error.message).toBe(`${out}: is a file, not a folder`);
    expect(error.hint).toBe('choose another folder (a new or existing one)');
    const nested = await failure(writeOutputFiles(join(out, 'sub'), files, { force: true, now }));
    expect(nested.code).toBe('FILE_EXISTS');
    expect(nested.message).toBe(`${join(out, 'sub')}: part of this path is a file, not a folder`);
    expect(await readFile(out, 'utf8')).toBe('a file');
  });

  it('says an output folder that is a symbolic link loop is one (it was "something unexpected went wrong")', async () => {
    await symlink(join(root, 'b'), join(root, 'a'));
    await symlink(join(root, 'a'), join(root, 'b'));
    for (const dir of [join(root, 'a'), join(root, 'a', 'sub')]) {
      for (const attempt of [
        () => writeOutputFiles(dir, files, { force: false, now }),
        () => assertWritable(dir, ['cert.pem'], { force: false }),
      ]) {
        const error = await failure(attempt());
        expect(isApnsSetupError(error)).toBe(true);
        expect(error).toMatchObject({ code: 'NOT_WRITABLE', exitCode: 2 });
        expect(error.message).toBe(
          dir === join(root, 'a')
            ? `${dir}: is a symbolic link loop`
            : `${dir}: ${join(root, 'a')} is a symbolic link loop`,
        );
      }
    }
  });

  it('says an output folder that is a dangling symbolic link points to nothing', async () => {
    await symlink(join(root, 'gone'), out);
    for (const dir of [out, join(out, 'sub')]) {
      const error = await failure(writeOutputFiles(dir, files, { force: false, now }));
      expect(error).toMatchObject({ code: 'NOT_WRITABLE', exitCode: 2 });
      expect(error.message).toBe(
        dir === out
          ? `${out}: is a symbolic link to something that does not exist`
          : `${dir}: ${out} is a symbolic link to something that does not exist`,
      );
      expect(error.hint).toBe(
        'ls -l shows where it points: create that folder, or choose another folder',
      );
    }
    expect(existsSync(join(root, 'gone'))).toBe(false);
  });

  it('writes through an output folder that is a link to a folder', async () => {
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), out);
    await writeOutputFiles(out, files, { force: false, now });
    expect(Object.keys(await listing(join(root, 'real')))).toEqual([
      'apns.p12',
      'cert.pem',
      'key.pem',
    ]);
  });

  it("an unwritable folder is the user's input (exit 2), naming the folder and what to do", async () => {
    // Root ignores permissions, so the refusal is injected as the kernel would report it.
    const denied = await failure(
      writeOutputFiles(join(out, 'new'), files, {
        force: false,
        now,
        fileSystem: failingOn('mkdir', 1, 'EACCES'),
      }),
    );
    expect(isApnsSetupError(denied) && denied.exitCode).toBe(2);
    expect(isApnsSetupError(denied) && denied.code).toBe('NOT_WRITABLE');
    expect(denied.message).toBe(`${join(out, 'new')}: permission denied, cannot write there`);
    expect(denied.hint).toBe(
      'choose another folder, or fix its permissions (ls -ld shows its owner and mode)',
    );

    await mkdir(out);
    const readOnly = await failure(
      writeOutputFiles(out, files, {
        force: false,
        now,
        fileSystem: failingOn('open', 1, 'EROFS'),
      }),
    );
    expect(isApnsSetupError(readOnly) && readOnly.exitCode).toBe(2);
    expect(readOnly.message).toBe(`${out}: is on a read-only file system`);
    expect(await readdir(out)).toEqual([]);

    // The early check of the flows says the same, about the nearest folder that exists.
    const early = await failure(
      assertWritable(join(out, 'new'), ['key.pem'], {
        force: false,
        fileSystem: failingOn('access', 1, 'EACCES'),
      }),
    );
    expect(isApnsSetupError(early) && early.exitCode).toBe(2);
    expect(early.message).toBe(`${out}: permission denied, cannot write there`);
  });

  it('leaves no partial file and no temporary file when a write fails midway', async () => {
    await writeOld();
    const before = await listing(out);
    // The second temporary file cannot be created (a full disk, say).
    const error = await failure(
      writeOutputFiles(out, files, {
        force: true,
        now,
        fileSystem: failingOn('open', 2, 'ENOSPC'),
      }),
    );
    expect(error.code).toBe('OPERATION_FAILED');
    expect(isApnsSetupError(error) && error.exitCode).toBe(1);
    expect(error.message).toBe(`${out}: no space left on the device`);
    expect(await listing(out)).toEqual(before);
  });

  it('leaves nothing behind when a real write fails midway (a name too long for a temporary)', async () => {
    // 250 characters is a valid name, but not once the temporary prefix is added.
    const long = `${'x'.repeat(246)}.pem`;
    const error = await failure(
      writeOutputFiles(out, [files[0]!, { name: long, contents: 'y', secret: false }], {
        force: false,
        now,
      }),
    );
    expect(error.code).toBe('ENAMETOOLONG');
    expect(await readdir(out)).toEqual([]);
  });

  it('puts the old files back when a rename fails after some files were replaced', async () => {
    await writeOld();
    const before = await listing(out);
    const beforeModes = [await mode(join(out, 'cert.pem')), await mode(join(out, 'key.pem'))];
    // Renames: cert.pem into place, then key.pem fails.
    const error = await failure(
      writeOutputFiles(out, files, { force: true, now, fileSystem: failingOn('rename', 2, 'EIO') }),
    );
    expect(error.code).toBe('EIO');
    expect(await listing(out)).toEqual(before);
    expect([await mode(join(out, 'cert.pem')), await mode(join(out, 'key.pem'))]).toEqual(
      beforeModes,
    );
  });

  it('puts the old files back when hard links are not supported and a rename fails', async () => {
    await writeOld();
    const before = await listing(out);
    let renames = 0;
    const fileSystem: OutputFileSystem = {
      ...directFileSystem,
      link: () => Promise.reject(Object.assign(new Error('EPERM'), { code: 'EPERM' })),
      rename: (from, to) => {
        renames += 1;
        // Renames 1 and 2 move the old files aside; 3 puts cert.pem in place; 4 fails.
        if (renames === 4) return Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
        return directFileSystem.rename(from, to);
      },
    };
    await failure(writeOutputFiles(out, files, { force: true, now, fileSystem }));
    expect(await listing(out)).toEqual(before);
  });
});

describe('assertWritable', () => {
  it('passes for a missing folder and for new names', async () => {
    await expect(assertWritable(join(out, 'deep'), ['cert.pem'], { force: false })).resolves.toBe(
      undefined,
    );
    await expect(assertWritable(root, ['cert.pem'], { force: false })).resolves.toBe(undefined);
  });

  it('makes the same refusals as writeOutputFiles, without writing', async () => {
    await writeOld();
    const before = await listing(out);
    const error = await failure(assertWritable(out, ['key.pem', 'ck.pem'], { force: false }));
    expect(error.code).toBe('FILE_EXISTS');
    expect(error.message).toBe(`${join(out, 'key.pem')} already exists`);
    await expect(assertWritable(out, ['key.pem'], { force: true })).resolves.toBe(undefined);
    expect(
      (await failure(assertWritable(join(out, 'notes.txt'), ['a'], { force: true }))).code,
    ).toBe('FILE_EXISTS');
    expect(await listing(out)).toEqual(before);
  });
});

describe('isEmptyOrMissingDir', () => {
  it('is true for a missing or empty folder, or one with only our leftovers', async () => {
    expect(await isEmptyOrMissingDir(out)).toBe(true);
    await mkdir(out);
    expect(await isEmptyOrMissingDir(out)).toBe(true);
    await writeFile(join(out, '.DS_Store'), '');
    await writeFile(join(out, '.apns-setup-tmp-123-abc-key.pem'), '');
    expect(await isEmptyOrMissingDir(out)).toBe(true);
    await writeFile(join(out, 'cert.pem'), '');
    expect(await isEmptyOrMissingDir(out)).toBe(false);
  });

  it('refuses a path that is a file', async () => {
    await writeFile(out, '');
    expect((await failure(isEmptyOrMissingDir(out))).code).toBe('FILE_EXISTS');
  });
});

describe('our own file names', () => {
  it('recognises temporary files and backups, and nothing else', () => {
    expect(isTemporaryFileName('.apns-setup-tmp-4242-0a1b2c-ck.pem')).toBe(true);
    expect(isTemporaryFileName('.apns-setup-tmp-notes')).toBe(false);
    expect(isBackupFileName(`ck.pem.bak-${stamp}`)).toBe(true);
    expect(isBackupFileName(`ck.pem.bak-${stamp}-3`)).toBe(true);
    expect(isBackupFileName('ck.pem.bak')).toBe(false);
    expect(isBackupFileName('cert.bak-old.pem')).toBe(false);
  });
});

describe('writeOutputFiles, two runs into one new folder at once', () => {
  const names = ['key.pem', 'key.unencrypted.pem', 'ck.pem', 'cert.pem', 'apns.p12'];
  const runOf = (tag: string): OutputFile[] =>
    names.map((name) => ({ name, contents: `${name} from run ${tag}\n`, secret: true }));

  /** Both settle; exactly one wins, the loser says FILE_EXISTS, the folder holds one run's set. */
  async function expectOneConsistentWinner(fileSystem?: OutputFileSystem): Promise<void> {
    const results = await Promise.allSettled(
      ['A', 'B'].map((tag) =>
        writeOutputFiles(out, runOf(tag), { force: false, now, ...(fileSystem && { fileSystem }) }),
      ),
    );
    const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    expect(won).toHaveLength(1);
    const lost = results.find((result) => result.status === 'rejected');
    expect(lost?.status === 'rejected' && (lost.reason as { code?: string }).code).toBe(
      'FILE_EXISTS',
    );
    const winner = won[0] === 0 ? 'A' : 'B';
    const expected = Object.fromEntries(
      runOf(winner).map((file) => [file.name, file.contents as string]),
    );
    // No temporary file left, no file of the loser, no file missing.
    expect(await listing(out)).toEqual(
      Object.fromEntries(
        Object.keys(expected)
          .sort()
          .map((name) => [name, expected[name]]),
      ),
    );
  }

  it('one succeeds, the other fails with FILE_EXISTS, and every file is from the winner', async () => {
    for (let round = 0; round < 5; round += 1) {
      await rm(out, { recursive: true, force: true });
      await expectOneConsistentWinner();
    }
  });

  it('the same where hard links are not supported (an O_EXCL placeholder claims each name)', async () => {
    const noLinks: OutputFileSystem = {
      ...directFileSystem,
      link: () => Promise.reject(Object.assign(new Error('EPERM'), { code: 'EPERM' })),
    };
    for (let round = 0; round < 5; round += 1) {
      await rm(out, { recursive: true, force: true });
      await expectOneConsistentWinner(noLinks);
    }
  });

  it('the same with two processes', async () => {
    // The children run this very source, bundled by esbuild (vitest's own compiler): outside
    // vitest, Node 20 cannot import TypeScript.
    const bundle = join(root, 'output-files.mjs');
    const esbuild = fileURLToPath(new URL('../../node_modules/.bin/esbuild', import.meta.url));
    const source = fileURLToPath(new URL('../../src/adapters/output-files.ts', import.meta.url));
    spawnSync(esbuild, [
      source,
      '--bundle',
      '--platform=node',
      '--format=esm',
      `--outfile=${bundle}`,
    ]);
    expect(existsSync(bundle)).toBe(true);
    const script = join(root, 'race.mjs');
    const moduleUrl = pathToFileURL(bundle);
    await writeFile(
      script,
      `import { writeOutputFiles } from ${JSON.stringify(moduleUrl.href)};
const [dir, tag, at] = process.argv.slice(2);
const names = ${JSON.stringify(names)};
while (Date.now() < Number(at)) {}
try {
  await writeOutputFiles(dir, names.map((name) => ({ name, contents: name + ' from run ' + tag + '\\n', secret: true })), { force: false, now: new Date() });
  console.log('ok');
} catch (e) { console.log(e.code); }
`,
    );
    for (let round = 0; round < 3; round += 1) {
      await rm(out, { recursive: true, force: true });
      const at = String(Date.now() + 300);
      const outcomes = await Promise.all(
        ['A', 'B'].map(
          (tag) =>
            new Promise<string>((resolve, reject) => {
              execFile(process.execPath, [script, out, tag, at], (error, stdout) =>
                error ? reject(error) : resolve(`${tag}:${stdout.trim()}`),
              );
            }),
        ),
      );
      const winners = outcomes.filter((outcome) => outcome.endsWith(':ok'));
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.endsWith(':FILE_EXISTS'))).toHaveLength(1);
      const winner = winners[0]!.slice(0, 1);
      for (const name of names) {
        expect(await readFile(join(out, name), 'utf8')).toBe(`${name} from run ${winner}\n`);
      }
      expect((await readdir(out)).sort()).toEqual([...names].sort());
    }
  });

  it('a loser takes back the files it published, and leaves the file that beat it alone', async () => {
    let links = 0;
    const fileSystem: OutputFileSystem = {
      ...directFileSystem,
      link: async (from, to) => {
        links += 1;
        // Another run publishes ck.pem (the third file) just before this one does.
        if (links === 3) await writeFile(to, 'theirs');
        return directFileSystem.link(from, to);
      },
    };
    const error = await failure(
      writeOutputFiles(out, runOf('A'), { force: false, now, fileSystem }),
    );
    expect(error.code).toBe('FILE_EXISTS');
    expect(error.message).toBe(`${join(out, 'ck.pem')} already exists`);
    expect(await listing(out)).toEqual({ 'ck.pem': 'theirs' });
  });

  it('a loser does not remove a file that replaced one it had published', async () => {
    let links = 0;
    const fileSystem: OutputFileSystem = {
      ...directFileSystem,
      link: async (from, to) => {
        links += 1;
        if (links === 2) {
          // Someone replaces key.pem (published first) and takes key.unencrypted.pem.
          await writeFile(join(out, 'key.pem.new'), 'theirs');
          await nodeFs.rename(join(out, 'key.pem.new'), join(out, 'key.pem'));
          await writeFile(to, 'theirs too');
        }
        return directFileSystem.link(from, to);
      },
    };
    const error = await failure(
      writeOutputFiles(out, runOf('A'), { force: false, now, fileSystem }),
    );
    expect(error.code).toBe('FILE_EXISTS');
    expect(await listing(out)).toEqual({
      'key.pem': 'theirs',
      'key.unencrypted.pem': 'theirs too',
    });
  });
});

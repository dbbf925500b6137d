/**
 * output-files.ts chains these calls as promises and cleans up with `.catch()` on them: a call
 * made in place must still fail as a rejected promise, never by throwing where it is called, and
 * with node:fs's own error (the code output-files decides on, the path a message names).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directFileSystem } from '../../src/adapters/direct-file-system.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apns-setup-direct-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('directFileSystem', () => {
  it("fails as a rejected promise with node:fs's error, for every call", async () => {
    const missing = join(dir, 'missing');
    const file = join(dir, 'file');
    await (await directFileSystem.open(file, 'wx', 0o600)).close();
    const calls: [string, string, () => Promise<unknown>][] = [
      ['access', 'ENOENT', () => directFileSystem.access(missing)],
      ['link', 'ENOENT', () => directFileSystem.link(missing, join(dir, 'other'))],
      ['lstat', 'ENOENT', () => directFileSystem.lstat(missing)],
      // mkdir -p fails only where a folder cannot be made: under a file.
      ['mkdir', 'ENOTDIR', () => directFileSystem.mkdir(join(file, 'a'), { recursive: true })],
      ['open', 'ENOENT', () => directFileSystem.open(missing, 'r')],
      ['readdir', 'ENOENT', () => directFileSystem.readdir(missing)],
      ['rename', 'ENOENT', () => directFileSystem.rename(missing, join(dir, 'other'))],
      ['stat', 'ENOENT', () => directFileSystem.stat(missing)],
      ['unlink', 'ENOENT', () => directFileSystem.unlink(missing)],
    ];
    for (const [name, code, call] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call()), name).not.toThrow();
      const failure = (await promise!.then(
        () => null,
        (error: unknown) => error,
      )) as NodeJS.ErrnoException | null;
      expect(failure, name).toBeInstanceOf(Error);
      expect(failure!.code, name).toBe(code);
      // libuv names readdir's system call scandir, for the promise call too.
      expect(failure!.syscall, name).toBe(name === 'readdir' ? 'scandir' : name);
      expect(failure!.path, name).toContain(dir);
    }
  });

  it('writes, syncs and reads back a file through a handle, with the mode asked for', async () => {
    const path = join(dir, 'secret.pem');
    const handle = await directFileSystem.open(path, 'wx', 0o600);
    await handle.chmod(0o600);
    await handle.writeFile('-----BEGIN PRIVATE KEY-----\n');
    await handle.sync();
    const { size } = await handle.stat();
    await handle.close();
    expect(size).toBe(28);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe('-----BEGIN PRIVATE KEY-----\n');
    await expect(directFileSystem.open(path, 'wx', 0o600)).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });

  it('a sync on a closed descriptor fails as a promise too (the one call made on the pool)', async () => {
    const handle = await directFileSystem.open(join(dir, 'f'), 'wx', 0o644);
    await handle.close();
    await expect(handle.sync()).rejects.toMatchObject({ code: 'EBADF', syscall: 'fsync' });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkCertificateFiles, type FindOptions } from '../../src/adapters/find-files.js';
import { isApnsSetupError } from '../../src/core/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'apns-setup-find-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(...parts: string[]): Promise<string> {
  const path = join(root, ...parts);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, 'x');
  return path;
}

/** Everything the walk yields, in order. */
async function findCertificateFiles(paths: string[], options?: FindOptions): Promise<string[]> {
  const found: string[] = [];
  for await (const path of walkCertificateFiles(paths, options)) found.push(path);
  return found;
}

describe('walkCertificateFiles', () => {
  it('reads each folder as the walk reaches it, not all of them first', async () => {
    const first = await touch('certs', 'a', 'first.pem');
    await mkdir(join(root, 'certs', 'z'));
    const walk = walkCertificateFiles([join(root, 'certs')]);
    expect((await walk.next()).value).toBe(first);
    // A file put in a later folder once the first file was yielded is found: that folder had
    // not been read yet.
    const later = await touch('certs', 'z', 'later.pem');
    expect((await walk.next()).value).toBe(later);
    expect((await walk.next()).done).toBe(true);
  });

  it('walks folders in a stable order and keeps only certificate-like files', async () => {
    await touch('certs', 'b', 'aps_development.CER');
    await touch('certs', 'a', 'ck.pem');
    await touch('certs', 'a', 'apns.p12');
    await touch('certs', 'Z.crt');
    await touch('certs', 'push.pfx');
    await touch('certs', 'chain.p7b');
    await touch('certs', 'raw.der');
    await touch('certs', 'README.md');
    await touch('certs', 'key.pem.txt');
    const found = await findCertificateFiles([join(root, 'certs')]);
    expect(found).toEqual([
      join(root, 'certs', 'Z.crt'),
      join(root, 'certs', 'a', 'apns.p12'),
      join(root, 'certs', 'a', 'ck.pem'),
      join(root, 'certs', 'b', 'aps_development.CER'),
      join(root, 'certs', 'chain.p7b'),
      join(root, 'certs', 'push.pfx'),
      join(root, 'certs', 'raw.der'),
    ]);
  });

  it('skips node_modules, .git, our backups and our temporary files', async () => {
    await touch('node_modules', 'pkg', 'test.pem');
    await touch('.git', 'objects', 'x.pem');
    await touch('cert.pem.bak-20261128T204501Z');
    await touch('cert.pem.bak-20261128T204501Z-2');
    await touch('.apns-setup-tmp-4242-0a1b2c-cert.pem');
    const kept = await touch('sub', 'node_modules.pem');
    expect(await findCertificateFiles([root])).toEqual([kept]);
  });

  it('returns files named directly as typed, whatever their extension, in argument order', async () => {
    const text = await touch('cert.txt');
    const pem = await touch('dir', 'b.pem');
    expect(await findCertificateFiles([text, join(root, 'dir')])).toEqual([text, pem]);
  });

  it('lists a file once when it is named and also inside a named folder', async () => {
    const pem = await touch('dir', 'b.pem');
    expect(await findCertificateFiles([pem, join(root, 'dir'), `${root}/dir/./b.pem`])).toEqual([
      pem,
    ]);
  });

  it('does not follow a linked folder (a link to a parent would loop), but keeps linked files', async () => {
    const real = await touch('certs', 'real.pem');
    await symlink(root, join(root, 'certs', 'loop'));
    await symlink(root, join(root, 'certs', 'loop.pem'));
    await symlink(real, join(root, 'certs', 'alias.pem'));
    await symlink(join(root, 'gone.pem'), join(root, 'certs', 'dangling.pem'));
    expect(await findCertificateFiles([join(root, 'certs')])).toEqual([
      join(root, 'certs', 'alias.pem'),
      join(root, 'certs', 'dangling.pem'),
      real,
    ]);
  });

  it.skipIf(process.platform === 'win32')(
    'skips a named pipe met in a folder, with a note, instead of waiting on it',
    async () => {
      const real = await touch('certs', 'aps.cer');
      execFileSync('mkfifo', [join(root, 'certs', 'zz.pem')]);
      await symlink(join(root, 'certs', 'zz.pem'), join(root, 'certs', 'pipe-link.pem'));
      const notes: string[] = [];
      const found = await findCertificateFiles([join(root, 'certs')], {
        onSkip: (path, note) => notes.push(`${path}: ${note}`),
      });
      expect(found).toEqual([real]);
      const note =
        'skipped: a named pipe (FIFO), not a regular file (check reads only regular files)';
      expect(notes).toEqual([
        `${join(root, 'certs', 'pipe-link.pem')}: ${note}`,
        `${join(root, 'certs', 'zz.pem')}: ${note}`,
      ]);
    },
  );

  it('keeps a link loop met in a folder, so that check reports it', async () => {
    await symlink(join(root, 'b.pem'), join(root, 'a.pem'));
    await symlink(join(root, 'a.pem'), join(root, 'b.pem'));
    expect(await findCertificateFiles([root])).toEqual([join(root, 'a.pem'), join(root, 'b.pem')]);
  });

  it('says a symbolic link loop named on the command line is one', async () => {
    await symlink(join(root, 'b'), join(root, 'a'));
    await symlink(join(root, 'a'), join(root, 'b'));
    const error: unknown = await findCertificateFiles([join(root, 'a')]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'FILE_UNREADABLE',
      message: `${join(root, 'a')}: is a symbolic link loop`,
      exitCode: 2,
    });
  });

  it('says a dangling link named on the command line points to nothing', async () => {
    await symlink(join(root, 'gone'), join(root, 'certs'));
    const error: unknown = await findCertificateFiles([join(root, 'certs')]).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `${join(root, 'certs')}: is a symbolic link to something that does not exist`,
      exitCode: 2,
    });
  });

  it('returns nothing for a folder without certificates', async () => {
    await touch('empty', 'notes.txt');
    expect(await findCertificateFiles([join(root, 'empty')])).toEqual([]);
  });

  it('refuses a missing path with FILE_NOT_FOUND', async () => {
    const missing = join(root, 'nope');
    const error: unknown = await findCertificateFiles([missing]).catch((e: unknown) => e);
    expect(isApnsSetupError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `${missing}: no such file or folder`,
      exitCode: 2,
    });
  });
});

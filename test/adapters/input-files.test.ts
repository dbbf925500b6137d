import { execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { formatSize, readInputFile, readPassphraseFile } from '../../src/adapters/input-files.js';

const isRoot = process.getuid?.() === 0;
const canMakeFifo = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apns-setup-input-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error a promise rejects with, so that every field a user sees can be asserted. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!isApnsSetupError(error)) throw error;
    return error;
  }
  throw new Error('expected a failure');
}

describe('readInputFile', () => {
  it('returns the bytes of the file', async () => {
    const bytes = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05, 0x00, 0xff]);
    await writeFile(join(dir, 'aps.cer'), bytes);
    expect(await readInputFile(join(dir, 'aps.cer'))).toEqual(bytes);
  });

  it('says "no such file" with the path as typed, and where relative paths start', async () => {
    const typed = relative(process.cwd(), join(dir, 'aps_development.cer'));
    const error = await failure(readInputFile(typed, { what: 'the certificate' }));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`${typed}: no such file`);
    expect(error.hint).toBe(`check the path to the certificate (relative to ${process.cwd()})`);
  });

  it('treats a path through a file as missing', async () => {
    await writeFile(join(dir, 'cert.pem'), 'x');
    const error = await failure(readInputFile(join(dir, 'cert.pem', 'key.pem')));
    expect(error.code).toBe('FILE_NOT_FOUND');
  });

  it('refuses a folder and points at check', async () => {
    await mkdir(join(dir, 'certs'));
    const error = await failure(readInputFile(join(dir, 'certs')));
    expect(error.code).toBe('IS_A_DIRECTORY');
    expect(error.message).toBe(`${join(dir, 'certs')}: is a folder, not a file`);
    expect(error.hint).toContain('pass a file inside it');
    expect(error.hint).toContain('`check`');
  });

  it('refuses an empty file', async () => {
    await writeFile(join(dir, 'key.pem'), '');
    const error = await failure(readInputFile(join(dir, 'key.pem'), { what: 'the key' }));
    expect(error.code).toBe('FILE_EMPTY');
    expect(error.message).toBe(`${join(dir, 'key.pem')}: is empty`);
    expect(error.hint).toMatch(/^The key has no content/);
  });

  it('refuses a 50 MiB file from its size, without reading it', async () => {
    const path = join(dir, 'backup.p12');
    // Sparse: truncate allocates no blocks, so the test does not write 50 MiB.
    await writeFile(path, '');
    await truncate(path, 50 * 1024 * 1024);
    const error = await failure(readInputFile(path));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toBe(`${path}: is 50 MiB, too large to read`);
    expect(error.hint).toContain('is this the right file?');
    expect(error.hint).toContain('at most 1 MiB');
  });

  it('honours a smaller cap', async () => {
    await writeFile(join(dir, 'token.txt'), '0123456789');
    const error = await failure(readInputFile(join(dir, 'token.txt'), { maxBytes: 5 }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toContain('is 10 bytes');
  });

  it.skipIf(!canMakeFifo)(
    'refuses a named pipe at once, without waiting for a writer that may never come',
    async () => {
      const fifo = join(dir, 'zz.pem');
      execFileSync('mkfifo', [fifo]);
      // No writer: opening it the ordinary way would block forever.
      const error = await failure(readInputFile(fifo, { what: 'the certificate' }));
      expect(error.code).toBe('FILE_UNREADABLE');
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`${fifo}: is a named pipe (FIFO), not a regular file`);
      expect(error.hint).toBe(
        'pass the certificate itself; apns-setup reads input only from regular files',
      );
      // With a writer, refused the same way.
      const writer = spawn('sh', ['-c', `head -c 3000 /dev/zero > '${fifo}'`], { stdio: 'ignore' });
      const again = await failure(readInputFile(fifo));
      writer.kill();
      expect(again.message).toBe(`${fifo}: is a named pipe (FIFO), not a regular file`);
    },
  );

  it.skipIf(process.platform === 'win32')('refuses a device such as /dev/zero', async () => {
    const error = await failure(readInputFile('/dev/zero'));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toBe('/dev/zero: is a character device, not a regular file');
  });

  it.runIf(process.platform === 'linux')(
    'reads all of a regular file whose size says 0 though it has content (/proc, some FUSE and network file systems)',
    async () => {
      const { size } = await stat('/proc/self/status');
      expect(size).toBe(0);
      const text = (await readInputFile('/proc/self/status')).toString();
      expect(text).toMatch(/^Name:/);
      // Its last lines too, well past the first byte or block.
      expect(text.length).toBeGreaterThan(1000);
      expect(text).toMatch(/voluntary_ctxt_switches:\s+\d+\n$/);
      // And the cap still holds: what a file holds past it is refused, not cut.
      const error = await failure(readInputFile('/proc/self/status', { maxBytes: 100 }));
      expect(error.code).toBe('FILE_TOO_LARGE');
    },
  );

  it('reads through a symbolic link to a file', async () => {
    await writeFile(join(dir, 'real.pem'), 'x');
    await symlink(join(dir, 'real.pem'), join(dir, 'link.pem'));
    expect((await readInputFile(join(dir, 'link.pem'))).toString()).toBe('x');
  });

  it('says a symbolic link loop is one (it was "something unexpected went wrong: ELOOP")', async () => {
    await symlink(join(dir, 'b.pem'), join(dir, 'a.pem'));
    await symlink(join(dir, 'a.pem'), join(dir, 'b.pem'));
    const error = await failure(readInputFile(join(dir, 'a.pem'), { what: 'the certificate' }));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`${join(dir, 'a.pem')}: is a symbolic link loop`);
    expect(error.hint).toMatch(/link it to the certificate itself/);
  });

  it('says a dangling symbolic link points to nothing, not that the file is missing', async () => {
    await symlink(join(dir, 'gone.pem'), join(dir, 'cert.pem'));
    const error = await failure(readInputFile(join(dir, 'cert.pem')));
    expect(error.code).toBe('FILE_NOT_FOUND');
    expect(error.message).toBe(
      `${join(dir, 'cert.pem')}: is a symbolic link to something that does not exist`,
    );
  });

  // Root reads any file whatever its mode, so there is nothing to refuse when tests run as root.
  it.skipIf(isRoot)(
    'refuses an unreadable file (skipped as root: root bypasses permissions)',
    async () => {
      const path = join(dir, 'key.pem');
      await writeFile(path, 'secret');
      await chmod(path, 0o000);
      const error = await failure(readInputFile(path));
      expect(error.code).toBe('FILE_UNREADABLE');
      expect(error.message).toBe(`${path}: permission denied`);
    },
  );
});

describe('readPassphraseFile', () => {
  const secret = 'correct horse battery staple';

  it.each([
    ['LF and a second line', `${secret}\nsecond line\n`],
    ['CRLF (Notepad)', `${secret}\r\nsecond line\r\n`],
    ['no final newline', secret],
  ])('returns the first line: %s', async (_label, text) => {
    await writeFile(join(dir, 'pass.txt'), text);
    expect(await readPassphraseFile(join(dir, 'pass.txt'))).toBe(secret);
  });

  it('drops a UTF-8 or UTF-16 byte-order mark (PowerShell redirects write them)', async () => {
    await writeFile(
      join(dir, 'utf8.txt'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${secret}\r\n`)]),
    );
    await writeFile(
      join(dir, 'utf16.txt'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${secret}\r\n`, 'utf16le')]),
    );
    expect(await readPassphraseFile(join(dir, 'utf8.txt'))).toBe(secret);
    expect(await readPassphraseFile(join(dir, 'utf16.txt'))).toBe(secret);
  });

  it('keeps spaces and returns an empty first line as the empty passphrase', async () => {
    await writeFile(join(dir, 'spaces.txt'), '  pass phrase  \n');
    await writeFile(join(dir, 'empty-line.txt'), '\nnot this\n');
    expect(await readPassphraseFile(join(dir, 'spaces.txt'))).toBe('  pass phrase  ');
    expect(await readPassphraseFile(join(dir, 'empty-line.txt'))).toBe('');
  });

  it('opens a key that openssl encrypted with -passout file: of the same file', async () => {
    const passFile = join(dir, 'pass.txt');
    const keyFile = join(dir, 'key.pem');
    await writeFile(passFile, `${secret}\nignored\n`);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'plain.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      join(dir, 'plain.pem'),
      '-out',
      keyFile,
      '-passout',
      `file:${passFile}`,
    ]);
    const passphrase = await readPassphraseFile(passFile);
    const opened = createPrivateKey({ key: readFileSync(keyFile), passphrase });
    expect(opened.asymmetricKeyType).toBe('rsa');
  });

  it('never puts the content into an error', async () => {
    const huge = join(dir, 'huge.txt');
    const pem = join(dir, 'key-by-mistake.txt');
    await writeFile(huge, `${secret}\n${'x'.repeat(70 * 1024)}`);
    await writeFile(pem, `-----BEGIN ${secret}-----\n`);
    const tooLarge = await failure(readPassphraseFile(huge));
    const wrongKind = await failure(readPassphraseFile(pem));
    expect(tooLarge.code).toBe('FILE_TOO_LARGE');
    expect(wrongKind.code).toBe('WRONG_KIND');
    expect(wrongKind.message).toBe(
      `${pem}: is a PEM file (a key or certificate), not a passphrase file`,
    );
    for (const error of [tooLarge, wrongKind]) {
      const everything = [error.message, error.hint, error.stack, String(error.cause)].join('\n');
      expect(everything).not.toContain(secret);
    }
  });

  it('refuses an empty file as openssl does', async () => {
    await writeFile(join(dir, 'pass.txt'), '');
    const error = await failure(readPassphraseFile(join(dir, 'pass.txt')));
    expect(error.code).toBe('FILE_EMPTY');
    expect(error.message).toBe(
      `${join(dir, 'pass.txt')} is empty: put the passphrase on its first line`,
    );
    expect(error.hint).toBe('--passphrase-file takes a file whose first line is the passphrase');
  });

  it('says a 128 MiB file is too large for a passphrase file, not for a certificate', async () => {
    const path = join(dir, 'pass.txt');
    await writeFile(path, '');
    await truncate(path, 128 * 1024 * 1024);
    const error = await failure(readPassphraseFile(path));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`${path} is too large for a passphrase file, which holds one line`);
    expect(error.hint).toBe(
      '--passphrase-file takes a file whose first line is the passphrase (at most 64 KiB is read): is this the right file?',
    );
    expect(`${error.message} ${error.hint}`).not.toMatch(/certificate/);
  });

  it.skipIf(!canMakeFifo)('says the same of a pipe that carries too much', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `head -c 70000 /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    const error = await failure(readPassphraseFile(fifo));
    writer.kill();
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toBe(`${fifo} is too large for a passphrase file, which holds one line`);
  });

  it('says a passphrase file that is a symbolic link loop is one', async () => {
    await symlink(join(dir, 'b.txt'), join(dir, 'a.txt'));
    await symlink(join(dir, 'a.txt'), join(dir, 'b.txt'));
    const error = await failure(readPassphraseFile(join(dir, 'a.txt')));
    expect(error.message).toBe(`${join(dir, 'a.txt')}: is a symbolic link loop`);
    expect(error.hint).toMatch(/the passphrase file itself/);
  });

  it.skipIf(!canMakeFifo)('reads a pipe, as with --passphrase-file <(…)', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `printf '%s\\n' '${secret}' > '${fifo}'`], {
      stdio: 'ignore',
    });
    const exited = new Promise((done) => writer.on('exit', done));
    expect(await readPassphraseFile(fifo)).toBe(secret);
    await exited;
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1536, '1.5 KiB'],
    [1024 * 1024, '1 MiB'],
    [50 * 1024 * 1024, '50 MiB'],
    [3 * 1024 ** 3 + 1024 ** 3 / 4, '3.3 GiB'],
  ])('%i → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

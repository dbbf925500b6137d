/** The sandbox's CA, server certificate and portal CA: made once, reused, renewed when due. */
import { X509Certificate } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { loadOrCreateSandboxState, STATE_FILES } from '../../src/sandbox/state.js';
import { scratchDir } from '../helpers/cli.js';

const scratch = scratchDir('apns-setup-state-');
afterAll(() => scratch.remove());

const DAY = 24 * 60 * 60 * 1000;
const mode = (path: string): number => statSync(path).mode & 0o777;
const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

describe('loadOrCreateSandboxState with --state', () => {
  const dir = join(scratch.path, 'state');
  const start = new Date();

  it('creates the CA, the server certificate and the portal CA on first start, keys 0600', async () => {
    const state = await loadOrCreateSandboxState(dir, start);
    expect(state.changes).toEqual([
      `Created the sandbox CA, server certificate and local portal CA in ${dir}.`,
    ]);
    expect(readdirSync(dir).sort()).toEqual(Object.values(STATE_FILES).sort());
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'server-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'portal-ca-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'ca.pem'))).toBe(0o644);
    expect(state.caFile).toBe(join(dir, 'ca.pem'));
    expect(state.portalCaFile).toBe(join(dir, 'portal-ca.pem'));

    const ca = new X509Certificate(read(dir, 'ca.pem'));
    const server = new X509Certificate(read(dir, 'server.pem'));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/NOT Apple/);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(new X509Certificate(read(dir, 'portal-ca.pem')).subject).toMatch(
      /apns-setup local portal CA - NOT Apple/,
    );
  });

  it('reuses everything on the next start', async () => {
    const before = Object.values(STATE_FILES).map((name) => read(dir, name));
    const state = await loadOrCreateSandboxState(dir, new Date(start.getTime() + DAY));
    expect(state.changes).toEqual([]);
    expect(Object.values(STATE_FILES).map((name) => read(dir, name))).toEqual(before);
    expect(state.serverCa.certificatePem).toBe(before[0]);
  });

  it('renews the server certificate for a --host it does not name, keeping its key', async () => {
    const oldKey = read(dir, 'server-key.pem');
    const state = await loadOrCreateSandboxState(dir, new Date(start.getTime() + DAY), {
      host: '10.1.2.3',
    });
    expect(state.changes).toEqual(['Renewed the server certificate: it did not name 10.1.2.3.']);
    expect(new X509Certificate(read(dir, 'server.pem')).checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(read(dir, 'server-key.pem')).toBe(oldKey);
    expect(readdirSync(dir).filter((name) => name.startsWith('server.pem.bak-'))).toHaveLength(1);
  });

  it('renews an expired server certificate and leaves the CA alone', async () => {
    const ca = read(dir, 'ca.pem');
    const later = new Date(start.getTime() + 400 * DAY);
    const state = await loadOrCreateSandboxState(dir, later);
    expect(state.changes).toEqual(['Renewed the server certificate: it had expired.']);
    expect(read(dir, 'ca.pem')).toBe(ca);
    const server = new X509Certificate(read(dir, 'server.pem'));
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(later.getTime());
  });

  it('makes a new CA, server certificate and portal CA when the CAs have expired', async () => {
    const ca = read(dir, 'ca.pem');
    const state = await loadOrCreateSandboxState(dir, new Date(start.getTime() + 11 * 365 * DAY));
    expect(state.changes).toEqual([
      `The sandbox CA had expired: made a new one, ${join(dir, 'ca.pem')}; clients must trust the new file.`,
      'The local portal CA had expired: made a new one; certificates the old one issued are no longer accepted.',
    ]);
    expect(read(dir, 'ca.pem')).not.toBe(ca);
    const server = new X509Certificate(read(dir, 'server.pem'));
    expect(server.verify(new X509Certificate(read(dir, 'ca.pem')).publicKey)).toBe(true);
  });
});

describe('a damaged state folder', () => {
  async function failure(dir: string): Promise<unknown> {
    return loadOrCreateSandboxState(dir, new Date()).then(
      () => null,
      (error: unknown) => error,
    );
  }

  it('is refused when a key is missing, with the way out', async () => {
    const dir = join(scratch.path, 'missing-key');
    await loadOrCreateSandboxState(dir, new Date());
    unlinkSync(join(dir, 'portal-ca-key.pem'));
    const error = await failure(dir);
    expect(isApnsSetupError(error)).toBe(true);
    if (!isApnsSetupError(error)) return;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `${dir}: the sandbox state is damaged: portal-ca-key.pem is missing while portal-ca.pem is there`,
    );
    expect(error.hint).toMatch(/^Remove .* the sandbox makes a new CA/);
  });

  it('is refused when a key is not its certificate’s', async () => {
    const dir = join(scratch.path, 'swapped');
    await loadOrCreateSandboxState(dir, new Date());
    writeFileSync(join(dir, 'ca-key.pem'), read(dir, 'server-key.pem'));
    const error = await failure(dir);
    expect(isApnsSetupError(error) && error.message).toBe(
      `${dir}: the sandbox state is damaged: ca-key.pem is not the key of ca.pem`,
    );
  });

  it('is refused when a certificate is not PEM', async () => {
    const dir = join(scratch.path, 'garbage');
    await loadOrCreateSandboxState(dir, new Date());
    writeFileSync(join(dir, 'server.pem'), 'hello');
    const error = await failure(dir);
    expect(isApnsSetupError(error) && error.message).toBe(
      `${dir}: the sandbox state is damaged: server.pem holds no CERTIFICATE block`,
    );
  });
});

describe('loadOrCreateSandboxState without a folder', () => {
  it('keeps everything in memory but ca.pem, which release() removes', async () => {
    const state = await loadOrCreateSandboxState(null, new Date());
    expect(state.dir).toBeNull();
    expect(state.portalCaFile).toBeNull();
    expect(state.changes).toEqual([]);
    expect(readFileSync(state.caFile, 'utf8')).toBe(state.serverCa.certificatePem);
    expect(readdirSync(dirname(state.caFile))).toEqual(['ca.pem']);
    await state.release();
    expect(existsSync(dirname(state.caFile))).toBe(false);
  });
});

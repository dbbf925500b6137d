/**
 * The wizard in a real terminal (tmux), as a person uses it: the new-certificate journey from
 * nothing to a proven ck.pem in six answers, with the local portal stand-in signing the CSR
 * while the wizard waits and the .cer dropped into ~/Downloads; stopping at the portal and
 * continuing later; the .p12 journey with a mistyped passphrase; Ctrl-C.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, realWorldPath, IMPORTED_FOLDER_FILES } from '../helpers/fixtures.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { hasTmux, TerminalSession } from '../helpers/tmux.js';

const PASSPHRASE = 'a passphrase typed twice';
const scratch = scratchDir();
const state = join(scratch.path, 'sandbox-state');
let sandbox: SandboxProcess;
let url = '';
let caFile = '';
const sessions: TerminalSession[] = [];

const runInCI = process.env.CI !== undefined;
const skip = !hasTmux && !runInCI;

beforeAll(async () => {
  if (skip) return;
  // The sandbox's own portal signs the CSR (demo --csr --state), so it trusts what it signed.
  sandbox = spawnSandbox(['--json', '--state', state]);
  ({ url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string });
});
afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});
afterAll(async () => {
  await sandbox?.stop();
  scratch.remove();
});

/** A person's machine: a home with Downloads and git config, and a project folder. */
function machine(name: string): { home: string; project: string; downloads: string } {
  const home = join(scratch.path, name, 'home');
  const downloads = join(home, 'Downloads');
  const project = join(scratch.path, name, 'project');
  mkdirSync(downloads, { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(home, '.gitconfig'),
    '[user]\n\temail = jane@example.com\n\tname = Jane Appleseed\n',
  );
  return { home, project, downloads };
}

function wizard(where: { home: string; project: string }, args: string[] = []): TerminalSession {
  const session = TerminalSession.start(
    ['node', cliPath, 'wizard', '--endpoint', url, '--ca', caFile, ...args],
    { cwd: where.project, env: { HOME: where.home } },
  );
  sessions.push(session);
  return session;
}

/** Apple's part, played by the sandbox's portal: the CSR in, aps.cer into ~/Downloads. */
async function portalSigns(csr: string, downloads: string): Promise<void> {
  const out = join(scratch.path, `signed-${readdirSync(scratch.path).length}`);
  const signed = await runCli([
    'demo',
    '--csr',
    csr,
    '--bundle-id',
    'com.example.terminal',
    '--state',
    state,
    '--out',
    out,
  ]);
  expect(signed.exitCode, signed.stderr).toBe(0);
  copyFileSync(join(out, 'aps.cer'), join(downloads, 'aps.cer'));
}

describe.skipIf(skip)('the wizard in a real terminal', () => {
  it('a new certificate: nothing to a proven ck.pem in six answers and one portal visit', async () => {
    const m = machine('new');
    const t = wizard(m);
    let answers = 0;
    const answer = async (question: RegExp, ...keys: string[]) => {
      await t.waitFor(question);
      for (const key of keys) {
        if (key === 'Enter' || key === 'C-c') t.press(key);
        else t.type(key);
      }
      answers += 1;
    };

    await answer(/What would you like to do\?/, 'Enter');
    const plan = await t.waitFor(/Go ahead\?/);
    expect(plan).toContain('CSR subject  Jane Appleseed <jane@example.com> (from git config');
    expect(plan).toContain('Folder       apns-certificates/');
    t.press('Enter');
    answers += 1;
    await t.waitFor(/New passphrase for the new key key\.pem/);
    t.type(PASSPHRASE);
    t.press('Enter');
    await answer(/Enter it again to confirm/, PASSPHRASE, 'Enter');
    answers -= 1; // typing it twice is one answer
    const portal = await t.waitFor(/Open Apple’s page in your browser now\?/);
    expect(portal).toContain('Open https://developer.apple.com/account/resources/certificates/add');
    expect(portal).toContain('Apple Push Notification service SSL (Sandbox & Production)');
    expect(portal).toContain('Push Notifications capability');
    expect(portal).toContain(
      'Upload apns-certificates/CertificateSigningRequest.certSigningRequest',
    );
    t.type('n');
    t.press('Enter');
    answers += 1;

    await t.waitFor(/Path to the \.cer Apple gave you/);
    await portalSigns(
      join(m.project, 'apns-certificates', 'CertificateSigningRequest.certSigningRequest'),
      m.downloads,
    );
    const found = await t.waitFor(/Device token for a test notification/);
    expect(found).toContain(`Found ${join(m.downloads, 'aps.cer')}.`);
    expect(found).toContain('is ready');
    t.press('Enter');
    answers += 1;
    await answer(/Write \.github\/workflows\/apns-certificates\.yml/, 'Enter');

    expect(await t.exitCode()).toBe(0);
    const screen = t.screen();
    expect(screen).toMatch(/✓ \(probe\) {2}200/);
    expect(screen).toContain('Done: the certificate files are ready.');
    expect(answers).toBeLessThanOrEqual(6);
    expect(readdirSync(join(m.project, 'apns-certificates')).sort()).toEqual(IMPORTED_FOLDER_FILES);
  });

  it('quit at the portal step, come back later, and continue where it stopped', async () => {
    const m = machine('resume');
    const first = wizard(m);
    await first.waitFor(/What would you like to do\?/);
    first.press('Enter');
    await first.waitFor(/Go ahead\?/);
    first.press('Enter');
    await first.waitFor(/New passphrase/);
    first.type(PASSPHRASE);
    first.press('Enter');
    await first.waitFor(/Enter it again/);
    first.type(PASSPHRASE);
    first.press('Enter');
    await first.waitFor(/Open Apple’s page/);
    first.press('C-c');
    expect(await first.exitCode()).toBe(130);
    const dir = join(m.project, 'apns-certificates');
    expect(readdirSync(dir).sort()).toEqual(
      ['.apns-setup-wizard.json', 'CertificateSigningRequest.certSigningRequest', 'key.pem'].sort(),
    );

    // Hours later: Apple's .cer is downloaded, and apns-setup runs again in the same folder.
    await portalSigns(join(dir, 'CertificateSigningRequest.certSigningRequest'), m.downloads);
    const later = wizard(m);
    const menu = await later.waitFor(/What would you like to do\?/);
    expect(menu).toMatch(
      /❯ Continue where you stopped: waiting for Apple’s certificate for the CSR made on \d+ \w+, in apns-certificates\//,
    );
    later.press('Enter');
    await later.waitFor(/Open Apple’s page/);
    later.type('n');
    later.press('Enter');
    await later.waitFor(/Passphrase for the key in/);
    later.type(PASSPHRASE);
    later.press('Enter');
    await later.waitFor(/Device token/);
    later.press('Enter');
    await later.waitFor(/Write \.github/);
    later.press('Enter');
    expect(await later.exitCode()).toBe(0);
    expect(existsSync(join(dir, '.apns-setup-wizard.json'))).toBe(false);
    expect(existsSync(join(dir, 'ck.pem'))).toBe(true);
  });

  it.skipIf(!hasRealWorld)(
    'a .p12 from Keychain Access, with a mistyped passphrase first',
    async () => {
      const m = machine('p12');
      copyFileSync(realWorldPath('brianserv__pushnoti/push.p12'), join(m.project, 'push.p12'));
      const t = wizard(m);
      await t.waitFor(/What would you like to do\?/);
      t.press('Down');
      t.press('Enter');
      const which = await t.waitFor(/Which \.p12\?/);
      expect(which).toContain('push.p12');
      t.press('Enter');
      await t.waitFor(/Passphrase for/);
      t.type('wrong one');
      t.press('Enter');
      await t.waitFor(/Try again[\s\S]*Passphrase for/);
      t.type('1qwerty');
      t.press('Enter');
      await t.waitFor(/Write \.github/);
      t.press('Enter');
      expect(await t.exitCode()).toBe(0);
      const screen = t.screen();
      // Expired in 2016: converted, and said plainly that it cannot push.
      expect(screen).toMatch(/are written, but its certificate expired on 2016-06-18/);
      expect(readdirSync(join(m.project, 'apns-certificates'))).toContain('ck.pem');
    },
  );

  it('Ctrl-C at the first question: exit 130, nothing written', async () => {
    const m = machine('cancel');
    const t = wizard(m);
    await t.waitFor(/What would you like to do\?/);
    t.press('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(readdirSync(m.project)).toEqual([]);
  });

  it('apns-setup alone opens the first screen', async () => {
    const m = machine('bare');
    const t = TerminalSession.start(['node', cliPath], {
      cwd: m.project,
      env: { HOME: m.home },
    });
    sessions.push(t);
    const screen = await t.waitFor(/What would you like to do\?/);
    for (const journey of ['New certificate', 'I have a .p12', 'Renew', 'Check a certificate']) {
      expect(screen).toContain(journey);
    }
    t.press('C-c');
    expect(await t.exitCode()).toBe(130);
  });
});

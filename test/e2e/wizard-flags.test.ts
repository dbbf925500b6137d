/**
 * The wizard without a terminal: every journey runs from its flags (`wizard --journey …`), a
 * question that would be needed exits 2 naming its flag, and the new-certificate journey stops
 * for Apple's portal and continues from its state file — here with the local portal stand-in
 * signing the CSR in between, and the test push going to a local sandbox.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, runCli, scratchDir } from '../helpers/cli.js';
import {
  hasRealWorld,
  loadExpected,
  realWorldPath,
  IMPORTED_FOLDER_FILES,
} from '../helpers/fixtures.js';
import { spawnSandbox, type SandboxProcess } from '../helpers/sandbox-process.js';
import { issueUniversalCertificate, testKey } from '../helpers/test-ca.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';

const scratch = scratchDir();
const env = { APNS_SETUP_PASSPHRASE: 'wizard passphrase 9', GIT_CONFIG_GLOBAL: '/dev/null' };
let sandbox: SandboxProcess | null = null;
afterAll(async () => {
  await sandbox?.stop();
  scratch.remove();
});

describe('wizard --journey new, without a terminal', () => {
  const project = join(scratch.path, 'project');
  const certs = join(project, 'certs');
  let first: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    mkdirSync(project);
    first = await runCli(
      [
        'wizard',
        '--journey',
        'new',
        '--out',
        'certs',
        '--email',
        'ci@example.com',
        '--common-name',
        'CI Push',
      ],
      {
        env,
        cwd: project,
      },
    );
  });

  it('makes the key and CSR, says the portal steps, then stops at the .cer naming --cer (exit 2)', () => {
    expect(first.exitCode, first.stderr).toBe(2);
    expect(readdirSync(certs).sort()).toEqual(
      ['.apns-setup-wizard.json', 'CertificateSigningRequest.certSigningRequest', 'key.pem'].sort(),
    );
    expect(first.stderr).toContain('Upload certs/CertificateSigningRequest.certSigningRequest');
    expect(first.stderr).toMatch(
      /^Error: the wizard is waiting for Apple's certificate \(the CSR is made\), and there is no terminal to ask$/m,
    );
    expect(first.stderr).toMatch(/^Pass --cer FILE\.$/m);
  });

  it('the state file holds no secret', () => {
    const state = readFileSync(join(certs, '.apns-setup-wizard.json'), 'utf8');
    expect(JSON.parse(state)).toMatchObject({
      version: 1,
      journey: 'new',
      stage: 'waiting-for-certificate',
      dir: certs,
    });
    expect(state).not.toContain(env.APNS_SETUP_PASSPHRASE);
    expect(state).not.toMatch(/PRIVATE KEY/);
  });

  it('continues with --cer once the portal (here its local stand-in) signed the CSR, and proves it', async () => {
    const signed = await runCli([
      'demo',
      '--csr',
      join(certs, 'CertificateSigningRequest.certSigningRequest'),
      '--bundle-id',
      'com.example.wizard',
      '--out',
      join(scratch.path, 'portal'),
    ]);
    expect(signed.exitCode, signed.stderr).toBe(0);
    sandbox = spawnSandbox([
      '--json',
      '--client-ca',
      join(scratch.path, 'portal', 'portal-ca.pem'),
    ]);
    const { url, caFile } = JSON.parse(await sandbox.nextLine()) as { url: string; caFile: string };

    const second = await runCli(
      [
        'wizard',
        '--journey',
        'new',
        '--out',
        'certs',
        '--cer',
        join(scratch.path, 'portal', 'aps.cer'),
        '--endpoint',
        url,
        '--ca',
        caFile,
      ],
      { env, cwd: project },
    );
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('Continuing: waiting for Apple’s certificate');
    expect(second.stderr).toMatch(/^✓ \(probe\)/m);
    expect(second.stderr).toContain('Done: the certificate files are ready.');
    expect(readdirSync(certs).sort()).toEqual(IMPORTED_FOLDER_FILES);
    // No CI workflow unless asked for.
    expect(existsSync(join(project, '.github'))).toBe(false);
  });
});

describe('the wizard names the flag a question needs', () => {
  it('no terminal and no --journey: exit 2, naming --journey', async () => {
    const result = await runCli(['wizard']);
    expect(result.exitCode).toBe(2);
    expectCleanFailure(result);
    expect(result.stderr).toContain('--journey new|p12|renew|check');
  });

  it('check of a file that is not there: said in one line, exit 2 (as check says it)', async () => {
    const result = await runCli(['wizard', '--journey', 'check', 'nope.cer'], {
      cwd: scratch.path,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/✗ .*nope\.cer/);
    expect(result.stderr).not.toContain('Done');
  });

  it('renew without --from: exit 2, naming --from', async () => {
    const result = await runCli(['wizard', '--journey', 'renew'], { cwd: scratch.path });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Pass --from FILE.');
  });

  it('apns-setup alone without a terminal prints the help and exits 2', async () => {
    const result = await runCli([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Usage: apns-setup');
  });
});

describe.skipIf(!hasRealWorld)('wizard --journey p12 and check, without a terminal', () => {
  const path = 'sideshow__apns2/certificate-valid.p12';

  it('p12: converts, writes the CI workflow when asked, and --no-push names the command to prove it', async () => {
    const project = join(scratch.path, 'p12');
    mkdirSync(project);
    const entry = loadExpected().files.find((f) => f.path === path)!;
    expect(entry.password).toBe('');
    const result = await runCli(
      [
        'wizard',
        '--journey',
        'p12',
        realWorldPath(path),
        '--out',
        'certs',
        '--no-push',
        '--ci-workflow',
      ],
      { env, cwd: project },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(join(project, 'certs'))).toContain('ck.pem');
    expect(result.stderr).toContain(
      'The files are made but not yet proven. Prove them with: apns-setup push --cert certs/ck.pem',
    );
    const workflow = readFileSync(join(project, '.github/workflows/apns-certificates.yml'), 'utf8');
    expect(workflow).toContain("CERT_PATHS: 'certs'");
    // Run again: an existing workflow is kept as it is.
    writeFileSync(join(project, '.github/workflows/apns-certificates.yml'), '# mine\n');
    const again = await runCli(
      [
        'wizard',
        '--journey',
        'p12',
        realWorldPath(path),
        '--out',
        'certs2',
        '--no-push',
        '--ci-workflow',
      ],
      { env, cwd: project },
    );
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('exists already and was left as it is');
    expect(readFileSync(join(project, '.github/workflows/apns-certificates.yml'), 'utf8')).toBe(
      '# mine\n',
    );
  });

  it('check: what the file is, in words', async () => {
    const result = await runCli(
      ['wizard', '--journey', 'check', realWorldPath('fastlane__fastlane/aps_development.cer')],
      { cwd: scratch.path },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('com.si.ChatSecure.debug');
    expect(result.stderr).toMatch(/Renew +it cannot push any more/);
  });
});

describe('the wizard when APNs cannot be reached', () => {
  it('p12 with APNs out of reach: the files are made, not yet proven, and it names the command', async () => {
    const project = join(scratch.path, 'unreachable');
    mkdirSync(project);
    const issued = issueUniversalCertificate({ now: new Date(), bundleId: 'com.example.offline' });
    const p12 = join(project, 'push.p12');
    writeFileSync(
      p12,
      writePkcs12({
        key: testKey('leaf'),
        certificates: [issued.der],
        passphrase: env.APNS_SETUP_PASSPHRASE,
        profile: 'compatible',
      }),
    );
    const result = await runCli(
      [
        'wizard',
        '--journey',
        'p12',
        p12,
        '--out',
        'certs',
        '--endpoint',
        'https://127.0.0.1:1',
        '--timeout',
        '5',
      ],
      { env, cwd: project },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('The files are made but not yet proven:');
    expect(result.stderr).toContain(
      'Prove them later with: apns-setup push --cert certs/ck.pem --endpoint https://127.0.0.1:1',
    );
    expect(readdirSync(join(project, 'certs'))).toContain('ck.pem');
  });
});

describe('wizard --journey check with an auth key (.p8), without a terminal', () => {
  const project = join(scratch.path, 'token-key');
  const keyFile = join(project, 'AuthKey_WIZ1234567.p8');
  let tokenSandbox: SandboxProcess;
  let target: { url: string; caFile: string };

  beforeAll(async () => {
    mkdirSync(project);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    tokenSandbox = spawnSandbox([
      '--json',
      '--auth-key-pub',
      keyFile,
      '--key-id',
      'WIZ1234567',
      '--team-id',
      'TEAM123456',
      '--topics',
      'com.example.token',
    ]);
    target = JSON.parse(await tokenSandbox.nextLine()) as { url: string; caFile: string };
  });
  afterAll(() => tokenSandbox.stop());

  const check = (...extra: string[]) =>
    runCli(
      [
        'wizard',
        '--journey',
        'check',
        keyFile,
        '--endpoint',
        target.url,
        '--ca',
        target.caFile,
        ...extra,
      ],
      { env, cwd: project },
    );

  it('says what the key is, proves it with a token push (key, team and app), exit 0', async () => {
    const result = await check('--team-id', 'TEAM123456', '--topic', 'com.example.token');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('token signing key (APNs auth key)');
    expect(result.stderr).toContain('WIZ1234567');
    // The credential probe (the sandbox, given no --tokens, accepts any well-formed token).
    expect(result.stderr).toMatch(/^✓ \(probe\) {2}200 /m);
    expect(result.stderr).toContain('accepted the token of key WIZ1234567 for team TEAM123456');
  });

  it('a team the key is not of: the push says InvalidProviderToken, exit 1', async () => {
    const result = await check('--team-id', 'OTHER12345', '--topic', 'com.example.token');
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^✗ \(probe\) {2}403 InvalidProviderToken/m);
  });

  it('without --team-id there is no one to ask: names the flag, exit 2', async () => {
    const result = await check('--topic', 'com.example.token');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /^Error: the auth key needs its team id, and there is no terminal to ask$/m,
    );
    expect(result.stderr).toMatch(/^Pass --team-id TEAMID\.$/m);
  });

  it('--no-push names the push --auth-key command that proves it later', async () => {
    const result = await check(
      '--team-id',
      'TEAM123456',
      '--topic',
      'com.example.token',
      '--no-push',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `Not proven yet. Prove it with: apns-setup push --auth-key AuthKey_WIZ1234567.p8 --team-id TEAM123456 --topic com.example.token --endpoint ${target.url}`,
    );
    expect(result.stderr).not.toContain('files are made');
  });

  it('offers no CI gate on expiry for a key that never expires', async () => {
    const result = await check(
      '--team-id',
      'TEAM123456',
      '--topic',
      'com.example.token',
      '--ci-workflow',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(project, '.github'))).toBe(false);
  });
});

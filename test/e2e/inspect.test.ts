/**
 * `inspect` end to end on every file of the real-world corpus: what the built CLI prints is
 * compared with what OpenSSL found in each file (expected.json), first in one call without any
 * passphrase, then with the known passphrases.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir, type CliResult } from '../helpers/cli.js';
import {
  hasRealWorld,
  loadExpected,
  realWorldDir,
  realWorldPath,
  type ExpectedFile,
} from '../helpers/fixtures.js';
import { issueUniversalCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

interface InspectEntry {
  file: string;
  kind: string | null;
  certificate: {
    subject: Record<string, string | null>;
    bundleId: string | null;
    teamId: string | null;
    type: string;
    environments: string[];
    topics: string[];
    notBefore: string;
    notAfter: string;
    daysLeft: number;
    issuer: string;
    serialNumber: string;
    sha1: string;
    sha256: string;
  } | null;
  privateKey: {
    present: boolean;
    encrypted: boolean | null;
    matchesCertificate: boolean | null;
  } | null;
  pkcs12: { algorithms: Record<string, string | number | null>; readableBy: string[] } | null;
  csr?: { subject: { CN: string | null; emailAddress: string | null; C: string | null } };
  error?: { code: string; message: string; hint: string | null };
}

const DAY = 24 * 60 * 60 * 1000;

function parse(result: CliResult): InspectEntry[] {
  return JSON.parse(result.stdout) as InspectEntry[];
}

/** A .p12 needs its passphrase when it is not one of the two empty-password conventions. */
function needsPassphrase(file: ExpectedFile): boolean {
  return file.kind === 'pkcs12' && (file.passwordKnown === false || file.password !== '');
}

function expectLeaf(entry: InspectEntry, file: ExpectedFile): void {
  const leaf = file.certificates[0];
  if (!leaf) {
    expect(entry.certificate, file.path).toBeNull();
    return;
  }
  const c = entry.certificate!;
  expect(c, file.path).not.toBeNull();
  expect(
    {
      bundleId: c.bundleId,
      teamId: c.teamId,
      environments: c.environments,
      topics: c.topics,
      sha1: c.sha1,
      sha256: c.sha256,
    },
    file.path,
  ).toEqual({
    bundleId: leaf.bundleId,
    teamId: leaf.teamId,
    environments: leaf.environments,
    topics: leaf.topics,
    sha1: leaf.sha1,
    sha256: leaf.sha256,
  });
  // The same instants, whatever the ISO spelling (milliseconds or not).
  expect(Date.parse(c.notBefore), file.path).toBe(Date.parse(leaf.notBefore));
  expect(Date.parse(c.notAfter), file.path).toBe(Date.parse(leaf.notAfter));
  expect(c.type !== 'other', `${file.path}: isApns`).toBe(file.isApnsCertificate);
}

describe.skipIf(!hasRealWorld)('inspect --json on every real-world file', () => {
  const corpus = loadExpected().files;
  let withoutPassphrase: CliResult;
  let entries: Map<string, InspectEntry>;

  beforeAll(async () => {
    // Paths relative to the corpus, so `file` in the report is expected.json's `path`.
    withoutPassphrase = await runCli(['inspect', '--json', ...corpus.map((f) => f.path)], {
      cwd: realWorldDir,
    });
    entries = new Map(parse(withoutPassphrase).map((e) => [e.file, e]));
  });

  it('reports every file once, in order, and exits 2 because some .p12 files are locked', () => {
    expect(parse(withoutPassphrase).map((e) => e.file)).toEqual(corpus.map((f) => f.path));
    expect(withoutPassphrase.exitCode).toBe(2);
    // stderr says which files failed, one "Error:" line each, no stack trace.
    const failures = corpus.filter((f) => needsPassphrase(f) || f.expect === 'corrupt');
    expect(withoutPassphrase.stderr.match(/^Error: /gm)).toHaveLength(failures.length);
    expect(withoutPassphrase.stderr).not.toMatch(/^\s+at /m);
  });

  it('a .p12 that opens with no empty password is an entry with an error saying a passphrase is needed', () => {
    const locked = corpus.filter(needsPassphrase);
    expect(locked.length).toBeGreaterThan(10);
    for (const file of locked) {
      const entry = entries.get(file.path)!;
      expect(entry.error, file.path).toBeDefined();
      expect(entry.error!.message, file.path).toContain(file.path);
      expect(entry.error!.message, file.path).toMatch(/needs a passphrase/);
      expect(entry.error!.hint, file.path).toContain('APNS_SETUP_PASSPHRASE');
      expect(entry.certificate, file.path).toBeNull();
      // What needs no passphrase is still reported: the kind, the layout, the key bags.
      expect(entry.kind, file.path).toBe('pkcs12');
      expect(entry.pkcs12!.algorithms.mac, file.path).toBe('sha1');
      expect(entry.privateKey, file.path).toEqual({
        present: file.privateKey.present,
        encrypted: true,
        matchesCertificate: null,
      });
    }
  });

  it('a corrupt file is an entry with an error saying it is damaged', () => {
    const corrupt = corpus.filter((f) => f.expect === 'corrupt');
    expect(corrupt.map((f) => f.path)).toContain('sideshow__apns2/certificate-bad-key.pem');
    for (const file of corrupt) {
      const entry = entries.get(file.path)!;
      expect(entry.error?.code, file.path).toBe('CORRUPT_FILE');
      expect(entry.error!.message, file.path).toMatch(/damaged/);
    }
  });

  it('every other file: its kind, leaf certificate and private key as OpenSSL sees them', () => {
    const readable = corpus.filter((f) => !needsPassphrase(f) && f.expect !== 'corrupt');
    expect(readable.length).toBeGreaterThan(60);
    for (const file of readable) {
      const entry = entries.get(file.path)!;
      expect(entry.error, file.path).toBeUndefined();
      expect(entry.kind, file.path).toBe(file.kind);
      expectLeaf(entry, file);
      const key = entry.privateKey!;
      expect(key, file.path).not.toBeNull();
      expect(key.present, file.path).toBe(file.privateKey.present);
      if (file.privateKey.present) expect(key.encrypted, file.path).toBe(file.privateKey.encrypted);
      // Without a passphrase an encrypted PEM key cannot be compared; a .p12 that opened
      // with an empty password has its key open.
      const lockedPem = file.kind !== 'pkcs12' && file.privateKey.encrypted === true;
      expect(key.matchesCertificate, file.path).toBe(
        lockedPem ? null : file.privateKey.matchesLeaf,
      );
    }
  });

  it('an RC2-40 .p12 is not announced as readable by OpenSSL 3 or Node', () => {
    // Key-only files have no certificate bag to judge.
    const opened = [...entries.values()].filter((e) => e.pkcs12?.algorithms.certificates);
    expect(opened.length).toBeGreaterThan(4);
    for (const entry of opened) {
      expect(entry.pkcs12!.algorithms.certificates, entry.file).toBe('pbeWithSHAAnd40BitRC2-CBC');
      expect(entry.pkcs12!.readableBy, entry.file).not.toContain('openssl-3');
      expect(entry.pkcs12!.readableBy, entry.file).not.toContain('node-tls');
      expect(entry.pkcs12!.readableBy, entry.file).toContain('macos-keychain');
    }
  });

  it('with the right passphrase every file that needs one opens, and its key is matched', async () => {
    const byPassword = new Map<string, ExpectedFile[]>();
    for (const file of corpus) {
      if (typeof file.password !== 'string') continue;
      byPassword.set(file.password, [...(byPassword.get(file.password) ?? []), file]);
    }
    expect([...byPassword.keys()].sort()).toEqual(
      ['', '123456', '1qwerty', 'apntest', 'password', 'pushy-test', 'sagswien'].sort(),
    );
    for (const [password, files] of byPassword) {
      const result = await runCli(['inspect', '--json', ...files.map((f) => f.path)], {
        cwd: realWorldDir,
        env: { APNS_SETUP_PASSPHRASE: password },
      });
      expect(result.exitCode, `${password}: ${result.stderr}`).toBe(0);
      if (password !== '') {
        expect(result.stderr).not.toContain(password);
        expect(result.stdout).not.toContain(JSON.stringify(password));
      }
      const opened = parse(result);
      for (const file of files) {
        const entry = opened.find((e) => e.file === file.path)!;
        expect(entry.error, file.path).toBeUndefined();
        expect(entry.kind, file.path).toBe(file.kind);
        expectLeaf(entry, file);
        expect(entry.privateKey!.present, file.path).toBe(file.privateKey.present);
        expect(entry.privateKey!.matchesCertificate, file.path).toBe(file.privateKey.matchesLeaf);
        if (file.kind === 'pkcs12') {
          // Every .p12 in the corpus has RC2-40 certificate bags (Keychain, OpenSSL 1.x).
          expect(entry.pkcs12!.algorithms.certificates, file.path).toMatch(/RC2/);
          expect(entry.pkcs12!.readableBy, file.path).not.toContain('openssl-3');
        }
      }
    }
  });

  it('a wrong passphrase is an error that does not repeat it', async () => {
    for (const { path, wrongPassword } of loadExpected().wrongPasswordCases) {
      const result = await runCli(['inspect', '--json', path], {
        cwd: realWorldDir,
        env: { APNS_SETUP_PASSPHRASE: wrongPassword },
      });
      expect(result.exitCode, path).toBe(2);
      const [entry] = parse(result);
      expect(entry!.error?.code, path).toBe('WRONG_PASSPHRASE');
      expect(result.stdout + result.stderr).not.toContain(wrongPassword);
      expect(result.stderr).toContain(`Error: ${path}: the passphrase does not open it`);
    }
  });
});

describe.skipIf(!hasRealWorld)('inspect as text', () => {
  it('a typical ck.pem: what it is, bundle id, type and when it expired', async () => {
    const file = loadExpected().files.find(
      (f) => f.path === 'Ingibjorg__iOS-Push-Notifications-Simulator/ck.pem',
    )!;
    const leaf = file.certificates[0]!;
    const result = await runCli(['inspect', realWorldPath(file.path)]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`${realWorldPath(file.path)}: PEM bundle`);
    expect(result.stdout).toMatch(/^ {2}Bundle id +com\.razeware\.WenderCast$/m);
    expect(result.stdout).toMatch(/^ {2}Team id +S95JHWHY2R$/m);
    expect(result.stdout).toMatch(/^ {2}Type +development \(sandbox\)$/m);
    expect(result.stdout).toMatch(/^ {2}Environments +sandbox$/m);
    // Whole days since it ended, rounded down (the CLI's clock may have crossed a day since).
    const daysAgo = Math.floor((now.getTime() - Date.parse(leaf.notAfter)) / DAY);
    expect(result.stdout).toMatch(
      new RegExp(
        `^ {2}Valid +${leaf.notBefore.slice(0, 10)} to ${leaf.notAfter.slice(0, 10)} \\(expired (${daysAgo}|${daysAgo + 1}) days ago\\)$`,
        'm',
      ),
    );
    expect(result.stdout).toMatch(new RegExp(`^ {2}SHA-256 +${leaf.sha256}$`, 'm'));
    expect(result.stdout).toMatch(/^ {2}Private key +not encrypted, matches the certificate$/m);
  });
});

describe('inspect what apns-setup itself makes', () => {
  const scratch = scratchDir('apns-setup-inspect-');
  afterAll(() => scratch.remove());

  it('a certificate valid for a year: days left, and both environments for a universal one', async () => {
    const issued = issueUniversalCertificate({
      now,
      bundleId: 'com.example.inspect',
      topics: [
        { topic: 'com.example.inspect', kind: 'app' },
        { topic: 'com.example.inspect.voip', kind: 'voip' },
        { topic: 'com.example.inspect.voip-ptt', kind: '.voip-ptt' },
      ],
    });
    const path = join(scratch.path, 'aps.cer');
    writeFileSync(path, issued.der);
    const result = await runCli(['inspect', path]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}Type +sandbox & production$/m);
    expect(result.stdout).toMatch(/^ {2}Environments +sandbox, production$/m);
    expect(result.stdout).toMatch(/^ {2}Valid +.* \(36[45] days left\)$/m);
    expect(result.stdout).toMatch(/^ {2}Private key +none in this file$/m);

    const json = await runCli(['inspect', '--json', path]);
    const [entry] = parse(json);
    expect(entry!.kind).toBe('certificate');
    expect(entry!.certificate!.type).toBe('universal');
    expect(entry!.certificate!.sha256).toBe(issued.certificate.sha256);
    expect(entry!.certificate!.subject.UID).toBe('com.example.inspect');
    expect(entry!.certificate!.topics).toEqual([
      'com.example.inspect',
      'com.example.inspect.voip',
      'com.example.inspect.voip-ptt',
    ]);
  });

  it('a CSR made by the csr command shows its subject', async () => {
    const out = join(scratch.path, 'csr');
    const made = await runCli(
      [
        'csr',
        '--email',
        'ada@example.com',
        '--common-name',
        'Ada Push',
        '--country',
        'gb',
        '--out',
        out,
      ],
      { env: { APNS_SETUP_PASSPHRASE: 'csr pass 1' } },
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const csr = join(out, 'CertificateSigningRequest.certSigningRequest');
    const text = await runCli(['inspect', csr]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${csr}: certificate signing request`);
    expect(text.stdout).toMatch(/^ {2}Common name +Ada Push$/m);
    expect(text.stdout).toMatch(/^ {2}Email +ada@example\.com$/m);
    expect(text.stdout).toMatch(/^ {2}Country +GB$/m);
    expect(text.stdout).toMatch(/^ {2}Signature +valid$/m);

    const json = await runCli(['inspect', '--json', csr, join(out, 'key.pem')]);
    expect(json.exitCode, json.stderr).toBe(0);
    const [request, key] = parse(json);
    expect(request!.kind).toBe('csr');
    expect(request!.csr!.subject).toEqual({
      CN: 'Ada Push',
      emailAddress: 'ada@example.com',
      C: 'GB',
    });
    expect(request!.privateKey).toBeNull();
    expect(key!.kind).toBe('private-key');
    expect(key!.privateKey).toEqual({ present: true, encrypted: true, matchesCertificate: null });
  });

  it('a key and its certificate in one file: the key matches once it is open', async () => {
    const issued = issueUniversalCertificate({ now, bundleId: 'com.example.pair' });
    const path = join(scratch.path, 'pair.pem');
    writeFileSync(
      path,
      issued.certificatePem +
        testKey('leaf')
          .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pair pass' })
          .toString(),
    );
    const locked = parse(await runCli(['inspect', '--json', path]))[0]!;
    expect(locked.privateKey).toEqual({ present: true, encrypted: true, matchesCertificate: null });
    const open = parse(
      await runCli(['inspect', '--json', path], { env: { APNS_SETUP_PASSPHRASE: 'pair pass' } }),
    )[0]!;
    expect(open.privateKey).toEqual({ present: true, encrypted: true, matchesCertificate: true });
  });
});

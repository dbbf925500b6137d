/**
 * Good input in an unusual dress is read, not refused: the same certificate (and key) saved
 * by Windows editors and PowerShell (UTF-16 with a byte-order mark, UTF-8 with one, CRLF), as
 * `openssl pkcs12` prints it (Bag Attributes text), with the key first, and DER followed by
 * junk. inspect reads each with the right fingerprint; import and convert use them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../helpers/cli.js';
import { hasRealWorld, loadExpected, realWorldPath } from '../helpers/fixtures.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const PASSPHRASE = 'dress pass 3';
const env = { APNS_SETUP_PASSPHRASE: PASSPHRASE };
const scratch = scratchDir('apns-setup-dress-');
afterAll(() => scratch.remove());

const issued = issueSandboxCertificate({ now, bundleId: 'com.example.dress' });
const sha256 = issued.certificate.sha256;
const certPem = issued.certificatePem;
const keyPem = testKey('leaf').export({ type: 'pkcs1', format: 'pem' }).toString();
const keyFile = join(scratch.path, 'key.pem');
writeFileSync(
  keyFile,
  testKey('leaf').export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: PASSPHRASE,
  }),
);

/** What `openssl pkcs12 -in x.p12 -nodes` prints before each block (OpenSSL 1.x style). */
const BAG = [
  'Bag Attributes',
  '    friendlyName: Apple Development IOS Push Services: com.example.dress',
  '    localKeyID: 5E 1C 8A 21 0D 73 9F 44 61 0B 2E 90 FA 3C 48 77 12 05 9A 6D ',
].join('\n');
const certBag = `${BAG}
subject=/UID=com.example.dress/CN=Apple Development IOS Push Services: com.example.dress/OU=A1B2C3D4E5/C=US
issuer=/CN=apns-setup Test Worldwide Developer Relations CA/OU=G4/O=apns-setup tests/C=US
${certPem}`;
const keyBag = `${BAG}
Key Attributes: <No Attributes>
${keyPem}`;

const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

/** The dresses, each a function of the PEM text it wraps. */
const dresses: [string, (text: string) => Buffer][] = [
  [
    'UTF-16LE with a BOM',
    (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  ],
  ['UTF-16BE with a BOM', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(t)])],
  ['UTF-16LE without a BOM', (t) => Buffer.from(t, 'utf16le')],
  ['UTF-8 with a BOM', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])],
  ['CRLF line endings', (t) => Buffer.from(t.replace(/\n/g, '\r\n'))],
  [
    'UTF-16LE, BOM and CRLF (PowerShell `>`)',
    (t) =>
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t.replace(/\n/g, '\r\n'), 'utf16le')]),
  ],
];

let counter = 0;
function save(name: string, bytes: Buffer | string): string {
  const path = join(scratch.path, `${++counter}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

interface Entry {
  kind: string;
  certificate: { sha256: string; bundleId: string } | null;
  privateKey: { present: boolean; matchesCertificate: boolean | null } | null;
}

async function inspectOne(path: string): Promise<Entry> {
  const result = await runCli(['inspect', '--json', path], { env });
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Entry[])[0]!;
}

/** Imports `cer` with the key that made it; cert.pem must be the very certificate. */
async function expectImports(cer: string): Promise<void> {
  const out = join(scratch.path, `import-${++counter}`);
  const result = await runCli(['import', cer, '--key', keyFile, '--out', out], { env });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.stderr).toContain('com.example.dress');
  expect((await inspectOne(join(out, 'cert.pem'))).certificate!.sha256).toBe(sha256);
}

/** Converts the bundle; ck.pem must hold the same certificate and its key. */
async function expectConverts(bundle: string): Promise<void> {
  const out = join(scratch.path, `convert-${++counter}`);
  const result = await runCli(['convert', bundle, '--out', out], { env });
  expect(result.exitCode, result.stderr).toBe(0);
  const ck = await inspectOne(join(out, 'ck.pem'));
  expect(ck.certificate!.sha256).toBe(sha256);
  expect(ck.privateKey!.matchesCertificate).toBe(true);
  expect(existsSync(join(out, 'apns.p12'))).toBe(true);
}

describe.each(dresses)('the certificate as PEM in %s', (_name, dress) => {
  it('inspect reads it; import uses it', async () => {
    const cer = save('aps.cer', dress(certPem));
    const entry = await inspectOne(cer);
    expect(entry.kind).toBe('certificate');
    expect(entry.certificate!.sha256).toBe(sha256);
    expect(entry.certificate!.bundleId).toBe('com.example.dress');
    await expectImports(cer);
  });
});

describe.each(dresses)('certificate and key (ck.pem) in %s', (_name, dress) => {
  it('inspect reads both and matches them; convert uses them', async () => {
    const ck = save('ck.pem', dress(certPem + keyPem));
    const entry = await inspectOne(ck);
    expect(entry.kind).toBe('pem-bundle');
    expect(entry.certificate!.sha256).toBe(sha256);
    expect(entry.privateKey).toMatchObject({ present: true, matchesCertificate: true });
    await expectConverts(ck);
  });
});

describe('other dresses', () => {
  it('Bag Attributes text, as `openssl pkcs12 -nodes` prints it', async () => {
    const ck = save('bag-attributes.pem', certBag + keyBag);
    const entry = await inspectOne(ck);
    expect(entry.kind).toBe('pem-bundle');
    expect(entry.certificate!.sha256).toBe(sha256);
    expect(entry.privateKey).toMatchObject({ present: true, matchesCertificate: true });
    await expectConverts(ck);
    // The certificate alone with its Bag Attributes, as `-clcerts -nokeys` prints it.
    const cer = save('bag-cert.pem', certBag);
    expect((await inspectOne(cer)).certificate!.sha256).toBe(sha256);
    await expectImports(cer);
  });

  it('Bag Attributes in UTF-16LE with CRLF', async () => {
    const text = (certBag + keyBag).replace(/\n/g, '\r\n');
    const ck = save(
      'bag-utf16.pem',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    expect((await inspectOne(ck)).certificate!.sha256).toBe(sha256);
    await expectConverts(ck);
  });

  it('the key before the certificate', async () => {
    const ck = save('key-first.pem', keyPem + certPem);
    const entry = await inspectOne(ck);
    expect(entry.certificate!.sha256).toBe(sha256);
    expect(entry.privateKey).toMatchObject({ present: true, matchesCertificate: true });
    await expectConverts(ck);
  });

  it('text before the first block and blank lines between blocks', async () => {
    const ck = save(
      'notes.pem',
      `My push certificate, renewed in March\n\n${certPem}\n\n\n${keyPem}\n`,
    );
    expect((await inspectOne(ck)).certificate!.sha256).toBe(sha256);
    await expectConverts(ck);
  });

  it('a note above the blocks that starts with the digit 0 (the DER SEQUENCE byte)', async () => {
    const ck = save('zero-note.pem', `0. dev push cert, renew in March\n${certPem}${keyPem}`);
    expect((await inspectOne(ck)).certificate!.sha256).toBe(sha256);
    await expectConverts(ck);
  });

  it('DER followed by junk: read up to the end of the certificate', async () => {
    const cer = save(
      'junk.cer',
      Buffer.concat([issued.der, Buffer.from('\nMIIFjjCCBHagAwIBAgIIVhjoKtvi2/MwDQYJ\n')]),
    );
    const entry = await inspectOne(cer);
    expect(entry.kind).toBe('certificate');
    expect(entry.certificate!.sha256).toBe(sha256);
    await expectImports(cer);
  });
});

describe.skipIf(!hasRealWorld)('real files in an unusual dress', () => {
  it('AppleAAICA.cer (431 bytes of leftover text after the DER): inspect and check read it', async () => {
    const path = 'apple-ca/AppleAAICA.cer';
    const expected = loadExpected().files.find((f) => f.path === path)!;
    expect(expected.note).toBe('trailing bytes after DER');
    const entry = await inspectOne(realWorldPath(path));
    expect(entry.kind).toBe('certificate');
    // The fingerprint of the certificate's DER, not of the file.
    expect(entry.certificate!.sha256).toBe(expected.certificates[0]!.sha256);

    const check = await runCli(['check', realWorldPath(path), '--json']);
    const [row] = (JSON.parse(check.stdout) as { results: { status: string; notAfter: string }[] })
      .results;
    expect(row!.status).not.toBe('invalid');
    expect(Date.parse(row!.notAfter)).toBe(Date.parse(expected.certificates[0]!.notAfter));
  });

  it('a real ck.pem with Bag Attributes (Ingibjorg) converts', async () => {
    const path = 'Ingibjorg__iOS-Push-Notifications-Simulator/ck.pem';
    const expected = loadExpected().files.find((f) => f.path === path)!;
    const out = join(scratch.path, 'ingibjorg');
    const result = await runCli(['convert', realWorldPath(path), '--out', out], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    const ck = await inspectOne(join(out, 'ck.pem'));
    expect(ck.certificate!.sha256).toBe(expected.certificates[0]!.sha256);
    expect(ck.privateKey!.matchesCertificate).toBe(true);
  });
});

/**
 * The import and convert journeys with hand-written ports: what they ask for and when, and that
 * a refusal writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { exportEncryptedPkcs8Pem, exportPkcs1Pem } from '../../src/core/pki/keys.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { convertP12 } from '../../src/flows/convert-p12.js';
import { importCertificate } from '../../src/flows/import-certificate.js';
import {
  issueSandboxCertificate,
  issueUniversalCertificate,
  testCa,
  testKey,
} from '../helpers/test-ca.js';
import { fakePorts } from './fake-ports.js';

// A fixed clock: the flows read it through their ports and the certificates are issued from it.
const now = new Date('2031-03-14T09:26:53Z');

const certificate = issueUniversalCertificate({ now, bundleId: 'com.example.flow' });
const encryptedKey = Buffer.from(exportEncryptedPkcs8Pem(testKey('leaf'), 'key pass'));

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    if (isApnsSetupError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

const importInput = {
  certificateFile: '/in/aps.cer',
  keyFile: '/certs/key.pem',
  outDir: undefined,
  profile: 'compatible' as const,
  splitP12: false,
  force: false,
};

describe('importCertificate', () => {
  it('asks once, for the key, and protects the outputs with the same passphrase; key.pem stays as it is', async () => {
    const ports = fakePorts({
      now,
      passphrases: ['key pass'],
      files: { '/in/aps.cer': certificate.der, '/certs/key.pem': encryptedKey },
    });
    const result = await importCertificate(importInput, ports);
    expect(ports.calls).toEqual([
      'read /in/aps.cer',
      'read /certs/key.pem',
      'passphrase open',
      'assert /certs',
      'write /certs: cert.pem, key.unencrypted.pem, ck.pem, apns.p12',
    ]);
    expect(result.keptKeyFile).toBe('/certs/key.pem');
    expect(ports.files.get('/certs/key.pem')).toEqual(encryptedKey);
    const p12 = readPkcs12(ports.files.get('/certs/apns.p12')!, 'key pass');
    expect(p12.certificates).toEqual([certificate.der]);
  });

  it('refuses a certificate for another key before asking anything more or writing', async () => {
    const other = issueSandboxCertificate({ now, key: testKey('other') });
    const ports = fakePorts({
      now,
      passphrases: ['key pass'],
      files: { '/in/aps.cer': other.der, '/certs/key.pem': encryptedKey },
    });
    expect(await codeOf(importCertificate(importInput, ports))).toBe('KEY_MISMATCH');
    expect(ports.calls.some((c) => c.startsWith('write') || c.startsWith('assert'))).toBe(false);
  });

  it('refuses a certificate that is not for push without reading the key', async () => {
    const ports = fakePorts({
      now,
      files: { '/in/aps.cer': testCa().der, '/certs/key.pem': encryptedKey },
    });
    expect(await codeOf(importCertificate(importInput, ports))).toBe('NOT_APNS_CERTIFICATE');
    expect(ports.calls).toEqual(['read /in/aps.cer']);
  });

  it('an unencrypted key needs a new passphrase for the outputs (protect), and writes key.pem elsewhere', async () => {
    const ports = fakePorts({
      now,
      passphrases: ['new pass'],
      files: {
        '/in/aps.cer': certificate.der,
        '/tmp/plain.pem': Buffer.from(exportPkcs1Pem(testKey('leaf'))),
      },
    });
    await importCertificate({ ...importInput, keyFile: '/tmp/plain.pem', outDir: '/out' }, ports);
    expect(ports.calls).toContain('passphrase protect');
    expect(ports.calls.at(-1)).toBe(
      'write /out: cert.pem, key.pem, key.unencrypted.pem, ck.pem, apns.p12',
    );
  });
});

describe('convertP12', () => {
  const input = { file: '/in/push.p12', outDir: '/out', profile: 'modern' as const, force: false };

  const lockedP12 = () =>
    writePkcs12({
      key: testKey('leaf'),
      certificates: [certificate.der],
      passphrase: 'p12 pass',
      profile: 'compatible',
    });

  // With a passphrase at hand that opens the file, it is still asked for once, as without one.
  it.each([
    ['without a passphrase at hand', undefined],
    ['with the passphrase at hand', 'p12 pass'],
  ])(
    'checks the output folder before asking for the passphrase, and keeps that passphrase (%s)',
    async (_, atHand) => {
      const ports = fakePorts({
        now,
        ...(atHand === undefined ? {} : { atHand }),
        passphrases: ['p12 pass'],
        files: { '/in/push.p12': lockedP12() },
      });
      const result = await convertP12(input, ports);
      expect(ports.calls.slice(0, 4)).toEqual([
        'assert /out',
        'read /in/push.p12',
        'at hand',
        'passphrase open',
      ]);
      expect(ports.calls.filter((c) => c.startsWith('passphrase'))).toEqual(['passphrase open']);
      expect(result.keyEncrypted).toBe(true);
      expect(readPkcs12(ports.files.get('/out/apns.p12')!, 'p12 pass').keys).toHaveLength(1);
    },
  );

  it('what the sources answer is what counts, not what was at hand', async () => {
    // At hand and asked are the same sources in a run; should they differ, the answer is used.
    const wrongAtHand = fakePorts({
      now,
      atHand: 'not it',
      passphrases: ['p12 pass'],
      files: { '/in/push.p12': lockedP12() },
    });
    await convertP12(input, wrongAtHand);
    expect(readPkcs12(wrongAtHand.files.get('/out/apns.p12')!, 'p12 pass').keys).toHaveLength(1);

    const wrongAnswer = fakePorts({
      now,
      atHand: 'p12 pass',
      passphrases: ['not it'],
      files: { '/in/push.p12': lockedP12() },
    });
    expect(await codeOf(convertP12(input, wrongAnswer))).toBe('WRONG_PASSPHRASE');
    expect([...wrongAnswer.files.keys()]).toEqual(['/in/push.p12']);
  });

  it('a .p12 without a passphrase is opened without asking, and its outputs get a new one', async () => {
    const open = writePkcs12({
      key: testKey('leaf'),
      certificates: [certificate.der],
      passphrase: '',
      profile: 'compatible',
    });
    const ports = fakePorts({
      now,
      atHand: 'new pass',
      passphrases: ['new pass'],
      files: { '/in/push.p12': open },
    });
    await convertP12(input, ports);
    expect(ports.calls.filter((c) => c.startsWith('passphrase'))).toEqual(['passphrase protect']);
    expect(readPkcs12(ports.files.get('/out/apns.p12')!, 'new pass').keys).toHaveLength(1);
  });

  it('existing outputs: refused before the passphrase is asked', async () => {
    const ports = fakePorts({
      now,
      files: { '/in/push.p12': Buffer.alloc(1), '/out/ck.pem': Buffer.from('old') },
    });
    expect(await codeOf(convertP12(input, ports))).toBe('FILE_EXISTS');
    expect(ports.calls).toEqual(['assert /out']);
  });
});

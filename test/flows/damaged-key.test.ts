/**
 * A key damaged inside (a changed byte in its private exponent) matches its certificate, since
 * its public half is intact: import used to write key.unencrypted.pem, ck.pem and apns.p12 from
 * it as ready. It is refused before anything is written.
 */
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { childrenOf, readTlv } from '../../src/core/pki/der.js';
import { importCertificate } from '../../src/flows/import-certificate.js';
import { issueUniversalCertificate, testKey } from '../helpers/test-ca.js';
import { fakePorts } from './fake-ports.js';

function damagedKeyPem(passphrase: string): Buffer {
  const der = testKey('leaf').export({ type: 'pkcs1', format: 'der' });
  const privateExponent = childrenOf(der, readTlv(der, 0))[3]!;
  const copy = Buffer.from(der);
  copy[privateExponent.contentStart + 100]! ^= 0x01;
  const damaged = createPrivateKey({ key: copy, format: 'der', type: 'pkcs1' });
  return Buffer.from(
    damaged.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
  );
}

describe('import with a key damaged inside', () => {
  it('refuses it as damaged (exit 2) and writes nothing', async () => {
    const now = new Date();
    const certificate = issueUniversalCertificate({ now, bundleId: 'com.example.flow' });
    const ports = fakePorts({
      now,
      passphrases: ['key pass'],
      files: { '/in/aps.cer': certificate.der, '/certs/key.pem': damagedKeyPem('key pass') },
    });
    let caught: unknown;
    try {
      await importCertificate(
        {
          certificateFile: '/in/aps.cer',
          keyFile: '/certs/key.pem',
          outDir: undefined,
          profile: 'compatible',
          splitP12: false,
          force: false,
        },
        ports,
      );
    } catch (error) {
      caught = error;
    }
    expect(isApnsSetupError(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'CORRUPT_FILE',
      exitCode: 2,
      message: '/certs/key.pem: the private key is damaged: its parts do not fit together',
    });
    expect(ports.calls.some((call) => call.startsWith('write'))).toBe(false);
  });
});

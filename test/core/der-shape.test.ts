/** One recogniser tells DER structures apart for the universal reader and the certificate parser. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/pki/certificate.js';
import { createCsr } from '../../src/core/pki/csr.js';
import { recogniseDerShape } from '../../src/core/pki/der-shape.js';
import { readMaterial } from '../../src/core/pki/material.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { codeOf } from '../helpers/errors.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

const rsa = testKey('leaf');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const certificate = issueSandboxCertificate({ now });

const samples: Record<string, Buffer> = {
  certificate: certificate.der,
  csr: createCsr({ key: rsa, email: 'a@example.com', commonName: 'Shape' }).der,
  pkcs12: writePkcs12({
    key: rsa,
    certificates: [certificate.der],
    passphrase: 'x',
    profile: 'compatible',
  }),
  'pkcs8-key': rsa.export({ type: 'pkcs8', format: 'der' }),
  'encrypted-pkcs8-key': rsa.export({
    type: 'pkcs8',
    format: 'der',
    cipher: 'aes-256-cbc',
    passphrase: 'x',
  }),
  'pkcs1-key': rsa.export({ type: 'pkcs1', format: 'der' }),
  'ec-key': ec.export({ type: 'sec1', format: 'der' }),
  spki: createPublicKey(rsa).export({ type: 'spki', format: 'der' }),
  'pkcs1-public-key': createPublicKey(rsa).export({ type: 'pkcs1', format: 'der' }),
};

describe('recogniseDerShape', () => {
  it('names each structure by its shape', () => {
    for (const [shape, der] of Object.entries(samples)) {
      expect(recogniseDerShape(der), shape).toBe(shape);
    }
  });

  it('does not know text or other non-SEQUENCE bytes (null, not a DER error)', () => {
    expect(recogniseDerShape(Buffer.from('this is not a certificate\n'))).toBeNull();
  });

  it.skipIf(!hasRealWorld)('names a .p7b', () => {
    const p7b = realWorldFile(
      'paubins__pushserver/Apple_Development_IOS_Push_Services__com.paubins.LiveVideoShare.p7b',
    );
    expect(recogniseDerShape(p7b)).toBe('pkcs7');
  });

  it('lets the certificate parser name what it was given instead', () => {
    expect(codeOf(() => parseCertificate(samples.csr!))).toBe('WRONG_KIND');
    expect(codeOf(() => parseCertificate(samples['ec-key']!))).toBe('WRONG_KIND');
  });

  it('lets the universal reader open a DER key of every kind, EC included', () => {
    for (const shape of ['pkcs8-key', 'pkcs1-key', 'ec-key']) {
      const material = readMaterial(samples[shape]!, { passphrase: null });
      expect(material.kind, shape).toBe('private-key');
      expect(material.keys[0]?.key, shape).not.toBeNull();
    }
    const locked = readMaterial(samples['encrypted-pkcs8-key']!, { passphrase: null });
    expect(locked.keys[0]).toMatchObject({ encrypted: true, key: null });
  });
});

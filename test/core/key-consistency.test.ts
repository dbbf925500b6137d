/**
 * A private key damaged inside — one byte of its private exponent, a prime or a CRT value
 * changed — still decodes, and its public half still matches the certificate. It used to be
 * written out as ready (key.unencrypted.pem, ck.pem, apns.p12) although `openssl rsa -check`
 * refuses it. Every way a key comes in (PEM PKCS#1 or PKCS#8, encrypted or not, DER, a .p12)
 * now refuses it as damaged.
 */
import { generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childrenOf, readTlv } from '../../src/core/pki/der.js';
import { isConsistentPrivateKey } from '../../src/core/pki/key-consistency.js';
import { openPrivateKey } from '../../src/core/pki/keys.js';
import { readMaterial } from '../../src/core/pki/material.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { errorOf } from '../helpers/errors.js';
import { hasOpenssl3, openssl, tempDir } from '../helpers/openssl.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

const RSA_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qinv'] as const;
type RsaField = (typeof RSA_FIELDS)[number];

/** The key with one bit flipped in the middle of `field` of its PKCS#1 encoding. */
function damagedRsaKey(key: KeyObject, field: RsaField): KeyObject {
  const der = key.export({ type: 'pkcs1', format: 'der' });
  const integers = childrenOf(der, readTlv(der, 0)).slice(1); // after the version
  const target = integers[RSA_FIELDS.indexOf(field)]!;
  const copy = Buffer.from(der);
  copy[Math.floor((target.contentStart + target.contentEnd) / 2)]! ^= 0x10;
  return createPrivateKey({ key: copy, format: 'der', type: 'pkcs1' });
}

const certificateOptions = { now: new Date(), bundleId: 'com.example.damaged' };
const PASSPHRASE = 'key pass';

const pemBlock = (pem: string | Buffer) => parsePem(Buffer.from(pem))[0]!;

/** Every form a user may hand us a key in. */
function forms(key: KeyObject): Record<string, { pem: string; passphrase: string | null }> {
  return {
    'PKCS#1 (RSA PRIVATE KEY)': {
      pem: key.export({ type: 'pkcs1', format: 'pem' }).toString(),
      passphrase: null,
    },
    'PKCS#8 (PRIVATE KEY)': {
      pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      passphrase: null,
    },
    'encrypted PKCS#8 (what csr writes as key.pem)': {
      pem: key
        .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
        .toString(),
      passphrase: PASSPHRASE,
    },
    'encrypted PKCS#1 (Proc-Type, openssl rsa -aes256)': {
      pem: key
        .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
        .toString(),
      passphrase: PASSPHRASE,
    },
  };
}

describe('an RSA key damaged inside', () => {
  it('the intact key is whole, in every form', () => {
    expect(isConsistentPrivateKey(testKey('leaf'))).toBe(true);
    for (const [, { pem, passphrase }] of Object.entries(forms(testKey('leaf')))) {
      expect(openPrivateKey(pemBlock(pem), passphrase).asymmetricKeyType).toBe('rsa');
    }
  });

  it.each(['d', 'p', 'q', 'dp', 'dq', 'qinv'] as const)(
    'with a changed byte in %s: still decodes, but is refused in every form',
    (field) => {
      const damaged = damagedRsaKey(testKey('leaf'), field);
      expect(isConsistentPrivateKey(damaged)).toBe(false);
      for (const [form, { pem, passphrase }] of Object.entries(forms(damaged))) {
        const error = errorOf(() => openPrivateKey(pemBlock(pem), passphrase));
        expect({ form, code: error.code, message: error.message }).toEqual({
          form,
          code: 'CORRUPT_FILE',
          message: 'the private key is damaged: its parts do not fit together',
        });
        expect(error.hint).toMatch(/intact copy of the key/);
      }
    },
  );

  it('is refused in a DER file too (readMaterial, what inspect and import read with)', () => {
    const damaged = damagedRsaKey(testKey('leaf'), 'd');
    const der = damaged.export({ type: 'pkcs8', format: 'der' });
    expect(errorOf(() => readMaterial(der, { passphrase: null })).code).toBe('CORRUPT_FILE');
  });

  it('is refused inside a .p12, as damaged, not as a wrong passphrase', () => {
    const damaged = damagedRsaKey(testKey('leaf'), 'd');
    const p12 = writePkcs12({
      key: damaged,
      certificates: [issueSandboxCertificate(certificateOptions).der],
      passphrase: PASSPHRASE,
      profile: 'compatible',
    });
    const error = errorOf(() => readPkcs12(p12, PASSPHRASE));
    expect(error).toMatchObject({
      code: 'CORRUPT_FILE',
      message: 'a private key inside it is damaged: its parts do not fit together',
    });
    expect(errorOf(() => readMaterial(p12, { passphrase: PASSPHRASE })).code).toBe('CORRUPT_FILE');
  });

  it.skipIf(!hasOpenssl3)('is what `openssl rsa -check` refuses (the premise)', async () => {
    const tmp = tempDir();
    try {
      const file = tmp.path('damaged.pem');
      writeFileSync(
        file,
        damagedRsaKey(testKey('leaf'), 'd').export({ type: 'pkcs1', format: 'pem' }),
      );
      const checked = await openssl(['rsa', '-check', '-noout', '-in', file]);
      expect(`${checked.stdout}${checked.stderr}`).toMatch(/RSA key not ok|error/i);
      writeFileSync(file, testKey('leaf').export({ type: 'pkcs1', format: 'pem' }));
      const intact = await openssl(['rsa', '-check', '-noout', '-in', file]);
      expect(intact.stdout).toMatch(/RSA key ok/);
    } finally {
      tmp.remove();
    }
  });
});

describe('an EC key damaged inside', () => {
  it('with a changed byte in its private scalar: refused', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(isConsistentPrivateKey(privateKey)).toBe(true);
    // SEC1: SEQUENCE { version, privateKey OCTET STRING, [0] curve, [1] public point }
    const der = privateKey.export({ type: 'sec1', format: 'der' });
    const scalar = childrenOf(der, readTlv(der, 0))[1]!;
    const copy = Buffer.from(der);
    copy[scalar.contentStart + 5]! ^= 0x01;
    // The premise: it still decodes.
    const decoded = createPrivateKey({ key: copy, format: 'der', type: 'sec1' });
    expect(isConsistentPrivateKey(decoded)).toBe(false);
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${copy.toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
    expect(errorOf(() => openPrivateKey(pemBlock(pem), null)).code).toBe('CORRUPT_FILE');
  });
});

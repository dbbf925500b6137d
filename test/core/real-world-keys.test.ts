/**
 * Every private key in the real-world corpus (key files and cert+key bundles): plain PKCS#1 and
 * PKCS#8, Proc-Type keys under 3DES and under single DES (which Node's OpenSSL 3 refuses),
 * PKCS#8 under pbeWithMD5AndDES-CBC and 3DES, a deliberately damaged key and one whose
 * passphrase is unknown. Expectations come from expected.json and from the openssl CLI.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyMatchesSpki, publicKeySpkiOf } from '../../src/core/pki/key-match.js';
import { describePrivateKeyBlock, openPrivateKey } from '../../src/core/pki/keys.js';
import { type PemBlock, parsePem } from '../../src/core/pki/pem.js';
import {
  type ExpectedFile,
  hasRealWorld,
  loadExpected,
  realWorldFile,
  realWorldPath,
} from '../helpers/fixtures.js';
import { hasOpenssl3, openssl } from '../helpers/openssl.js';
import { codeOf } from '../helpers/errors.js';

const isKeyBlock = (b: PemBlock): boolean => b.label.endsWith('PRIVATE KEY');

describe.skipIf(!hasRealWorld)('real-world private keys', () => {
  const corpus = hasRealWorld ? loadExpected() : { files: [], wrongPasswordCases: [] };
  const withKeys = corpus.files.filter(
    (f) => (f.kind === 'private-key' || f.kind === 'pem-bundle') && f.privateKey.present,
  );
  const openable = withKeys.filter((f) => f.expect !== 'corrupt' && f.passwordKnown !== false);

  it('covers the corpus', () => {
    expect(openable.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(openable.map((f) => [f.path, f] as [string, ExpectedFile]))('%s', (path, file) => {
    const blocks = parsePem(realWorldFile(path)).filter(isKeyBlock);

    it('opens with its passphrase, and says whether it is encrypted', () => {
      expect(describePrivateKeyBlock(blocks[0]!).encrypted).toBe(file.privateKey.encrypted);
      for (const block of blocks)
        expect(openPrivateKey(block, file.password ?? null).type).toBe('private');
    });

    if (file.privateKey.matchesLeaf !== null) {
      it(`${file.privateKey.matchesLeaf ? 'matches' : 'does not match'} its certificate`, () => {
        const leaf = parsePem(realWorldFile(path)).find(
          (b) =>
            b.label === 'CERTIFICATE' &&
            createHash('sha256').update(b.der).digest('hex').toUpperCase() ===
              file.certificates[0]!.sha256,
        )!;
        const spki = new X509Certificate(leaf.der).publicKey.export({
          type: 'spki',
          format: 'der',
        });
        expect(keyMatchesSpki(openPrivateKey(blocks[0]!, file.password ?? null), spki)).toBe(
          file.privateKey.matchesLeaf,
        );
      });
    }

    if (file.privateKey.encrypted) {
      it('asks for a missing passphrase and calls a wrong one wrong', () => {
        expect(codeOf(() => openPrivateKey(blocks[0]!, null))).toBe('PASSPHRASE_REQUIRED');
        expect(codeOf(() => openPrivateKey(blocks[0]!, ''))).toBe('PASSPHRASE_REQUIRED');
        expect(codeOf(() => openPrivateKey(blocks[0]!, 'definitely-wrong'))).toBe(
          'WRONG_PASSPHRASE',
        );
        expect(() => openPrivateKey(blocks[0]!, 'definitely-wrong')).toThrow(
          /the passphrase does not open this key/,
        );
      });
    } else {
      it('ignores a passphrase it does not need', () => {
        expect(openPrivateKey(blocks[0]!, 'anything').type).toBe('private');
      });
    }

    it.skipIf(!hasOpenssl3)('yields the key OpenSSL (with its legacy provider) reads', async () => {
      const args = ['pkey', '-in', realWorldPath(path), '-pubout', '-outform', 'PEM'];
      args.push(
        '-provider',
        'legacy',
        '-provider',
        'default',
        '-passin',
        `pass:${file.password ?? ''}`,
      );
      const result = await openssl(args);
      expect(result.exitCode, result.stderr).toBe(0);
      const theirs = parsePem(result.stdout)[0]!.der;
      expect(publicKeySpkiOf(openPrivateKey(blocks[0]!, file.password ?? null))).toEqual(theirs);
    });
  });

  it('names how each encrypted key is protected', () => {
    const algorithmOf = (path: string): string | undefined =>
      describePrivateKeyBlock(parsePem(realWorldFile(path)).filter(isKeyBlock)[0]!).algorithm;
    // DEK-Info headers as MANIFEST.md lists them; PKCS#8 schemes as `openssl asn1parse` names them.
    expect(algorithmOf('wushuang2012__IOS-SimplePush/ck.pem')).toBe('DES-EDE3-CBC');
    expect(algorithmOf('node-apn/credentials__support__keyEncrypted.pem')).toBe('DES-CBC');
    expect(algorithmOf('node-apn/credentials__support__keyPKCS8.pem')).toBe('pbeWithMD5AndDES-CBC');
    expect(algorithmOf('node-apn/credentials__support__keyPKCS8Encrypted.pem')).toBe(
      'pbeWithSHAAnd3-KeyTripleDES-CBC',
    );
    expect(
      describePrivateKeyBlock(
        parsePem(realWorldFile('node-apn/credentials__support__key.pem'))[0]!,
      ),
    ).toEqual({
      format: 'pkcs1',
      encrypted: false,
    });
  });

  it('reports the damaged key of sideshow/apns2 as corrupt, whatever the passphrase', () => {
    const block = parsePem(realWorldFile('sideshow__apns2/certificate-bad-key.pem')).find(
      isKeyBlock,
    )!;
    expect(codeOf(() => openPrivateKey(block, null))).toBe('CORRUPT_FILE');
    expect(codeOf(() => openPrivateKey(block, 'password'))).toBe('CORRUPT_FILE');
    expect(() => openPrivateKey(block, null)).toThrow(/the private key is damaged/);
  });

  it('asks for the unknown passphrase of node-apn keyIssuer.pem', () => {
    const block = parsePem(realWorldFile('node-apn/credentials__support__keyIssuer.pem'))[0]!;
    expect(codeOf(() => openPrivateKey(block, null))).toBe('PASSPHRASE_REQUIRED');
    expect(codeOf(() => openPrivateKey(block, 'definitely-wrong'))).toBe('WRONG_PASSPHRASE');
  });
});

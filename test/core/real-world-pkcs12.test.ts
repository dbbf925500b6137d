/**
 * Every real .p12 in the corpus: Keychain Access exports (RC2-40 + 3DES, MAC iteration 1, the
 * "null" empty password), OpenSSL 1.x exports, Java-made files with EC keys, key-only and
 * certificate-only files, and files whose passphrase nobody knows. Expected values come from
 * expected.json (certificates, passwords) and MANIFEST.md (structure, key counts, names), both
 * made with OpenSSL 3.0 — not from our code.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { keyMatchesSpki } from '../../src/core/pki/key-match.js';
import { readPkcs12 } from '../../src/core/pki/pkcs12-read.js';
import { inspectPkcs12 } from '../../src/core/pki/pkcs12-consumers.js';
import {
  type ExpectedFile,
  hasRealWorld,
  loadExpected,
  realWorldDir,
  realWorldFile,
} from '../helpers/fixtures.js';
import { codeOf } from '../helpers/errors.js';

interface ManifestRow {
  /** pairs of [bag type, OpenSSL's algorithm name], then the MAC digest, in file order */
  structure: string[];
  macIterations: number | null;
  bagIterations: Map<string, number>;
  keyCount: number | null;
  friendlyNames: string[];
}

/** The MANIFEST.md row of each file, keyed by its corpus path. */
function readManifest(): Map<string, ManifestRow> {
  const rows = new Map<string, ManifestRow>();
  let folder = '';
  for (const line of readFileSync(join(realWorldDir, 'MANIFEST.md'), 'utf8').split('\n')) {
    const heading = /^### `([^`]+)\/`/.exec(line);
    if (heading) folder = heading[1]!;
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (!row) continue;
    const structure =
      /structure \(no password needed\): ([^;|]+)/.exec(line)?.[1]?.trim().split(/\s+/) ?? [];
    rows.set(`${folder}/${row[1]!}`, {
      structure,
      macIterations: Number(/MAC \w+ iter (\d+)/.exec(line)?.[1] ?? NaN) || null,
      bagIterations: new Map(
        [...line.matchAll(/(pbeWith\S+) iter (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
      ),
      keyCount: Number(/(\d+) private key\(s\)/.exec(line)?.[1] ?? NaN),
      friendlyNames: /friendlyNames: (.*?); \d+ private key/.exec(line)?.[1]?.split(' \\| ') ?? [],
    });
  }
  return rows;
}

/** OpenSSL prints "pbeWithSHA1And…"; RFC 7292 (and we) say "pbeWithSHAAnd…". */
const rfcName = (opensslName: string): string =>
  opensslName.replace('pbeWithSHA1And', 'pbeWithSHAAnd');
const BAG_NAMES: Record<string, string> = {
  pkcs8ShroudedKeyBag: 'shrouded-key',
  'pkcs7-encryptedData': 'encrypted-data',
  keyBag: 'key',
};

const sha256 = (der: Buffer): string =>
  createHash('sha256').update(der).digest('hex').toUpperCase();
const spkiOf = (der: Buffer): Buffer =>
  new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });

describe.skipIf(!hasRealWorld)('real-world .p12 files', () => {
  const corpus = hasRealWorld ? loadExpected() : { files: [], wrongPasswordCases: [] };
  const manifest = hasRealWorld ? readManifest() : new Map<string, ManifestRow>();
  const p12s = corpus.files.filter((f) => f.kind === 'pkcs12');
  const known = p12s.filter((f) => f.passwordKnown !== false);
  const unknown = p12s.filter((f) => f.passwordKnown === false);

  it('covers the corpus: files with known and with unknown passwords', () => {
    expect(known.length).toBeGreaterThanOrEqual(16);
    expect(unknown.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(p12s.map((f) => [f.path, f] as [string, ExpectedFile]))('%s', (path, file) => {
    const row = manifest.get(path);

    it('shows its structure without a passphrase, as OpenSSL saw it', () => {
      expect(row, `MANIFEST row for ${path}`).toBeDefined();
      const structure = inspectPkcs12(realWorldFile(path));
      const tokens = row!.structure;
      const expectedMac = tokens.at(-1);
      const expectedBags: [string, string][] = [];
      for (let i = 0; i + 1 < tokens.length - 1; i += 2) {
        expectedBags.push([BAG_NAMES[tokens[i]!]!, rfcName(tokens[i + 1]!)]);
      }
      expect(structure.mac).toEqual({ algorithm: expectedMac, iterations: row!.macIterations });
      expect(
        structure.bags.filter((b) => b.kind !== 'certificate').map((b) => [b.kind, b.algorithm]),
      ).toEqual(expectedBags);
      for (const bag of structure.bags) {
        const iterations = [...row!.bagIterations].find(
          ([name]) => rfcName(name) === bag.algorithm,
        )?.[1];
        if (iterations !== undefined) expect(bag.iterations).toBe(iterations);
      }
      expect(structure.keyBagCount > 0).toBe(file.privateKey.present);
      // RC2-40 certificate bags: OpenSSL 3 needs -legacy, Node refuses (reference/apns.md).
      expect(structure.readableBy).toEqual(
        tokens.some((t) => t.includes('RC2'))
          ? ['macos-keychain', 'java', 'go-pkcs12']
          : ['openssl-3', 'node-tls', 'macos-keychain', 'java', 'go-pkcs12'],
      );
    });

    if (file.passwordKnown === false) {
      it('asks for a passphrase, and calls a made-up one wrong', () => {
        const bytes = realWorldFile(path);
        expect(codeOf(() => readPkcs12(bytes, null))).toBe('PASSPHRASE_REQUIRED');
        expect(codeOf(() => readPkcs12(bytes, ''))).toBe('PASSPHRASE_REQUIRED');
        expect(codeOf(() => readPkcs12(bytes, 'definitely-wrong'))).toBe('WRONG_PASSPHRASE');
      });
      return;
    }

    it('opens with its passphrase: the same certificates and keys as OpenSSL found', () => {
      const contents = readPkcs12(realWorldFile(path), file.password ?? null);
      expect(contents.certificates.map(sha256).sort()).toEqual(
        file.certificates.map((c) => c.sha256).sort(),
      );
      expect(contents.keys).toHaveLength(row!.keyCount!);
      expect(contents.keyAttributes).toHaveLength(contents.keys.length);
      expect(contents.certificateAttributes).toHaveLength(contents.certificates.length);
      if (row!.friendlyNames.length > 0) {
        const names = [...contents.keyAttributes, ...contents.certificateAttributes]
          .map((a) => a.friendlyName)
          .filter((n): n is string => n !== null);
        expect(new Set(names)).toEqual(new Set(row!.friendlyNames));
      }
      if (file.privateKey.matchesLeaf) {
        const leaf = contents.certificates.find(
          (der) => sha256(der) === file.certificates[0]!.sha256,
        )!;
        expect(keyMatchesSpki(contents.keys[0]!, spkiOf(leaf))).toBe(true);
      }
      expect(contents.passphraseUsed).toBe(file.password === '' ? 'empty' : 'given');
    });

    if (file.password === '') {
      it('opens with no passphrase at all', () => {
        const contents = readPkcs12(realWorldFile(path), null);
        expect(contents.certificates).toHaveLength(file.certificates.length);
        expect(contents.passphraseUsed).toBe('empty');
      });
    } else {
      it('asks for the passphrase when none is given', () => {
        expect(codeOf(() => readPkcs12(realWorldFile(path), null))).toBe('PASSPHRASE_REQUIRED');
      });
    }

    it('calls a wrong passphrase wrong', () => {
      expect(codeOf(() => readPkcs12(realWorldFile(path), 'definitely-wrong'))).toBe(
        'WRONG_PASSPHRASE',
      );
    });
  });

  it.each(corpus.wrongPasswordCases.map((c) => [c.path, c.wrongPassword]))(
    'wrongPasswordCases: %s with "%s" is a wrong passphrase',
    (path, wrong) => {
      expect(() => readPkcs12(realWorldFile(path), wrong)).toThrow(/passphrase does not open it/);
      expect(codeOf(() => readPkcs12(realWorldFile(path), wrong))).toBe('WRONG_PASSPHRASE');
    },
  );

  it('reads the EC keys and EC certificates of a Java-made file (pushy multiple-keys.p12)', () => {
    const contents = readPkcs12(realWorldFile('pushy/multiple-keys.p12'), 'pushy-test');
    expect(contents.keys.map((k) => k.asymmetricKeyType)).toEqual(['ec', 'ec', 'ec', 'ec']);
    expect(contents.keyAttributes.map((a) => a.friendlyName)).toEqual([
      'pair1',
      'pair2',
      'pair3',
      'pair4',
    ]);
    // Each key pairs with the certificate that has the same localKeyId — and the same public key.
    contents.keys.forEach((key, i) => {
      const id = contents.keyAttributes[i]!.localKeyId!;
      const cert =
        contents.certificates[
          contents.certificateAttributes.findIndex((a) => a.localKeyId?.equals(id))
        ]!;
      expect(keyMatchesSpki(key, spkiOf(cert))).toBe(true);
    });
  });

  it('reads a key-only Keychain export as far as it can without the passphrase', () => {
    const structure = inspectPkcs12(
      realWorldFile('STOmaha__Time-to-Burn/push_notification_key.p12'),
    );
    expect(structure.keyBagCount).toBe(1);
    expect(structure.bags).toEqual([
      { kind: 'shrouded-key', algorithm: 'pbeWithSHAAnd3-KeyTripleDES-CBC', iterations: 2048 },
    ]);
    // 3DES only: nothing in it needs OpenSSL's legacy provider.
    expect(structure.readableBy).toEqual([
      'openssl-3',
      'node-tls',
      'macos-keychain',
      'java',
      'go-pkcs12',
    ]);
  });

  it('reads a certificate-only file (pushy no-keys.p12)', () => {
    const contents = readPkcs12(realWorldFile('pushy/no-keys.p12'), 'pushy-test');
    expect(contents.keys).toEqual([]);
    expect(contents.certificates).toHaveLength(1);
    expect(new X509Certificate(contents.certificates[0]!).subject).toBe('CN=PushyTestRoot');
  });

  describe('a truncated file is damaged, not a passphrase problem', () => {
    const bytes = hasRealWorld ? realWorldFile('brianserv__pushnoti/push.p12') : Buffer.alloc(0);
    it.each([1, 100, bytes.length - 10])('cut by %i bytes', (cut) => {
      const truncated = bytes.subarray(0, bytes.length - cut);
      for (const passphrase of ['1qwerty', null, 'definitely-wrong']) {
        let error: unknown;
        try {
          readPkcs12(truncated, passphrase);
        } catch (e) {
          error = e;
        }
        expect(isApnsSetupError(error) && error.code).toBe('CORRUPT_FILE');
        expect((error as Error).message).toMatch(/cut short/);
      }
      expect(() => inspectPkcs12(truncated)).toThrow(/cut short/);
    });
  });
});

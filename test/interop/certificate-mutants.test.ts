/**
 * What is a certificate? Whatever `openssl x509` reads and can tell the dates of — no more, no
 * less. Damaged copies of a real Apple .cer and of a test-CA certificate (seeded bit flips, byte
 * overwrites and truncations: the same mutants on every run) go through `openssl x509 -noout
 * -dates -subject` and through readMaterial, which is what `inspect` and `check` read with;
 * every verdict must agree. Before OpenSSL's parser gave its second opinion, about one in four
 * mutants OpenSSL refused (an invalid UTF-8 byte in the subject, a flipped tag) was read here as
 * a fine certificate, and `check` would have passed it in CI.
 */
import { writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isApnsSetupError } from '../../src/core/errors.js';
import { readMaterial } from '../../src/core/pki/material.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';
import { hasOpenssl3, tempDir } from '../helpers/openssl.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { issueSandboxCertificate } from '../helpers/test-ca.js';

interface Mutant {
  label: string;
  bytes: Buffer;
}

function mutants(original: Buffer, count: number, seed: number): Mutant[] {
  const random = seededRandom(seed);
  const below = (n: number): number => Math.floor(random() * n);
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(original);
    const roll = random();
    if (roll < 0.7) {
      const at = below(bytes.length);
      const bit = below(8);
      bytes[at]! ^= 1 << bit;
      out.push({ label: `bit ${bit} of byte ${at} flipped`, bytes });
    } else if (roll < 0.85) {
      const places = [below(bytes.length), below(bytes.length)];
      for (const at of places) bytes[at] = below(256);
      out.push({ label: `bytes ${places.join(' and ')} overwritten`, bytes });
    } else {
      const length = below(bytes.length);
      out.push({ label: `cut to ${length} bytes`, bytes: bytes.subarray(0, length) });
    }
  }
  return out;
}

interface Verdict {
  reads: boolean;
  detail: string;
}

/** One shell runs openssl on every file: one spawn from the test, not a hundred. */
async function opensslVerdicts(files: string[]): Promise<Verdict[]> {
  const script =
    'for f in "$@"; do out=$(openssl x509 -inform DER -in "$f" -noout -dates -subject 2>/dev/null); ' +
    'code=$?; bad=$(printf "%s" "$out" | grep -c "Bad time value"); echo "$code $bad"; done';
  const { stdout } = await execa('sh', ['-c', script, 'sh', ...files]);
  return stdout.split('\n').map((line) => {
    const [code, bad] = line.split(' ');
    if (code !== '0') return { reads: false, detail: `openssl x509 exits ${code}` };
    if (bad !== '0') return { reads: false, detail: 'openssl x509 prints "Bad time value"' };
    return { reads: true, detail: 'openssl x509 reads it' };
  });
}

function ourVerdict(bytes: Buffer): Verdict {
  try {
    const material = readMaterial(bytes, { passphrase: null });
    const reads = material.kind === 'certificate' && material.certificates.length === 1;
    return { reads, detail: `read as ${material.kind}` };
  } catch (error) {
    // A raw exception would be a bug of its own: every refusal must be a typed error.
    if (!isApnsSetupError(error)) throw error;
    return { reads: false, detail: `${error.code}: ${error.message}` };
  }
}

describe.skipIf(!hasOpenssl3)('a damaged certificate, as OpenSSL sees it', () => {
  const tmp = tempDir('apns-setup-mutants-');
  afterAll(() => tmp.remove());

  async function disagreements(original: Buffer, seed: number) {
    const list = mutants(original, 50, seed);
    const files = list.map((mutant, i) => {
      const file = tmp.path(`${seed}-${String(i).padStart(3, '0')}.der`);
      writeFileSync(file, mutant.bytes);
      return file;
    });
    const theirs = await opensslVerdicts(files);
    expect(theirs).toHaveLength(list.length);
    const ours = list.map((mutant) => ourVerdict(mutant.bytes));
    return {
      read: theirs.filter((v) => v.reads).length,
      refused: theirs.filter((v) => !v.reads).length,
      disagreements: list.flatMap((mutant, i) =>
        theirs[i]!.reads === ours[i]!.reads
          ? []
          : [`${mutant.label}: ${theirs[i]!.detail}; apns-setup: ${ours[i]!.detail}`],
      ),
    };
  }

  it.skipIf(!hasRealWorld)('agrees on 50 mutants of a real Apple push .cer', async () => {
    const result = await disagreements(realWorldFile('STOmaha__Time-to-Burn/aps.cer'), 2026);
    expect(result.disagreements).toEqual([]);
    // Both verdicts occur, or the comparison would prove nothing.
    expect(result.read).toBeGreaterThan(5);
    expect(result.refused).toBeGreaterThan(5);
  });

  it('agrees on 50 mutants of a test-CA certificate (UTF8String names)', async () => {
    const options = { now: new Date(), bundleId: 'com.example.mutants' };
    const result = await disagreements(issueSandboxCertificate(options).der, 9);
    expect(result.disagreements).toEqual([]);
    expect(result.read).toBeGreaterThan(5);
    expect(result.refused).toBeGreaterThan(5);
  });

  it('refuses an invalid UTF-8 byte in the subject, as openssl does', async () => {
    const options = { now: new Date(), bundleId: 'com.example.mutants' };
    const der = Buffer.from(issueSandboxCertificate(options).der);
    const at = der.indexOf(Buffer.from('com.example.mutants'));
    der[at + 1] = 0xff;
    const [theirs] = await opensslVerdicts(
      [tmp.path('utf8.der')].map((f) => {
        writeFileSync(f, der);
        return f;
      }),
    );
    expect(theirs!.reads).toBe(false);
    expect(ourVerdict(der)).toEqual({
      reads: false,
      detail: expect.stringMatching(/^CORRUPT_FILE: /),
    });
  });
});

// `npm run bench`: start-up time of each command and the cost of the PKCS#12 work, as medians.
// Timings live here, never in tests. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const scratch = mkdtempSync(join(tmpdir(), 'apns-setup-bench-'));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(label, fn, count = runs) {
  fn();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  console.log(
    `${label.padEnd(64)} ${median(samples).toFixed(1).padStart(8)} ms (median of ${count})`,
  );
}

const node = (args) => () => {
  try {
    execFileSync(process.execPath, args, { stdio: 'ignore' });
  } catch {
    // exit codes are not the point here
  }
};

const { issueApnsCertificate, createCertificateAuthority } = await import(
  join(root, 'dist/core/pki/issue-certificate.js')
);
const { writePkcs12 } = await import(join(root, 'dist/core/pki/pkcs12-write.js'));
const { readPkcs12 } = await import(join(root, 'dist/core/pki/pkcs12-read.js'));

const caKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const leafKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const now = new Date();
const later = new Date(now.getTime() + 365 * 86400000);
const ca = createCertificateAuthority({
  commonName: 'Bench CA',
  key: caKey,
  notBefore: now,
  notAfter: later,
  serialNumber: '01',
});
const leaf = issueApnsCertificate({
  ca: { key: caKey, certificatePem: ca.certificatePem },
  publicKey: leafKey,
  bundleId: 'com.example.bench',
  teamId: 'A1B2C3D4E5',
  teamName: 'Bench',
  type: 'universal',
  notBefore: now,
  notAfter: later,
  serialNumber: '02',
});
const cer = join(scratch, 'aps.cer');
writeFileSync(cer, leaf.der);

console.log(`Node ${process.versions.node}\n`);
time('node -e 0 (baseline)', node(['-e', '0']));
time('apns-setup --version', node([cli, '--version']));
time('apns-setup --help', node([cli, '--help']));
time('apns-setup inspect aps.cer', node([cli, 'inspect', cer]));
time('apns-setup check aps.cer', node([cli, 'check', cer]));
for (const profile of ['compatible', 'modern']) {
  let p12;
  time(`writePkcs12 (${profile})`, () => {
    p12 = writePkcs12({ key: leafKey, certificates: [leaf.der], passphrase: 'bench', profile });
  });
  time(`readPkcs12 (${profile})`, () => readPkcs12(p12, 'bench'));
}

// A .p12 at the 1,000,000-iteration cap, made by OpenSSL (issue 9): ours against openssl on the
// same file, for the library call and for the whole `convert` (which first probes without a
// passphrase, then reads with the one from APNS_SETUP_PASSPHRASE).
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (hasOpenssl) {
  const heavyRuns = Math.min(runs, 5);
  const bundle = join(scratch, 'bundle.pem');
  writeFileSync(
    bundle,
    leaf.certificatePem + leafKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  for (const [name, flags] of [
    ['legacy', ['-legacy']],
    ['default', []],
  ]) {
    const file = join(scratch, `iter-${name}.p12`);
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      ...flags,
      '-iter',
      '1000000',
      '-in',
      bundle,
      '-passout',
      'pass:bench',
      '-out',
      file,
    ]);
    const bytes = readFileSync(file);
    const label = `1,000,000 iterations, openssl ${name === 'legacy' ? '-legacy' : 'default'}`;
    time(
      `openssl pkcs12 -nodes (${label})`,
      () =>
        execFileSync(
          'openssl',
          ['pkcs12', ...flags, '-in', file, '-passin', 'pass:bench', '-nodes'],
          {
            stdio: 'ignore',
          },
        ),
      heavyRuns,
    );
    time(`readPkcs12 (${label})`, () => readPkcs12(bytes, 'bench'), heavyRuns);
    let run = 0;
    time(
      `apns-setup convert (${label})`,
      () =>
        execFileSync(
          process.execPath,
          [cli, 'convert', file, '--out', join(scratch, `out-${name}-${run++}`)],
          {
            stdio: 'ignore',
            env: { ...process.env, APNS_SETUP_PASSPHRASE: 'bench' },
          },
        ),
      heavyRuns,
    );
  }
}
rmSync(scratch, { recursive: true, force: true });

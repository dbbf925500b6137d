// `npm run bench`: start-up time of each command, the cost of the PKCS#12 work, and push against
// the local sandbox (one notification, then 10,000 tokens: throughput and peak memory), beside
// `node -e 0`, curl and @parse/node-apn. BENCH_MILLION=1 adds 1,000,000 tokens (a minute or more).
// Timings live here, never in tests. Run after `npm run build`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
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

/** Runs `args` under node and returns its wall time (ms) and peak RSS (MB), and its exit code. */
const rssHook = join(scratch, 'rss-hook.mjs');
writeFileSync(
  rssHook,
  "import { writeFileSync } from 'node:fs';\n" +
    "process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
);
function measure(args, options = {}) {
  const rssFile = join(scratch, 'rss.txt');
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--import', rssHook, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BENCH_RSS_FILE: rssFile, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  const rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  return { ms, rssMb, status: result.status, stderr: result.stderr.toString() };
}

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

// --- push against the local sandbox -------------------------------------------------------
// The demo makes a push certificate from its local portal; the sandbox trusts that portal.
const demo = join(scratch, 'demo');
execFileSync(process.execPath, [cli, 'demo', '--out', demo], {
  stdio: 'ignore',
  env: { ...process.env, APNS_SETUP_PASSPHRASE: 'bench passphrase' },
});
const ck = join(demo, 'ck.pem');
const [{ certificate }] = JSON.parse(
  execFileSync(process.execPath, [cli, 'inspect', ck, '--json']),
);
const topic = certificate.bundleId;
const sandbox = spawn(
  process.execPath,
  [cli, 'sandbox', '--json', '--client-ca', join(demo, 'portal-ca.pem')],
  {
    stdio: ['ignore', 'pipe', 'ignore'],
  },
);
const lines = createInterface({ input: sandbox.stdout });
const { url, caFile } = await new Promise((resolve) =>
  lines.once('line', (line) => resolve(JSON.parse(line))),
);
// Its log (one JSON line a notification) is read and dropped.
lines.on('line', () => {});
const token = 'a'.repeat(64);
const pushArgs = [cli, 'push', '--cert', ck, '--endpoint', url, '--ca', caFile];

console.log('\npush of one notification to the local sandbox (start-up, TLS, HTTP/2, answer)');
time('node -e 0 (baseline)', node(['-e', '0']));
time('apns-setup push --token T', node([...pushArgs, '--token', token]));
if (spawnSync('curl', ['--version']).status === 0) {
  const curlArgs = ['-sS', '-o', '/dev/null', '--http2', '--cert', ck, '--cacert', caFile];
  curlArgs.push('-H', `apns-topic: ${topic}`, '-d', '{"aps":{"alert":"bench"}}');
  time('curl --http2 (same push)', () =>
    execFileSync('curl', [...curlArgs, `${url}/3/device/${token}`]),
  );
}
let nodeApn = null;
try {
  nodeApn = (await import('@parse/node-apn')).default;
} catch {
  console.log('@parse/node-apn is not installed (npm ci installs it as a devDependency)');
}
const nodeApnScript = join(scratch, 'node-apn-push.cjs');
writeFileSync(
  nodeApnScript,
  `const apn = require(${JSON.stringify(join(root, 'node_modules/@parse/node-apn'))});
const fs = require('node:fs');
const [count] = process.argv.slice(2).map(Number);
const { hostname, port } = new URL(${JSON.stringify(url)});
const provider = new apn.Provider({ cert: ${JSON.stringify(ck)}, key: ${JSON.stringify(ck)}, ca: fs.readFileSync(${JSON.stringify(caFile)}), address: hostname, port: Number(port), production: false, requestTimeout: 600000 });
const note = new apn.Notification({ alert: 'bench', topic: ${JSON.stringify(topic)} });
const tokens = Array.from({ length: count }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
provider.send(note, tokens).then(({ sent, failed }) => { provider.shutdown(); if (failed.length > 0) { console.error(JSON.stringify(failed[0])); process.exitCode = 1; } });
`,
);
if (nodeApn) time('@parse/node-apn Provider.send (same push)', node([nodeApnScript, '1']));

function throughput(label, count, args) {
  const { ms, rssMb, status, stderr } = measure(args);
  const rate = Math.round((count / ms) * 1000);
  const failed = status === 0 ? '' : `  (exit ${status}: ${stderr.trim().split('\n').at(-1)})`;
  console.log(
    `${label.padEnd(64)} ${(ms / 1000).toFixed(1).padStart(7)} s  ${String(rate).padStart(7)} pushes/s  peak RSS ${rssMb.toFixed(0)} MB${failed}`,
  );
}
function tokensFile(count) {
  const path = join(scratch, `tokens-${count}.txt`);
  const chunk = [];
  writeFileSync(path, '');
  for (let i = 1; i <= count; i++) {
    chunk.push(i.toString(16).padStart(64, '0'));
    if (chunk.length === 10_000 || i === count) {
      writeFileSync(path, `${chunk.join('\n')}\n`, { flag: 'a' });
      chunk.length = 0;
    }
  }
  return path;
}

console.log('\npush to many tokens against the local sandbox (wall time, throughput, peak RSS)');
const tenThousand = tokensFile(10_000);
throughput('apns-setup push --tokens-file (10,000)', 10_000, [
  ...pushArgs,
  '--tokens-file',
  tenThousand,
  '--timeout',
  '600',
]);
throughput('apns-setup push --tokens-file --json (10,000)', 10_000, [
  ...pushArgs,
  '--tokens-file',
  tenThousand,
  '--json',
  '--timeout',
  '600',
]);
if (nodeApn) throughput('@parse/node-apn Provider.send (10,000)', 10_000, [nodeApnScript, '10000']);
if (process.env.BENCH_MILLION) {
  const million = tokensFile(1_000_000);
  throughput('apns-setup push --tokens-file (1,000,000)', 1_000_000, [
    ...pushArgs,
    '--tokens-file',
    million,
    '--timeout',
    '3600',
  ]);
} else {
  console.log('(BENCH_MILLION=1 adds 1,000,000 tokens; the goal is a peak RSS of at most 120 MB)');
}

sandbox.kill('SIGTERM');
await new Promise((resolve) => sandbox.once('exit', resolve));
rmSync(scratch, { recursive: true, force: true });

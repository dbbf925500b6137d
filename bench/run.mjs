// `npm run bench`: the one place that measures (timing lives here, never in tests). It runs every
// row of issue 10's table side by side with what it is compared with — `node -e 0` (the floor of
// any Node CLI), the classic OpenSSL recipe, a shell loop of `openssl x509 -checkend`, curl and
// @parse/node-apn — in alternating runs, takes medians, and writes the table, with the machine,
// Node's version and the date, to bench/RESULTS.md.
//
//   BENCH_RUNS=15        rounds of the quick rows (start-up, import, convert, one push, wizard)
//   BENCH_HEAVY_RUNS=3   rounds of the long rows (check over 300 and 20,000 files)
//   BENCH_TOKEN_RUNS=7   rounds of 10,000 tokens (each a second or two; the row varies most)
//   BENCH_FULL_LOOP=1    runs the shell loop over the 20,000 files too (20,000 openssl processes,
//                        minutes); without it that loop's time is the 300-file loop's per file
//   BENCH_CHECK_FILES=20000  files in the large `check` row (fewer for a quick trial of the bench)
//   BENCH_MILLION=1      adds push to 1,000,000 tokens (peak RSS; a minute or more)
//   BENCH_INSTRUCTIONS=1 also counts the instructions of the start-up, import and convert rows
//                        (valgrind's cachegrind, three runs each, a few minutes): on a shared
//                        machine whose speed drifts within a run, they tell two builds apart
//                        where wall times cannot
//
// Runs after `npm run build` (the npm script does both). Needs python3 (bench/measure.py: child
// CPU time and peak RSS, and a pseudo-terminal for the wizard) and openssl; curl and
// @parse/node-apn (a devDependency) when present.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.cjs');
const node = process.execPath;
const runs = Number(process.env.BENCH_RUNS ?? 15);
const heavyRuns = Number(process.env.BENCH_HEAVY_RUNS ?? 3);
const tokenRuns = Number(process.env.BENCH_TOKEN_RUNS ?? 7);
const fullLoop = Boolean(process.env.BENCH_FULL_LOOP);
const largeCheck = Number(process.env.BENCH_CHECK_FILES ?? 20_000);
const scratch = mkdtempSync(join(tmpdir(), 'apns-setup-bench-'));
const passphrase = 'bench passphrase';
// The commands keep their compiled code in the user's cache folder (src/command-file.ts): here
// the bench's own, which each race's warm-up round fills. Rows are a user's second and later
// runs; one row shows a first run, without the cache.
process.env.XDG_CACHE_HOME = join(scratch, 'cache-home');
// With NODE_EXTRA_CA_CERTS set, Node 20 reads and parses that bundle in every process at start,
// before any code of the program: /etc/ssl/certs' 140-odd certificates are 417 million
// instructions, five times Node's own start-up (84 million). It would sit in the floor and in
// every Node row alike and shrink each ratio towards 1, hiding what the rows themselves cost; few
// machines set it. So no command here has it; the results say when the machine did.
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const loadBefore = loadavg();
const started = new Date();

/** The absolute path of a program on PATH, or null. */
function which(program) {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const sh = which('sh');
const openssl = which('openssl');
const curl = which('curl');
if (!openssl) throw new Error('npm run bench needs openssl on PATH (the recipes it compares with)');

function measure(spec) {
  const out = execFileSync('python3', [join(root, 'bench/measure.py'), JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `commands` side by side for `rounds` rounds: per name, median wall, CPU and peak RSS. */
function race(title, commands, rounds) {
  process.stderr.write(`${title}: ${commands.length} commands × ${rounds} rounds…\n`);
  const samples = measure({ mode: 'run', rounds, warmup: 1, commands });
  const stats = {};
  for (const [name, list] of Object.entries(samples)) {
    const failed = list.filter((s) => s.code !== 0 && !commands.find((c) => c.name === name).fails);
    if (failed.length > 0) throw new Error(`${name} exited ${failed[0].code} (${title})`);
    stats[name] = {
      wall: median(list.map((s) => s.wall)),
      cpu: median(list.map((s) => s.cpu)),
      rss: Math.max(...list.map((s) => s.rss)),
      runs: list.length,
    };
    process.stderr.write(
      `  ${name.padEnd(48)} ${ms(stats[name].wall).padStart(9)}  cpu ${ms(stats[name].cpu).padStart(9)}  peak ${stats[name].rss.toFixed(0)} MB\n`,
    );
  }
  return stats;
}

const ms = (value) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const apns = (...args) => [node, cli, ...args];
const shell = (script, ...args) => [sh, '-c', script, 'sh', ...args];
const env = { APNS_SETUP_PASSPHRASE: passphrase, NO_COLOR: '1' };

// --- the files ------------------------------------------------------------------------------
// `demo` makes a key, a CSR, Apple's .cer from a local portal and every output: the inputs here.
const demo = join(scratch, 'demo');
execFileSync(node, [cli, 'demo', '--out', demo], {
  stdio: 'ignore',
  env: { ...process.env, ...env },
});
const cer = join(demo, 'aps.cer');
const key = join(demo, 'key.pem');
const ck = join(demo, 'ck.pem');
// A Keychain Access export: RC2-40 for the certificate, 3DES for the key, SHA-1 MAC.
const keychainP12 = join(scratch, 'keychain.p12');
execFileSync(
  openssl,
  [
    'pkcs12',
    '-export',
    '-legacy',
    '-in',
    join(demo, 'cert.pem'),
    '-inkey',
    join(demo, 'key.unencrypted.pem'),
    '-passout',
    'env:APNS_SETUP_PASSPHRASE',
    '-out',
    keychainP12,
  ],
  { env: { ...process.env, ...env } },
);
/** A folder of `count` copies of the certificate as PEM, 500 to a sub-folder. */
function certificateFolder(count) {
  const dir = join(scratch, `certs-${count}`);
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `batch-${Math.floor(i / 500)}`);
    if (i % 500 === 0) mkdirSync(sub, { recursive: true });
    copyFileSync(join(demo, 'cert.pem'), join(sub, `cert-${i}.pem`));
  }
  return dir;
}
const out = (name) => join(scratch, 'out', `${name}-{i}`);

// The classic recipe, as the guides give it, for the same inputs and the same outputs.
const p12Export = `${openssl} pkcs12 -export -in "$o/cert.pem" -inkey "$o/key.unencrypted.pem" -passout env:APNS_SETUP_PASSPHRASE -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -iter 2048 -out "$o/apns.p12"`;
const importRecipe = [
  'set -e; o=$1; mkdir -p "$o"',
  `${openssl} x509 -inform der -in "$2" -out "$o/cert.pem"`,
  `${openssl} rsa -in "$3" -passin env:APNS_SETUP_PASSPHRASE -traditional -out "$o/key.unencrypted.pem" 2>/dev/null`,
  'cat "$o/cert.pem" "$o/key.unencrypted.pem" > "$o/ck.pem"',
  p12Export,
].join('\n');
const convertRecipe = [
  'set -e; o=$1; mkdir -p "$o"',
  `${openssl} pkcs12 -legacy -in "$2" -passin env:APNS_SETUP_PASSPHRASE -clcerts -nokeys -out "$o/cert.pem"`,
  `${openssl} pkcs12 -legacy -in "$2" -passin env:APNS_SETUP_PASSPHRASE -nocerts -passout env:APNS_SETUP_PASSPHRASE -out "$o/key.pem"`,
  `${openssl} rsa -in "$o/key.pem" -passin env:APNS_SETUP_PASSPHRASE -traditional -out "$o/key.unencrypted.pem" 2>/dev/null`,
  'cat "$o/cert.pem" "$o/key.unencrypted.pem" > "$o/ck.pem"',
  p12Export,
].join('\n');
// What any Node program pays for import's work without apns-setup's: read the two files, decrypt
// the key, export it, and write four of the five files durably (a temporary file each, fsync,
// rename, the folder synced). No .p12 (Node has no PKCS#12 writer), no journal, no checks.
const bareImportScript = join(scratch, 'bare-import.cjs');
writeFileSync(
  bareImportScript,
  `const { X509Certificate, createPrivateKey } = require('node:crypto');
const fs = require('node:fs');
const { join } = require('node:path');
const [cer, keyFile, out] = process.argv.slice(2);
const passphrase = process.env.APNS_SETUP_PASSPHRASE;
const certPem = new X509Certificate(fs.readFileSync(cer)).toString();
const key = createPrivateKey({ key: fs.readFileSync(keyFile), passphrase });
const plain = key.export({ type: 'pkcs1', format: 'pem' });
const files = {
  'cert.pem': certPem,
  'key.pem': key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
  'key.unencrypted.pem': plain,
  'ck.pem': certPem + plain,
};
fs.mkdirSync(out, { recursive: true, mode: 0o700 });
let pending = Object.keys(files).length;
for (const [name, text] of Object.entries(files)) {
  const temp = join(out, '.tmp-' + process.pid + '-' + name);
  const fd = fs.openSync(temp, 'wx', name === 'cert.pem' ? 0o644 : 0o600);
  fs.writeFileSync(fd, text);
  fs.fsync(fd, (error) => {
    if (error) throw error;
    fs.closeSync(fd);
    fs.renameSync(temp, join(out, name));
    if (--pending === 0) {
      const dir = fs.openSync(out, 'r');
      fs.fsync(dir, () => fs.closeSync(dir));
    }
  });
}
`,
);
// `check --days 30` in shell: one openssl process per file, exit 1 when any expires within 30 days.
const checkLoop = `s=0; for f in $(find "$1" -name '*.pem' | sort); do ${openssl} x509 -checkend 2592000 -noout -in "$f" >/dev/null || s=1; done; exit $s`;

const rows = [];
/**
 * One line of the table: what was measured, against what, the ratio, the target, whether met
 * (null for a row shown beside another, with no target of its own).
 */
function row(measure, value, against, result, target, met) {
  rows.push({
    measure,
    value,
    against,
    result,
    target,
    met: met === null ? '—' : met ? 'yes' : '**no**',
  });
}

// --- start-up ---------------------------------------------------------------------------------
const floor = { name: 'node -e 0', argv: [node, '-e', '0'] };
{
  const s = race(
    'start-up',
    [
      floor,
      { name: '--version', argv: apns('--version') },
      { name: '--help', argv: apns('--help') },
      { name: 'inspect aps.cer', argv: apns('inspect', cer) },
      { name: 'check aps.cer', argv: apns('check', cer) },
      {
        name: 'inspect aps.cer, no code cache',
        argv: apns('inspect', cer),
        env: { NODE_DISABLE_COMPILE_CACHE: '1' },
      },
    ],
    runs,
  );
  const f = s['node -e 0'].wall;
  for (const [name, target] of [
    ['--version', 1.1],
    ['--help', 1.1],
    ['inspect aps.cer', 1.2],
    ['check aps.cer', 1.2],
  ]) {
    const r = s[name].wall / f;
    row(
      `\`${name}\``,
      ms(s[name].wall),
      `\`node -e 0\` ${ms(f)}`,
      ratio(s[name].wall, f),
      `≤ ${target}×`,
      r <= target,
    );
  }
  const cold = s['inspect aps.cer, no code cache'].wall;
  row(
    '`inspect aps.cer` as a first run (no compiled code kept yet)',
    ms(cold),
    `\`node -e 0\` ${ms(f)}`,
    ratio(cold, f),
    '—',
    null,
  );
}

// --- import and convert -------------------------------------------------------------------------
{
  const s = race(
    'import',
    [
      floor,
      { name: 'recipe', argv: shell(importRecipe, out('recipe-import'), cer, key), env },
      { name: 'import', argv: apns('import', cer, '--key', key, '--out', out('import')), env },
      {
        name: 'bare Node import',
        argv: [node, bareImportScript, cer, key, out('bare-import')],
        env,
      },
    ],
    runs,
  );
  const f = s['node -e 0'].wall;
  const bare = s['bare Node import'].wall;
  row(
    '`import aps.cer --key key.pem` (all outputs)',
    ms(s.import.wall),
    `\`node -e 0\` ${ms(f)}; the OpenSSL recipe ${ms(s.recipe.wall)}; a bare Node script writing four of the files durably, without the \`.p12\` or any check, ${ms(bare)} (${ratio(bare, f)})`,
    `${ratio(s.import.wall, f)}; ${ratio(s.import.wall, s.recipe.wall)} the recipe; ${ratio(s.import.wall, bare)} the bare script`,
    '≤ 1.25× `node -e 0`',
    s.import.wall / f <= 1.25,
  );
}
{
  const s = race(
    'convert',
    [
      floor,
      { name: 'recipe', argv: shell(convertRecipe, out('recipe-convert'), keychainP12), env },
      { name: 'convert', argv: apns('convert', keychainP12, '--out', out('convert')), env },
    ],
    runs,
  );
  const f = s['node -e 0'].wall;
  row(
    '`convert` of a Keychain (RC2-40) `.p12`',
    ms(s.convert.wall),
    `\`node -e 0\` ${ms(f)}; the recipe with \`-legacy\` ${ms(s.recipe.wall)}`,
    `${ratio(s.convert.wall, f)}; ${ratio(s.convert.wall, s.recipe.wall)} the recipe`,
    '≤ 1.3× `node -e 0`',
    s.convert.wall / f <= 1.3,
  );
}

// --- check over many files ----------------------------------------------------------------------
let loopPerFile;
{
  const dir = certificateFolder(300);
  const s = race(
    'check 300',
    [
      { name: 'openssl loop', argv: shell(checkLoop, dir) },
      { name: 'check', argv: apns('check', dir, '--days', '30') },
    ],
    heavyRuns,
  );
  const r = s.check.wall / s['openssl loop'].wall;
  loopPerFile = s['openssl loop'].wall / 300;
  row(
    '`check` over 300 certificates',
    ms(s.check.wall),
    `a shell loop of \`openssl x509 -checkend\` ${ms(s['openssl loop'].wall)}`,
    ratio(s.check.wall, s['openssl loop'].wall),
    '≤ 0.1×',
    r <= 0.1,
  );
}
{
  const dir = certificateFolder(largeCheck);
  const n = largeCheck.toLocaleString('en');
  const checks = race(
    `check ${n}`,
    [
      { name: 'check', argv: apns('check', dir, '--days', '30') },
      { name: 'check --json', argv: apns('check', dir, '--days', '30', '--json') },
    ],
    heavyRuns,
  );
  const l = fullLoop
    ? race(`openssl loop over ${n}`, [{ name: 'openssl loop', argv: shell(checkLoop, dir) }], 1)[
        'openssl loop'
      ].wall
    : loopPerFile * largeCheck;
  const rss = Math.max(checks.check.rss, checks['check --json'].rss);
  row(
    `\`check\` over ${n} certificates`,
    `${ms(checks.check.wall)} (\`--json\` ${ms(checks['check --json'].wall)}), peak RSS ${rss.toFixed(0)} MB`,
    `the same loop ${ms(l)}${fullLoop ? '' : ' (the 300-file loop per file)'}`,
    ratio(checks.check.wall, l),
    '≤ 0.1×, ≤ 100 MB',
    checks.check.wall / l <= 0.1 && rss <= 100,
  );
  rmSync(dir, { recursive: true, force: true });
}

// --- push against the local sandbox -------------------------------------------------------------
const topic = JSON.parse(
  execFileSync(node, [cli, 'inspect', ck, '--json'], { encoding: 'utf8' }),
)[0].certificate.bundleId;
const sandbox = spawn(
  node,
  [cli, 'sandbox', '--json', '--client-ca', join(demo, 'portal-ca.pem')],
  {
    stdio: ['ignore', 'pipe', 'ignore'],
  },
);
const lines = createInterface({ input: sandbox.stdout });
const { url, caFile } = await new Promise((resolve) =>
  lines.once('line', (line) => resolve(JSON.parse(line))),
);
lines.on('line', () => {}); // its log, one JSON line a notification: read and dropped
const token = 'a'.repeat(64);
// Every client sends the same notification: this body, the one curl, node-apn and the bare client
// are given. Our default (the alert template) is three times as long, and the sandbox's share of
// the work grows with it.
const notification = '{"aps":{"alert":"bench"}}';
const payloadFile = join(scratch, 'payload.json');
writeFileSync(payloadFile, notification);
const pushArgs = [
  'push',
  '--cert',
  ck,
  '--endpoint',
  url,
  '--ca',
  caFile,
  '--payload',
  payloadFile,
];
const nodeApnPath = join(root, 'node_modules/@parse/node-apn');
const hasNodeApn = (() => {
  try {
    readFileSync(join(nodeApnPath, 'package.json'));
    return true;
  } catch {
    process.stderr.write(
      '@parse/node-apn is not installed (npm ci installs it as a devDependency)\n',
    );
    return false;
  }
})();
const nodeApnScript = join(scratch, 'node-apn-push.cjs');
writeFileSync(
  nodeApnScript,
  `const apn = require(${JSON.stringify(nodeApnPath)});
const fs = require('node:fs');
const [count] = process.argv.slice(2).map(Number);
const { hostname, port } = new URL(${JSON.stringify(url)});
const provider = new apn.Provider({ cert: ${JSON.stringify(ck)}, key: ${JSON.stringify(ck)}, ca: fs.readFileSync(${JSON.stringify(caFile)}), address: hostname, port: Number(port), production: false, requestTimeout: 600000 });
const note = new apn.Notification({ rawPayload: ${notification}, topic: ${JSON.stringify(topic)} });
const tokens = Array.from({ length: count }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
provider.send(note, tokens).then(({ sent, failed }) => { provider.shutdown(); if (failed.length > 0) { console.error(JSON.stringify(failed[0])); process.exitCode = 1; } });
`,
);
// The floor of any Node client: Node's http2 alone, the same connection and concurrency (up to
// 1,000 streams at once), and nothing per token beyond sending it and reading its answer — no
// retries, no results, no output; CommonJS, one file. What a full client can approach, not
// beat: for one push (Node's start-up, http2 and TLS, one round trip) and for 10,000.
const bareScript = join(scratch, 'bare-http2-push.cjs');
writeFileSync(
  bareScript,
  `const http2 = require('node:http2');
const { readFileSync } = require('node:fs');
const ck = readFileSync(${JSON.stringify(ck)});
const tokens = readFileSync(process.argv[2], 'utf8').split('\\n').filter(Boolean);
const session = http2.connect(${JSON.stringify(url)}, { cert: ck, key: ck, ca: readFileSync(${JSON.stringify(caFile)}) });
const body = ${JSON.stringify(notification)};
let next = 0, inFlight = 0, done = 0, failed = 0;
function fill() {
  while (inFlight < 1000 && next < tokens.length) {
    inFlight += 1;
    const stream = session.request({ ':method': 'POST', ':path': '/3/device/' + tokens[next++], 'apns-topic': ${JSON.stringify(topic)}, 'apns-push-type': 'alert' });
    stream.on('response', (headers) => { if (headers[':status'] !== 200) failed += 1; });
    stream.resume();
    stream.on('close', () => { inFlight -= 1; done += 1; if (done === tokens.length) session.close(); else fill(); });
    stream.end(body);
  }
}
session.on('connect', fill);
session.on('close', () => { if (failed > 0 || done < tokens.length) process.exitCode = 1; });
`,
);
/** A file of `count` distinct tokens, one per line. */
function tokensFile(count) {
  const path = join(scratch, `tokens-${count}.txt`);
  writeFileSync(path, '');
  const chunk = [];
  for (let i = 1; i <= count; i++) {
    chunk.push(i.toString(16).padStart(64, '0'));
    if (chunk.length === 10_000 || i === count) {
      writeFileSync(path, `${chunk.join('\n')}\n`, { flag: 'a' });
      chunk.length = 0;
    }
  }
  return path;
}

{
  const commands = [floor, { name: 'push --token', argv: apns(...pushArgs, '--token', token) }];
  if (curl) {
    commands.push({
      name: 'curl --http2',
      argv: [
        curl,
        '-sS',
        '-o',
        '/dev/null',
        '--http2',
        '--cert',
        ck,
        '--cacert',
        caFile,
        '-H',
        `apns-topic: ${topic}`,
        '-d',
        notification,
        `${url}/3/device/${token}`,
      ],
    });
  }
  if (hasNodeApn) commands.push({ name: '@parse/node-apn', argv: [node, nodeApnScript, '1'] });
  commands.push({ name: 'bare http2 client', argv: [node, bareScript, tokensFile(1)] });
  const s = race('push one notification', commands, runs);
  const f = s['node -e 0'].wall;
  const others = [
    `\`node -e 0\` ${ms(f)}`,
    ...(curl ? [`curl ${ms(s['curl --http2'].wall)}`] : []),
    ...(hasNodeApn ? [`@parse/node-apn ${ms(s['@parse/node-apn'].wall)}`] : []),
    `a bare Node http2 client ${ms(s['bare http2 client'].wall)} (${ratio(s['bare http2 client'].wall, f)}: the floor)`,
  ];
  row(
    '`push` of one notification to the local sandbox',
    ms(s['push --token'].wall),
    others.join('; '),
    `${ratio(s['push --token'].wall, f)}${curl ? `; ${ratio(s['push --token'].wall, s['curl --http2'].wall)} curl` : ''}; ${ratio(s['push --token'].wall, s['bare http2 client'].wall)} the bare client`,
    '≤ 1.3× `node -e 0`',
    s['push --token'].wall / f <= 1.3,
  );
}
{
  const tokens = tokensFile(10_000);
  const commands = [
    {
      name: 'push --tokens-file',
      argv: apns(...pushArgs, '--tokens-file', tokens, '--timeout', '600'),
    },
    {
      name: 'push --tokens-file --json',
      argv: apns(...pushArgs, '--tokens-file', tokens, '--json', '--timeout', '600'),
    },
  ];
  if (hasNodeApn) commands.push({ name: '@parse/node-apn', argv: [node, nodeApnScript, '10000'] });
  commands.push({ name: 'bare http2 client', argv: [node, bareScript, tokens] });
  const s = race('push 10,000 tokens', commands, tokenRuns);
  // Flat memory: the peak for ten times the tokens (and, with BENCH_MILLION, a hundred times).
  const more = [100_000, ...(process.env.BENCH_MILLION ? [1_000_000] : [])].map((count) => {
    const file = tokensFile(count);
    const r = race(
      `push ${count} tokens`,
      [
        {
          name: `push --tokens-file (${count})`,
          argv: apns(...pushArgs, '--tokens-file', file, '--timeout', '3600'),
        },
      ],
      1,
    )[`push --tokens-file (${count})`];
    rmSync(file);
    return { count, ...r };
  });
  const ours = s['push --tokens-file'];
  const rate = (wall) => Math.round((10_000 / wall) * 1000);
  const peaks = [
    `${ours.rss.toFixed(0)} MB`,
    ...more.map((m) => `${m.rss.toFixed(0)} MB for ${m.count.toLocaleString('en')}`),
  ].join(', ');
  const flat = more.every((m) => m.rss <= 120);
  if (hasNodeApn) {
    const theirs = s['@parse/node-apn'];
    const bare = s['bare http2 client'];
    row(
      '`push --tokens-file` 10,000 tokens',
      `${ms(ours.wall)}, ${rate(ours.wall)}/s (\`--json\` ${ms(s['push --tokens-file --json'].wall)}); peak RSS ${peaks}`,
      `@parse/node-apn ${ms(theirs.wall)}, ${rate(theirs.wall)}/s, peak RSS ${theirs.rss.toFixed(0)} MB; a bare Node http2 client ${ms(bare.wall)} (${ratio(theirs.wall, bare.wall)} node-apn's throughput: the floor)`,
      `${ratio(theirs.wall, ours.wall)} the throughput`,
      '≥ 1.5×, memory flat',
      theirs.wall / ours.wall >= 1.5 && flat,
    );
  }
}
sandbox.kill('SIGTERM');
await new Promise((resolve) => sandbox.once('exit', resolve));

// --- the wizard's first screen ------------------------------------------------------------------
{
  // Bare `apns-setup` in a terminal, in an empty folder with an empty home (the wizard looks
  // for certificates nearby and in ~/Downloads): the time until its first question is drawn
  // whole, down to the key hints under the choices.
  const home = join(scratch, 'home');
  mkdirSync(join(home, 'Downloads'), { recursive: true });
  process.stderr.write(`wizard's first screen: ${runs} rounds…\n`);
  const samples = measure({
    mode: 'pty',
    rounds: runs,
    warmup: 1,
    argv: apns(),
    env: { HOME: home, NO_COLOR: '1', TERM: 'xterm', APNS_SETUP_PASSPHRASE: null },
    cwd: home,
    expect: 'What would you like to do[\\s\\S]*select',
  });
  const missing = samples.find((s) => s.wall === null);
  if (missing) throw new Error(`the wizard's first screen never came: ${missing.output}`);
  const first = median(samples.map((s) => s.wall));
  process.stderr.write(`  first screen ${ms(first)}\n`);
  row(
    "the wizard's first screen (bare `apns-setup` in a terminal)",
    ms(first),
    'spawn to the whole first question drawn',
    '—',
    '≤ 0.5 s',
    first <= 500,
  );
}

// --- instructions (BENCH_INSTRUCTIONS=1) -----------------------------------------------------------
const valgrind = process.env.BENCH_INSTRUCTIONS ? which('valgrind') : null;
if (process.env.BENCH_INSTRUCTIONS && !valgrind) {
  process.stderr.write('BENCH_INSTRUCTIONS=1 needs valgrind on PATH: no instructions counted\n');
}
let counted = 0;
/** Millions of instructions `argv` runs (all its threads), the median of three runs. */
function instructions(argv, extraEnv = {}) {
  const counts = [];
  const [program, ...rest] = argv;
  for (let run = 0; run < 3; run++) {
    // V8 draws its hash seed at random and then searches for primes from it: up to 5 million
    // instructions that differ from run to run. A fixed --random-seed makes that the same work
    // every time, and V8 leaves that flag out of the digest it checks kept code against, so
    // Node's built-in code and the commands' kept code are taken as in any run.
    const args = [program, '--random-seed=5', ...rest].map((arg) =>
      arg.replace('{i}', `counted-${++counted}`),
    );
    const result = spawnSync(
      valgrind,
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        // V8 writes code as it runs: valgrind must see each write, or it runs stale copies.
        '--smc-check=all-non-file',
        '--cachegrind-out-file=/dev/null',
        ...args,
      ],
      {
        env: { ...process.env, ...extraEnv },
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const refs = /I\s+refs:\s+([\d,]+)/.exec(result.stderr ?? '');
    if (result.status !== 0 || !refs)
      throw new Error(`${argv.join(' ')} under valgrind: ${result.status}`);
    counts.push(Number(refs[1].replaceAll(',', '')) / 1e6);
  }
  return median(counts);
}
const counts = [];
if (valgrind) {
  process.stderr.write('instructions: 8 commands × 3 runs under valgrind…\n');
  // The compiled code of each command is kept already: the races' warm-up rounds ran them.
  for (const [name, argv, extraEnv] of [
    ['`node -e 0`', [node, '-e', '0']],
    ['`--version`', apns('--version')],
    ['`--help`', apns('--help')],
    ['`inspect aps.cer`', apns('inspect', cer)],
    ['`check aps.cer`', apns('check', cer)],
    [
      '`import aps.cer --key key.pem`',
      apns('import', cer, '--key', key, '--out', out('import')),
      env,
    ],
    ['the bare Node import script', [node, bareImportScript, cer, key, out('bare-import')], env],
    ['`convert` of a Keychain `.p12`', apns('convert', keychainP12, '--out', out('convert')), env],
  ]) {
    const millions = instructions(argv, extraEnv);
    counts.push({ name, millions });
    process.stderr.write(`  ${name.padEnd(48)} ${millions.toFixed(1).padStart(9)} million\n`);
  }
}
const countTable =
  counts.length === 0
    ? ''
    : [
        '',
        'Instructions (`BENCH_INSTRUCTIONS=1`: valgrind’s cachegrind, every thread, the median of three runs,',
        'each with V8’s `--random-seed=5`; a measure of work that the machine’s load does not move, for',
        'comparing two builds):',
        '',
        '| command | million instructions | × `node -e 0` |',
        '|---|---|---|',
        ...counts.map(
          (c) =>
            `| ${c.name} | ${c.millions.toFixed(1)} | ${(c.millions / counts[0].millions).toFixed(2)}× |`,
        ),
        '',
      ].join('\n');

// --- RESULTS.md ---------------------------------------------------------------------------------
const version = (argv) => {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'absent';
  }
};
const loadAfter = loadavg();
const cpu = cpus();
const table = [
  '| measure | apns-setup | compared with | ratio | target | met |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) => `| ${[r.measure, r.value, r.against, r.result, r.target, r.met].join(' | ')} |`,
  ),
];
/** The targets missed, said in words under the table, and how loaded the machine was. */
function missedNote(all, load, cores) {
  const missed = all.filter((r) => r.met === '**no**');
  const busy =
    load > cores
      ? ` The machine was shared (load average ${load.toFixed(1)} on ${cores} cores): every time above is inflated, \`node -e 0\` included, and ratios are of medians taken in the same rounds.`
      : '';
  const list = missed.map((r) => `${r.measure} (${r.result.split(';')[0]}, target ${r.target})`);
  return missed.length === 0
    ? `Every target is met.${busy}`
    : `Missed (${missed.length} of ${all.filter((r) => r.met !== '—').length}): ${list.join('; ')}.${busy}`;
}
const document = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs); do not edit by hand. Every row ran side by side with
what it is compared with, in alternating rounds; times are medians of wall time from spawn to exit,
peak RSS the largest seen.

- Date: ${started.toISOString()}
- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end), Linux ${release()}
- Load average (1 min) before and after: ${loadBefore[0].toFixed(2)}, ${loadAfter[0].toFixed(2)}
- Node ${process.versions.node}; ${version([openssl, 'version'])}; ${curl ? version([curl, '--version']).split(' ').slice(0, 2).join(' ') : 'no curl'}; @parse/node-apn ${hasNodeApn ? JSON.parse(readFileSync(join(nodeApnPath, 'package.json'), 'utf8')).version : 'absent'}
- Environment: ${extraCaCerts === undefined ? 'no NODE_EXTRA_CA_CERTS' : `NODE_EXTRA_CA_CERTS (${extraCaCerts}) was set here and removed for every command measured: with it, \`node -e 0\` alone costs several times Node's own start-up (see bench/run.mjs)`}
- Rounds: ${runs} for the quick rows and the wizard, ${heavyRuns} for \`check\` over 300 and ${largeCheck.toLocaleString('en')} files, ${tokenRuns} for 10,000 tokens; ${fullLoop ? `one for the ${largeCheck.toLocaleString('en')}-file shell loop` : `the ${largeCheck.toLocaleString('en')}-file shell loop is the 300-file loop's time per file, times ${largeCheck.toLocaleString('en')} (\`BENCH_FULL_LOOP=1\` runs it)`}

${table.join('\n')}

${missedNote(rows, loadBefore[0], cpu.length)}
${countTable}
What each row runs:
- \`node -e 0\`: the floor of any Node CLI on this machine, measured in the same rounds as the row.
- apns-setup's commands run as a user's second and later runs do: the first round of each row
  (a warm-up, not counted) keeps their compiled code in the bench's own cache folder (V8's code
  cache, \`src/command-file.ts\`). The row "as a first run" runs with
  \`NODE_DISABLE_COMPILE_CACHE=1\`.
- The OpenSSL recipe (\`import\`): \`openssl x509 -inform der\`, \`openssl rsa -traditional\` to drop
  the passphrase, \`cat\` into ck.pem, \`openssl pkcs12 -export\` (3DES, SHA-1 MAC, 2048 iterations,
  as our compatible profile), in one \`sh\` script. For \`convert\`: \`openssl pkcs12 -legacy
  -clcerts -nokeys\`, \`-nocerts\`, \`openssl rsa\`, \`cat\` and the same export.
- The bare Node script (\`import\`): what any Node program pays for the same job without
  apns-setup's part. It reads the two files, decrypts the key with \`node:crypto\` and writes
  \`cert.pem\`, \`key.pem\`, \`key.unencrypted.pem\` and \`ck.pem\` each through a temporary file,
  fsync and rename, then syncs the folder. It writes no \`.p12\` (Node has no PKCS#12 writer),
  keeps no journal and checks nothing (which certificate, whether the key is its key, what is
  already there). There is none for \`convert\`: Node cannot open a Keychain \`.p12\` (RC2-40).
- \`check\`: \`apns-setup check DIR --days 30\` against \`for f in …; do openssl x509 -checkend
  2592000 -noout -in "$f"; done\` over the same files (copies of one certificate, 500 to a folder).
- \`push\`: to \`apns-setup sandbox\` on this machine (TLS, HTTP/2, client certificates), with the
  certificate \`apns-setup demo\` made; curl with \`--http2 --cert\`; @parse/node-apn's
  \`Provider.send\` in a Node script; a bare client on Node's http2 (one CommonJS file, the same
  connection and concurrency, nothing per token but the request and its answer) is the floor any
  Node client meets, for one push as for 10,000. All of them send the same notification,
  \`${notification}\` (ours with \`--payload\`). The 100,000-token run shows whether memory grows with
  the number of tokens.
- The wizard: bare \`apns-setup\` in a pseudo-terminal (bench/measure.py), timed from spawn until
  the first question and its key hints are on the screen.
`;
writeFileSync(join(root, 'bench/RESULTS.md'), document);
process.stdout.write(`${table.join('\n')}\n\nWritten to bench/RESULTS.md\n`);
rmSync(scratch, { recursive: true, force: true });

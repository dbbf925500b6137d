// Runs the whole suite again with the clock moved on (+400 days, +5 years) under libfaketime,
// which shifts Date and OpenSSL's clock for every process the tests start. A test that passes
// only today is a broken test; this is where that shows.
//
// The whole suite, not a chosen list: the slow tests (the built CLI, TLS, openssl) are the ones
// that read the clock, and a list would miss the next test that starts to.
//
// faketime is a Debian package. Where it is missing, it is installed when that is possible (root
// with apt-get, as in CI); otherwise the run says so plainly, and fails in CI.
import { spawnSync } from 'node:child_process';

const SHIFTS = ['+400d', '+5y'];

function hasFaketime() {
  return spawnSync('faketime', ['-f', '+1d', 'true'], { stdio: 'ignore' }).status === 0;
}

function tryInstall() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return;
  console.error('test:future: installing faketime (Debian package)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', 'faketime'], { stdio: 'ignore', env }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    install();
  }
}

if (!hasFaketime()) tryInstall();
if (!hasFaketime()) {
  const message =
    'test:future: faketime is not installed, so the suite was NOT run with the clock moved on. ' +
    'Install it (Debian/Ubuntu: apt-get install faketime; macOS: brew install libfaketime).';
  console.error(message);
  process.exit(process.env.CI ? 1 : 0);
}

for (const shift of SHIFTS) {
  console.error(`\ntest:future: the whole suite with the clock at ${shift}`);
  const run = spawnSync('faketime', ['-f', shift, 'npx', 'vitest', 'run'], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`test:future: the suite fails with the clock at ${shift}.`);
    process.exit(run.status ?? 1);
  }
}

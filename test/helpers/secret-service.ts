/**
 * A real Secret Service for tests: GNOME Keyring in its own D-Bus session (dbus-run-session),
 * with HOME (where it keeps its keyrings) and XDG_RUNTIME_DIR in a scratch folder, and no
 * display (no unlock prompt can be shown). Debian: gnome-keyring, dbus-daemon (.ci/run installs
 * them); where they are missing the tests say so and skip, and fail under CI.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'vitest';

const TOOLS = ['dbus-run-session', 'gnome-keyring-daemon', 'dbus-send'];
const missing =
  process.platform === 'linux'
    ? TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
    : [];
export const SECRET_SERVICE_MISSING =
  process.platform !== 'linux'
    ? 'not Linux: the Secret Service test was not run'
    : `${missing.join(', ')} not installed: the Secret Service test was not run ` +
      '(apt-get install --no-install-recommends gnome-keyring dbus-daemon)';
export const hasSecretService = process.platform === 'linux' && missing.length === 0;
if (!hasSecretService) console.warn(SECRET_SERVICE_MISSING);

export function requireSecretService(context: TestContext): void {
  if (hasSecretService) return;
  if (process.env.CI && process.platform === 'linux')
    throw new Error(`${SECRET_SERVICE_MISSING}; under CI .ci/run installs them`);
  context.skip(SECRET_SERVICE_MISSING);
}

export const KEYRING_PASSWORD = 'keyring-password';

/**
 * Runs `script` (sh) in a new D-Bus session with GNOME Keyring, unlocked with KEYRING_PASSWORD
 * (creating the login keyring the first time) or locked; `env` is all the script sees, with
 * PATH, HOME and XDG_RUNTIME_DIR (and libfaketime's variables, under npm run test:future).
 */
export function inSecretServiceSession(options: {
  unlock: boolean;
  home: string;
  runtimeDir: string;
  script: string;
  env?: Record<string, string>;
}): { stdout: string; stderr: string; status: number | null } {
  const start = options.unlock
    ? 'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
    : 'gnome-keyring-daemon --start --components=secrets >/dev/null';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.home,
    XDG_RUNTIME_DIR: options.runtimeDir,
    KEYRING_PASSWORD,
    ...options.env,
  };
  for (const [name, value] of Object.entries(process.env))
    if (/^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/.test(name)) env[name] = value;
  const run = spawnSync('dbus-run-session', ['--', 'sh', '-c', `${start}\n${options.script}`], {
    env,
    encoding: 'utf8',
    timeout: 50_000,
  });
  if (run.error) throw run.error;
  return { stdout: run.stdout, stderr: run.stderr, status: run.status };
}

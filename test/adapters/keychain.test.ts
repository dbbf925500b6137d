/**
 * The OS keychain adapter where there is no usable keychain: it says so in one line, never
 * throws, never hangs. The pure parts (what the library's messages mean, one line, no secret)
 * are tested on the messages measured with @napi-rs/keyring 2.1.2 on Linux. The round trip
 * through a real Secret Service is test/e2e/keychain-secret-service.test.ts.
 *
 * A session bus without a Secret Service needs dbus-daemon (Debian: dbus-daemon), installed by
 * .ci/run. Where it is missing that case says so and is skipped; under CI it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import {
  explainKeychainFailure,
  oneLine,
  openKeychain,
  scrubSecret,
  type KeychainUnavailable,
} from '../../src/adapters/keychain.js';
import { scratchDir } from '../helpers/cli.js';

const scratch = scratchDir('apns-setup-keychain-');
afterAll(() => scratch.remove());

const isLinux = process.platform === 'linux';
const NOT_LINUX = 'not Linux: the Secret Service cases were not run';
const DBUS_MISSING =
  'dbus-daemon is not installed: the case of a session bus without a Secret Service was not run (apt-get install dbus-daemon)';
const hasDbusDaemon = spawnSync('dbus-daemon', ['--version'], { stdio: 'ignore' }).status === 0;
if (isLinux && !hasDbusDaemon) console.warn(DBUS_MISSING);

/** The environment of a process that has no session bus (and no way to find one). */
function envWithoutBus(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'DISPLAY', 'WAYLAND_DISPLAY'])
    delete env[name];
  return env;
}

function expectOneLineUnavailable(result: unknown): asserts result is KeychainUnavailable {
  expect(result).toMatchObject({ available: false });
  const { message } = result as KeychainUnavailable;
  expect(message).not.toMatch(/[\r\n]/);
  expect(message.length).toBeGreaterThan(10);
  expect(message.length).toBeLessThanOrEqual(200);
  expect(message).not.toMatch(/\.$/);
}

function skipUnlessLinux(context: TestContext): void {
  if (!isLinux) context.skip(NOT_LINUX);
}

describe('what the library says, in one line', () => {
  // Messages as @napi-rs/keyring 2.1.2 gives them on Linux (all with code GenericFailure).
  const measured: [string, string, string][] = [
    [
      'no session bus',
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'no-service',
    ],
    [
      'a bus address that leads nowhere',
      'Platform failure: DBus error: Failed to connect to socket /nonexistent: No such file or directory',
      'no-service',
    ],
    [
      'a bus without a Secret Service',
      'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
      'no-service',
    ],
    [
      'a Secret Service that never replies',
      'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.',
      'no-service',
    ],
    [
      'a locked keyring, no one to unlock it',
      "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
      'locked',
    ],
    [
      'a Secret Service without a default keyring',
      "Couldn't access platform storage: Secret Service: no result found",
      'no-keyring',
    ],
    ['the kernel keyring refusing', "Couldn't access platform storage: AccessDenied", 'failed'],
  ];
  it.each(measured)('%s', (_what, detail, reason) => {
    const explained = explainKeychainFailure('call', detail);
    expect(explained.reason).toBe(reason);
    expect(explained.message).not.toMatch(/[\r\n]|^(Platform failure|Couldn't access)/);
  });

  it("macOS's locked keychain where it cannot ask (errSecInteractionNotAllowed) is 'locked'", () => {
    expect(explainKeychainFailure('call', 'User interaction is not allowed.').reason).toBe(
      'locked',
    );
  });

  it('names the Secret Service when none runs', () => {
    expect(
      explainKeychainFailure(
        'call',
        'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
      ).message,
    ).toBe('no Secret Service is running (org.freedesktop.secrets)');
  });

  it('a missing prebuilt package is "unsupported", without npm folklore', () => {
    const explained = explainKeychainFailure(
      'load',
      'Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828). Please try `npm i` again after removing both package-lock.json and node_modules directory.',
    );
    expect(explained.reason).toBe('unsupported');
    expect(explained.message).toBe(
      `@napi-rs/keyring has no prebuilt package installed for ${process.platform}-${process.arch}`,
    );
  });

  it('anything else is "failed", in the library\'s words on one line', () => {
    expect(explainKeychainFailure('call', 'Platform failure: odd\n\tthing here')).toEqual({
      reason: 'failed',
      message: 'odd thing here',
    });
  });

  it('oneLine joins lines, escapes control characters and caps the length', () => {
    expect(oneLine(' a\r\n\tb\u001b[31mc\u0000d\u202e ')).toBe('a b\\x1b[31mc\\x00d\\u202e');
    const long = oneLine('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('scrubSecret takes every occurrence of the secret out of a message', () => {
    expect(scrubSecret('bad value hunter2, really hunter2', 'hunter2')).toBe(
      'bad value ***, really ***',
    );
    expect(scrubSecret('nothing to hide', undefined)).toBe('nothing to hide');
    expect(scrubSecret('an empty secret is everywhere', '')).toBe('an empty secret is everywhere');
  });
});

describe('no usable keychain: unavailable, in one line, without throwing or hanging', () => {
  it('without a session bus (no DBUS_SESSION_BUS_ADDRESS)', async (context) => {
    skipUnlessLinux(context);
    const result = await openKeychain({ env: envWithoutBus(), timeoutMs: 10_000 });
    expectOneLineUnavailable(result);
    // 'no-service', not the deadline's 'timeout': it did not wait for the bus.
    expect(result.reason).toBe('no-service');
    expect(result.message).toContain('DBUS_SESSION_BUS_ADDRESS');
  });

  it('with a session bus on which no Secret Service runs', async (context) => {
    skipUnlessLinux(context);
    if (!hasDbusDaemon) {
      if (process.env.CI) throw new Error(`${DBUS_MISSING}; under CI .ci/run installs it`);
      context.skip(DBUS_MISSING);
    }
    const bus = await startBareBus();
    try {
      const result = await openKeychain({
        env: { ...envWithoutBus(), DBUS_SESSION_BUS_ADDRESS: bus.address },
        timeoutMs: 10_000,
      });
      expectOneLineUnavailable(result);
      expect(result).toEqual({
        available: false,
        reason: 'no-service',
        message: 'no Secret Service is running (org.freedesktop.secrets)',
      });
    } finally {
      bus.process.kill();
    }
  });

  it('with a bus that never answers: the deadline, and the helper is killed', async (context) => {
    // The library connects to the bus synchronously: without the helper process this would
    // block the test process for good.
    skipUnlessLinux(context);
    const socketPath = join(scratch.path, 'silent-bus.sock');
    const sockets: Socket[] = [];
    let closed = 0;
    const server: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('close', () => closed++);
      socket.resume(); // read (and drop) its AUTH line, so that its end is seen
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await openKeychain({
        env: { ...envWithoutBus(), DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}` },
        timeoutMs: 3_000,
      });
      expectOneLineUnavailable(result);
      expect(result.reason).toBe('timeout');
      expect(result.message).toContain('did not answer within 3 s');
      // The helper had connected; killed, its end of the socket closes.
      expect(sockets.length).toBe(1);
      await expect.poll(() => closed, { timeout: 5_000 }).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when the prebuilt platform package cannot be loaded', async () => {
    // What npm install --omit=optional, or a platform without a prebuilt package, leaves: the
    // binding's loader finds nothing. NAPI_RS_NATIVE_LIBRARY_PATH points it at a missing file.
    const result = await openKeychain({
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: join(scratch.path, 'missing.node') },
      timeoutMs: 10_000,
    });
    expectOneLineUnavailable(result);
    expect(result).toEqual({
      available: false,
      reason: 'unsupported',
      message: `@napi-rs/keyring has no prebuilt package installed for ${process.platform}-${process.arch}`,
    });
  });
});

/** A session bus with no service files: nothing can be activated on it. */
async function startBareBus(): Promise<{ address: string; process: ChildProcess }> {
  const config = join(scratch.path, 'bare-session.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${scratch.path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const daemon = spawn(
    'dbus-daemon',
    [`--config-file=${config}`, '--print-address=1', '--nofork'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const lines = createInterface({ input: daemon.stdout });
  const address = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited (${String(code)})`)));
  });
  lines.close();
  return { address, process: daemon };
}

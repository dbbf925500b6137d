import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isEmptyOrMissingDir } from '../adapters/output-files.js';
import { runTaskList } from '../adapters/task-list.js';
import { CancelledError, InputError, type ExitCode } from '../core/errors.js';
import { runDemo, type DemoPorts, type DemoSandbox } from '../flows/demo.js';
import { startDemoSandbox } from '../sandbox/demo-sandbox.js';
import { listenForStopSignal } from '../adapters/stop-signal.js';
import { testPush } from '../flows/test-push.js';
import { demoSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';
import { createPushPorts } from './push-ports.js';

interface DemoOptions {
  out?: string;
}

const PASSPHRASE_FILE = 'passphrase.txt';

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as DemoOptions;
  const started: { sandbox: DemoSandbox | null } = { sandbox: null };
  const keep = options.out !== undefined;
  const dir = keep
    ? resolve(context.cwd, options.out!)
    : await mkdtemp(join(tmpdir(), 'apns-setup-demo-'));
  // Ctrl-C must not leave private keys in a scratch folder: stop, clean up, then exit 130.
  const stop = listenForStopSignal();
  let cancelled = false;
  try {
    if (keep && !(await isEmptyOrMissingDir(dir))) {
      throw new InputError('FILE_EXISTS', `${options.out!} is not empty`, {
        hint: 'The demo writes a fresh set of files: pass --out with a new or empty folder.',
      });
    }
    // No TTY needed: the passphrase comes from the environment or is made up (and kept with --out).
    const given = context.env.APNS_SETUP_PASSPHRASE;
    const generated = given === undefined || given === '';
    const passphrase = generated ? randomBytes(18).toString('base64url') : given;
    const flowPorts = createFlowPorts(context, {});
    // After Ctrl-C the flow may still be running: it must not write into the folder being removed.
    const writeFiles: typeof flowPorts.writeFiles = (...args) =>
      cancelled ? Promise.reject(new CancelledError()) : flowPorts.writeFiles(...args);
    const ports: DemoPorts = {
      ...flowPorts,
      writeFiles,
      passphrase: () => Promise.resolve(passphrase),
      startSandbox: async () => (started.sandbox = await startDemoSandbox(context.now)),
      push: async ({ credentialFile, url, caFile, topic }) => {
        const [result] = await testPush(
          {
            cert: credentialFile,
            tokens: [randomBytes(32).toString('hex')],
            topic,
            endpoint: url,
            ca: caFile,
            alert: 'Hello from the apns-setup demo',
            title: 'apns-setup',
            timeoutMs: 15_000,
          },
          {
            ...createPushPorts(context, {}),
            passphrase: () => Promise.resolve(passphrase),
            progress: () => undefined,
          },
        );
        return {
          ok: result?.ok ?? false,
          status: result?.status ?? null,
          reason: result?.reason ?? null,
          apnsId: result?.apnsId ?? null,
          explanation: result?.explanation ?? 'no result',
        };
      },
      runTasks: (tasks) =>
        runTaskList(tasks, { stderr: context.stderr, interactive: context.isInteractive }),
    };
    const outcome = await Promise.race([
      runDemo({ dir }, ports),
      stop.signal.then((signal) => {
        cancelled = true;
        return signal;
      }),
    ]);
    if (typeof outcome === 'string') {
      throw new CancelledError(
        keep ? 'Cancelled.' : 'Cancelled; the scratch folder and everything in it were removed.',
      );
    }
    const result = outcome;
    if (keep && generated) {
      await flowPorts.writeFiles(
        dir,
        [{ name: PASSPHRASE_FILE, contents: `${passphrase}\n`, secret: true }],
        false,
      );
    }
    context.ui.say(
      demoSummary(
        result,
        { kept: keep, passphraseFile: keep && generated ? join(dir, PASSPHRASE_FILE) : null },
        viewOf(context),
      ),
    );
    return result.push.ok ? 0 : 1;
  } finally {
    stop.dispose();
    await started.sandbox?.close();
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { listenForStopSignal } from '../adapters/stop-signal.js';
import { runTaskList } from '../adapters/task-list.js';
import { CancelledError, InputError, type ExitCode } from '../core/errors.js';
import { runDemo, signCsrLocally, type DemoPorts, type DemoSandbox } from '../flows/demo.js';
import { openDemoPortal, startDemoSandbox } from '../sandbox/demo-sandbox.js';
import { demoStepDone, demoStepTitle } from '../ui/render-demo.js';
import { demoSummary, localPortalSummary } from '../ui/summaries.js';
import { viewOf, type CommandContext } from './context.js';
import { createFlowPorts, emptyOrMissingDir } from './flow-ports.js';
import { createPushPorts } from './push-ports.js';

interface DemoOptions {
  out?: string;
  csr?: string;
  bundleId?: string;
  type: 'development' | 'universal';
  state?: string;
}

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as DemoOptions;
  if (options.csr !== undefined) return signOwnCsr(options, context);
  if (options.bundleId !== undefined || options.state !== undefined) {
    throw new InputError(
      'USAGE',
      `${options.bundleId !== undefined ? '--bundle-id' : '--state'} goes with --csr`,
      {
        hint: 'The demo makes its own key and CSR for com.example.apns-setup-demo; to have YOUR CSR signed, pass --csr FILE --bundle-id ID.',
      },
    );
  }
  const started: { sandbox: DemoSandbox | null } = { sandbox: null };
  const keep = options.out !== undefined;
  const dir = keep
    ? resolve(context.cwd, options.out!)
    : await mkdtemp(join(tmpdir(), 'apns-setup-demo-'));
  // Ctrl-C must not leave private keys in a scratch folder: stop, clean up, then exit 130.
  const stop = listenForStopSignal();
  let cancelled = false;
  let running: Promise<unknown> | null = null;
  try {
    if (keep && !(await emptyOrMissingDir(context)(options.out!))) {
      throw new InputError('FILE_EXISTS', `${options.out!} is not empty`, {
        hint: 'The demo writes a fresh set of files: pass --out with a new or empty folder.',
      });
    }
    const flowPorts = createFlowPorts(context, {});
    const ports: DemoPorts = {
      ...flowPorts,
      // After Ctrl-C the flow may still be running: it must not write into the folder being removed.
      writeFiles: (...args) =>
        cancelled ? Promise.reject(new CancelledError()) : flowPorts.writeFiles(...args),
      startSandbox: async () => (started.sandbox = await startDemoSandbox(context.now)),
      pushPorts: { ...createPushPorts(context, {}), progress: () => undefined },
      runSteps: (steps) =>
        runTaskList(
          steps.map((step) => ({
            title: demoStepTitle(step.step),
            run: async () => demoStepDone(await step.run()),
          })),
          { stderr: context.stderr, interactive: context.isInteractive },
        ),
      randomBytes: (size) => randomBytes(size),
    };
    const demo = runDemo({ dir, keep, passphrase: context.env.APNS_SETUP_PASSPHRASE }, ports);
    running = demo;
    const outcome = await Promise.race([
      demo,
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
    context.ui.say(demoSummary(outcome, { kept: keep }, viewOf(context)));
    return outcome.push.ok ? 0 : 1;
  } finally {
    stop.dispose();
    await started.sandbox?.close();
    // After Ctrl-C a write may still be in flight: let the flow stop (its next write is
    // refused, the sandbox is closed) before the folder goes, or rm races it (ENOTEMPTY).
    await settled(running, 5000);
    if (!keep) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Waits for `promise` to settle, at most `ms`; its outcome does not matter here. */
async function settled(promise: Promise<unknown> | null, ms: number): Promise<void> {
  if (promise === null) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** `demo --csr`: the portal stand-in signs the user's CSR; nothing else runs. */
async function signOwnCsr(options: DemoOptions, context: CommandContext): Promise<ExitCode> {
  if (options.bundleId === undefined) {
    throw new InputError('USAGE', '--csr needs --bundle-id, the App ID the certificate is for', {
      hint: 'For example: apns-setup demo --csr CertificateSigningRequest.certSigningRequest --bundle-id com.example.app',
    });
  }
  const csr = resolve(context.cwd, options.csr!);
  const result = await signCsrLocally(
    {
      csr,
      bundleId: options.bundleId,
      type: options.type,
      dir: options.out === undefined ? dirname(csr) : resolve(context.cwd, options.out),
    },
    {
      ...createFlowPorts(context, {}),
      openPortal: () =>
        openDemoPortal(
          context.now,
          options.state === undefined ? null : resolve(context.cwd, options.state),
        ),
    },
  );
  context.ui.say(
    localPortalSummary(
      result,
      options.state === undefined ? null : resolve(context.cwd, options.state),
      viewOf(context),
    ),
  );
  return 0;
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isEmptyOrMissingDir } from '../adapters/output-files.js';
import { runTaskList } from '../adapters/task-list.js';
import { InputError, type ExitCode } from '../core/errors.js';
import { DEMO_BUNDLE_ID, DEMO_TEAM_ID, runDemo, type DemoPorts } from '../flows/demo.js';
import { testPush } from '../flows/test-push.js';
import { signCsrAsApple } from '../sandbox/portal.js';
import { startSandbox } from '../sandbox/server.js';
import { loadOrCreateSandboxState } from '../sandbox/state.js';
import { demoSummary } from '../ui/summaries.js';
import type { CommandContext } from './context.js';
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
  const keep = options.out !== undefined;
  const dir = keep
    ? resolve(context.cwd, options.out!)
    : await mkdtemp(join(tmpdir(), 'apns-setup-demo-'));
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
    const ports: DemoPorts = {
      ...flowPorts,
      passphrase: () => Promise.resolve(passphrase),
      startSandbox: async () => {
        const state = await loadOrCreateSandboxState(null, context.now());
        const sandbox = await startSandbox({
          host: '127.0.0.1',
          port: 0,
          environment: 'sandbox',
          state,
          knownTokens: null,
          log: () => undefined,
        });
        return {
          url: sandbox.url,
          caFile: state.caFile,
          signCsr: (csr) =>
            signCsrAsApple({
              portalCa: state.portalCa,
              csrDer: csr,
              bundleId: DEMO_BUNDLE_ID,
              teamId: DEMO_TEAM_ID,
              teamName: 'apns-setup demo',
              type: 'universal',
              now: context.now(),
              serialNumber: randomBytes(8).toString('hex'),
            }).der,
          close: async () => {
            await sandbox.close();
            await state.release();
          },
        };
      },
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
    const result = await runDemo({ dir }, ports);
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
        context.ui.style,
      ),
    );
    return result.push.ok ? 0 : 1;
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

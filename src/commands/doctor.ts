import type { ExitCode } from '../core/errors.js';
import { findCredentialFiles } from '../adapters/find-files.js';
import { reach } from '../adapters/network-reach.js';
import { readTemplate } from '../adapters/templates.js';
import { runtimeTrustStore } from '../adapters/trust-store.js';
import { doctorExitCode, runDoctor } from '../flows/doctor.js';
import { doctorJson, doctorText } from '../ui/render-doctor.js';
import type { CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

interface DoctorOptions {
  json?: boolean;
  timeout: number;
}

export async function run(
  args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as DoctorOptions;
  const timeoutMs = options.timeout * 1000;
  const nodeOptions = `${process.execArgv.join(' ')} ${context.env.NODE_OPTIONS ?? ''}`;
  // doctor never stops to ask: a .p12 opens with $APNS_SETUP_PASSPHRASE or is listed as locked.
  const report = await runDoctor(
    { dir: args[0] ?? null },
    {
      ...createFlowPorts(context, { prompt: false }),
      runtime: {
        node: process.versions.node,
        openssl: process.versions.openssl,
        useOpensslCa: /--use-openssl-ca\b/.test(nodeOptions),
      },
      trustStore: () => runtimeTrustStore(context.env),
      shippedRoot: (file) => readTemplate(`apns-roots/${file}`),
      reach: (host, port) => reach(host, port, { timeoutMs }),
      listFiles: findCredentialFiles,
    },
  );
  context.ui.data(
    options.json
      ? JSON.stringify(doctorJson(report, { timeoutSeconds: options.timeout }), null, 2)
      : doctorText(report, { timeoutSeconds: options.timeout, style: context.ui.style }),
  );
  return doctorExitCode(report);
}

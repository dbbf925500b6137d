import { resolve } from 'node:path';
import { listenForStopSignal } from '../adapters/stop-signal.js';
import type { ExitCode } from '../core/errors.js';
import type { Environment } from '../core/pki/types.js';
import { describeLogEntry } from '../sandbox/describe-entry.js';
import { readClientCas, readKnownTokens } from '../sandbox/inputs.js';
import { startSandbox, type SandboxLogEntry } from '../sandbox/server.js';
import { loadOrCreateSandboxState } from '../sandbox/state.js';
import type { CommandContext } from './context.js';

interface SandboxOptions {
  host: string;
  port: number;
  env: Environment;
  state?: string;
  clientCa?: string;
  tokens?: string;
  maxStreams: number;
  json?: boolean;
}

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as SandboxOptions;
  const { ui } = context;
  const host = options.host.trim().replace(/^\[(.*)\]$/, '$1');
  const now = context.now();
  const clientCas = options.clientCa ? await readClientCas(options.clientCa) : null;
  const known = options.tokens ? await readKnownTokens(options.tokens, now) : null;
  for (const warning of [...(clientCas?.warnings ?? []), ...(known?.warnings ?? [])]) {
    ui.warn(warning);
  }
  const extraClientCas = clientCas?.certificates ?? [];
  const knownTokens = known?.tokens ?? null;
  const stateDir = options.state ? resolve(context.cwd, options.state) : null;
  const state = await loadOrCreateSandboxState(stateDir, now, { host });

  const stop = listenForStopSignal();
  try {
    for (const change of state.changes) ui.say(change);
    // With --json, the {url, caFile} line must come first: hold log lines until it is out.
    let announced = false;
    const held: SandboxLogEntry[] = [];
    const print = (entry: SandboxLogEntry): void => {
      if (options.json) ui.data(JSON.stringify(entry));
      else ui.say(describeLogEntry(entry));
    };
    const sandbox = await startSandbox({
      host,
      port: options.port,
      environment: options.env,
      state,
      extraClientCas,
      knownTokens,
      maxConcurrentStreams: options.maxStreams,
      log: (entry) => (announced ? print(entry) : held.push(entry)),
    });
    if (options.json) ui.data(JSON.stringify({ url: sandbox.url, caFile: state.caFile }));
    announced = true;
    held.forEach(print);

    ui.say(
      `APNs sandbox listening on ${sandbox.url} (behaves as ${options.env}). Trust its CA: ${state.caFile}`,
    );
    ui.say(
      `Push to it with: apns-setup push --cert ck.pem --endpoint ${sandbox.url} --ca ${state.caFile}`,
    );
    const issuers = [
      `its local portal CA${state.portalCaFile ? ` (${state.portalCaFile})` : ''}`,
      "Apple's WWDR CAs",
      ...(options.clientCa ? [options.clientCa] : []),
    ];
    ui.say(`It accepts client certificates issued by ${issuers.join(', ')}.`);
    ui.say(
      `It allows ${options.maxStreams} request${options.maxStreams === 1 ? '' : 's'} at once per connection (SETTINGS_MAX_CONCURRENT_STREAMS; APNs allows 1000); a client that opens more loses its connection.`,
    );
    ui.say(
      knownTokens === null
        ? 'It accepts any well-formed device token (pass --tokens FILE to list the known ones).'
        : `It knows the ${knownTokens.size} device token${knownTokens.size === 1 ? '' : 's'} in ${options.tokens}; others get BadDeviceToken.`,
    );
    if (state.dir === null) {
      ui.say(
        'Its CA is temporary and removed when it stops: pass --state DIR to keep it across runs.',
      );
    }
    ui.say('Press Ctrl-C to stop.');

    const signal = await stop.signal;
    ui.say(`Stopping (${signal}): telling clients to go away…`);
    await sandbox.close();
    ui.say('The sandbox has stopped.');
  } finally {
    stop.dispose();
    await state.release();
  }
  return 0;
}

import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { readInputFile } from '../adapters/input-files.js';
import type { KnownToken } from '../core/apns/sandbox-rules.js';
import type { ExitCode } from '../core/errors.js';
import { decodeText } from '../core/pki/text.js';
import type { Environment } from '../core/pki/types.js';
import { inFile, readCertificates } from '../flows/read-file-material.js';
import { describeLogEntry } from '../sandbox/describe-entry.js';
import { startSandbox, type SandboxLogEntry } from '../sandbox/server.js';
import { loadOrCreateSandboxState } from '../sandbox/state.js';
import { parseTokenList } from '../sandbox/tokens.js';
import type { Ui } from '../ui/console.js';
import type { CommandContext } from './context.js';
import { listenForStopSignal } from '../adapters/stop-signal.js';

interface SandboxOptions {
  host: string;
  port: number;
  env: Environment;
  state?: string;
  clientCa?: string;
  tokens?: string;
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
  const extraClientCas = options.clientCa ? await readClientCas(options.clientCa, ui) : [];
  const knownTokens = options.tokens ? await readTokens(options.tokens, now, ui) : null;
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

/** `--client-ca FILE`: one or more CA certificates, PEM or DER (or a .p7b). */
async function readClientCas(path: string, ui: Ui): Promise<Buffer[]> {
  const certificates = await readCertificates(
    { readFile: (file) => readInputFile(file, { what: 'the client CA certificate' }) },
    path,
    {
      message: `${path}: holds no certificate`,
      hint: 'Pass the PEM or DER certificate of the CA that issued your client certificates.',
    },
  );
  for (const certificate of certificates) {
    // A CA in the trust store vouches for what it issued; a leaf that is not self-signed
    // vouches for nothing, so a client presenting it would still be refused.
    if (!new X509Certificate(certificate.der).ca && !certificate.selfIssued) {
      ui.warn(
        `${path}: ${certificate.subject.commonName ?? certificate.subject.rfc2253} is not a CA certificate, so no client certificate chains to it. Pass the certificate of the CA that issued your client certificates.`,
      );
    }
  }
  return certificates.map((certificate) => certificate.der);
}

async function readTokens(path: string, now: Date, ui: Ui): Promise<Map<string, KnownToken>> {
  const bytes = await readInputFile(path, { what: 'the device tokens file' });
  const tokens = inFile(path, () => parseTokenList(decodeText(bytes), now));
  if (tokens.size === 0) {
    ui.warn(`${path} lists no device token: every push will be answered BadDeviceToken.`);
  }
  return tokens;
}

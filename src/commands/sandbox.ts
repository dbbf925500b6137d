import { resolve } from 'node:path';
import { listenForStopSignal } from '../adapters/stop-signal.js';
import type { SandboxTokenAuth } from '../core/apns/sandbox-rules.js';
import type { TrustedTokenKey } from '../core/apns/provider-token.js';
import { InputError, type ExitCode } from '../core/errors.js';
import type { Environment } from '../core/pki/types.js';
import { describeLogEntry } from '../sandbox/describe-entry.js';
import { readClientCas, readKnownTokens } from '../sandbox/inputs.js';
import { startSandbox, type SandboxLogEntry } from '../sandbox/server.js';
import { loadOrCreateSandboxState } from '../sandbox/state.js';
import {
  loadOrCreateStateTokenKey,
  readTrustedTokenKey,
  SANDBOX_TEAM_ID,
  type StateTokenKey,
} from '../sandbox/token-keys.js';
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
  authKeyPub?: string;
  teamId?: string;
  keyId?: string;
  topics: string[];
}

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as SandboxOptions;
  checkTokenFlags(options);
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
  const topics = options.topics.flatMap((t) => t.split(',')).map((t) => t.trim());
  const given = options.authKeyPub
    ? await readTrustedTokenKey(resolve(context.cwd, options.authKeyPub), {
        keyId: options.keyId,
        teamId: options.teamId!,
      })
    : null;
  const stateKey = stateDir === null ? null : await loadOrCreateStateTokenKey(stateDir, now);
  const stateTeam = options.teamId ?? SANDBOX_TEAM_ID;
  const keys: TrustedTokenKey[] = [
    ...(given === null ? [] : [given]),
    ...(stateKey === null ? [] : [{ keyId: stateKey.keyId, teamId: stateTeam, key: stateKey.key }]),
  ];
  const tokenAuth: SandboxTokenAuth | null =
    keys.length === 0
      ? null
      : {
          keys,
          topics: topics.filter((t) => t !== '').length > 0 ? topics.filter((t) => t !== '') : null,
        };

  const stop = listenForStopSignal();
  try {
    for (const change of state.changes) ui.say(change);
    if (stateKey?.created) {
      ui.say(
        `Made a test token key for token authentication: ${stateKey.file} (key id ${stateKey.keyId}; a stand-in, NOT Apple's).`,
      );
    }
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
      tokenAuth,
      maxConcurrentStreams: options.maxStreams,
      log: (entry) => (announced ? print(entry) : held.push(entry)),
    });
    // The contract's first line, as it was: the test key is said on stderr, and is the one
    // AuthKey_*.p8 in the --state folder.
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
    if (tokenAuth !== null) {
      ui.say(describeTokenAuth(given, options.authKeyPub, stateKey, stateTeam, tokenAuth.topics));
      if (stateKey !== null) {
        ui.say(
          `Push to it with its test key: apns-setup push --auth-key ${stateKey.file} --team-id ${stateTeam} --topic ${tokenAuth.topics?.[0] ?? 'com.example.app'} --endpoint ${sandbox.url} --ca ${state.caFile}`,
        );
      }
    }
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

/** The token flags go together: refused before anything is read or made. */
function checkTokenFlags(options: SandboxOptions): void {
  const usage = (message: string, hint: string) => new InputError('USAGE', message, { hint });
  if (options.authKeyPub !== undefined && options.teamId === undefined) {
    throw usage(
      '--auth-key-pub needs --team-id: the sandbox accepts a token only when its iss names the key’s team.',
      'Pass the 10-character Team ID the tokens carry, e.g. --team-id DEF123GHIJ.',
    );
  }
  if (options.keyId !== undefined && options.authKeyPub === undefined) {
    throw usage(
      '--key-id goes with --auth-key-pub: it names that key (the --state test key has its id in its file name).',
      'Pass --auth-key-pub AuthKey_KEYID.p8 (or its public key) with --key-id and --team-id.',
    );
  }
  const tokenAuth = options.authKeyPub !== undefined || options.state !== undefined;
  if (!tokenAuth && (options.teamId !== undefined || options.topics.length > 0)) {
    throw usage(
      `${options.teamId !== undefined ? '--team-id' : '--topics'} is for token authentication, which needs --auth-key-pub FILE or --state DIR (its own test key).`,
      'Pass --auth-key-pub AuthKey_KEYID.p8 --team-id TEAMID, or --state DIR.',
    );
  }
}

function describeTokenAuth(
  given: TrustedTokenKey | null,
  givenFile: string | undefined,
  stateKey: StateTokenKey | null,
  stateTeam: string,
  topics: readonly string[] | null,
): string {
  const keys = [
    given === null ? null : `key ${given.keyId} of team ${given.teamId} (${givenFile})`,
    stateKey === null
      ? null
      : `its test key ${stateKey.keyId} of team ${stateTeam} (${stateKey.file})`,
  ].filter((k) => k !== null);
  const where = topics === null ? 'any topic' : `the topics of ${topics.join(', ')} (--topics)`;
  return `It accepts provider tokens (token authentication) signed by ${keys.join(' and ')}, for ${where}; a connection with a token needs no client certificate.`;
}

import { preferSmallHeap, restoreDefaultHeap } from '../adapters/memory-budget.js';
import { cleanUpBeforeStop, listenForStopSignal } from '../adapters/stop-signal.js';
import type { RequestedEnvironment } from '../core/apns/endpoints.js';
import { isApnsSetupError, type ExitCode } from '../core/errors.js';
import { pushEach, pushExitCode } from '../flows/send-push.js';
import { BatchedLines } from '../ui/batched-lines.js';
import {
  pushFailureObject,
  pushJsonObject,
  PushJsonStream,
  PushTextReport,
} from '../ui/render-push.js';
import type { CommandContext } from './context.js';
import { createPushPorts } from './push-ports.js';

interface PushOptions {
  cert?: string;
  key?: string;
  authKey?: string;
  teamId?: string;
  keyId?: string;
  token: string[];
  tokensFile?: string;
  topic?: string;
  env?: RequestedEnvironment;
  payload?: string;
  alert?: string;
  title?: string;
  subtitle?: string;
  badge?: string;
  sound?: string;
  template?: string;
  pushType?: string;
  priority?: string;
  expiration?: string;
  collapseId?: string;
  apnsId?: string;
  port?: string;
  endpoint?: string;
  ca?: string;
  profile?: string;
  /** Seconds. */
  timeout: number;
  json?: boolean;
  passphraseFile?: string;
}

export async function run(
  _args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const options = raw as unknown as PushOptions;
  // A tokens file may hold a million tokens: memory stays flat, and small.
  if (options.tokensFile !== undefined) preferSmallHeap();
  // Each result is printed as its answer arrives: a million tokens never pile up in memory.
  const json = new PushJsonStream();
  const text = new PushTextReport(context.ui.style);
  const results = new BatchedLines((text) => context.ui.data(text));
  const print = (lines: string[]) => {
    results.flush();
    if (lines.length > 0) context.ui.data(lines.join('\n'));
  };
  // The first Ctrl-C (or SIGTERM) stops the run: no new push starts, the answers on their way
  // are printed, then what was sent, and --json's document is closed (exit 130). A second one
  // ends it at once, with the answers already in printed and the document closed.
  const stop = listenForStopSignal();
  let stopRequested = false;
  let releaseHardStop = () => {};
  void stop.signal.then(() => {
    stopRequested = true;
    releaseHardStop = cleanUpBeforeStop(() => print(options.json ? json.end() : []));
    context.ui.say(
      'Stopping: no new push starts; waiting for the answers to those sent (press Ctrl-C again to quit at once).',
    );
    // Tokens piped in may never end: reading them stops too.
    if (options.tokensFile === '-') context.stdin.destroy();
  });
  const ports = createPushPorts(context, options, () => stopRequested);
  let summary;
  try {
    summary = await pushEach(
      {
        cert: options.cert,
        key: options.key,
        authKey: options.authKey,
        teamId: options.teamId,
        keyId: options.keyId,
        tokens: options.token,
        tokensFile: options.tokensFile,
        topic: options.topic,
        env: options.env,
        payload: options.payload,
        alert: options.alert,
        title: options.title,
        subtitle: options.subtitle,
        badge: options.badge,
        sound: options.sound,
        template: options.template,
        pushType: options.pushType,
        priority: options.priority,
        expiration: options.expiration,
        collapseId: options.collapseId,
        apnsId: options.apnsId,
        port: options.port === undefined ? undefined : Number(options.port),
        endpoint: options.endpoint,
        ca: options.ca,
        profile: options.profile,
        timeoutMs: options.timeout * 1000,
      },
      ports,
      (result) => results.add(options.json ? json.add(pushJsonObject(result)) : text.add(result)),
    );
  } catch (error) {
    if (options.json) {
      // stdout stays one JSON document whatever happened: when no answer came (unreachable,
      // timeout, certificate refused in the handshake), an object saying so; then the error
      // as usual (exit 1). A bad input (exit 2) before anything was printed prints nothing.
      if (isApnsSetupError(error) && error.exitCode === 1) {
        print(json.add(pushFailureObject(error, options.endpoint ?? null)));
      }
      print(json.end());
    } else {
      print(text.summary());
    }
    throw error;
  } finally {
    stop.dispose();
    releaseHardStop();
    restoreDefaultHeap();
  }
  print(options.json ? json.end() : text.summary());
  return pushExitCode(summary);
}

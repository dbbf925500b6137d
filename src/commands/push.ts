import type { RequestedEnvironment } from '../core/apns/endpoints.js';
import { isApnsSetupError, type ExitCode } from '../core/errors.js';
import { pushExitCode, sendPush } from '../flows/send-push.js';
import { pushFailureJson, pushJson, pushReport } from '../ui/render-push.js';
import type { CommandContext } from './context.js';
import { createPushPorts } from './push-ports.js';

interface PushOptions {
  cert: string;
  key?: string;
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
  const ports = createPushPorts(context, options);
  const pushing = sendPush(
    {
      cert: options.cert,
      key: options.key,
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
      timeoutMs: options.timeout * 1000,
    },
    ports,
  );
  const results = options.json ? await withJsonOnFailure(pushing, options, context) : await pushing;
  context.ui.data(
    options.json
      ? JSON.stringify(pushJson(results), null, 2)
      : pushReport(results, context.ui.style),
  );
  return pushExitCode(results);
}

/**
 * With --json, stdout must stay a JSON document even when no answer came (unreachable, timeout,
 * certificate refused in the handshake): one object saying so, then the error as usual (exit 1).
 */
async function withJsonOnFailure<T>(
  pushing: Promise<T>,
  options: PushOptions,
  context: CommandContext,
): Promise<T> {
  try {
    return await pushing;
  } catch (error) {
    if (isApnsSetupError(error) && error.exitCode === 1) {
      context.ui.data(JSON.stringify(pushFailureJson(error, options.endpoint ?? null), null, 2));
    }
    throw error;
  }
}

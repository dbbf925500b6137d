import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectApns } from '../adapters/apns-client.js';
import { DEFAULT_MAX_INPUT_BYTES, formatSize } from '../adapters/input-files.js';
import { readTemplate } from '../adapters/templates.js';
import type { RequestedEnvironment } from '../core/apns/endpoints.js';
import { InputError, type ExitCode } from '../core/errors.js';
import { pushExitCode, testPush, type PushPorts } from '../flows/test-push.js';
import { pushJson, pushReport } from '../ui/render-push.js';
import type { CommandContext } from './context.js';
import { createFlowPorts } from './flow-ports.js';

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
  const ports: PushPorts = {
    ...createFlowPorts(context, options),
    readStdin: () => readStdin(context.stdin),
    readTemplate,
    connect: connectApns,
    randomBytes: (size) => randomBytes(size),
    random: () => Math.random(),
    sleep: (ms) => sleep(ms),
    progress: (message) => context.ui.say(message),
  };
  const results = await testPush(
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
  context.ui.data(
    options.json
      ? JSON.stringify(pushJson(results), null, 2)
      : pushReport(results, context.ui.style),
  );
  return pushExitCode(results);
}

/** `--payload -`: the payload piped in, bounded like any input file. */
async function readStdin(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > DEFAULT_MAX_INPUT_BYTES) {
      throw new InputError(
        'FILE_TOO_LARGE',
        `stdin holds more than ${formatSize(DEFAULT_MAX_INPUT_BYTES)}, far more than a payload.`,
        { hint: 'Pipe in the JSON payload alone (APNs accepts at most 4096 bytes).' },
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The ports of the push flow, wired to the real HTTP/2 client: shared by `push` and `demo`. */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectApns } from '../adapters/apns-connection.js';
import { DEFAULT_MAX_INPUT_BYTES, formatSize } from '../adapters/input-files.js';
import { streamInputFile } from '../adapters/input-stream.js';
import { monotonicMs } from '../adapters/monotonic-clock.js';
import { readTemplate } from '../adapters/templates.js';
import { InputError } from '../core/errors.js';
import type { PushPorts } from '../flows/push-ports.js';
import { describePushProgress } from '../ui/render-push.js';
import type { CommandContext } from './context.js';
import { createFlowPorts, type PassphraseFlags } from './flow-ports.js';

/** `stopRequested`: whether the person asked the run to stop; never, unless the command listens. */
export function createPushPorts(
  context: CommandContext,
  flags: PassphraseFlags,
  stopRequested: () => boolean = () => false,
): PushPorts {
  return {
    ...createFlowPorts(context, flags),
    readStdin: () => readStdin(context.stdin),
    streamFile: (path) => streamInputFile(path, context.stdin, 'the tokens file'),
    readTemplate,
    connect: connectApns,
    randomBytes: (size) => randomBytes(size),
    random: () => Math.random(),
    sleep: (ms) => sleep(ms),
    clock: monotonicMs,
    stopRequested,
    progress: (progress) => context.ui.say(describePushProgress(progress)),
  };
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

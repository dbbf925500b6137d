import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cleanUpBeforeStop, listenForStopSignal } from '../../src/adapters/stop-signal.js';
import { BatchedLines } from '../../src/ui/batched-lines.js';

function recorder() {
  const writes: string[] = [];
  return { writes, batch: new BatchedLines((text) => writes.push(text)) };
}

describe('BatchedLines', () => {
  it('writes the lines of one turn of the event loop together, in order, at its end', async () => {
    const { writes, batch } = recorder();
    batch.add(['✓ one']);
    batch.add(['✗ two', '  why']);
    batch.add([]);
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['✓ one\n✗ two\n  why']);
    batch.add(['✓ three']);
    await nextTurn();
    expect(writes).toEqual(['✓ one\n✗ two\n  why', '✓ three']);
  });

  it('writes at once when what it holds reaches 64 KB, so memory stays small', () => {
    const { writes, batch } = recorder();
    const line = 'x'.repeat(1023);
    for (let i = 0; i < 63; i++) batch.add([line]);
    expect(writes).toEqual([]);
    batch.add([line]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n')).toHaveLength(64);
  });

  it('flush writes what it holds now, and nothing when it holds nothing', async () => {
    const { writes, batch } = recorder();
    batch.flush();
    expect(writes).toEqual([]);
    batch.add(['a', 'b']);
    batch.flush();
    expect(writes).toEqual(['a\nb']);
    await nextTurn();
    expect(writes).toEqual(['a\nb']);
  });

  it('flushed as a clean-up before a stop signal (push does this): answers in are printed before Ctrl-C ends the run', () => {
    const { writes, batch } = recorder();
    // A listener keeps this test process alive; without one the signal would end it, as it
    // ends a push, after the clean-ups.
    const listener = listenForStopSignal();
    const release = cleanUpBeforeStop(() => batch.flush());
    try {
      batch.add(['✓ one', '✓ two']);
      process.emit('SIGINT', 'SIGINT');
      expect(writes).toEqual(['✓ one\n✓ two']);
    } finally {
      release();
      listener.dispose();
    }
  });
});

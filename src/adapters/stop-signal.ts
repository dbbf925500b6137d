/**
 * SIGINT (Ctrl-C) and SIGTERM (`kill`, docker stop, CI teardown) as a promise, so a long-running
 * command can stop cleanly, clean up, and return to cli.ts, the only place that exits.
 * Listening replaces Node's default of dying on the spot, which would skip every `finally`.
 *
 * And clean-ups that must happen however the process ends, on such a signal or by an exit
 * before its time (cli.ts ends the process when its output is closed under it): output-files
 * registers one while temporary files holding keys are on disk. A command that does not listen
 * keeps Node's default — the signal ends it — but the clean-ups run first.
 */
export interface StopSignal {
  signal: Promise<NodeJS.Signals>;
  dispose(): void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Listeners of listenForStopSignal not yet disposed: they decide what a signal does. */
let listening = 0;

export function listenForStopSignal(): StopSignal {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  let disposed = false;
  const signal = new Promise<NodeJS.Signals>((resolvePromise) => {
    stop = (received) => {
      dispose();
      resolvePromise(received);
    };
  });
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    listening -= 1;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  listening += 1;
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { signal, dispose };
}

const cleanUps = new Set<() => void>();

/**
 * Runs `cleanUp` — synchronously, before anything else — if SIGINT or SIGTERM arrives, or the
 * process exits, before the returned function is called. When no command listens for the
 * signal (listenForStopSignal), the signal is then raised again, so the process ends as it
 * would have: by the signal.
 */
export function cleanUpBeforeStop(cleanUp: () => void): () => void {
  if (cleanUps.size === 0) {
    // Prepended: the clean-up runs before a listener that would let the command go on.
    for (const name of STOP_SIGNALS) process.prependListener(name, runCleanUps);
    process.on('exit', runCleanUpsNow);
  }
  cleanUps.add(cleanUp);
  return () => {
    if (!cleanUps.delete(cleanUp) || cleanUps.size > 0) return;
    stopWatching();
  };
}

function runCleanUps(signal: NodeJS.Signals): void {
  runCleanUpsNow();
  // Nobody else listens: Node's default action is back, and the signal ends the process.
  if (listening === 0 && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function runCleanUpsNow(): void {
  for (const cleanUp of cleanUps) {
    try {
      cleanUp();
    } catch {
      // One failed clean-up must not keep the others from running.
    }
  }
  cleanUps.clear();
  stopWatching();
}

function stopWatching(): void {
  for (const name of STOP_SIGNALS) process.off(name, runCleanUps);
  process.off('exit', runCleanUpsNow);
}

/**
 * SIGINT (Ctrl-C) and SIGTERM (`kill`, docker stop, CI teardown) as a promise, so a long-running
 * command can stop cleanly, clean up, and return to cli.ts, the only place that exits.
 * Listening replaces Node's default of dying on the spot, which would skip every `finally`.
 */
export interface StopSignal {
  signal: Promise<NodeJS.Signals>;
  dispose(): void;
}

export function listenForStopSignal(): StopSignal {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolvePromise) => {
    stop = (received) => {
      dispose();
      resolvePromise(received);
    };
  });
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { signal, dispose };
}

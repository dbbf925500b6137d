/**
 * A task list on stderr (listr2, loaded only by the commands that show one). Each task may
 * retitle itself when done, to say what it produced. On a terminal the list redraws in place;
 * elsewhere (CI, pipes) each task is printed once as it starts and ends.
 */
export interface Task {
  title: string;
  /** Returns the title to show once done (e.g. with the file it wrote), or nothing. */
  run(): Promise<string | void>;
}

export async function runTaskList(
  tasks: Task[],
  io: { stderr: NodeJS.WriteStream; interactive: boolean },
): Promise<void> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  // Both streams of the list go to stderr: stdout is for data.
  const logger = new ListrLogger({
    processOutput: new ProcessOutput(io.stderr, io.stderr),
    useIcons: true,
  });
  const list = new Listr(
    tasks.map((t) => ({
      title: t.title,
      task: async (_ctx: unknown, task: { title: string }) => {
        const done = await t.run();
        if (done) task.title = done;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // Signals are cli.ts's business (the only place that exits).
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { logger },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { logger },
      fallbackRendererCondition: !io.interactive,
    },
  );
  await list.run();
}

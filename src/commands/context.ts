import type { ExitCode } from '../core/errors.js';
import type { Ui } from '../ui/console.js';
import type { View } from '../ui/summaries.js';

/** What a command may use of the outside world; tests build one by hand. */
export interface CommandContext {
  ui: Ui;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  /** stdin and stderr are both terminals: a person can answer a prompt. */
  isInteractive: boolean;
  now: () => Date;
}

export interface CommandModule {
  run(args: string[], options: Record<string, unknown>, context: CommandContext): Promise<ExitCode>;
}

/** How summaries are shown for this run: its colours and its working folder. */
export function viewOf(context: CommandContext): View {
  return { style: context.ui.style, cwd: context.cwd };
}

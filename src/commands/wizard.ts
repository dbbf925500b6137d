/**
 * `apns-setup` in a terminal, or `apns-setup wizard --journey …` anywhere. The first screen
 * loads only the prompt library and the state files: the journeys (and node-forge, HTTP/2…)
 * are loaded once the person has chosen one.
 */
import { resolve } from 'node:path';
import { askInTerminal } from '../adapters/wizard-prompter.js';
import { InputError, type ExitCode } from '../core/errors.js';
import type { Journey } from '../flows/wizard/ports.js';
import type { WizardState } from '../flows/wizard/state.js';
import { questionPrompt } from '../ui/wizard-questions.js';
import type { CommandContext } from './context.js';
import type { WizardFlags } from './wizard-flags.js';
import { loadStates } from './wizard-states.js';

export async function run(
  args: string[],
  raw: Record<string, unknown>,
  context: CommandContext,
): Promise<ExitCode> {
  const flags = raw as unknown as WizardFlags;
  if (flags.journey === undefined && !context.isInteractive) {
    throw new InputError('NO_TTY', 'the wizard needs a terminal, or --journey to run without one', {
      hint: 'Pass --journey new|p12|renew|check with the flags of the commands it runs (see apns-setup wizard --help).',
    });
  }
  let chosen: { journey: Journey | undefined; resume: WizardState | null | undefined } = {
    journey: flags.journey,
    resume: undefined,
  };
  if (flags.journey === undefined) {
    const searched = [context.cwd, ...(flags.out ? [resolve(context.cwd, flags.out)] : [])];
    const resumable = await loadStates(searched);
    const answer = (await askInTerminal(
      questionPrompt({ id: 'journey', resumable }, context.cwd, context.now()),
      { stdin: context.stdin, stderr: context.stderr },
    )) as string;
    const resume = answer.startsWith('resume:') ? resumable[Number(answer.slice(7))]! : null;
    chosen = { journey: resume?.journey ?? (answer as Journey), resume };
  }
  const { runJourneys } = await import('./wizard-journeys.js');
  return runJourneys(args, flags, context, chosen);
}

/** Where a person left the wizard waiting: the state files near the working folder. */
import { dirname, join } from 'node:path';
import { readTextIfPresent, subfolders } from '../adapters/wizard-files.js';
import { parseState, STATE_FILE, type WizardState } from '../flows/wizard/state.js';

/** The state files in these folders and the folders just under them. */
export async function loadStates(dirs: string[]): Promise<WizardState[]> {
  const seen = new Set<string>();
  const states: WizardState[] = [];
  for (const dir of dirs) {
    for (const candidate of [dir, ...(await subfolders(dir))]) {
      const file = join(candidate, STATE_FILE);
      if (seen.has(file)) continue;
      seen.add(file);
      const text = await readTextIfPresent(file);
      const state = text === null ? null : parseState(text);
      // A state file moved with its folder still points at where it is now.
      if (state) states.push({ ...state, dir: dirname(file) });
    }
  }
  return states;
}

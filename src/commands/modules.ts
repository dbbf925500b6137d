/**
 * Each command's module, imported when that command runs: the program (program.ts) loads only
 * the command it runs, and with it only the libraries that command needs.
 */
import type { CommandModule } from './context.js';
import type { CommandName } from './definitions.js';

export const commandModules: Readonly<Record<CommandName, () => Promise<CommandModule>>> = {
  wizard: () => import('./wizard.js'),
  csr: () => import('./csr.js'),
  import: () => import('./import.js'),
  convert: () => import('./convert.js'),
  inspect: () => import('./inspect.js'),
  check: () => import('./check.js'),
  doctor: () => import('./doctor.js'),
  renew: () => import('./renew.js'),
  push: () => import('./push.js'),
  sandbox: () => import('./sandbox.js'),
  demo: () => import('./demo.js'),
};

/** The wizard's flags: the flags of the commands it runs, and its own. */
import type { RequestedEnvironment } from '../core/apns/endpoints.js';
import type { Journey } from '../flows/wizard/ports.js';

export interface WizardFlags {
  journey?: Journey;
  yes?: boolean;
  email?: string;
  commonName?: string;
  out?: string;
  cer?: string;
  from?: string;
  keychain?: boolean;
  token?: string;
  teamId?: string;
  keyId?: string;
  topic?: string;
  push: boolean;
  ciWorkflow?: boolean;
  endpoint?: string;
  ca?: string;
  env?: RequestedEnvironment;
  /** Seconds. */
  timeout: number;
  passphraseFile?: string;
  insecure?: boolean;
}

/**
 * The wizard's state file: what a person left waiting at Apple's portal, so that running
 * apns-setup again (in the same folder, or where the output folder is) continues there. It holds
 * no secret: paths, names and dates only.
 */
import type { CertificateType } from '../../core/pki/types.js';

export const STATE_FILE = '.apns-setup-wizard.json';

export interface WizardState {
  version: 1;
  journey: 'new' | 'renew';
  stage: 'waiting-for-certificate';
  /** The output folder, absolute: key.pem and the CSR are in it. */
  dir: string;
  /** When the CSR was made (ISO 8601). */
  csrMadeAt: string;
  /** A renewal: the live certificate, its bundle id, type and end. */
  live: { file: string; bundleId: string | null; type: CertificateType; notAfter: string } | null;
  /** The passphrase is kept in the OS keychain (it is never in this file). */
  keychain: boolean;
}

/** The file's contents: JSON a person can read. */
export function serializeState(state: WizardState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** A state file as written by this version, or null for anything else (it is then ignored). */
export function parseState(text: string): WizardState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<WizardState>;
  const live = v.live;
  const liveOk =
    live === null ||
    (typeof live === 'object' &&
      live !== undefined &&
      typeof live.file === 'string' &&
      typeof live.notAfter === 'string' &&
      typeof live.type === 'string');
  if (
    v.version !== 1 ||
    (v.journey !== 'new' && v.journey !== 'renew') ||
    v.stage !== 'waiting-for-certificate' ||
    typeof v.dir !== 'string' ||
    typeof v.csrMadeAt !== 'string' ||
    Number.isNaN(Date.parse(v.csrMadeAt)) ||
    typeof v.keychain !== 'boolean' ||
    !liveOk
  ) {
    return null;
  }
  return v as WizardState;
}

/**
 * `import` and `convert` read certificates, keys and .p12 files. A token key (.p8) or a
 * provisioning profile given to them is refused for what it is, with what to do instead, before
 * any certificate advice (a token key has no .cer to pair it with; a profile is no certificate).
 */
import { InputError } from '../core/errors.js';
import { isTokenKeyFileName, isTokenKeyShaped } from '../core/apns/token-key.js';
import type { Material } from '../core/pki/material.js';
import { appleFileRefusals } from './refusals.js';

/** Throws WRONG_KIND when `material` read from `file` is a token key or a provisioning profile. */
export function refuseTokenKeyOrProfile(file: string, material: Material): void {
  if (isTokenKeyFileName(file) && isTokenKeyShaped(material)) {
    throw new InputError('WRONG_KIND', appleFileRefusals.tokenKey(file), {
      hint: appleFileRefusals.tokenKeyHint(file),
    });
  }
  if (material.kind === 'provisioning-profile') {
    throw new InputError('WRONG_KIND', appleFileRefusals.profile(file), {
      hint: appleFileRefusals.profileHint(file),
    });
  }
}

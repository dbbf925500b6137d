/** The demo's task list in words: what each step does, then what it did. */
import type { DemoStepName, DemoStepOutcome } from '../flows/demo.js';
import { FILE_NAMES } from '../core/outputs.js';

const TITLES: Record<DemoStepName, string> = {
  'start-sandbox': 'Start a local APNs sandbox and a local stand-in for Apple’s portal (not Apple)',
  'make-key-and-csr': 'Make a 2048-bit RSA key and a CSR, as Keychain Access does',
  'portal-signs': 'Upload the CSR to the portal stand-in, which issues aps.cer',
  import: 'Import aps.cer with the key: cert.pem, key.unencrypted.pem, ck.pem, apns.p12',
  push: 'Send a test push with ck.pem to the sandbox over HTTP/2',
};

export function demoStepTitle(step: DemoStepName): string {
  return TITLES[step];
}

export function demoStepDone(outcome: DemoStepOutcome): string {
  switch (outcome.step) {
    case 'start-sandbox':
      return `Local APNs sandbox listening on ${outcome.url} (portal stand-in ready)`;
    case 'make-key-and-csr':
      return `Made ${FILE_NAMES.key} (encrypted) and ${FILE_NAMES.csr}`;
    case 'portal-signs':
      return `The portal stand-in issued aps.cer for ${outcome.bundleId} (sandbox & production, like Apple's)`;
    case 'import':
      return `Wrote ${outcome.written.map((f) => f.name).join(', ')}`;
    case 'push':
      return outcome.push.ok
        ? `The sandbox accepted the push: ${outcome.push.status ?? ''} apns-id ${outcome.push.apnsId ?? '-'}`
        : `The sandbox refused the push: ${outcome.push.status ?? ''} ${outcome.push.reason ?? ''}`;
  }
}

/** The wizard in words: the steps of its task lists and what each event says. */
import { isAbsolute } from 'node:path';
import { daysLeft, formatDate } from '../core/expiry.js';
import type { WizardEvent, WizardStep } from '../flows/wizard/ports.js';
import { shellQuote } from './messages.js';
import { CHOOSE_TYPE_LINE, portalSteps } from './portal.js';
import { inspectText } from './render-inspect.js';
import { pushReport } from './render-push.js';
import { credentialSummary, renewSummary, type View } from './summaries.js';
import { resumeLine, shown } from './wizard-questions.js';

const STEP_TITLES: Record<WizardStep['step'], string> = {
  'make-key-and-csr': 'Make a 2048-bit RSA key and a CSR, as Keychain Access does',
  import:
    "Import Apple's certificate with the key: cert.pem, key.unencrypted.pem, ck.pem, apns.p12",
  convert: 'Convert the .p12: cert.pem, key.pem, key.unencrypted.pem, ck.pem, apns.p12',
  renew: 'Make a new key and CSR beside the live folder',
};

export function wizardStepTitle(step: WizardStep['step']): string {
  return STEP_TITLES[step];
}

/** What each event says; null when it says nothing. */
export function describeWizardEvent(event: WizardEvent, now: Date, view: View): string | null {
  const { cwd, style } = view;
  switch (event.kind) {
    case 'resuming':
      return `${resumeLine(event.state, cwd).replace(/^Continue where you stopped: w/, 'Continuing: w')}.`;
    case 'csr-made': {
      const files = event.result.written.map((f) => `  ${shown(f.path, cwd)}`).join('\n');
      return `Made a new key and CSR:\n${files}`;
    }
    case 'renewing':
      return renewSummary(event.result, now, view).split('\n\nNext, at developer.apple.com:')[0]!;
    case 'portal-steps': {
      const steps = portalSteps({
        csrPath: shown(event.csrPath, cwd),
        bundleId: event.bundleId,
        type: event.type,
      }).map((step, i) => `  ${i + 1}. ${step}`);
      const live =
        event.liveUntil === null
          ? `  (${CHOOSE_TYPE_LINE})`
          : `  The live certificate keeps working until ${formatDate(event.liveUntil)} (${daysLeft(event.liveUntil, now)} days): Apple allows two at a time.`;
      return ['', 'Now, at developer.apple.com:', ...steps, live].join('\n');
    }
    case 'state-saved':
      return style.dim(
        `You can stop here and come back later: run apns-setup again in this folder to continue (${shown(event.file, cwd)} remembers where you are; it holds no secret).`,
      );
    case 'browser':
      return event.opened
        ? `Opened ${event.url} in your browser.`
        : `Could not open a browser here: open ${event.url} yourself.`;
    case 'certificate-found':
      return `Found ${shown(event.path, cwd)}.`;
    case 'refused': {
      const { error } = event;
      const message =
        error.code === 'KEY_MISMATCH' && event.csrMadeAt
          ? `This certificate was issued for another CSR: did you upload the one made on ${event.csrMadeAt.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}?`
          : error.message;
      const again = event.retry ? ' Try again.' : '';
      return `${style.red('✗')} ${message}${error.hint ? `\n  ${error.hint}` : ''}${again ? `\n ${again}` : ''}`;
    }
    case 'imported':
      return `\n${credentialSummary(event.result, now, view).replace(/\n\nNext: prove[^\n]*$/, '')}`;
    case 'converted':
      return `\n${credentialSummary(event.result, now, view).replace(/\n\nNext: prove[^\n]*$/, '')}`;
    case 'inspected':
      return inspectText(event.entries, now);
    case 'pushed':
      return `\n${pushReport(event.results, style)}`;
    case 'not-proven': {
      // Paths are shown relative to here; a URL or a flag stays as it is.
      const command = `apns-setup ${event.command.map((part) => shellQuote(isAbsolute(part) ? shown(part, cwd) : part)).join(' ')}`;
      const what = event.made ? 'The files are made but not yet proven' : 'Not proven yet';
      const them = event.made ? 'them' : 'it';
      return event.error === null
        ? `${what}. Prove ${them} with: ${command}`
        : `${style.yellow(`${what}:`)} ${event.error.message}\n  Prove ${them} later with: ${command}`;
    }
    case 'ci-written':
      return event.written
        ? `Wrote ${shown(event.path, cwd)}: commit it, and GitHub checks the certificate every Monday.`
        : `${shown(event.path, cwd)} exists already and was left as it is (apns-setup check --print-ci github prints the job).`;
    case 'renewal-checklist':
      return [
        '',
        'To finish the renewal:',
        `  1. Deploy ${shellQuote(shown(`${event.newFiles}/ck.pem`, cwd))} (or apns.p12) where ${shown(event.liveFile, cwd)} is used today.`,
        '  2. Restart the provider, and send a push from it.',
        '  3. Once nothing uses the old certificate, revoke it in the portal (Certificates → the old one → Revoke).',
      ].join('\n');
    case 'done':
      return style.green(
        event.journey === 'check' ? 'Done.' : 'Done: the certificate files are ready.',
      );
  }
}

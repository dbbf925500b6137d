/**
 * The wizard in words: how each question is put to a person (its message, choices and default),
 * and what each event says. The prompt adapter shows the questions; the console says the rest.
 */
import { relative } from 'node:path';
import { daysLeft, formatDate } from '../core/expiry.js';
import type {
  FoundFile,
  Journey,
  NewCertificatePlan,
  Question,
  WizardEvent,
  WizardStep,
} from '../flows/wizard/ports.js';
import type { WizardState } from '../flows/wizard/state.js';
import { shellQuote } from './messages.js';
import { CHOOSE_TYPE_LINE, portalSteps } from './portal.js';
import { inspectText } from './render-inspect.js';
import { pushReport } from './render-push.js';
import { credentialSummary, renewSummary, type View } from './summaries.js';

/** A question as a prompt library asks it. */
export type PromptSpec =
  | {
      type: 'select';
      message: string;
      choices: { name: string; value: string; description?: string }[];
      default?: string;
    }
  | { type: 'input'; message: string; default?: string; required: boolean }
  | { type: 'confirm'; message: string; default: boolean }
  | { type: 'checkbox'; message: string; choices: { name: string; value: string }[] };

const JOURNEYS: Record<Journey, { name: string; description: string }> = {
  new: {
    name: 'New certificate',
    description: 'a key and CSR, Apple’s portal, then every file and a test push',
  },
  p12: {
    name: 'I have a .p12',
    description: 'exported from Keychain Access: PEMs, ck.pem and a fresh .p12, then a test push',
  },
  renew: {
    name: 'Renew',
    description:
      'the successor of a certificate that expires soon; the live files stay as they are',
  },
  check: {
    name: 'Check a certificate',
    description: 'what a .cer, .pem or .p12 is, whether it still works, and a CI gate',
  },
};

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function foundChoice(file: FoundFile, cwd: string, now: Date): { name: string; value: string } {
  const what =
    file.notAfter === null
      ? ''
      : `  ${file.bundleId ?? 'certificate'}, ${file.notAfter <= now ? 'expired' : 'ends'} ${formatDate(file.notAfter)}`;
  return { name: `${shown(file.path, cwd)}${what}`, value: file.path };
}

export function resumeLine(state: WizardState, cwd: string): string {
  const made = new Date(state.csrMadeAt).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
  });
  const what = state.journey === 'renew' ? 'the renewal' : 'Apple’s certificate';
  return `Continue where you stopped: waiting for ${what} for the CSR made on ${made}, in ${shown(state.dir, cwd)}/`;
}

export function planText(plan: NewCertificatePlan, cwd: string): string {
  const source =
    plan.subjectSource === 'git-config'
      ? ' (from git config; Apple ignores it)'
      : plan.subjectSource === 'default'
        ? ' (a neutral default; Apple ignores it)'
        : '';
  const rows: [string, string][] = [
    ['CSR subject', `${plan.commonName} <${plan.email}>${source}`],
    ['Folder', `${shown(plan.outDir, cwd)}/`],
    [
      'Passphrase',
      plan.keychain
        ? 'asked next (twice), then kept in the OS keychain'
        : plan.keychainAvailable
          ? 'asked next (twice); not kept in the OS keychain'
          : 'asked next (twice)',
    ],
    ['Then', 'Apple’s portal (one visit), import, a test push'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['A new push certificate:', ...rows.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`)].join(
    '\n',
  );
}

export function questionPrompt(question: Question, cwd: string, now: Date): PromptSpec {
  switch (question.id) {
    case 'journey':
      return {
        type: 'select',
        message: 'What would you like to do?',
        choices: [
          ...question.resumable.map((state, i) => ({
            name: resumeLine(state, cwd),
            value: `resume:${i}`,
          })),
          ...(Object.keys(JOURNEYS) as Journey[]).map((journey) => ({
            name: JOURNEYS[journey].name,
            value: journey,
            description: JOURNEYS[journey].description,
          })),
        ],
      };
    case 'plan':
      return {
        type: 'select',
        message: 'Go ahead?',
        choices: [
          { name: 'Yes', value: 'go' },
          { name: 'Change something', value: 'change' },
        ],
      };
    case 'email':
      return {
        type: 'input',
        message: 'Email for the CSR:',
        default: question.default,
        required: true,
      };
    case 'common-name':
      return {
        type: 'input',
        message: 'Common name for the CSR (e.g. "MyApp Push"):',
        default: question.default,
        required: true,
      };
    case 'out':
      return {
        type: 'input',
        message: 'Folder for the key and certificate files:',
        default: shown(question.default, cwd),
        required: true,
      };
    case 'keychain':
      return { type: 'confirm', message: 'Keep the passphrase in the OS keychain?', default: true };
    case 'open-portal':
      return {
        type: 'confirm',
        message: 'Open Apple’s page in your browser now?',
        default: true,
      };
    case 'certificate':
      return {
        type: 'input',
        message: question.watching
          ? `Path to the .cer Apple gave you (drag it here), or leave this open: a new .cer in ${shown(question.watching, cwd)} is picked up by itself:`
          : 'Path to the .cer Apple gave you (drag it here):',
        required: true,
      };
    case 'p12':
      return question.found.length > 0
        ? {
            type: 'select',
            message: 'Which .p12?',
            choices: [
              ...question.found.map((f) => foundChoice(f, cwd, now)),
              { name: 'Another file…', value: '' },
            ],
          }
        : { type: 'input', message: 'Path to the .p12 (drag it here):', required: true };
    case 'live':
      return question.found.length > 0
        ? {
            type: 'select',
            message: 'Which certificate do you renew (the one your provider uses)?',
            choices: [
              ...question.found.map((f) => foundChoice(f, cwd, now)),
              { name: 'Another file…', value: '' },
            ],
          }
        : {
            type: 'input',
            message: 'Path to the live certificate (ck.pem, cert.pem, .cer or .p12):',
            required: true,
          };
    case 'files':
      return question.found.length > 0
        ? {
            type: 'checkbox',
            message: 'Which files?',
            choices: question.found.map((f) => foundChoice(f, cwd, now)),
          }
        : {
            type: 'input',
            message: 'Path to the certificate (.cer, .pem or .p12):',
            required: true,
          };
    case 'token':
      return {
        type: 'input',
        message:
          'Device token for a test notification (leave empty for a credential probe, no device needed):',
        required: false,
      };
    case 'ci-workflow':
      return {
        type: 'confirm',
        message: `Write ${question.path}, a GitHub Actions job that fails before the certificate expires?`,
        default: false,
      };
  }
}

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
      const command = `apns-setup ${event.command.map((part) => shellQuote(shown(part, cwd))).join(' ')}`;
      return event.error === null
        ? `The files are made but not yet proven. Prove them with: ${command}`
        : `${style.yellow('The files are made but not yet proven:')} ${event.error.message}\n  Prove them later with: ${command}`;
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

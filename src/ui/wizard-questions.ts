/**
 * How each wizard question is put to a person: its message, choices and default. Kept apart
 * from the rest of the wizard's words so that the first question loads nothing else.
 */
import { relative } from 'node:path';
import { formatDate } from '../core/expiry.js';
import type {
  FoundFile,
  Journey,
  NewCertificatePlan,
  PromptSpec,
  Question,
} from '../flows/wizard/ports.js';
import type { WizardState } from '../flows/wizard/state.js';

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
    name: 'Check a certificate or an auth key (.p8)',
    description: 'what a .cer, .pem, .p12 or .p8 is, whether it still works, and a CI gate',
  },
};

/** A path as shown: relative to the working folder when inside it. */
export function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function foundChoice(file: FoundFile, cwd: string, now: Date): { name: string; value: string } {
  const what = file.tokenKey
    ? `  auth key${file.tokenKey.keyId === null ? '' : ` ${file.tokenKey.keyId}`}, never expires`
    : file.notAfter === null
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
            message: 'Path to the certificate (.cer, .pem or .p12) or the auth key (.p8):',
            required: true,
          };
    case 'token':
      return {
        type: 'input',
        message:
          'Device token for a test notification (leave empty for a credential probe, no device needed):',
        required: false,
      };
    case 'team-id':
      return {
        type: 'input',
        message:
          'Team ID the key belongs to (10 characters; developer.apple.com → Membership details):',
        required: true,
      };
    case 'key-id':
      return {
        type: 'input',
        message: `Key ID of ${shown(question.file, cwd)} (10 characters; developer.apple.com → Keys):`,
        required: true,
      };
    case 'topic':
      return {
        type: 'input',
        message: 'Bundle id of the app to push to (the topic):',
        required: true,
      };
    case 'ci-workflow':
      return {
        type: 'confirm',
        message: `Write ${question.path}, a GitHub Actions job that fails before the certificate expires?`,
        default: false,
      };
  }
}

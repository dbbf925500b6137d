/**
 * What the wizard needs from the outside: the ports of the journeys it runs (csr, import,
 * convert, renew, push), a way to ask (each question is data with an id; the answer comes from a
 * terminal, or from a flag when there is none), a way to show what happened (records, worded by
 * ui/render-wizard.ts), and the state file that lets a person resume after Apple's portal.
 */
import type { ApnsSetupError } from '../../core/errors.js';
import type { CertificateType } from '../../core/pki/types.js';
import type { ConvertResult } from '../convert-p12.js';
import type { CreateCsrResult } from '../create-csr.js';
import type { ImportResult } from '../import-certificate.js';
import type { InspectEntry } from '../inspect-files.js';
import type { PushPorts } from '../push-ports.js';
import type { RenewPorts, RenewResult } from '../renew.js';
import type { PushResult } from '../send-push.js';
import type { WizardState } from './state.js';

export type Journey = 'new' | 'p12' | 'renew' | 'check';

/** A file the wizard found nearby and offers (with what it is, when known). */
export interface FoundFile {
  path: string;
  /** The certificate's bundle id and end, when the file could be read without a passphrase. */
  bundleId: string | null;
  notAfter: Date | null;
  /** An APNs auth key (.p8): its key id, from its file name (null when the name has none). */
  tokenKey?: { keyId: string | null };
}

/** What the new-certificate journey will do, shown before it does it. */
export interface NewCertificatePlan {
  email: string;
  commonName: string;
  /** Where the email and name came from. */
  subjectSource: 'flags' | 'git-config' | 'default';
  outDir: string;
  keychain: boolean;
  keychainAvailable: boolean;
}

/** Every question, as data; the answer types are in Answers. */
export type Question =
  | { id: 'journey'; resumable: WizardState[] }
  | { id: 'plan'; plan: NewCertificatePlan }
  | { id: 'email'; default: string }
  | { id: 'common-name'; default: string }
  | { id: 'out'; default: string }
  | { id: 'keychain' }
  | { id: 'open-portal'; url: string }
  | { id: 'certificate'; watching: string | null; csrPath: string }
  | { id: 'p12'; found: FoundFile[] }
  | { id: 'live'; found: FoundFile[] }
  | { id: 'files'; found: FoundFile[] }
  | { id: 'token' }
  /** Token authentication: what a .p8 does not say itself. */
  | { id: 'team-id' }
  | { id: 'key-id'; file: string }
  | { id: 'topic' }
  | { id: 'ci-workflow'; path: string };

export interface Answers {
  /** A journey, or the index of the state to resume in `resumable`. */
  journey: Journey | { resume: number };
  plan: 'go' | 'change';
  email: string;
  'common-name': string;
  out: string;
  keychain: boolean;
  'open-portal': boolean;
  /** A path as typed or dragged into the terminal, or the file that appeared. */
  certificate: string;
  p12: string;
  live: string;
  files: string[];
  /** A device token, or '' for the credential probe. */
  token: string;
  'team-id': string;
  'key-id': string;
  topic: string;
  'ci-workflow': boolean;
}

export type QuestionId = Question['id'];

/**
 * A question as a terminal prompt library shows it: ui/wizard-questions.ts words each question
 * this way, and the terminal prompter (adapters/wizard-prompter.ts) shows it.
 */
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

/** What happened, for the person: ui/render-wizard.ts says each in words. */
export type WizardEvent =
  | { kind: 'resuming'; state: WizardState }
  | { kind: 'csr-made'; result: CreateCsrResult }
  | { kind: 'renewing'; result: RenewResult }
  | {
      kind: 'portal-steps';
      csrPath: string;
      bundleId: string | null;
      type: CertificateType | null;
      /** A renewal: the live certificate keeps working until it expires. */
      liveUntil: Date | null;
    }
  | { kind: 'browser'; url: string; opened: boolean }
  | { kind: 'state-saved'; file: string; csrPath: string }
  | { kind: 'certificate-found'; path: string }
  /** Bad input met on the way: one line, and the question again when `retry`. */
  | { kind: 'refused'; error: ApnsSetupError; retry: boolean; csrMadeAt?: Date }
  | { kind: 'imported'; result: ImportResult }
  | { kind: 'converted'; result: ConvertResult }
  | { kind: 'inspected'; entries: InspectEntry[] }
  | { kind: 'pushed'; results: PushResult[] }
  /** The files are made but no push proved them (APNs out of reach, or --no-push). */
  | {
      kind: 'not-proven';
      error: ApnsSetupError | null;
      command: string[];
      /** The journey made the files (new, p12, renew), or only looked at them (check). */
      made: boolean;
    }
  | { kind: 'ci-written'; path: string; written: boolean }
  | { kind: 'renewal-checklist'; newFiles: string; liveFile: string }
  | { kind: 'done'; journey: Journey };

/** A step of a task list: its name, and what it did (worded by ui). */
export interface WizardStep {
  step: 'make-key-and-csr' | 'import' | 'convert' | 'renew';
  run(): Promise<void>;
}

/** Where the test push goes (the local sandbox, in tests and offline). */
export interface PushTarget {
  endpoint: string | undefined;
  ca: string | undefined;
  env: 'sandbox' | 'production' | 'auto' | undefined;
  timeoutMs: number;
}

export interface WizardPorts extends RenewPorts {
  ask<Q extends Question>(question: Q): Promise<Answers[Q['id']]>;
  /** A person can answer (a terminal): a refused answer is then asked again. */
  canAsk: boolean;
  show(event: WizardEvent): void;
  runSteps(steps: WizardStep[]): Promise<void>;
  pushPorts: PushPorts;
  /** `open` / `xdg-open` / `start`: false when none worked. */
  openBrowser(url: string): Promise<boolean>;
  /** ~/Downloads when it exists: where a browser puts Apple's .cer. */
  downloadsDir(): Promise<string | null>;
  /** .p12 files, or certificate files, in the folders where a person keeps them. */
  findFiles(kind: 'p12' | 'certificates'): Promise<FoundFile[]>;
  /** The folder's own clock: the time it stamps on a file (to tell a new download from an old). */
  fileTime(path: string): Promise<Date | null>;
  /** `~/x` → the home folder's x; other paths as they are. */
  expandHome(path: string): string;
  loadStates(dirs: string[]): Promise<WizardState[]>;
  saveState(state: WizardState): Promise<string>;
  removeState(dir: string): Promise<void>;
  /**
   * Writes .github/workflows/apns-certificates.yml as `check --print-ci github` prints it, for
   * these certificate files; `written` is false when that file exists already (it is kept).
   */
  writeCiWorkflow(certificatePaths: string[]): Promise<{ path: string; written: boolean }>;
  keychainAvailable(): Promise<boolean>;
  /** From now on, passphrases are read from and kept in the OS keychain. */
  useKeychain(): void;
}

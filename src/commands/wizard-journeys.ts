/**
 * The wizard's journeys, loaded once the first question is answered (commands/wizard.ts): wires
 * their ports. Each question is put to the person in a terminal; without one (or with --yes) it
 * is answered from its flag or its default, and a question that has neither exits 2 naming the
 * flag.
 */
import { join, relative } from 'node:path';
import { openInBrowser } from '../adapters/browser.js';
import { readGitConfig } from '../adapters/git-config.js';
import { readInputFile } from '../adapters/input-files.js';
import { runTaskList } from '../adapters/task-list.js';
import { readTemplate } from '../adapters/templates.js';
import { openKeychain } from '../adapters/keychain.js';
import { askInTerminal } from '../adapters/wizard-prompter.js';
import {
  downloadsDir,
  expandHome,
  fileTime,
  listFiles,
  removeIfPresent,
  replaceTextFile,
  subfolders,
  watchForCertificate,
  writeNewTextFile,
} from '../adapters/wizard-files.js';
import { isTokenKeyFileName, readTokenKey } from '../core/apns/token-key.js';
import { InputError, type ExitCode } from '../core/errors.js';
import { readMaterial } from '../core/pki/material.js';
import type { Answers, FoundFile, Journey, Question, WizardPorts } from '../flows/wizard/ports.js';
import { runWizard } from '../flows/wizard/run-wizard.js';
import { serializeState, STATE_FILE, type WizardState } from '../flows/wizard/state.js';
import { ciWorkflow } from '../ui/render-check.js';
import { describeWizardEvent, wizardStepTitle } from '../ui/render-wizard.js';
import { planText, questionPrompt } from '../ui/wizard-questions.js';
import { viewOf, type CommandContext } from './context.js';
import type { WizardFlags } from './wizard-flags.js';
import { loadStates } from './wizard-states.js';
import { createFlowPorts, emptyOrMissingDir } from './flow-ports.js';
import { createPushPorts } from './push-ports.js';

/** Runs the journey chosen (or, with `resume` undefined, lets the wizard choose it). */
export async function runJourneys(
  args: string[],
  flags: WizardFlags,
  context: CommandContext,
  chosen: { journey: Journey | undefined; resume: WizardState | null | undefined },
): Promise<ExitCode> {
  const outcome = await runWizard(
    {
      journey: chosen.journey,
      resume: chosen.resume,
      cwd: context.cwd,
      email: flags.email,
      commonName: flags.commonName,
      out: flags.out,
      cer: flags.cer,
      from: flags.from,
      files: args,
      keychain: flags.keychain,
      token: flags.token,
      teamId: flags.teamId,
      keyId: flags.keyId,
      topic: flags.topic,
      push: flags.push,
      target: {
        endpoint: flags.endpoint,
        ca: flags.ca,
        env: flags.env,
        timeoutMs: flags.timeout * 1000,
      },
      passphraseTries: 3,
    },
    createWizardPorts(context, flags),
  );
  return outcome.exitCode;
}

export function createWizardPorts(context: CommandContext, flags: WizardFlags): WizardPorts {
  // The person may choose the keychain in the plan: the passphrase sources follow this switch.
  const keychainSwitch = { on: flags.keychain === true };
  const flowPorts = createFlowPorts(context, { ...flags, keychainSwitch });
  const view = viewOf(context);
  const terminal = context.isInteractive;
  const say = (text: string | null) => {
    if (text !== null) context.ui.say(text);
  };
  const ports: WizardPorts = {
    ...flowPorts,
    canAsk: terminal,
    gitConfig: (name) => readGitConfig(name, context.cwd),
    isEmptyOrMissingDir: emptyOrMissingDir(context),
    ask: async <Q extends Question>(question: Q): Promise<Answers[Q['id']]> => {
      const fromFlags = answerFromFlags(question, flags, terminal);
      if (fromFlags !== undefined) return fromFlags as Answers[Q['id']];
      return (await askPerson(question, context, say)) as Answers[Q['id']];
    },
    show: (event) => say(describeWizardEvent(event, context.now(), view)),
    runSteps: (steps) =>
      runTaskList(
        steps.map((step) => ({ title: wizardStepTitle(step.step), run: () => step.run() })),
        { stderr: context.stderr, interactive: terminal },
      ),
    pushPorts: createPushPorts(context, { ...flags, keychainSwitch }),
    openBrowser: (url) => openInBrowser(url),
    downloadsDir: () => downloadsDir(),
    findFiles: (kind) => findNearby(kind, context.cwd),
    fileTime,
    expandHome: (path) => expandHome(path),
    loadStates: (dirs) => loadStates(dirs),
    saveState: async (state) => {
      const path = join(state.dir, STATE_FILE);
      await replaceTextFile(path, serializeState(state));
      return path;
    },
    removeState: (dir) => removeIfPresent(join(dir, STATE_FILE)),
    writeCiWorkflow: async (paths) => {
      const path = join(context.cwd, '.github', 'workflows', 'apns-certificates.yml');
      const relativePaths = paths.map((p) => relative(context.cwd, p) || '.');
      const contents = ciWorkflow(await readTemplate('ci/github.yml'), {
        paths: relativePaths,
        days: 30,
      });
      return { path, written: await writeNewTextFile(path, contents) };
    },
    keychainAvailable: async () => {
      // Only worth a probe where a person may choose it, or where --keychain asks for it.
      if (!terminal && flags.keychain !== true) return false;
      const keychain = await openKeychain();
      if (keychain.available) keychain.close();
      return keychain.available;
    },
    useKeychain: () => {
      keychainSwitch.on = true;
    },
  };
  return ports;
}

/**
 * The answer a question gets without a person: its flag, else (without a terminal, or with
 * --yes) its default; undefined when a person must be asked; an error naming the flag when
 * there is no one to ask.
 */
function answerFromFlags(
  question: Question,
  flags: WizardFlags,
  terminal: boolean,
): Answers[keyof Answers] | undefined {
  const unattended = !terminal || flags.yes === true;
  const needFlag = (flag: string, what: string): never => {
    throw new InputError('NO_TTY', `${what}, and there is no terminal to ask`, {
      hint: `Pass ${flag}.`,
    });
  };
  switch (question.id) {
    case 'journey':
      return terminal
        ? undefined
        : needFlag('--journey new|p12|renew|check', 'the wizard needs a journey');
    case 'plan':
      return unattended ? 'go' : undefined;
    case 'email':
      return flags.email ?? (unattended ? question.default : undefined);
    case 'common-name':
      return flags.commonName ?? (unattended ? question.default : undefined);
    case 'out':
      return flags.out ?? (unattended ? question.default : undefined);
    case 'keychain':
      return flags.keychain ?? (unattended ? false : undefined);
    case 'open-portal':
      return unattended ? false : undefined;
    case 'certificate':
      return (
        flags.cer ??
        (terminal
          ? undefined
          : needFlag(
              '--cer FILE',
              "the wizard is waiting for Apple's certificate (the CSR is made)",
            ))
      );
    case 'p12':
      return terminal
        ? undefined
        : needFlag(
            'the .p12 file (apns-setup wizard --journey p12 FILE)',
            'the wizard needs the .p12',
          );
    case 'live':
      return (
        flags.from ??
        (terminal
          ? undefined
          : needFlag('--from FILE', 'the wizard needs the live certificate to renew'))
      );
    case 'files':
      return terminal
        ? undefined
        : needFlag(
            'the files (apns-setup wizard --journey check FILE...)',
            'the wizard needs the files to check',
          );
    case 'team-id':
      return (
        flags.teamId ??
        (terminal ? undefined : needFlag('--team-id TEAMID', 'the auth key needs its team id'))
      );
    case 'key-id':
      return (
        flags.keyId ??
        (terminal
          ? undefined
          : needFlag('--key-id KEYID', 'the auth key’s file name does not say its key id'))
      );
    case 'topic':
      return (
        flags.topic ??
        (terminal
          ? undefined
          : needFlag('--topic BUNDLE_ID', 'the auth key needs the app it pushes to'))
      );
    case 'token':
      return flags.token ?? (unattended ? '' : undefined);
    case 'ci-workflow':
      return flags.ciWorkflow ?? (unattended ? false : undefined);
  }
}

async function askPerson(
  question: Question,
  context: CommandContext,
  say: (text: string) => void,
): Promise<Answers[keyof Answers]> {
  const io = { stdin: context.stdin, stderr: context.stderr };
  const prompt = questionPrompt(question, context.cwd, context.now());
  if (question.id === 'plan') say(planText(question.plan, context.cwd));
  if (question.id === 'certificate' && question.watching !== null) {
    // Ask, and meanwhile watch Downloads: whichever comes first answers.
    const csrTime = (await fileTime(question.csrPath)) ?? context.now();
    const stop = new AbortController();
    let found: string | null = null;
    const appeared = watchForCertificate(question.watching, csrTime, stop.signal).then(
      (path) => (found = path),
    );
    try {
      const answer = (await askInTerminal(prompt, io, appeared)) as string;
      if (found !== null && found === answer) {
        const event = { kind: 'certificate-found' as const, path: found };
        say(describeWizardEvent(event, context.now(), viewOf(context))!);
      }
      return answer;
    } finally {
      stop.abort();
    }
  }
  const answer = await askInTerminal(prompt, io);
  switch (question.id) {
    case 'journey': {
      const value = answer as string;
      return value.startsWith('resume:') ? { resume: Number(value.slice(7)) } : value;
    }
    case 'p12':
    case 'live':
      // "Another file…": ask for its path.
      return answer === ''
        ? await askInTerminal(
            { type: 'input', message: 'Path (drag the file here):', required: true },
            io,
          )
        : answer;
    case 'files':
      return Array.isArray(answer) ? answer : [answer as string];
    default:
      return answer;
  }
}

/**
 * Certificates (with their bundle id and end) and auth keys, or .p12 files, here, one level
 * down, and in Downloads.
 */
async function findNearby(kind: 'p12' | 'certificates', cwd: string): Promise<FoundFile[]> {
  const downloads = await downloadsDir();
  const dirs = [cwd, ...(await subfolders(cwd)), ...(downloads ? [downloads] : [])];
  const paths = await listFiles(
    dirs,
    kind === 'p12' ? /\.(p12|pfx)$/i : /\.(cer|crt|der|pem|p12|pfx|p8)$/i,
  );
  const found: FoundFile[] = [];
  for (const path of paths.slice(0, 30)) {
    if (isTokenKeyFileName(path)) {
      // An auth key is offered only when it can sign: an RSA key named .p8 is not one.
      const { info } = readTokenKey(await readInputFile(path).catch(() => new Uint8Array()), path);
      if (info.problem === null) {
        found.push({ path, bundleId: null, notAfter: null, tokenKey: { keyId: info.keyId } });
      }
      continue;
    }
    let bundleId: string | null = null;
    let notAfter: Date | null = null;
    try {
      const material = readMaterial(await readInputFile(path), { passphrase: null });
      const leaf = material.certificates[0];
      if (kind === 'certificates' && !leaf?.isApns) continue;
      bundleId = leaf?.bundleId ?? null;
      notAfter = leaf?.notAfter ?? null;
    } catch {
      // A locked .p12 (its certificate is encrypted) or a file that is not ours: listed as is.
      if (kind === 'certificates' && !/\.(p12|pfx)$/i.test(path)) continue;
    }
    found.push({ path, bundleId, notAfter });
  }
  // What a provider uses first (ck.pem), then what could be read (auth keys too), then locked
  // .p12 files.
  const rank = (f: FoundFile) =>
    f.path.endsWith('/ck.pem') ? 0 : f.notAfter !== null || f.tokenKey ? 1 : 2;
  return found.sort((a, b) => rank(a) - rank(b));
}

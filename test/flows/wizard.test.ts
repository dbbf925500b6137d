/**
 * The wizard's journeys with a scripted person (np's pattern): each question is answered from
 * a script by its id, and a question the script does not expect fails the test. The files are
 * real (a temporary folder); the push goes to a hand-written connection.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readInputFile } from '../../src/adapters/input-files.js';
import { credentialFilesBeside } from '../../src/adapters/find-files.js';
import { parsePlist } from '../../src/adapters/plist.js';
import {
  assertWritable,
  isEmptyOrMissingDir,
  writeOutputFiles,
} from '../../src/adapters/output-files.js';
import { InputError } from '../../src/core/errors.js';
import { signCsrAsApple, createPortalCa } from '../../src/sandbox/portal.js';
import type { ApnsConnection } from '../../src/flows/push-ports.js';
import { runWizard, type WizardOptions } from '../../src/flows/wizard/run-wizard.js';
import type { Answers, Question, WizardEvent, WizardPorts } from '../../src/flows/wizard/ports.js';
import {
  parseState,
  serializeState,
  STATE_FILE,
  type WizardState,
} from '../../src/flows/wizard/state.js';
import { parseTypedPath } from '../../src/flows/wizard/typed-path.js';
import { repoRoot, IMPORTED_FOLDER_FILES } from '../helpers/fixtures.js';
import { issueUniversalCertificate, testKey } from '../helpers/test-ca.js';
import { writePkcs12 } from '../../src/core/pki/pkcs12-write.js';
import { monotonicMs } from '../../src/adapters/monotonic-clock.js';

// A fixed clock: the portal issues from it, and the flows read it through their ports.
const now = new Date('2031-03-14T09:26:53Z');
const PASSPHRASE = 'scripted passphrase';
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'apns-setup-wizard-flow-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

type Script = { [K in keyof Answers]?: Answers[K] | Answers[K][] };

interface Person {
  ports: WizardPorts;
  asked: string[];
  events: WizardEvent[];
  passphrases: string[];
  states: Map<string, WizardState>;
}

/** A scripted person: answers by question id (a list is used in order), else throws. */
function person(
  script: Script,
  options: { passphrases?: string[]; canAsk?: boolean } = {},
): Person {
  const asked: string[] = [];
  const events: WizardEvent[] = [];
  const passphrases = [...(options.passphrases ?? [PASSPHRASE])];
  const states = new Map<string, WizardState>();
  const remaining: Record<string, unknown[]> = Object.fromEntries(
    Object.entries(script).map(([id, value]) => [
      id,
      Array.isArray(value) && id !== 'files' ? [...value] : [value],
    ]),
  );
  const connection: ApnsConnection = {
    url: 'https://api.sandbox.push.apple.com',
    usable: true,
    maxConcurrentStreams: 1000,
    send: () =>
      Promise.resolve({
        status: 400,
        headers: {
          'apns-id': 'a1a1a1a1-0000-4000-8000-000000000001',
          'apns-unique-id': null,
          'apns-setup-environment': null,
        },
        body: Buffer.from('{"reason":"BadDeviceToken"}'),
      }),
    close: () => Promise.resolve(),
  };
  const ports: WizardPorts = {
    readFile: (path) => readInputFile(path),
    assertWritable: (dir, names, force) => assertWritable(dir, names, { force }),
    writeFiles: (dir, files, force) => writeOutputFiles(dir, files, { force, now }),
    passphrase: () => {
      const next = passphrases.shift();
      if (next === undefined) return Promise.reject(new Error('an unexpected passphrase prompt'));
      return Promise.resolve(next);
    },
    passphraseAtHand: () => Promise.resolve(null),
    parsePlist,
    filesBeside: (file) => credentialFilesBeside(file),
    warn: () => undefined,
    now: () => now,
    gitConfig: (name) =>
      Promise.resolve(name === 'user.email' ? 'jane@example.com' : 'Jane Appleseed'),
    isEmptyOrMissingDir,
    canAsk: options.canAsk ?? true,
    ask: <Q extends Question>(question: Q) => {
      asked.push(question.id);
      const queue = remaining[question.id];
      if (!queue || queue.length === 0) {
        return Promise.reject(new Error(`an unexpected question: ${question.id}`));
      }
      return Promise.resolve(queue.shift() as Answers[Q['id']]);
    },
    show: (event) => events.push(event),
    runSteps: async (steps) => {
      for (const step of steps) await step.run();
    },
    pushPorts: {
      parsePlist: () => Promise.reject(new Error('no profile in this test')),
      readFile: (path) => readInputFile(path),
      passphrase: () => Promise.reject(new Error('the push needs no passphrase: ck.pem')),
      passphraseAtHand: () => Promise.resolve(null),
      warn: () => undefined,
      now: () => now,
      readStdin: () => Promise.reject(new Error('no stdin')),
      streamFile: () => {
        throw new Error('no tokens file');
      },
      readTemplate: (path) =>
        Promise.resolve(readFileSync(join(repoRoot, 'templates', path), 'utf8')),
      connect: () => Promise.resolve(connection),
      randomBytes: (size) => Buffer.alloc(size, 7),
      random: () => 0.5,
      sleep: () => Promise.resolve(),
      clock: () => monotonicMs(),
      stopRequested: () => false,
      progress: () => undefined,
    },
    openBrowser: () => Promise.resolve(false),
    downloadsDir: () => Promise.resolve(null),
    findFiles: () => Promise.resolve([]),
    fileTime: () => Promise.resolve(null),
    expandHome: (path) => path,
    loadStates: (dirs) =>
      Promise.resolve([...states.values()].filter((s) => dirs.some((d) => s.dir.startsWith(d)))),
    saveState: (state) => {
      // Through the file format, as the adapter does.
      states.set(state.dir, parseState(serializeState(state))!);
      return Promise.resolve(join(state.dir, STATE_FILE));
    },
    removeState: (dir) => {
      states.delete(dir);
      return Promise.resolve();
    },
    writeCiWorkflow: (paths) =>
      Promise.resolve({ path: join(root, '.github', paths.join('+')), written: true }),
    keychainAvailable: () => Promise.resolve(false),
    useKeychain: () => undefined,
  };
  return { ports, asked, events, passphrases, states };
}

function options(overrides: Partial<WizardOptions> = {}): WizardOptions {
  return {
    journey: undefined,
    cwd: root,
    email: undefined,
    commonName: undefined,
    out: undefined,
    cer: undefined,
    from: undefined,
    files: [],
    keychain: undefined,
    token: undefined,
    push: true,
    target: { endpoint: undefined, ca: undefined, env: undefined, timeoutMs: 5000 },
    passphraseTries: 3,
    ...overrides,
  };
}

const portal = createPortalCa({ key: testKey('portal'), now, serialNumber: '0f' });

/** Apple's part: the portal signs the CSR the wizard made, and the .cer is written beside. */
async function appleSigns(dir: string, name = 'aps.cer'): Promise<string> {
  const csr = await readInputFile(join(dir, 'CertificateSigningRequest.certSigningRequest'));
  const issued = signCsrAsApple({
    portalCa: portal,
    csrDer: csr,
    bundleId: 'com.example.flow',
    teamId: 'A1B2C3D4E5',
    teamName: 'Flow',
    type: 'universal',
    now,
    serialNumber: '0a0b',
  });
  const path = join(root, name);
  writeFileSync(path, issued.der);
  return path;
}

describe('the new-certificate journey', () => {
  it('asks the journey, the plan, the portal, the .cer, the token and the CI workflow: in that order', async () => {
    const dir = join(root, 'apns-certificates');
    const cer = join(root, 'aps.cer');
    const p = person({
      journey: 'new',
      plan: 'go',
      'open-portal': false,
      certificate: `'${cer}'`,
      token: '',
      'ci-workflow': true,
    });
    // Apple signs as soon as the wizard asks for the .cer.
    const ask = p.ports.ask.bind(p.ports);
    p.ports.ask = (async (question: Question) => {
      if (question.id === 'certificate') await appleSigns(dir);
      return ask(question);
    }) as WizardPorts['ask'];
    const outcome = await runWizard(options(), p.ports);
    expect(outcome).toEqual({ journey: 'new', exitCode: 0 });
    expect(p.asked).toEqual([
      'journey',
      'plan',
      'open-portal',
      'certificate',
      'token',
      'ci-workflow',
    ]);
    expect(p.passphrases).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(IMPORTED_FOLDER_FILES);
    expect(p.events.map((e) => e.kind)).toEqual([
      'csr-made',
      'portal-steps',
      'state-saved',
      'imported',
      'pushed',
      'ci-written',
      'done',
    ]);
    const pushed = p.events.find((e) => e.kind === 'pushed');
    expect(pushed?.kind === 'pushed' && pushed.results[0]?.ok).toBe(true);
    expect(p.states.size).toBe(0);
  });

  it('a .cer issued for another CSR is refused in one line and asked for again, nothing lost', async () => {
    const dir = join(root, 'apns-certificates');
    const other = mkdtempSync(join(tmpdir(), 'apns-setup-other-'));
    try {
      // Another CSR (another key), signed: the wrong .cer for this key.
      const otherRun = person({
        journey: 'new',
        plan: 'go',
        'open-portal': false,
        certificate: 'x',
      });
      await runWizard(options({ cwd: other, journey: 'new' }), otherRun.ports).catch(
        () => undefined,
      );
      const wrong = await appleSigns(join(other, 'apns-certificates'), 'wrong.cer');
      const p = person({
        journey: 'new',
        plan: 'go',
        'open-portal': false,
        certificate: [wrong, join(root, 'aps.cer')],
        token: '',
        'ci-workflow': false,
      });
      const ask = p.ports.ask.bind(p.ports);
      p.ports.ask = (async (question: Question) => {
        const reply = ask(question);
        // After the wrong .cer was refused, Apple signs the right CSR.
        if (
          question.id === 'certificate' &&
          p.asked.filter((id) => id === 'certificate').length === 2
        ) {
          await appleSigns(dir);
        }
        return reply;
      }) as WizardPorts['ask'];
      expect((await runWizard(options(), p.ports)).exitCode).toBe(0);
      const refused = p.events.find((e) => e.kind === 'refused');
      expect(refused?.kind === 'refused' && refused.error.code).toBe('KEY_MISMATCH');
      expect(refused?.kind === 'refused' && refused.csrMadeAt?.toISOString()).toBe(
        now.toISOString(),
      );
      expect(p.asked.filter((id) => id === 'certificate')).toHaveLength(2);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('leaves a state file at the portal, and a later run continues from it', async () => {
    const first = person({ journey: 'new', plan: 'go', 'open-portal': false });
    const stop = new InputError('CANCELLED', 'Cancelled.');
    first.ports.ask = ((ask) => (question: Question) =>
      question.id === 'certificate' ? Promise.reject(stop) : ask(question))(
      first.ports.ask.bind(first.ports),
    ) as WizardPorts['ask'];
    await expect(runWizard(options(), first.ports)).rejects.toBe(stop);
    const [state] = [...first.states.values()];
    expect(state).toMatchObject({
      journey: 'new',
      stage: 'waiting-for-certificate',
      dir: join(root, 'apns-certificates'),
    });

    const cer = await appleSigns(state!.dir);
    const later = person(
      {
        journey: { resume: 0 },
        'open-portal': false,
        certificate: cer,
        token: '',
        'ci-workflow': false,
      },
      { passphrases: [PASSPHRASE] },
    );
    for (const [key, value] of first.states) later.states.set(key, value);
    expect((await runWizard(options(), later.ports)).exitCode).toBe(0);
    expect(later.events[0]).toMatchObject({ kind: 'resuming' });
    expect(later.asked).toEqual(['journey', 'open-portal', 'certificate', 'token', 'ci-workflow']);
    expect(later.states.size).toBe(0);
  });

  it('a folder that cannot be used is said, and the plan changed', async () => {
    writeFileSync(join(root, 'taken'), 'a file, not a folder');
    const p = person({
      journey: 'new',
      plan: ['go', 'go'],
      email: 'jane@example.com',
      'common-name': 'Jane',
      out: join(root, 'fine'),
      'open-portal': false,
    });
    const stop = new Error('stop at the portal');
    const ask = p.ports.ask.bind(p.ports);
    p.ports.ask = ((question: Question) =>
      question.id === 'certificate' ? Promise.reject(stop) : ask(question)) as WizardPorts['ask'];
    await expect(runWizard(options({ out: 'taken' }), p.ports)).rejects.toBe(stop);
    expect(p.events[0]).toMatchObject({ kind: 'refused', retry: true });
    expect(readdirSync(join(root, 'fine'))).toContain('key.pem');
  });
});

describe('the .p12 journey', () => {
  it('a wrong passphrase is asked again, at most three times in all', async () => {
    const issued = issueUniversalCertificate({ now, bundleId: 'com.example.p12' });
    const p12 = join(root, 'push.p12');
    writeFileSync(
      p12,
      writePkcs12({
        key: testKey('leaf'),
        certificates: [issued.der],
        passphrase: 'right',
        profile: 'compatible',
      }),
    );
    const p = person(
      { journey: 'p12', p12, token: '', 'ci-workflow': false },
      { passphrases: ['wrong', 'also wrong', 'right'] },
    );
    expect((await runWizard(options(), p.ports)).exitCode).toBe(0);
    expect(p.events.filter((e) => e.kind === 'refused')).toHaveLength(2);

    const q = person({ journey: 'p12', p12 }, { passphrases: ['no', 'nope', 'never'] });
    await expect(runWizard(options({ out: 'again' }), q.ports)).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
  });
});

describe('parseTypedPath: a path as a terminal writes it', () => {
  it.each([
    ['/Users/jane/Downloads/aps.cer', '/Users/jane/Downloads/aps.cer'],
    ['  /tmp/aps.cer \n', '/tmp/aps.cer'],
    ['/Users/jane/My\\ Certs/aps\\ \\(1\\).cer', '/Users/jane/My Certs/aps (1).cer'],
    ["'/Users/jane/My Certs/Tom'\\''s.cer'", "/Users/jane/My Certs/Tom's.cer"],
    ['"/Users/jane/My Certs/aps.cer"', '/Users/jane/My Certs/aps.cer'],
    ['file:///Users/jane/My%20Certs/aps.cer', '/Users/jane/My Certs/aps.cer'],
  ])('%s', (typed, path) => {
    expect(parseTypedPath(typed)).toBe(path);
  });
});

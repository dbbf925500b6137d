/**
 * The wizard: the journeys a person takes with `apns-setup` — a first certificate, a .p12 handed
 * over by a colleague, a renewal, a check — each as questions first, then the same flows the
 * commands run, then a test push and the CI workflow. A journey that waits for Apple's portal
 * leaves a state file, and running the wizard again continues there.
 */
import { join, resolve } from 'node:path';
import { APPLE_CERTIFICATE_PORTAL_URL as PORTAL_URL } from '../../core/apns/portal.js';
import { isApnsSetupError, OperationError, type ApnsSetupError } from '../../core/errors.js';
import { FILE_NAMES } from '../../core/outputs.js';
import type { CertificateInfo } from '../../core/pki/types.js';
import { convertP12 } from '../convert-p12.js';
import { createKeyAndCsr } from '../create-csr.js';
import { importCertificate } from '../import-certificate.js';
import { inspectFiles, type InspectEntry } from '../inspect-files.js';
import { openMaterial } from '../read-file-material.js';
import { DEFAULT_CSR_SUBJECT, renewCertificate } from '../renew.js';
import { sendPush } from '../send-push.js';
import type { Journey, NewCertificatePlan, PushTarget, WizardPorts } from './ports.js';
import type { WizardState } from './state.js';
import { parseTypedPath } from './typed-path.js';

/** The flags of the underlying commands: every answer can be given without a terminal. */
export interface WizardOptions {
  journey: Journey | undefined;
  /**
   * The state to continue, when the journey was chosen before the wizard started (the command
   * asks the first question itself, before loading the journeys).
   */
  resume?: WizardState | null;
  cwd: string;
  email: string | undefined;
  commonName: string | undefined;
  out: string | undefined;
  /** new: Apple's .cer, when it is already downloaded. */
  cer: string | undefined;
  /** renew: the live certificate. */
  from: string | undefined;
  /** p12: the .p12; check: the files. */
  files: string[];
  keychain: boolean | undefined;
  token: string | undefined;
  /** check with an auth key (.p8): what the key does not say itself. */
  teamId?: string | undefined;
  keyId?: string | undefined;
  topic?: string | undefined;
  /** False with --no-push: no test push. */
  push: boolean;
  target: PushTarget;
  /** At most this many tries of a passphrase typed at the prompt. */
  passphraseTries: number;
}

export interface WizardOutcome {
  journey: Journey;
  /** 0 done (or not yet proven, said); 1 the test push was refused; 2 a file could not be read. */
  exitCode: 0 | 1 | 2;
}

export async function runWizard(
  options: WizardOptions,
  ports: WizardPorts,
): Promise<WizardOutcome> {
  let journey: Journey;
  let resume: WizardState | null = null;
  if (options.journey !== undefined && options.resume !== undefined) {
    journey = options.journey;
    resume = options.resume;
    return runJourney(journey, options, ports, resume);
  }
  const searched = [options.cwd, ...(options.out ? [resolve(options.cwd, options.out)] : [])];
  const resumable = await ports.loadStates(searched);
  if (options.journey !== undefined) {
    journey = options.journey;
    // Without a terminal, `--journey new --out certs --cer aps.cer` continues what certs/ waits for.
    const out = options.out ? resolve(options.cwd, options.out) : null;
    resume =
      resumable.find((s) => s.journey === journey && (out === null || s.dir === out)) ?? null;
  } else {
    const answer = await ports.ask({ id: 'journey', resumable });
    if (typeof answer === 'object') {
      resume = resumable[answer.resume]!;
      journey = resume.journey;
    } else {
      journey = answer;
    }
  }
  return runJourney(journey, options, ports, resume);
}

function runJourney(
  journey: Journey,
  options: WizardOptions,
  ports: WizardPorts,
  resume: WizardState | null,
): Promise<WizardOutcome> {
  switch (journey) {
    case 'new':
      return newCertificate(options, ports, resume);
    case 'renew':
      return renewal(options, ports, resume);
    case 'p12':
      return fromP12(options, ports);
    case 'check':
      return checkCertificates(options, ports);
  }
}

// ─── New certificate ────────────────────────────────────────────────────────────────────────

async function newCertificate(
  options: WizardOptions,
  ports: WizardPorts,
  resume: WizardState | null,
): Promise<WizardOutcome> {
  let state = resume;
  let known: string | null = null;
  if (state === null) {
    const plan = await planNewCertificate(options, ports);
    if (plan.keychain) ports.useKeychain();
    const passphrase = await ports.passphrase({
      purpose: 'protect',
      subject: `the new key ${FILE_NAMES.key}`,
    });
    const chosen = () => Promise.resolve(passphrase);
    await ports.runSteps([
      {
        step: 'make-key-and-csr',
        run: async () => {
          const made = await createKeyAndCsr(
            {
              email: plan.email,
              commonName: plan.commonName,
              country: undefined,
              keySize: 2048,
              outDir: plan.outDir,
              force: false,
            },
            { ...ports, passphrase: chosen, passphraseAtHand: chosen },
          );
          ports.show({ kind: 'csr-made', result: made });
        },
      },
    ]);
    state = {
      version: 1,
      journey: 'new',
      stage: 'waiting-for-certificate',
      dir: plan.outDir,
      csrMadeAt: ports.now().toISOString(),
      live: null,
      keychain: plan.keychain,
    };
    known = passphrase;
  } else {
    ports.show({ kind: 'resuming', state });
    if (state.keychain) ports.useKeychain();
  }
  return collectAndProve(options, ports, state, known);
}

/** The plan, from the flags, git config and defaults; changed until the person says go. */
async function planNewCertificate(
  options: WizardOptions,
  ports: WizardPorts,
): Promise<NewCertificatePlan> {
  const [gitEmail, gitName] = await Promise.all([
    options.email === undefined ? ports.gitConfig('user.email') : Promise.resolve(null),
    options.commonName === undefined ? ports.gitConfig('user.name') : Promise.resolve(null),
  ]);
  const keychainAvailable = await ports.keychainAvailable();
  let plan: NewCertificatePlan = {
    email: options.email ?? gitEmail ?? DEFAULT_CSR_SUBJECT.email,
    commonName: options.commonName ?? gitName ?? DEFAULT_CSR_SUBJECT.commonName,
    subjectSource:
      options.email !== undefined || options.commonName !== undefined
        ? 'flags'
        : gitEmail !== null && gitName !== null
          ? 'git-config'
          : 'default',
    outDir: options.out
      ? resolve(options.cwd, options.out)
      : await freshFolder(options.cwd, 'apns-certificates', ports),
    keychain: keychainAvailable && (options.keychain ?? true),
    keychainAvailable,
  };
  for (;;) {
    const choice = await ports.ask({ id: 'plan', plan });
    if (choice === 'go') {
      const refusal = await writableRefusal(plan.outDir, ports);
      if (refusal === null) return plan;
      ports.show({ kind: 'refused', error: refusal, retry: true });
    }
    plan = {
      ...plan,
      email: await ports.ask({ id: 'email', default: plan.email }),
      commonName: await ports.ask({ id: 'common-name', default: plan.commonName }),
      outDir: resolve(options.cwd, await ports.ask({ id: 'out', default: plan.outDir })),
      subjectSource: 'flags',
      keychain: plan.keychainAvailable ? await ports.ask({ id: 'keychain' }) : false,
    };
  }
}

async function writableRefusal(dir: string, ports: WizardPorts): Promise<ApnsSetupError | null> {
  try {
    await ports.assertWritable(dir, [FILE_NAMES.key, FILE_NAMES.csr], false);
    return null;
  } catch (error) {
    if (isApnsSetupError(error) && error.exitCode === 2) return error;
    throw error;
  }
}

/** `apns-certificates`, else `apns-certificates-2`, …: a folder that does not hold files yet. */
async function freshFolder(cwd: string, name: string, ports: WizardPorts): Promise<string> {
  for (let n = 1; ; n++) {
    const dir = join(cwd, n === 1 ? name : `${name}-${n}`);
    if (await ports.isEmptyOrMissingDir(dir)) return dir;
  }
}

/**
 * The portal visit and what follows it: the steps, the page opened, Apple's .cer noticed in
 * Downloads (or typed), import, the test push, the CI workflow.
 */
async function collectAndProve(
  options: WizardOptions,
  ports: WizardPorts,
  state: WizardState,
  knownPassphrase: string | null,
): Promise<WizardOutcome> {
  const csrPath = join(state.dir, FILE_NAMES.csr);
  const keyFile = join(state.dir, FILE_NAMES.key);
  const stateFile = await ports.saveState(state);
  ports.show({
    kind: 'portal-steps',
    csrPath,
    bundleId: state.live?.bundleId ?? null,
    type: state.live?.type ?? null,
    liveUntil: state.live ? new Date(state.live.notAfter) : null,
  });
  ports.show({ kind: 'state-saved', file: stateFile, csrPath });
  if (options.cer === undefined && (await ports.ask({ id: 'open-portal', url: PORTAL_URL }))) {
    ports.show({ kind: 'browser', url: PORTAL_URL, opened: await ports.openBrowser(PORTAL_URL) });
  }

  const watching = await ports.downloadsDir();
  // The key's passphrase is asked before the task list runs: a prompt inside it would be hidden.
  const passphrase = knownPassphrase ?? (await unlockKey(options, ports, keyFile));
  const withPassphrase: WizardPorts = {
    ...ports,
    passphrase: (request) =>
      passphrase === null ? ports.passphrase(request) : Promise.resolve(passphrase),
    passphraseAtHand: () =>
      passphrase === null ? ports.passphraseAtHand() : Promise.resolve(passphrase),
  };
  let given = options.cer;
  let imported: Awaited<ReturnType<typeof importCertificate>> | null = null;
  while (imported === null) {
    const typed = given ?? (await ports.ask({ id: 'certificate', watching, csrPath }));
    given = undefined;
    const file = resolve(options.cwd, ports.expandHome(parseTypedPath(typed)));
    try {
      await ports.runSteps([
        {
          step: 'import',
          run: async () => {
            imported = await importCertificate(
              {
                certificateFile: file,
                keyFile,
                outDir: state.dir,
                profile: 'compatible',
                splitP12: false,
                force: false,
              },
              withPassphrase,
            );
          },
        },
      ]);
    } catch (error) {
      // A .cer from another CSR, a .p12 or .p8 where the .cer belongs: say it, ask again.
      if (!isApnsSetupError(error) || error.exitCode !== 2 || !ports.canAsk) throw error;
      ports.show({ kind: 'refused', error, retry: true, csrMadeAt: new Date(state.csrMadeAt) });
    }
  }
  await ports.removeState(state.dir);
  const result = imported as Awaited<ReturnType<typeof importCertificate>>;
  ports.show({ kind: 'imported', result });

  const ck = join(state.dir, FILE_NAMES.combined);
  const exitCode = await testPush(options, ports, { cert: ck }, result.certificate, true);
  if (state.live !== null) {
    ports.show({ kind: 'renewal-checklist', newFiles: state.dir, liveFile: state.live.file });
  }
  await offerCiWorkflow(ports, [state.dir]);
  ports.show({ kind: 'done', journey: state.journey });
  return { journey: state.journey, exitCode };
}

/** Opens key.pem (asking its passphrase, a few tries at a prompt); null when it has none. */
async function unlockKey(
  options: WizardOptions,
  ports: WizardPorts,
  keyFile: string,
): Promise<string | null> {
  const { passphrase } = await withPassphraseTries(options, ports, () =>
    openMaterial(ports, keyFile, { needKey: true }),
  );
  return passphrase;
}

// ─── Renewal ────────────────────────────────────────────────────────────────────────────────

async function renewal(
  options: WizardOptions,
  ports: WizardPorts,
  resume: WizardState | null,
): Promise<WizardOutcome> {
  if (resume !== null) {
    ports.show({ kind: 'resuming', state: resume });
    return collectAndProve(options, ports, resume, null);
  }
  const from =
    options.from ??
    resolve(
      options.cwd,
      ports.expandHome(
        parseTypedPath(
          await ports.ask({ id: 'live', found: await ports.findFiles('certificates') }),
        ),
      ),
    );
  const result = await renewCertificate(
    {
      from,
      outDir: options.out ? resolve(options.cwd, options.out) : undefined,
      email: options.email,
      commonName: options.commonName,
      reuseKey: false,
    },
    ports,
  );
  ports.show({ kind: 'renewing', result });
  const live = result.live.certificate;
  return collectAndProve(
    options,
    ports,
    {
      version: 1,
      journey: 'renew',
      stage: 'waiting-for-certificate',
      dir: resolve(options.cwd, result.outDir),
      csrMadeAt: ports.now().toISOString(),
      live: {
        file: resolve(options.cwd, from),
        bundleId: live.bundleId,
        type: live.type,
        notAfter: live.notAfter.toISOString(),
      },
      keychain: false,
    },
    null,
  );
}

// ─── A .p12 from Keychain Access ────────────────────────────────────────────────────────────

async function fromP12(options: WizardOptions, ports: WizardPorts): Promise<WizardOutcome> {
  const file =
    options.files[0] ??
    resolve(
      options.cwd,
      ports.expandHome(
        parseTypedPath(await ports.ask({ id: 'p12', found: await ports.findFiles('p12') })),
      ),
    );
  const outDir = options.out
    ? resolve(options.cwd, options.out)
    : await freshFolder(options.cwd, 'apns-certificates', ports);
  const result = await withPassphraseTries(options, ports, () =>
    convertP12({ file, outDir, profile: 'compatible', force: false }, ports),
  );
  ports.show({ kind: 'converted', result });
  const exitCode = await testPush(
    options,
    ports,
    { cert: join(outDir, FILE_NAMES.combined) },
    result.certificate,
    true,
  );
  await offerCiWorkflow(ports, [outDir]);
  ports.show({ kind: 'done', journey: 'p12' });
  return { journey: 'p12', exitCode };
}

/** A passphrase typed at the prompt may be mistyped: ask again, at most a few times. */
async function withPassphraseTries<T>(
  options: WizardOptions,
  ports: WizardPorts,
  action: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const again =
        isApnsSetupError(error) &&
        error.code === 'WRONG_PASSPHRASE' &&
        ports.canAsk &&
        attempt < options.passphraseTries;
      if (!again) throw error;
      ports.show({ kind: 'refused', error, retry: true });
    }
  }
}

// ─── Check ──────────────────────────────────────────────────────────────────────────────────

async function checkCertificates(
  options: WizardOptions,
  ports: WizardPorts,
): Promise<WizardOutcome> {
  const files =
    options.files.length > 0
      ? options.files.map((f) => resolve(options.cwd, f))
      : (await ports.ask({ id: 'files', found: await ports.findFiles('certificates') })).map((f) =>
          resolve(options.cwd, ports.expandHome(parseTypedPath(f))),
        );
  const entries = await inspectFiles(files, ports, { openEncryptedKeys: false });
  ports.show({ kind: 'inspected', entries });
  // What could not be read is said, one line each, as inspect says it; it makes the exit 2.
  const failed = entries.flatMap((e) => (e.error ? [e.error] : []));
  for (const error of failed) ports.show({ kind: 'refused', error, retry: false });
  // A test push needs a certificate with its key in one file (ck.pem, a .p12).
  const pushable = entries.find(
    (e) =>
      e.material !== null &&
      e.material.certificates[0]?.isApns === true &&
      e.material.keys.length > 0,
  );
  // Else an auth key: it proves itself the same way, with the team and app it is for.
  const tokenKey = entries.find((e) => e.tokenKey !== null && e.tokenKey.problem === null);
  let exitCode: 0 | 1 | 2 = 0;
  if (pushable?.material) {
    const certificate = pushable.material.certificates[0]!;
    exitCode = await testPush(options, ports, { cert: pushable.file }, certificate, false);
  } else if (tokenKey?.tokenKey) {
    const credential = await tokenCredential(options, ports, tokenKey);
    exitCode = await testPush(options, ports, credential, null, false);
  }
  if (failed.length === entries.length) return { journey: 'check', exitCode: 2 };
  // A CI gate on expiry is for what expires: an auth key never does.
  const expiring = entries.filter((e) => e.tokenKey === null).map((e) => e.file);
  if (expiring.length > 0) await offerCiWorkflow(ports, expiring);
  ports.show({ kind: 'done', journey: 'check' });
  return { journey: 'check', exitCode: failed.length > 0 ? 2 : exitCode };
}

// ─── Shared steps ───────────────────────────────────────────────────────────────────────────

/**
 * The proof: a credential probe without a device token, a real notification with one. APNs out
 * of reach is not the files' fault: they are made, not yet proven, and the command to prove them
 * later is named. A refusal is a real problem with the certificate: exit 1.
 */
/** What the test push proves: a certificate with its key, or an auth key with its team and app. */
type Credential =
  { cert: string } | { authKey: string; teamId: string; keyId: string | undefined; topic: string };

function credentialFlags(credential: Credential): string[] {
  if ('cert' in credential) return ['--cert', credential.cert];
  return [
    '--auth-key',
    credential.authKey,
    ...(credential.keyId === undefined ? [] : ['--key-id', credential.keyId]),
    '--team-id',
    credential.teamId,
    '--topic',
    credential.topic,
  ];
}

/** The team and the app an auth key pushes for (and its key id, when its file name lacks it). */
async function tokenCredential(
  options: WizardOptions,
  ports: WizardPorts,
  entry: InspectEntry,
): Promise<Credential> {
  const keyId =
    entry.tokenKey?.keyId === null
      ? (options.keyId ?? (await ports.ask({ id: 'key-id', file: entry.file }))).trim()
      : options.keyId;
  const teamId = (options.teamId ?? (await ports.ask({ id: 'team-id' }))).trim();
  const topic = (options.topic ?? (await ports.ask({ id: 'topic' }))).trim();
  return { authKey: entry.file, teamId, keyId, topic };
}

async function testPush(
  options: WizardOptions,
  ports: WizardPorts,
  credential: Credential,
  /** The certificate, when it is one: an expired one is not pushed with (it is said so). */
  certificate: CertificateInfo | null,
  /** The journey made the files (else it only looked at them). */
  made: boolean,
): Promise<0 | 1> {
  const later = ['push', ...credentialFlags(credential), ...targetFlags(options.target)];
  if (!options.push) {
    ports.show({ kind: 'not-proven', error: null, command: later, made });
    return 0;
  }
  if (certificate !== null && certificate.notAfter <= ports.now()) return 0;
  const token = options.token ?? (await ports.ask({ id: 'token' }));
  try {
    const results = await sendPush(
      {
        ...credential,
        tokens: token.trim() === '' ? [] : [token],
        env: options.target.env ?? 'auto',
        endpoint: options.target.endpoint,
        ca: options.target.ca,
        timeoutMs: options.target.timeoutMs,
      },
      ports.pushPorts,
    );
    // A push that got no answer at all (a timeout, a dropped connection) proves nothing either
    // way: push reports it as that token's result, where it used to throw.
    const unanswered = results.find((r) => r.failure !== null);
    if (unanswered !== undefined) {
      const error = new OperationError('OPERATION_FAILED', unanswered.explanation, {
        hint: unanswered.hint ?? undefined,
      });
      ports.show({ kind: 'not-proven', error, command: later, made });
      return 0;
    }
    ports.show({ kind: 'pushed', results });
    return results.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    if (!isApnsSetupError(error) || error.exitCode !== 1) throw error;
    ports.show({ kind: 'not-proven', error, command: later, made });
    return 0;
  }
}

function targetFlags(target: PushTarget): string[] {
  return [
    ...(target.endpoint ? ['--endpoint', target.endpoint] : []),
    ...(target.ca ? ['--ca', target.ca] : []),
  ];
}

async function offerCiWorkflow(ports: WizardPorts, paths: string[]): Promise<void> {
  const path = '.github/workflows/apns-certificates.yml';
  if (!(await ports.ask({ id: 'ci-workflow', path }))) return;
  const result = await ports.writeCiWorkflow(paths);
  ports.show({ kind: 'ci-written', path: result.path, written: result.written });
}

/**
 * `demo`: the whole recipe offline. The same flows as `csr`, `import` and `push`, a local
 * stand-in for Apple's portal that signs the CSR, and a push to an in-process sandbox with the
 * ck.pem that came out: if this passes, the files apns-setup writes work with an APNs-compatible
 * server. The steps are data; the command shows them as a task list, in ui/'s words.
 */
import { join } from 'node:path';
import { FILE_NAMES } from '../core/outputs.js';
import { inFile } from '../core/errors.js';
import { parseCertificate } from '../core/pki/certificate.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { createKeyAndCsr } from './create-csr.js';
import { importCertificate } from './import-certificate.js';
import type { FlowPorts, WrittenFile } from './ports.js';
import type { PushPorts } from './push-ports.js';
import { sendPush } from './send-push.js';

export const DEMO_BUNDLE_ID = 'com.example.apns-setup-demo';
export const DEMO_TEAM_ID = 'DEMO123456';
export const PORTAL_CA_FILE = 'portal-ca.pem';
export const DEMO_PASSPHRASE_FILE = 'passphrase.txt';

export interface DemoPush {
  ok: boolean;
  status: number | null;
  reason: string | null;
  apnsId: string | null;
  explanation: string;
}

/** The local stand-in for Apple's portal. */
export interface LocalPortal {
  /** The portal stand-in's CA certificate (PEM): what another sandbox must trust (--client-ca). */
  portalCaPem: string;
  /** Plays Apple's portal: turns the uploaded CSR into aps.cer (DER) for this App ID. */
  signCsr(
    csr: Uint8Array,
    appId: { bundleId: string; teamId: string; type: 'development' | 'universal' },
  ): Buffer;
  close(): Promise<void>;
}

/** An in-process sandbox and the portal stand-in of the same state. */
export interface DemoSandbox extends LocalPortal {
  url: string;
  caFile: string;
}

/** What each step did, for the task list to say. */
export type DemoStepOutcome =
  | { step: 'start-sandbox'; url: string }
  | { step: 'make-key-and-csr'; written: WrittenFile[] }
  | { step: 'portal-signs'; bundleId: string }
  | { step: 'import'; written: WrittenFile[] }
  | { step: 'push'; push: DemoPush };

export type DemoStepName = DemoStepOutcome['step'];

export interface DemoStep {
  step: DemoStepName;
  run(): Promise<DemoStepOutcome>;
}

export interface DemoPorts extends FlowPorts {
  startSandbox(): Promise<DemoSandbox>;
  /** The push flow's ports; its passphrase is the demo's. */
  pushPorts: Omit<PushPorts, 'passphrase'>;
  runSteps(steps: DemoStep[]): Promise<void>;
  randomBytes(size: number): Uint8Array;
}

export interface DemoInput {
  dir: string;
  /** The files stay (--out): a made-up passphrase is then kept beside them. */
  keep: boolean;
  /** APNS_SETUP_PASSPHRASE, when set: the demo needs no terminal and asks nothing. */
  passphrase: string | undefined;
}

export interface DemoResult {
  dir: string;
  certificate: CertificateInfo;
  written: WrittenFile[];
  push: DemoPush;
  sandboxUrl: string;
  /** Where a made-up passphrase was kept (with --out), else null. */
  passphraseFile: string | null;
}

export async function runDemo(input: DemoInput, ports: DemoPorts): Promise<DemoResult> {
  const { dir } = input;
  const generated = input.passphrase === undefined || input.passphrase === '';
  const passphrase = generated
    ? Buffer.from(ports.randomBytes(18)).toString('base64url')
    : input.passphrase!;
  const known = () => Promise.resolve(passphrase);
  const withPassphrase: DemoPorts = { ...ports, passphrase: known, passphraseAtHand: known };
  let sandbox: DemoSandbox | null = null;
  let certificate: CertificateInfo | null = null;
  let push: DemoPush | null = null;
  const written: WrittenFile[] = [];
  const at = (name: string) => join(dir, name);
  try {
    await ports.runSteps([
      {
        step: 'start-sandbox',
        run: async () => {
          sandbox = await ports.startSandbox();
          return { step: 'start-sandbox', url: sandbox.url };
        },
      },
      {
        step: 'make-key-and-csr',
        run: async () => {
          const result = await createKeyAndCsr(
            {
              email: 'demo@example.com',
              commonName: 'apns-setup demo',
              country: undefined,
              keySize: 2048,
              outDir: dir,
              force: false,
            },
            withPassphrase,
          );
          written.push(...result.written);
          return { step: 'make-key-and-csr', written: result.written };
        },
      },
      {
        step: 'portal-signs',
        run: async () => {
          const der = sandbox!.signCsr(await ports.readFile(at(FILE_NAMES.csr)), {
            bundleId: DEMO_BUNDLE_ID,
            teamId: DEMO_TEAM_ID,
            type: 'universal',
          });
          written.push(
            ...(await ports.writeFiles(
              dir,
              [
                { name: 'aps.cer', contents: der, secret: false },
                // Kept so a long-running `apns-setup sandbox --client-ca portal-ca.pem` accepts ck.pem.
                { name: PORTAL_CA_FILE, contents: sandbox!.portalCaPem, secret: false },
              ],
              false,
            )),
          );
          return { step: 'portal-signs', bundleId: DEMO_BUNDLE_ID };
        },
      },
      {
        step: 'import',
        run: async () => {
          const result = await importCertificate(
            {
              certificateFile: at('aps.cer'),
              keyFile: at(FILE_NAMES.key),
              outDir: dir,
              profile: 'compatible',
              splitP12: false,
              force: false,
            },
            withPassphrase,
          );
          certificate = result.certificate;
          written.push(...result.written);
          return { step: 'import', written: result.written };
        },
      },
      {
        step: 'push',
        run: async () => {
          const [result] = await sendPush(
            {
              cert: at(FILE_NAMES.combined),
              tokens: [Buffer.from(ports.randomBytes(32)).toString('hex')],
              topic: DEMO_BUNDLE_ID,
              endpoint: sandbox!.url,
              ca: sandbox!.caFile,
              alert: 'Hello from the apns-setup demo',
              title: 'apns-setup',
              timeoutMs: 15_000,
            },
            { ...ports.pushPorts, passphrase: known, passphraseAtHand: known },
          );
          push = {
            ok: result?.ok ?? false,
            status: result?.status ?? null,
            reason: result?.reason ?? null,
            apnsId: result?.apnsId ?? null,
            explanation: result?.explanation ?? 'no result',
          };
          return { step: 'push', push };
        },
      },
    ]);
  } finally {
    await (sandbox as DemoSandbox | null)?.close();
  }
  let passphraseFile: string | null = null;
  if (input.keep && generated) {
    const [kept] = await ports.writeFiles(
      dir,
      [{ name: DEMO_PASSPHRASE_FILE, contents: `${passphrase}\n`, secret: true }],
      false,
    );
    passphraseFile = kept?.path ?? null;
  }
  // The steps ran to the end, so each has set its result.
  return {
    dir,
    certificate: certificate!,
    written,
    push: push!,
    sandboxUrl: (sandbox as DemoSandbox | null)?.url ?? '',
    passphraseFile,
  };
}

export interface SignCsrInput {
  /** The user's own CSR (apns-setup csr, Keychain Access). */
  csr: string;
  bundleId: string;
  type: 'development' | 'universal';
  dir: string;
}

export interface SignCsrResult {
  certificate: CertificateInfo;
  written: WrittenFile[];
}

export interface SignCsrPorts extends FlowPorts {
  openPortal(): Promise<LocalPortal>;
}

/**
 * `demo --csr`: the portal stand-in signs the user's own CSR, so the whole recipe can be tried
 * offline with their own key: aps.cer (NOT Apple's) and the stand-in's CA, which
 * `apns-setup sandbox --client-ca portal-ca.pem` trusts.
 */
export async function signCsrLocally(
  input: SignCsrInput,
  ports: SignCsrPorts,
): Promise<SignCsrResult> {
  await ports.assertWritable(input.dir, ['aps.cer', PORTAL_CA_FILE], false);
  const csr = await ports.readFile(input.csr);
  const portal = await ports.openPortal();
  try {
    const der = inFile(input.csr, () =>
      portal.signCsr(csr, { bundleId: input.bundleId, teamId: DEMO_TEAM_ID, type: input.type }),
    );
    const written = await ports.writeFiles(
      input.dir,
      [
        { name: 'aps.cer', contents: der, secret: false },
        { name: PORTAL_CA_FILE, contents: portal.portalCaPem, secret: false },
      ],
      false,
    );
    const certificate = parseCertificate(der);
    return { certificate, written };
  } finally {
    await portal.close();
  }
}

/**
 * `demo`: the whole recipe offline. The same flows as `csr` and `import`, a local stand-in for
 * Apple's portal that signs the CSR, and a push to an in-process sandbox with the ck.pem that
 * came out: if this passes, the files apns-setup writes work with an APNs-compatible server.
 */
import { join } from 'node:path';
import { FILE_NAMES } from '../core/outputs.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { createKeyAndCsr } from './create-csr.js';
import { importCertificate } from './import-certificate.js';
import type { FlowPorts, WrittenFile } from './ports.js';

export const DEMO_BUNDLE_ID = 'com.example.apns-setup-demo';
export const DEMO_TEAM_ID = 'DEMO123456';
export const PORTAL_CA_FILE = 'portal-ca.pem';

export interface DemoPush {
  ok: boolean;
  status: number | null;
  reason: string | null;
  apnsId: string | null;
  explanation: string;
}

export interface DemoSandbox {
  url: string;
  caFile: string;
  /** The portal stand-in's CA certificate (PEM): what another sandbox must trust (--client-ca). */
  portalCaPem: string;
  /** Plays Apple's portal: turns the uploaded CSR into aps.cer (DER). */
  signCsr(csr: Uint8Array): Buffer;
  close(): Promise<void>;
}

export interface DemoTask {
  title: string;
  run(): Promise<string | void>;
}

export interface DemoPorts extends FlowPorts {
  startSandbox(): Promise<DemoSandbox>;
  push(input: {
    credentialFile: string;
    url: string;
    caFile: string;
    topic: string;
  }): Promise<DemoPush>;
  runTasks(tasks: DemoTask[]): Promise<void>;
}

export interface DemoResult {
  dir: string;
  certificate: CertificateInfo;
  written: WrittenFile[];
  push: DemoPush;
  sandboxUrl: string;
}

export async function runDemo(input: { dir: string }, ports: DemoPorts): Promise<DemoResult> {
  const { dir } = input;
  let sandbox: DemoSandbox | null = null;
  let certificate: CertificateInfo | null = null;
  let push: DemoPush | null = null;
  const written: WrittenFile[] = [];
  const at = (name: string) => join(dir, name);
  try {
    await ports.runTasks([
      {
        title: 'Start a local APNs sandbox and a local stand-in for Apple’s portal (not Apple)',
        run: async () => {
          sandbox = await ports.startSandbox();
          return `Local APNs sandbox listening on ${sandbox.url} (portal stand-in ready)`;
        },
      },
      {
        title: 'Make a 2048-bit RSA key and a CSR, as Keychain Access does',
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
            ports,
          );
          written.push(...result.written);
          return `Made ${FILE_NAMES.key} (encrypted) and ${FILE_NAMES.csr}`;
        },
      },
      {
        title: `Upload the CSR to the portal stand-in, which issues aps.cer for ${DEMO_BUNDLE_ID}`,
        run: async () => {
          const der = sandbox!.signCsr(await ports.readFile(at(FILE_NAMES.csr)));
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
          return `The portal stand-in issued aps.cer for ${DEMO_BUNDLE_ID} (sandbox & production, like Apple's)`;
        },
      },
      {
        title: 'Import aps.cer with the key: cert.pem, key.unencrypted.pem, ck.pem, apns.p12',
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
            ports,
          );
          certificate = result.certificate;
          written.push(...result.written);
          return `Wrote ${result.written.map((f) => f.name).join(', ')}`;
        },
      },
      {
        title: 'Send a test push with ck.pem to the sandbox over HTTP/2',
        run: async () => {
          push = await ports.push({
            credentialFile: at(FILE_NAMES.combined),
            url: sandbox!.url,
            caFile: sandbox!.caFile,
            topic: DEMO_BUNDLE_ID,
          });
          return push.ok
            ? `The sandbox accepted the push: ${push.status ?? ''} apns-id ${push.apnsId ?? '-'}`
            : `The sandbox refused the push: ${push.status ?? ''} ${push.reason ?? ''}`;
        },
      },
    ]);
  } finally {
    await (sandbox as DemoSandbox | null)?.close();
  }
  // The task list ran to the end, so each step has set its result.
  return {
    dir,
    certificate: certificate!,
    written,
    push: push!,
    sandboxUrl: (sandbox as DemoSandbox | null)?.url ?? '',
  };
}

/**
 * The demo's counterpart of Apple: an in-process sandbox and the portal stand-in of the same
 * (in-memory) state, which signs the demo's CSR as Apple's portal would.
 */
import { randomBytes } from 'node:crypto';
import type { DemoSandbox } from '../flows/demo.js';
import { signCsrAsApple } from './portal.js';
import { startSandbox } from './server.js';
import { loadOrCreateSandboxState } from './state.js';

export async function startDemoSandbox(now: () => Date): Promise<DemoSandbox> {
  const state = await loadOrCreateSandboxState(null, now());
  let closing: Promise<void> | null = null;
  try {
    const sandbox = await startSandbox({
      host: '127.0.0.1',
      port: 0,
      environment: 'sandbox',
      state,
      knownTokens: null,
      log: () => undefined,
    });
    return {
      url: sandbox.url,
      caFile: state.caFile,
      portalCaPem: state.portalCa.certificatePem,
      signCsr: (csr, appId) =>
        signCsrAsApple({
          portalCa: state.portalCa,
          csrDer: csr,
          bundleId: appId.bundleId,
          teamId: appId.teamId,
          teamName: 'apns-setup demo',
          type: appId.type,
          now: now(),
          serialNumber: randomBytes(8).toString('hex'),
        }).der,
      // Called by the flow when it ends and by the command on Ctrl-C: once is enough.
      close: () =>
        (closing ??= (async () => {
          await sandbox.close();
          await state.release();
        })()),
    };
  } catch (error) {
    await state.release();
    throw error;
  }
}

/**
 * The demo's counterpart of Apple: the portal stand-in of an in-memory sandbox state, which
 * signs a CSR as Apple's portal would, and an in-process sandbox that trusts it.
 */
import { randomBytes } from 'node:crypto';
import type { DemoSandbox, LocalPortal } from '../flows/demo.js';
import { signCsrAsApple } from './portal.js';
import { startSandbox } from './server.js';
import { loadOrCreateSandboxState, type SandboxState } from './state.js';

function portalOf(state: SandboxState, now: () => Date): Omit<LocalPortal, 'close'> {
  return {
    portalCaPem: state.portalCa.certificatePem,
    signCsr: (csr, appId) =>
      signCsrAsApple({
        portalCa: state.portalCa,
        csrDer: csr,
        bundleId: appId.bundleId,
        teamId: appId.teamId,
        teamName: 'apns-setup demo (NOT Apple)',
        type: appId.type,
        now: now(),
        serialNumber: randomBytes(8).toString('hex'),
      }).der,
  };
}

/**
 * The portal stand-in alone: `demo --csr` signs with it and needs no server. With a sandbox's
 * `--state` folder it is that sandbox's own portal, which the sandbox trusts with no flag.
 */
export async function openDemoPortal(
  now: () => Date,
  stateDir: string | null,
): Promise<LocalPortal> {
  const state = await loadOrCreateSandboxState(stateDir, now());
  return { ...portalOf(state, now), close: () => state.release() };
}

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
      ...portalOf(state, now),
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

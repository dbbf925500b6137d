/** `inspect`: what each file is, reported as far as it can be without a passphrase. */
import { isApnsSetupError, type ApnsSetupError } from '../core/errors.js';
import { sniffDer, type Material } from '../core/pki/material.js';
import { inspectPkcs12, type Pkcs12Structure } from '../core/pki/pkcs12-consumers.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';

export interface InspectEntry {
  file: string;
  material: Material | null;
  error: ApnsSetupError | null;
  /** A .p12 that could not be opened still shows its layout, which needs no passphrase. */
  lockedPkcs12: Pkcs12Structure | null;
}

const LOCKED = new Set(['PASSPHRASE_REQUIRED', 'NO_TTY', 'WRONG_PASSPHRASE']);

export async function inspectFiles(
  files: string[],
  ports: Pick<FlowPorts, 'readFile' | 'passphrase'>,
  options: { openEncryptedKeys: boolean },
): Promise<InspectEntry[]> {
  const entries: InspectEntry[] = [];
  for (const file of files) {
    try {
      const { material } = await openMaterial(ports, file, {
        needKey: options.openEncryptedKeys,
      });
      entries.push({ file, material, error: null, lockedPkcs12: null });
    } catch (error) {
      if (!isApnsSetupError(error) || error.code === 'CANCELLED') throw error;
      const lockedPkcs12 = LOCKED.has(error.code) ? await pkcs12Layout(ports, file) : null;
      entries.push({ file, material: null, error, lockedPkcs12 });
    }
  }
  return entries;
}

async function pkcs12Layout(
  ports: Pick<FlowPorts, 'readFile'>,
  file: string,
): Promise<Pkcs12Structure | null> {
  try {
    const bytes = await ports.readFile(file);
    return sniffDer(bytes) === 'pkcs12' ? inspectPkcs12(bytes) : null;
  } catch {
    // Not a .p12 (a locked PEM key), or unreadable: the error already says what matters.
    return null;
  }
}

/** `inspect`: what each file is, reported as far as it can be without a passphrase. */
import { isApnsSetupError, type ApnsSetupError } from '../core/errors.js';
import type { Material } from '../core/pki/material.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';

export interface InspectEntry {
  file: string;
  material: Material | null;
  error: ApnsSetupError | null;
}

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
      entries.push({ file, material, error: null });
    } catch (error) {
      if (!isApnsSetupError(error) || error.code === 'CANCELLED') throw error;
      entries.push({ file, material: null, error });
    }
  }
  return entries;
}

/** `csr`: a new key and a CSR, as Keychain Access's "Request a Certificate From a CA" makes. */
import type { KeyObject } from 'node:crypto';
import { FILE_NAMES, planKeyFile } from '../core/outputs.js';
import { createCsr } from '../core/pki/csr.js';
import { generateRsaKey } from '../core/pki/keys.js';
import type { FlowPorts, WrittenFile } from './ports.js';

export interface CreateCsrInput {
  email: string;
  commonName: string;
  country: string | undefined;
  keySize: number;
  outDir: string;
  force: boolean;
  /** An existing key to make the CSR with (renew --reuse-key), instead of a new one. */
  key?: KeyObject;
}

export interface CreateCsrResult {
  written: WrittenFile[];
  keyEncrypted: boolean;
}

export async function createKeyAndCsr(
  input: CreateCsrInput,
  ports: FlowPorts,
): Promise<CreateCsrResult> {
  const names = [FILE_NAMES.key, FILE_NAMES.csr];
  // Refuse to clobber before asking for a passphrase or spending time on a key.
  await ports.assertWritable(input.outDir, names, input.force);
  const passphrase = await ports.passphrase({
    purpose: 'protect',
    subject: `the new key ${FILE_NAMES.key}`,
  });
  const key = input.key ?? (await generateRsaKey(input.keySize));
  const csr = createCsr({
    key,
    email: input.email,
    commonName: input.commonName,
    country: input.country,
  });
  const written = await ports.writeFiles(
    input.outDir,
    [planKeyFile(key, passphrase), { name: FILE_NAMES.csr, contents: csr.pem, secret: false }],
    input.force,
  );
  return { written, keyEncrypted: passphrase !== '' };
}

/**
 * Reading a user's file: errors name the file, and a passphrase is asked for only when the
 * file cannot be opened without one.
 */
import { inFile, InputError, isApnsSetupError, withFileName } from '../core/errors.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { isPkcs12, readMaterial, type Material } from '../core/pki/material.js';
import type { FlowPorts } from './ports.js';

export interface OpenedMaterial {
  material: Material;
  /** The passphrase that opened it: null when none was needed. */
  passphrase: string | null;
}

/**
 * Reads `file`; when it holds something encrypted that the caller needs (`needKey`), or a .p12
 * that opens with no empty passphrase, asks the passphrase sources once and reads it again.
 * A .p12 tries the passphrase at hand (a file, the environment) beside the empty ones, so
 * that it is read once; the sources are then asked as if it had not been, which returns the
 * same passphrase (and the OS keychain keeps it, with --keychain).
 */
export async function openMaterial(
  ports: Pick<FlowPorts, 'readFile' | 'passphrase' | 'passphraseAtHand'>,
  file: string,
  options: { needKey: boolean },
): Promise<OpenedMaterial> {
  const bytes = await ports.readFile(file);
  const atHand = isPkcs12(bytes) ? await ports.passphraseAtHand() : null;
  // The .p12 as the passphrase at hand opened it, until the sources say it is theirs.
  let openedAtHand: Material | null = null;
  let subject = `the key in ${file}`;
  try {
    const material = readMaterial(bytes, { passphrase: null, alsoTry: atHand });
    if (material.passphraseUsed === 'given') {
      openedAtHand = material;
      subject = `the .p12 ${file}`;
    } else if (!options.needKey || !material.keys.some((k) => k.key === null)) {
      return { material, passphrase: null };
    }
  } catch (error) {
    if (!(isApnsSetupError(error) && error.code === 'PASSPHRASE_REQUIRED')) {
      throw withFileName(file, error);
    }
    subject = `the .p12 ${file}`;
  }
  let passphrase: string;
  try {
    passphrase = await ports.passphrase({ purpose: 'open', subject, file: bytes });
  } catch (error) {
    throw withFileName(file, error);
  }
  if (openedAtHand !== null && passphrase === atHand) return { material: openedAtHand, passphrase };
  const material = inFile(file, () => readMaterial(bytes, { passphrase }));
  return { material, passphrase };
}

/**
 * Every certificate in `file` (PEM, DER, .p7b or a bundle): the CA files of `--ca` and
 * `--client-ca`. A file with none is refused with `message` and `hint`.
 */
export async function readCertificates(
  ports: Pick<FlowPorts, 'readFile'>,
  file: string,
  none: { message: string; hint: string },
): Promise<CertificateInfo[]> {
  const bytes = await ports.readFile(file);
  const material = inFile(file, () => readMaterial(bytes, { passphrase: null }));
  if (material.certificates.length === 0) {
    throw new InputError('NO_CERTIFICATE', none.message, { hint: none.hint });
  }
  return material.certificates;
}

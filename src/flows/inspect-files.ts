/** `inspect`: what each file is, reported as far as it can be without a passphrase. */
import { inFile, isApnsSetupError, withFileName, type ApnsSetupError } from '../core/errors.js';
import {
  isTokenKeyFileName,
  readTokenKey,
  tokenKeyError,
  type TokenKeyInfo,
  type TokenKeyReading,
} from '../core/apns/token-key.js';
import type { ProvisioningProfileInfo } from '../core/apns/provisioning-profile.js';
import { sniffDer, type Material } from '../core/pki/material.js';
import { inspectPkcs12, type Pkcs12Structure } from '../core/pki/pkcs12-consumers.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts } from './ports.js';
import { openMaterial } from './read-file-material.js';
import {
  findDeveloperCertificatesBeside,
  readProfileOf,
  type NearbySearch,
} from './read-profile.js';

export interface InspectEntry {
  file: string;
  /** What was read; null for a file that failed, and for a token key (see `tokenKey`). */
  material: Material | null;
  error: ApnsSetupError | null;
  /** A .p12 that could not be opened still shows its layout, which needs no passphrase. */
  lockedPkcs12: Pkcs12Structure | null;
  /**
   * A token key: a `.p8` file, whatever it holds (its problem says what is wrong; `error` is set
   * when it cannot be used). Other names are read as what they hold: the sandbox's own EC P-256
   * keys are no token keys.
   */
  tokenKey: TokenKeyInfo | null;
  /** A provisioning profile, read. */
  profile: ProfileInspection | null;
}

export interface ProfileInspection {
  info: ProvisioningProfileInfo;
  /** The certificates that came with its (unverified) signature: Apple's signer, leaf first. */
  signers: CertificateInfo[];
  /** Its developer certificates found in files beside it. */
  nearby: NearbySearch;
}

const LOCKED = new Set(['PASSPHRASE_REQUIRED', 'NO_TTY', 'WRONG_PASSPHRASE']);

type InspectPorts = Pick<
  FlowPorts,
  'readFile' | 'passphrase' | 'passphraseAtHand' | 'parsePlist' | 'filesBeside'
>;

const blank = (file: string): InspectEntry => ({
  file,
  material: null,
  error: null,
  lockedPkcs12: null,
  tokenKey: null,
  profile: null,
});

export async function inspectFiles(
  files: string[],
  ports: InspectPorts,
  options: { openEncryptedKeys: boolean },
): Promise<InspectEntry[]> {
  const entries: InspectEntry[] = [];
  for (const file of files) {
    try {
      entries.push(await inspectOne(ports, file, options));
    } catch (error) {
      if (!isApnsSetupError(error) || error.code === 'CANCELLED') throw error;
      const lockedPkcs12 = LOCKED.has(error.code) ? await pkcs12Layout(ports, file) : null;
      entries.push({ ...blank(file), error, lockedPkcs12 });
    }
  }
  return entries;
}

async function inspectOne(
  ports: InspectPorts,
  file: string,
  options: { openEncryptedKeys: boolean },
): Promise<InspectEntry> {
  // A .p8 is read as a token key whatever it holds: what is wrong with it is the verdict.
  if (isTokenKeyFileName(file)) {
    const bytes = await ports.readFile(file);
    return tokenKeyEntry(
      file,
      inFile(file, () => readTokenKey(bytes, file)),
    );
  }
  const { material } = await openMaterial(ports, file, { needKey: options.openEncryptedKeys });
  if (material.signedPlist) {
    const info = await readProfileOf(ports, file, material);
    const nearby = await findDeveloperCertificatesBeside(ports, file, info);
    return {
      ...blank(file),
      material,
      profile: { info, signers: material.signedPlist.signers, nearby },
    };
  }
  return { ...blank(file), material };
}

function tokenKeyEntry(file: string, reading: TokenKeyReading): InspectEntry {
  const { info } = reading;
  const error =
    info.problem === null ? null : (withFileName(file, tokenKeyError(info)) as ApnsSetupError);
  return { ...blank(file), tokenKey: info, error };
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

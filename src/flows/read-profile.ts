/**
 * Provisioning profiles: the property list inside the signature, parsed through the port (the
 * plist parser loads only when a profile is met), read by core. The signature is not verified.
 */
import { inFile, InputError, withFileName } from '../core/errors.js';
import {
  readProvisioningProfile,
  type ProvisioningProfileInfo,
} from '../core/apns/provisioning-profile.js';
import { readMaterial, type Material } from '../core/pki/material.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts } from './ports.js';

/** The profile in `material` (whose `signedPlist` is set), read through the plist port. */
export async function readProfileOf(
  ports: Pick<FlowPorts, 'parsePlist'>,
  file: string,
  material: Material,
): Promise<ProvisioningProfileInfo> {
  if (!material.signedPlist) {
    throw new InputError('WRONG_KIND', `${file}: it is not a provisioning profile`, {
      hint: 'Expected a .mobileprovision or .provisionprofile downloaded from developer.apple.com (Profiles).',
    });
  }
  let plist: unknown;
  try {
    plist = await ports.parsePlist(material.signedPlist.plist);
  } catch (error) {
    throw withFileName(file, error);
  }
  return inFile(file, () => readProvisioningProfile(plist));
}

/**
 * A profile file, read: for `push --profile` (whose aps-environment says where the build's
 * device tokens live: apnsEnvironmentOfProfile in core/apns/provisioning-profile.ts).
 */
export async function openProvisioningProfile(
  ports: Pick<FlowPorts, 'readFile' | 'parsePlist'>,
  file: string,
): Promise<ProvisioningProfileInfo> {
  const bytes = await ports.readFile(file);
  const material = inFile(file, () => readMaterial(bytes, { passphrase: null }));
  return readProfileOf(ports, file, material);
}

export interface NearbyCertificate {
  file: string;
  /** The profile's developer certificate that this file holds. */
  certificate: CertificateInfo;
  /** The file also holds that certificate's private key (a .p12 exported with it). */
  withKey: boolean;
}

export interface NearbySearch {
  matches: NearbyCertificate[];
  /** Files beside the profile that could not be looked into without a passphrase. */
  locked: string[];
}

/**
 * Which of the profile's developer certificates are on disk beside it: each certificate file,
 * .p12 or PEM in the profile's folder whose certificate is one the profile names (by SHA-256).
 * Never asks for a passphrase; a .p12 that opens with none is looked into, others are listed.
 */
export async function findDeveloperCertificatesBeside(
  ports: Pick<FlowPorts, 'readFile' | 'filesBeside'>,
  file: string,
  profile: ProvisioningProfileInfo,
): Promise<NearbySearch> {
  const wanted = new Map(profile.developerCertificates.map((c) => [c.sha256, c]));
  const result: NearbySearch = { matches: [], locked: [] };
  if (wanted.size === 0) return result;
  let candidates: string[];
  try {
    candidates = await ports.filesBeside(file);
  } catch {
    // A folder that cannot be listed: there is simply nothing to say about what is beside.
    return result;
  }
  for (const candidate of candidates) {
    let material: Material;
    try {
      material = readMaterial(await ports.readFile(candidate), { passphrase: null });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'PASSPHRASE_REQUIRED') result.locked.push(candidate);
      continue;
    }
    for (const certificate of material.certificates) {
      const named = wanted.get(certificate.sha256);
      if (!named) continue;
      result.matches.push({
        file: candidate,
        certificate: named,
        withKey: material.leafKey !== null && material.certificates[0] === certificate,
      });
    }
  }
  return result;
}

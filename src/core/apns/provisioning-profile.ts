/**
 * A provisioning profile (`.mobileprovision`, macOS `.provisionprofile`): the property list
 * Apple signs, as a plist parser hands it over (plain objects, strings, numbers, booleans,
 * Dates and byte arrays). The parser itself is the caller's: core stays free of it, and a
 * command that meets no profile never loads one.
 *
 * What matters for push is `aps-environment`: a build whose profile says `development`
 * registers device tokens with the sandbox, `production` with production. A push answered
 * `BadDeviceToken` is most often a token of the other environment.
 */
import { InputError } from '../errors.js';
import { parseCertificate } from '../pki/certificate.js';
import type { CertificateInfo, Environment } from '../pki/types.js';

export type ApsEnvironment = 'development' | 'production';

/** What the profile is for, from its devices and `get-task-allow` (as Xcode names them). */
export type ProfileDistribution = 'development' | 'ad-hoc' | 'app-store' | 'enterprise';

export interface ProvisioningProfileInfo {
  name: string | null;
  uuid: string | null;
  /** The App ID's name in the portal (AppIDName). */
  appIdName: string | null;
  /** `TEAMID.com.example.app` (Entitlements → application-identifier, macOS com.apple.application-identifier). */
  applicationIdentifier: string | null;
  /** The application identifier without its team prefix: `com.example.app`, or a wildcard `com.example.*`. */
  bundleId: string | null;
  teamId: string | null;
  teamName: string | null;
  /** Entitlements → aps-environment (macOS: com.apple.developer.aps-environment); null when the App ID has no push. */
  apsEnvironment: ApsEnvironment | null;
  /** Set when aps-environment holds something other than development or production. */
  unknownApsEnvironment: string | null;
  distribution: ProfileDistribution;
  platforms: string[];
  creationDate: Date | null;
  expirationDate: Date;
  /** How many devices it lists; null when it provisions all devices (enterprise). */
  devices: number | null;
  provisionsAllDevices: boolean;
  /** The signing certificates the profile allows (DeveloperCertificates); unreadable ones are skipped. */
  developerCertificates: CertificateInfo[];
  /** How many DeveloperCertificates entries could not be read as certificates. */
  unreadableDeveloperCertificates: number;
  xcodeManaged: boolean | null;
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function notAProfile(detail: string): InputError {
  return new InputError(
    'WRONG_KIND',
    `it is a signed property list, but not a provisioning profile: ${detail}`,
    {
      hint: 'Expected a .mobileprovision or .provisionprofile downloaded from developer.apple.com (Profiles) or taken from an .ipa.',
    },
  );
}

/**
 * Reads the parsed property list of a profile. Throws WRONG_KIND when it is some other
 * signed property list (a configuration profile, say), CORRUPT_FILE when a date is unreadable.
 */
export function readProvisioningProfile(plist: unknown): ProvisioningProfileInfo {
  if (!isDict(plist)) throw notAProfile('its top level is not a dictionary');
  const entitlements = plist.Entitlements;
  if (!('ExpirationDate' in plist) || !isDict(entitlements)) {
    throw notAProfile('it has no ExpirationDate or Entitlements');
  }
  if (!isDate(plist.ExpirationDate)) {
    throw new InputError('CORRUPT_FILE', 'its ExpirationDate is not a date', {
      hint: 'Download the profile again from developer.apple.com (Profiles).',
    });
  }
  const applicationIdentifier =
    stringOf(entitlements['application-identifier']) ??
    stringOf(entitlements['com.apple.application-identifier']);
  const teamId =
    stringOf(entitlements['com.apple.developer.team-identifier']) ??
    stringsOf(plist.TeamIdentifier)[0] ??
    null;
  const aps =
    stringOf(entitlements['aps-environment']) ??
    stringOf(entitlements['com.apple.developer.aps-environment']);
  const apsEnvironment = aps === 'development' || aps === 'production' ? aps : null;
  const provisionsAllDevices = plist.ProvisionsAllDevices === true;
  const deviceList = Array.isArray(plist.ProvisionedDevices) ? plist.ProvisionedDevices : null;
  const rawCertificates = Array.isArray(plist.DeveloperCertificates)
    ? plist.DeveloperCertificates.filter(isBytes)
    : [];
  const developerCertificates: CertificateInfo[] = [];
  for (const der of rawCertificates) {
    try {
      developerCertificates.push(parseCertificate(der));
    } catch {
      // Counted below: one damaged entry does not hide the profile's other facts.
    }
  }
  return {
    name: stringOf(plist.Name),
    uuid: stringOf(plist.UUID),
    appIdName: stringOf(plist.AppIDName),
    applicationIdentifier,
    bundleId: applicationIdentifier ? withoutTeamPrefix(applicationIdentifier, plist) : null,
    teamId,
    teamName: stringOf(plist.TeamName),
    apsEnvironment,
    unknownApsEnvironment: aps !== null && apsEnvironment === null ? aps : null,
    distribution: provisionsAllDevices
      ? 'enterprise'
      : deviceList !== null
        ? getTaskAllow(entitlements)
          ? 'development'
          : 'ad-hoc'
        : 'app-store',
    platforms: stringsOf(plist.Platform),
    creationDate: isDate(plist.CreationDate) ? plist.CreationDate : null,
    expirationDate: plist.ExpirationDate,
    devices: provisionsAllDevices ? null : (deviceList?.length ?? 0),
    provisionsAllDevices,
    developerCertificates,
    unreadableDeveloperCertificates: rawCertificates.length - developerCertificates.length,
    xcodeManaged: typeof plist.IsXcodeManaged === 'boolean' ? plist.IsXcodeManaged : null,
  };
}

function getTaskAllow(entitlements: Dict): boolean {
  return (
    entitlements['get-task-allow'] === true ||
    entitlements['com.apple.security.get-task-allow'] === true
  );
}

/** `ABCDE12345.com.example.app` → `com.example.app`: the prefix is the App ID prefix (usually the team id). */
function withoutTeamPrefix(applicationIdentifier: string, plist: Dict): string {
  const prefixes = stringsOf(plist.ApplicationIdentifierPrefix);
  for (const prefix of prefixes) {
    if (applicationIdentifier.startsWith(`${prefix}.`)) {
      return applicationIdentifier.slice(prefix.length + 1);
    }
  }
  const dot = applicationIdentifier.indexOf('.');
  return dot > 0 ? applicationIdentifier.slice(dot + 1) : applicationIdentifier;
}

/**
 * The APNs environment a build signed with this profile registers its device tokens with:
 * `development` → the sandbox, `production` → production; null when the profile grants no push.
 * For `push --profile` and for explaining BadDeviceToken.
 */
export function apnsEnvironmentOfProfile(
  profile: Pick<ProvisioningProfileInfo, 'apsEnvironment'>,
): Environment | null {
  switch (profile.apsEnvironment) {
    case 'development':
      return 'sandbox';
    case 'production':
      return 'production';
    default:
      return null;
  }
}

/**
 * Whether a push to `topic` reaches the app of a profile for `bundleId`: the bundle id itself,
 * or it with a push-type suffix (`.voip`, `.complication`, …); a wildcard `com.example.*` covers
 * what starts with `com.example.`.
 */
export function profileCoversTopic(bundleId: string, topic: string): boolean {
  if (bundleId === '*') return true;
  if (bundleId.endsWith('.*')) return topic.startsWith(bundleId.slice(0, -1));
  return topic === bundleId || topic.startsWith(`${bundleId}.`);
}

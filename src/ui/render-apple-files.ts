/**
 * Token keys (.p8) and provisioning profiles in words and in JSON: for `inspect`, `check` and
 * `doctor`, which show them side by side with certificates.
 */
import {
  apnsEnvironmentOfProfile,
  type ProvisioningProfileInfo,
} from '../core/apns/provisioning-profile.js';
import type { TokenKeyInfo } from '../core/apns/token-key.js';
import { daysLeft, daysSince, formatDate } from '../core/expiry.js';
import { escapeToOneLine } from '../core/safe-text.js';
import type { ProfileInspection } from '../flows/inspect-files.js';
import { daysAgoText, shellQuote } from './messages.js';

// ─── Token keys ─────────────────────────────────────────────────────────────────────────────

/** A token key does not expire; it stops working the moment it is revoked. */
const TOKEN_KEY_NEVER_EXPIRES =
  'never; revoked at developer.apple.com → Keys, it fails at once (403 InvalidProviderToken)';
export const TOKEN_KEY_LIFETIME = `never expires; revoked at developer.apple.com → Keys, it fails at once`;

/** How to use a token key: token authentication in push (see DESIGN.md). */
export function tokenKeyUse(file: string, keyId: string | null): string {
  const keyIdFlag = keyId === null ? ' --key-id KEYID' : '';
  return `apns-setup push --auth-key ${shellQuote(file)}${keyIdFlag} --team-id TEAMID --topic BUNDLE_ID`;
}

export function TOKEN_KEY_KIND_TEXT(info: TokenKeyInfo): string {
  return info.problem === null
    ? 'token signing key (APNs auth key)'
    : 'named like a token key (.p8), but not one APNs accepts';
}

const FORMAT_TEXT: Record<string, string> = {
  pkcs8: 'PKCS#8',
  sec1: 'SEC 1 (BEGIN EC PRIVATE KEY)',
  pkcs1: 'PKCS#1 (BEGIN RSA PRIVATE KEY)',
  'pkcs8-encrypted': 'encrypted PKCS#8',
  'pkcs1-encrypted': 'encrypted PKCS#1',
};

function keyText(info: TokenKeyInfo): string {
  const type =
    info.keyType === null
      ? 'a private key'
      : info.keyType === 'ec'
        ? `EC ${info.curve ?? 'unknown curve'}`
        : info.keyType.toUpperCase();
  const format = info.format ? (FORMAT_TEXT[info.format] ?? info.format) : null;
  const armour =
    info.problem === 'no-pem-armour'
      ? `, base64 without its PEM lines${info.damaged ? ', damaged' : ''}`
      : '';
  return [type, format, info.encrypted ? 'encrypted' : 'not encrypted']
    .filter((p): p is string => p !== null)
    .join(', ')
    .concat(armour);
}

export function tokenKeyRows(info: TokenKeyInfo, file: string): [string, string | null][] {
  const usable = info.problem === null;
  return [
    [
      'Key id',
      info.keyId
        ? `${info.keyId} (from the file name)`
        : usable
          ? 'not in the file name (Apple names it AuthKey_KEYID.p8): find it at developer.apple.com → Keys'
          : null,
    ],
    ['Key', keyText(info)],
    ['Algorithm', usable ? 'ES256 (JWT signing)' : null],
    ['Public key', info.publicKeySha256 ? `SHA-256 ${info.publicKeySha256}` : null],
    ['Expires', usable ? TOKEN_KEY_NEVER_EXPIRES : null],
    ['Certificate', usable ? 'none: Apple issues no certificate for a token key' : null],
    ['Use it', usable ? tokenKeyUse(file, info.keyId) : null],
  ];
}

export function tokenKeyJson(info: TokenKeyInfo) {
  return {
    keyId: info.keyId,
    algorithm: info.problem === null ? 'ES256' : null,
    keyType: info.keyType,
    curve: info.curve,
    format: info.format,
    encrypted: info.encrypted,
    damaged: info.damaged,
    publicKeySha256: info.publicKeySha256,
    usable: info.problem === null,
    problem: info.problem,
    expires: null,
  };
}

// ─── Provisioning profiles ──────────────────────────────────────────────────────────────────

const DISTRIBUTION_TEXT: Record<ProvisioningProfileInfo['distribution'], string> = {
  development: 'development',
  'ad-hoc': 'ad hoc',
  'app-store': 'App Store',
  enterprise: 'enterprise (in-house)',
};

/** What the profile's aps-environment means for device tokens. */
export function apsEnvironmentText(profile: ProvisioningProfileInfo): string {
  if (profile.unknownApsEnvironment !== null) {
    return `aps-environment "${escapeToOneLine(profile.unknownApsEnvironment)}", which APNs does not know`;
  }
  switch (apnsEnvironmentOfProfile(profile)) {
    case 'sandbox':
      return 'aps-environment development: its builds register device tokens with the APNs sandbox (api.sandbox.push.apple.com)';
    case 'production':
      return 'aps-environment production: its builds register device tokens with APNs production (api.push.apple.com)';
    case null:
      return 'none: no aps-environment, so its builds cannot receive push notifications (enable Push Notifications for the App ID at developer.apple.com, then regenerate the profile)';
  }
}

export function profileValidityText(profile: ProvisioningProfileInfo, now: Date): string {
  const left = daysLeft(profile.expirationDate, now);
  const date = formatDate(profile.expirationDate);
  if (profile.expirationDate <= now) {
    return `expired on ${date} (${daysAgoText(daysSince(profile.expirationDate, now))}): ${PROFILE_RENEWAL}`;
  }
  return `until ${date} (${left} days left)`;
}

/** What to do about a profile that has expired or is about to. */
export const PROFILE_RENEWAL =
  'regenerate it at developer.apple.com → Profiles (or let Xcode manage signing), then rebuild the app';

function devicesText(profile: ProvisioningProfileInfo): string {
  const kind = DISTRIBUTION_TEXT[profile.distribution];
  if (profile.provisionsAllDevices) return `${kind}, all devices`;
  if (profile.devices === null || profile.devices === 0) return kind;
  return `${kind}, ${profile.devices} device${profile.devices === 1 ? '' : 's'}`;
}

function certificatesText(inspection: ProfileInspection): string {
  const { info, nearby } = inspection;
  const count = info.developerCertificates.length;
  const unreadable =
    info.unreadableDeveloperCertificates > 0
      ? ` (and ${info.unreadableDeveloperCertificates} that cannot be read)`
      : '';
  const named = `${count} developer certificate${count === 1 ? '' : 's'}${unreadable}`;
  if (count === 0) return unreadable ? `none readable${unreadable}` : 'none';
  const found = nearby.matches.map(
    (m) =>
      `${escapeToOneLine(m.certificate.subject.commonName ?? m.certificate.sha256)} is in ${escapeToOneLine(m.file)}${m.withKey ? ' (with its key)' : ''}`,
  );
  const locked =
    nearby.locked.length > 0
      ? `; not looked into without a passphrase: ${nearby.locked.map(escapeToOneLine).join(', ')}`
      : '';
  if (found.length === 0) return `${named}; none of them is in a file beside it${locked}`;
  return `${named}; ${found.join('; ')}${locked}`;
}

export function profileRows(inspection: ProfileInspection, now: Date): [string, string | null][] {
  const { info, signers } = inspection;
  const text = (value: string | null) => (value === null ? null : escapeToOneLine(value));
  const signer = signers[0]?.subject.commonName ?? null;
  return [
    ['Name', text(info.name)],
    [
      'App id',
      info.applicationIdentifier
        ? `${escapeToOneLine(info.applicationIdentifier)}${info.appIdName ? ` (${escapeToOneLine(info.appIdName)})` : ''}`
        : null,
    ],
    ['Bundle id', text(info.bundleId)],
    [
      'Team',
      info.teamId
        ? `${info.teamName ? `${escapeToOneLine(info.teamName)} ` : ''}(${escapeToOneLine(info.teamId)})`
        : text(info.teamName),
    ],
    ['Push', apsEnvironmentText(info)],
    ['Type', devicesText(info)],
    [
      'Platforms',
      info.platforms.length > 0 ? info.platforms.map(escapeToOneLine).join(', ') : null,
    ],
    ['Valid', profileValidityText(info, now)],
    ['Certificates', certificatesText(inspection)],
    [
      'Signature',
      `not verified${signer ? ` (the file says it was signed by ${escapeToOneLine(signer)})` : ''}`,
    ],
    ['UUID', text(info.uuid)],
  ];
}

export function profileJson(inspection: ProfileInspection, now: Date) {
  const { info, nearby, signers } = inspection;
  return {
    name: info.name,
    uuid: info.uuid,
    appIdName: info.appIdName,
    applicationIdentifier: info.applicationIdentifier,
    bundleId: info.bundleId,
    teamId: info.teamId,
    teamName: info.teamName,
    apsEnvironment: info.apsEnvironment ?? info.unknownApsEnvironment,
    apnsEnvironment: apnsEnvironmentOfProfile(info),
    distribution: info.distribution,
    platforms: info.platforms,
    creationDate: info.creationDate?.toISOString() ?? null,
    expirationDate: info.expirationDate.toISOString(),
    daysLeft: daysLeft(info.expirationDate, now),
    devices: info.devices,
    provisionsAllDevices: info.provisionsAllDevices,
    xcodeManaged: info.xcodeManaged,
    developerCertificates: info.developerCertificates.map((c) => ({
      subject: c.subject.commonName,
      notAfter: c.notAfter.toISOString(),
      sha256: c.sha256,
      files: nearby.matches.filter((m) => m.certificate === c).map((m) => m.file),
    })),
    lockedFilesBeside: nearby.locked,
    signature: { verified: false, signer: signers[0]?.subject.commonName ?? null },
  };
}

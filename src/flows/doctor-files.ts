/**
 * `doctor DIR`: every certificate, .p12, key, token key (.p8) and provisioning profile in a
 * folder, read without a passphrase, and what pairs with what: a certificate and the file that
 * holds its key, files that hold the same certificate, a profile and the push certificate for its
 * bundle id (do their environments agree?), a token key and the team ids found beside it.
 */
import type { ApnsSetupError } from '../core/errors.js';
import { assessExpiry, daysSince, RENEWAL_WINDOW_DAYS, type ExpiryStatus } from '../core/expiry.js';
import { apnsEnvironmentOfProfile } from '../core/apns/provisioning-profile.js';
import { keyMatchesSpki } from '../core/pki/key-match.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import { inspectFiles, type InspectEntry } from './inspect-files.js';
import type { FlowPorts } from './ports.js';

export type FolderPorts = Pick<
  FlowPorts,
  'readFile' | 'passphrase' | 'passphraseAtHand' | 'parsePlist' | 'filesBeside' | 'now'
> & {
  /** The credential files in DIR and its subfolders. */
  listFiles(dir: string): Promise<string[]>;
};

export type Severity = 'ok' | 'info' | 'warn' | 'fail';

export type Finding =
  /** A certificate's (or profile's) validity. */
  | {
      kind: 'expiry';
      notBefore: Date;
      notAfter: Date;
      daysLeft: number;
      /** Whole days since it expired; null unless expired. */
      daysAgo: number | null;
      status: ExpiryStatus;
    }
  /** The certificate's key is in the same file (ck.pem, a .p12). */
  | { kind: 'own-key' }
  /** The certificate's key is in these other files. */
  | { kind: 'key-beside'; files: string[] }
  /** An APNs certificate with no key here (an encrypted key.pem may still be it). */
  | { kind: 'no-key'; lockedKeys: string[] }
  /** A key file: the certificates it is the key of. */
  | { kind: 'key-of'; files: string[] }
  /** A key file whose certificate is in no file here. */
  | { kind: 'lone-key'; encrypted: boolean }
  /** The same certificate is also in these files. */
  | { kind: 'same-certificate'; files: string[] }
  /** A certificate that is not for push (a CA, a developer certificate…). */
  | { kind: 'not-apns'; commonName: string | null }
  /** A usable token key, and the team ids of the certificates and profiles here. */
  | { kind: 'token-key'; keyId: string | null; teamIds: { teamId: string; file: string }[] }
  /** A profile's aps-environment against the push certificates here for its bundle id. */
  | {
      kind: 'profile-push';
      environment: Environment | null;
      certificates: { file: string; environments: Environment[]; fits: boolean }[];
    }
  /** A profile's developer certificates found beside it. */
  | { kind: 'developer-certificates'; count: number; files: string[] }
  /** A .p12 that opens only with a passphrase: its content was not read. */
  | { kind: 'locked' }
  /** Unreadable, damaged, or not what its name says (a .p8 that is no token key). */
  | { kind: 'error'; error: ApnsSetupError };

export interface DoctorFile {
  file: string;
  entry: InspectEntry;
  severity: Severity;
  findings: Finding[];
}

export interface FolderReport {
  dir: string;
  files: DoctorFile[];
}

export async function describeFolder(dir: string, ports: FolderPorts): Promise<FolderReport> {
  const files = await ports.listFiles(dir);
  const entries = await inspectFiles(files, ports, { openEncryptedKeys: false });
  const now = ports.now();
  return { dir, files: entries.map((entry) => describeEntry(entry, entries, now)) };
}

function leafOf(entry: InspectEntry): CertificateInfo | null {
  return entry.material?.certificates[0] ?? null;
}

function describeEntry(entry: InspectEntry, all: InspectEntry[], now: Date): DoctorFile {
  const findings: Finding[] = [];
  const others = all.filter((e) => e !== entry);
  if (entry.tokenKey) {
    if (entry.error) findings.push({ kind: 'error', error: entry.error });
    else
      findings.push({ kind: 'token-key', keyId: entry.tokenKey.keyId, teamIds: teamIdsIn(others) });
  } else if (entry.profile) {
    const { info, nearby } = entry.profile;
    findings.push(
      expiry({ notBefore: info.creationDate ?? now, notAfter: info.expirationDate }, now),
    );
    const environment = apnsEnvironmentOfProfile(info);
    findings.push({
      kind: 'profile-push',
      environment,
      certificates: others.flatMap((other) => {
        const leaf = leafOf(other);
        if (!leaf?.isApns || !info.bundleId || !coversBundle(leaf, info.bundleId)) return [];
        const fits = environment === null || leaf.environments.includes(environment);
        return [{ file: other.file, environments: leaf.environments, fits }];
      }),
    });
    findings.push({
      kind: 'developer-certificates',
      count: info.developerCertificates.length,
      files: [...new Set(nearby.matches.map((m) => m.file))],
    });
  } else if (entry.material) {
    const material = entry.material;
    const leaf = leafOf(entry);
    if (leaf) {
      findings.push(expiry(leaf, now));
      if (!leaf.isApns) findings.push({ kind: 'not-apns', commonName: leaf.subject.commonName });
      const same = others.filter((o) => leafOf(o)?.sha256 === leaf.sha256).map((o) => o.file);
      if (same.length > 0) findings.push({ kind: 'same-certificate', files: same });
      if (material.leafKey) findings.push({ kind: 'own-key' });
      else if (leaf.isApns) {
        const keyFiles = others
          .filter((o) =>
            o.material?.keys.some((k) => k.key && keyMatchesSpki(k.key, leaf.publicKeySpki)),
          )
          .map((o) => o.file);
        if (keyFiles.length > 0) findings.push({ kind: 'key-beside', files: keyFiles });
        else {
          const lockedKeys = others
            .filter(
              (o) =>
                o.material?.kind === 'private-key' && o.material.keys.some((k) => k.key === null),
            )
            .map((o) => o.file);
          findings.push({ kind: 'no-key', lockedKeys });
        }
      }
    } else if (material.kind === 'private-key') {
      const opened = material.keys.map((k) => k.key).filter((k) => k !== null);
      const certificateFiles = others
        .filter((o) => {
          const theirs = leafOf(o);
          return theirs !== null && opened.some((key) => keyMatchesSpki(key, theirs.publicKeySpki));
        })
        .map((o) => o.file);
      findings.push(
        certificateFiles.length > 0
          ? { kind: 'key-of', files: certificateFiles }
          : { kind: 'lone-key', encrypted: opened.length === 0 },
      );
    }
  } else if (entry.lockedPkcs12) {
    findings.push({ kind: 'locked' });
  } else if (entry.error) {
    findings.push(
      LOCKED_CODES.has(entry.error.code)
        ? { kind: 'locked' }
        : { kind: 'error', error: entry.error },
    );
  }
  return { file: entry.file, entry, severity: severityOf(findings), findings };
}

const LOCKED_CODES = new Set(['PASSPHRASE_REQUIRED', 'NO_TTY']);

function expiry(validity: { notBefore: Date; notAfter: Date }, now: Date): Finding {
  const { status, daysLeft } = assessExpiry(validity, now, RENEWAL_WINDOW_DAYS);
  const daysAgo = status === 'expired' ? daysSince(validity.notAfter, now) : null;
  return {
    kind: 'expiry',
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    daysLeft,
    daysAgo,
    status,
  };
}

/** The certificate pushes to `bundleId`: its own, or one of its topics; a wildcard profile matches by prefix. */
function coversBundle(leaf: CertificateInfo, bundleId: string): boolean {
  const topics = [leaf.bundleId, ...leaf.topics].filter((t): t is string => t !== null);
  if (bundleId.endsWith('*')) {
    const prefix = bundleId.slice(0, -1);
    return topics.some((t) => t.startsWith(prefix));
  }
  return topics.includes(bundleId);
}

function teamIdsIn(entries: InspectEntry[]): { teamId: string; file: string }[] {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const teamId =
      entry.profile?.info.teamId ?? (leafOf(entry)?.isApns ? leafOf(entry)?.teamId : null);
    if (teamId && !seen.has(teamId)) seen.set(teamId, entry.file);
  }
  return [...seen].map(([teamId, file]) => ({ teamId, file }));
}

function severityOf(findings: Finding[]): Severity {
  const severities = findings.map((finding): Severity => {
    switch (finding.kind) {
      case 'error':
        return 'fail';
      case 'expiry':
        return finding.status === 'expired' || finding.status === 'not-yet-valid'
          ? 'fail'
          : finding.status === 'expiring'
            ? 'warn'
            : 'ok';
      case 'no-key':
        return 'warn';
      case 'profile-push':
        return finding.environment === null || finding.certificates.some((c) => !c.fits)
          ? 'warn'
          : 'ok';
      case 'locked':
      case 'lone-key':
      case 'not-apns':
        return 'info';
      default:
        return 'ok';
    }
  });
  for (const level of ['fail', 'warn', 'ok', 'info'] as const) {
    if (severities.includes(level)) return level;
  }
  return 'info';
}

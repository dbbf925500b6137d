/** `inspect` output: the JSON document of the contract, and the same facts as aligned text. */
import { daysLeft, daysSince, formatDate, RENEWAL_WINDOW_DAYS } from '../core/expiry.js';
import type { Material } from '../core/pki/material.js';
import type { Pkcs12Structure } from '../core/pki/pkcs12-consumers.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { InspectEntry } from '../flows/inspect-files.js';
import { daysAgoText, describeType, newCertificateSteps, renewalStep } from './messages.js';
import {
  profileJson,
  profileRows,
  TOKEN_KEY_KIND_TEXT,
  tokenKeyJson,
  tokenKeyRows,
} from './render-apple-files.js';

export function certificateJson(certificate: CertificateInfo, now: Date) {
  const s = certificate.subject;
  return {
    subject: {
      UID: s.userId,
      CN: s.commonName,
      OU: s.organizationalUnit,
      O: s.organization,
      C: s.country,
      emailAddress: s.emailAddress,
    },
    bundleId: certificate.bundleId,
    teamId: certificate.teamId,
    type: certificate.type,
    environments: certificate.environments,
    topics: certificate.topics,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    daysLeft: daysLeft(certificate.notAfter, now),
    issuer: certificate.issuer.rfc2253,
    serialNumber: certificate.serialNumber,
    sha1: certificate.sha1,
    sha256: certificate.sha256,
  };
}

function privateKeyJson(material: Material) {
  if (material.kind === 'csr' || material.kind === 'public-key') return null;
  if (material.kind === 'provisioning-profile') return null;
  const first = material.keys[0];
  return {
    present: first !== undefined,
    encrypted: first ? first.encrypted : null,
    matchesCertificate: material.keyMatchesLeaf,
  };
}

function pkcs12Algorithms(structure: Pkcs12Structure) {
  const certificateBag = structure.bags.find(
    (b) => b.kind === 'encrypted-data' || b.kind === 'certificate',
  );
  const keyBag = structure.bags.find((b) => b.kind === 'shrouded-key' || b.kind === 'key');
  return {
    certificates: certificateBag ? (certificateBag.algorithm ?? 'none') : null,
    key: keyBag ? (keyBag.algorithm ?? 'none') : null,
    mac: structure.mac?.algorithm ?? null,
    macIterations: structure.mac?.iterations ?? null,
  };
}

function errorJson(error: InspectEntry['error']) {
  return {
    code: error?.code ?? 'INTERNAL',
    message: error?.message ?? '',
    hint: error?.hint ?? null,
  };
}

export function inspectJson(entries: InspectEntry[], now: Date) {
  return entries.map(({ file, material, error, lockedPkcs12, tokenKey, profile }) => {
    if (tokenKey) {
      return {
        file,
        kind: 'token-key',
        certificate: null,
        privateKey: {
          present: tokenKey.keyType !== null || tokenKey.encrypted,
          encrypted: tokenKey.encrypted,
          matchesCertificate: null,
        },
        pkcs12: null,
        tokenKey: tokenKeyJson(tokenKey),
        ...(error ? { error: errorJson(error) } : {}),
      };
    }
    if (material && profile) {
      return {
        file,
        kind: material.kind,
        certificate: null,
        privateKey: null,
        pkcs12: null,
        provisioningProfile: profileJson(profile, now),
      };
    }
    if (!material) {
      return {
        file,
        kind: lockedPkcs12 ? 'pkcs12' : null,
        certificate: null,
        // Key bags are visible without the passphrase; whether they match is not.
        privateKey: lockedPkcs12
          ? { present: lockedPkcs12.keyBagCount > 0, encrypted: true, matchesCertificate: null }
          : null,
        pkcs12: lockedPkcs12
          ? { algorithms: pkcs12Algorithms(lockedPkcs12), readableBy: lockedPkcs12.readableBy }
          : null,
        error: errorJson(error),
      };
    }
    const leaf = material.certificates[0];
    return {
      file,
      kind: material.kind,
      certificate: leaf ? certificateJson(leaf, now) : null,
      privateKey: privateKeyJson(material),
      pkcs12: material.pkcs12
        ? { algorithms: pkcs12Algorithms(material.pkcs12), readableBy: material.pkcs12.readableBy }
        : null,
      ...(material.csr
        ? {
            csr: {
              subject: {
                CN: material.csr.subject.commonName,
                emailAddress: material.csr.subject.emailAddress,
                C: material.csr.subject.country,
              },
              signatureValid: material.csr.signatureValid,
            },
          }
        : {}),
      ...(material.certificates.length > 1
        ? {
            otherCertificates: material.certificates.slice(1).map((c) => ({
              subject: c.subject.rfc2253,
              notAfter: c.notAfter.toISOString(),
              sha256: c.sha256,
            })),
          }
        : {}),
    };
  });
}

const KIND_TEXT: Record<Material['kind'], string> = {
  certificate: 'certificate',
  pkcs12: 'PKCS#12 (.p12)',
  'pem-bundle': 'PEM bundle',
  'private-key': 'private key',
  'public-key': 'public key',
  csr: 'certificate signing request',
  pkcs7: 'PKCS#7 (.p7b)',
  'provisioning-profile': 'provisioning profile',
};

function validityText(certificate: CertificateInfo, now: Date): string {
  const left = daysLeft(certificate.notAfter, now);
  const state =
    certificate.notAfter <= now
      ? `expired ${daysAgoText(daysSince(certificate.notAfter, now))}`
      : certificate.notBefore > now
        ? 'not valid yet'
        : `${left} days left`;
  return `${formatDate(certificate.notBefore)} to ${formatDate(certificate.notAfter)} (${state})`;
}

/** What to do about a push certificate that has ended or is in its last days, else null. */
function renewText(certificate: CertificateInfo, file: string, now: Date): string | null {
  if (!certificate.isApns || certificate.notBefore > now) return null;
  if (certificate.notAfter <= now) return `it cannot push any more: ${newCertificateSteps(file)}`;
  return daysLeft(certificate.notAfter, now) <= RENEWAL_WINDOW_DAYS ? renewalStep(file) : null;
}

function issuerText(certificate: CertificateInfo): string {
  const { commonName, organizationalUnit } = certificate.issuer;
  // Apple's WWDR generations differ only by OU (G3, G4, …): show it.
  const generation =
    organizationalUnit && /^G\d+$/.test(organizationalUnit) ? ` (${organizationalUnit})` : '';
  return `${commonName ?? certificate.issuer.rfc2253}${generation}`;
}

function keyText(material: Material): string {
  const first = material.keys[0];
  if (!first) return 'none in this file';
  const parts = [first.encrypted ? 'encrypted' : 'not encrypted'];
  if (material.keyMatchesLeaf === true) parts.push('matches the certificate');
  else if (material.keyMatchesLeaf === false) parts.push('DOES NOT match the certificate');
  else if (first.key === null)
    parts.push('give its passphrase (--passphrase-file) to check it matches');
  if (material.keys.length > 1) parts.push(`${material.keys.length} keys in all`);
  return parts.join(', ');
}

export function rows(pairs: [string, string | null][]): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== null);
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

/** A .p12 that would not open without its passphrase: what shows without it. */
function lockedPkcs12Text(file: string, structure: Pkcs12Structure): string {
  const a = pkcs12Algorithms(structure);
  const keys = structure.bags.filter((b) => b.kind === 'shrouded-key' || b.kind === 'key').length;
  return `${file}: ${KIND_TEXT.pkcs12}, protected by a passphrase\n${rows([
    [
      'Private key',
      keys === 0
        ? 'none in this file'
        : `${keys === 1 ? 'one key bag' : `${keys} key bags`}, encrypted`,
    ],
    ['PKCS#12', pkcs12Layout(a)],
    ['Opens in', structure.readableBy.join(', ') || 'node-forge only'],
  ])}`;
}

function pkcs12Layout(a: ReturnType<typeof pkcs12Algorithms>): string {
  return `certificates ${a.certificates ?? 'none'}, key ${a.key ?? 'none'}, MAC ${a.mac ?? 'none'}${a.macIterations ? ` (${a.macIterations} iteration${a.macIterations === 1 ? '' : 's'})` : ''}`;
}

/**
 * The files that were read, and the layout of a .p12 that was not (it shows without its
 * passphrase); the command says what went wrong with the others on stderr.
 */
export function inspectText(entries: InspectEntry[], now: Date): string {
  return entries
    .flatMap((entry): string[] => {
      const { file, material } = entry;
      if (entry.tokenKey) {
        // A file that holds no key at all: the error on stderr says everything.
        if (entry.tokenKey.problem === 'not-a-key') return [];
        return [
          `${file}: ${TOKEN_KEY_KIND_TEXT(entry.tokenKey)}\n${rows(tokenKeyRows(entry.tokenKey, file))}`,
        ];
      }
      if (entry.profile) {
        return [
          `${file}: ${KIND_TEXT['provisioning-profile']}\n${rows(profileRows(entry.profile, now))}`,
        ];
      }
      if (material === null) {
        return entry.lockedPkcs12 ? [lockedPkcs12Text(file, entry.lockedPkcs12)] : [];
      }
      return [materialText(file, material, now)];
    })
    .join('\n\n');
}

function materialText(file: string, material: Material, now: Date): string {
  const leaf = material.certificates[0];
  const pairs: [string, string | null][] = [];
  if (leaf) {
    pairs.push(
      ['Certificate', leaf.subject.commonName ?? leaf.subject.rfc2253],
      ['Type', describeType(leaf)],
      ['Bundle id', leaf.bundleId],
      ['Team id', leaf.teamId],
      ['Environments', leaf.environments.length > 0 ? leaf.environments.join(', ') : 'none'],
      ['Topics', leaf.topics.length > 0 ? leaf.topics.join(', ') : null],
      ['Valid', validityText(leaf, now)],
      ['Renew', renewText(leaf, file, now)],
      ['Issuer', issuerText(leaf)],
      ['Serial', leaf.serialNumber],
      ['SHA-1', leaf.sha1],
      ['SHA-256', leaf.sha256],
    );
    if (material.certificates.length > 1) {
      pairs.push([
        'Also holds',
        material.certificates
          .slice(1)
          .map((c) => c.subject.commonName ?? c.subject.rfc2253)
          .join('; '),
      ]);
    }
  }
  if (material.csr) {
    pairs.push(
      ['Common name', material.csr.subject.commonName],
      ['Email', material.csr.subject.emailAddress],
      ['Country', material.csr.subject.country],
      ['Signature', material.csr.signatureValid ? 'valid' : 'INVALID'],
    );
  }
  if (material.kind !== 'csr' && material.kind !== 'public-key')
    pairs.push(['Private key', keyText(material)]);
  if (material.pkcs12) {
    const a = pkcs12Algorithms(material.pkcs12);
    pairs.push(
      ['PKCS#12', pkcs12Layout(a)],
      ['Opens in', material.pkcs12.readableBy.join(', ') || 'node-forge only'],
    );
  }
  return `${file}: ${KIND_TEXT[material.kind]}\n${rows(pairs)}`;
}

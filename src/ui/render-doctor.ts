/**
 * `doctor` in words: one line per verdict (ok, info, warn, fail), and under each that is not
 * ok the fix. And the same report as JSON.
 */
import { formatDate } from '../core/expiry.js';
import type { DoctorFile, Finding, Severity } from '../flows/doctor-files.js';
import type { DoctorReport, ReachResult } from '../flows/doctor.js';
import { isOffline, unreachableHosts } from '../core/apns/reach.js';
import { daysAgoText, describeCertificate } from './messages.js';
import { apsEnvironmentText, TOKEN_KEY_LIFETIME, tokenKeyUse } from './render-apple-files.js';
import { escapeToOneLine } from '../core/safe-text.js';
import type { Style } from './style.js';

interface Verdict {
  severity: Severity;
  text: string;
  fix?: string;
  /** Further lines under the verdict. */
  details?: string[];
}

const LABEL: Record<Severity, string> = { ok: 'ok', info: 'info', warn: 'warn', fail: 'FAIL' };

function line(v: Verdict, style: Style): string {
  const label = LABEL[v.severity].padEnd(4);
  const coloured =
    v.severity === 'fail'
      ? style.red(label)
      : v.severity === 'warn'
        ? style.yellow(label)
        : v.severity === 'ok'
          ? style.green(label)
          : label;
  const under = [...(v.details ?? []), ...(v.fix ? [`fix: ${v.fix}`] : [])].map(
    (l) => `        ${l}`,
  );
  return [`  ${coloured}  ${v.text}`, ...under].join('\n');
}

// ─── Runtime ────────────────────────────────────────────────────────────────────────────────

function runtimeVerdicts(report: DoctorReport): Verdict[] {
  const { node, openssl, support } = report.runtime;
  const nodeVerdict: Verdict = support.pastEndOfLife
    ? {
        severity: 'warn',
        text: `Node ${node}: past its end of life (${formatDate(support.endOfLife!)}), so it gets no more security fixes`,
        fix: 'install Node 22 or 24 (nodejs.org, or: nvm install 24); apns-setup needs Node 20.17 or later',
      }
    : support.current
      ? {
          severity: 'info',
          text: `Node ${node}: a short-lived (odd-numbered) release line`,
          fix: 'for a server that sends pushes, prefer an LTS line (22 or 24)',
        }
      : {
          severity: 'ok',
          text: `Node ${node}${support.endOfLife ? `, supported until ${formatDate(support.endOfLife)}` : ''}`,
        };
  const major = Number(/^(\d+)/.exec(openssl)?.[1] ?? '0');
  const opensslVerdict: Verdict =
    major >= 3
      ? {
          severity: 'ok',
          text: `OpenSSL ${openssl}: TLS 1.2 and 1.3 with HTTP/2, as APNs needs (it refuses RC2-40 .p12 files; apns-setup convert reads them)`,
        }
      : {
          severity: 'info',
          text: `OpenSSL ${openssl}: speaks the TLS APNs needs, but is past its own end of life`,
          fix: 'use a Node build with OpenSSL 3 (the nodejs.org builds have it)',
        };
  return [nodeVerdict, opensslVerdict];
}

// ─── Trust ──────────────────────────────────────────────────────────────────────────────────

const STORE_TEXT: Record<DoctorReport['trust']['source'], string> = {
  runtime: "this runtime's trust store",
  bundled: "Node's bundled root certificates",
  'bundled+extra': "Node's bundled root certificates and NODE_EXTRA_CA_CERTS",
};

function trustVerdicts(report: DoctorReport): Verdict[] {
  const { trust, runtime } = report;
  const store = STORE_TEXT[trust.source];
  const currentTrusted = trust.roots.some((r) => r.current && r.trusted);
  const verdicts = trust.roots.map((root): Verdict => {
    const shipped = `templates/apns-roots/${root.file}`;
    if (root.trusted) {
      return {
        severity: 'ok',
        text: `${root.name}: trusted (among ${store}); ${root.current ? "APNs servers' certificates chain to it since 2025" : 'the older APNs chain ends here'}`,
      };
    }
    if (!root.current && currentTrusted) {
      return {
        severity: 'info',
        text: `${root.name}: not in ${store}; only the older APNs chain ends here, and the root above is enough for both chains`,
      };
    }
    return {
      severity: root.current ? 'fail' : 'warn',
      text: `${root.name}: not in ${store}, so ${root.current ? 'a TLS connection to APNs will fail with "unable to get local issuer certificate"' : 'the older APNs chain would not be trusted either'}`,
      fix: `update Node (its bundled roots), or trust the shipped copy: NODE_EXTRA_CA_CERTS=${shipped} (from the apns-setup package)`,
    };
  });
  if (trust.source !== 'runtime' && runtime.useOpensslCa) {
    verdicts.push({
      severity: 'info',
      text: "this Node runs with --use-openssl-ca, so it trusts the system's store, which this Node cannot list: the lines above judge its bundled roots",
      fix: 'keep the system package ca-certificates up to date',
    });
  }
  if (trust.extraUnreadable) {
    verdicts.push({
      severity: 'warn',
      text: `NODE_EXTRA_CA_CERTS names ${trust.extraUnreadable}, which cannot be read; Node ignores it`,
      fix: 'point NODE_EXTRA_CA_CERTS at a readable PEM file, or unset it',
    });
  }
  return verdicts;
}

// ─── Network ────────────────────────────────────────────────────────────────────────────────

function reachText(r: ReachResult, timeoutSeconds: number): string {
  const where = `${r.host}:${r.port}`;
  const code = r.code ? ` (${r.code})` : '';
  switch (r.outcome) {
    case 'connected':
      return `${where}: reached (${r.address}) in ${r.ms} ms`;
    case 'dns-failed':
      return `${where}: the name does not resolve${code}`;
    case 'dns-timeout':
      return `${where}: no answer from DNS within ${timeoutSeconds} s`;
    case 'refused':
      return `${where}: resolved to ${r.address}, but the connection was refused${code}`;
    case 'unreachable':
      return `${where}: resolved to ${r.address}, but there is no route to it${code}`;
    case 'timeout':
      return `${where}: resolved to ${r.address}, but no connection within ${timeoutSeconds} s (a firewall dropping it?)`;
    case 'failed':
      return `${where}: resolved to ${r.address}, but the connection failed${code}`;
  }
}

function networkVerdicts(report: DoctorReport, timeoutSeconds: number): Verdict[] {
  const { network } = report;
  if (
    isOffline(network) &&
    network.every((r) => r.outcome === 'dns-failed' || r.outcome === 'dns-timeout')
  ) {
    const first = network[0]!;
    return [
      {
        severity: 'fail',
        text: `offline: no APNs host name resolves (${first.host}: ${first.code ?? 'no answer'}), so no push can go out from here`,
        fix: "connect this machine to the Internet (or allow DNS and outbound TCP 443 or 2197 to 17.0.0.0/8, Apple's network); for offline work use apns-setup sandbox",
      },
    ];
  }
  const down = new Set(unreachableHosts(network));
  return network.map((r): Verdict => {
    if (r.outcome === 'connected') return { severity: 'ok', text: reachText(r, timeoutSeconds) };
    return {
      severity: down.has(r.host) ? 'fail' : 'warn',
      text: reachText(r, timeoutSeconds),
      fix: down.has(r.host)
        ? 'allow outbound TCP 443 and 2197 to 17.0.0.0/8 (Apple); behind a proxy, APNs needs a direct connection or an HTTP CONNECT tunnel'
        : `use the port that works (apns-setup push --port ${r.port === 443 ? 2197 : 443})`,
    };
  });
}

// ─── Files ──────────────────────────────────────────────────────────────────────────────────

const list = (files: string[]) => files.map(escapeToOneLine).join(', ');

function expiryText(f: Extract<Finding, { kind: 'expiry' }>): string {
  const date = formatDate(f.notAfter);
  switch (f.status) {
    case 'expired':
      return `expired on ${date} (${daysAgoText(f.daysAgo!)})`;
    case 'not-yet-valid':
      return `not valid until ${formatDate(f.notBefore)}`;
    default:
      return `until ${date} (${f.daysLeft} days left)`;
  }
}

function fileVerdict(file: DoctorFile): Verdict {
  const { entry, findings } = file;
  const name = escapeToOneLine(file.file);
  const details: string[] = [];
  const fixes: string[] = [];
  let what = '';
  for (const f of findings) {
    switch (f.kind) {
      case 'expiry':
        what += `, ${expiryText(f)}`;
        if (f.status === 'expired' || f.status === 'expiring') {
          fixes.push(
            entry.profile
              ? 'regenerate the profile at developer.apple.com → Profiles (or let Xcode manage signing), then rebuild the app'
              : `renew it: apns-setup renew --from ${name}`,
          );
        }
        break;
      case 'own-key':
        details.push('holds its private key too: ready for push --cert');
        break;
      case 'key-beside':
        details.push(`its private key is in ${list(f.files)}`);
        break;
      case 'no-key':
        details.push(
          f.lockedKeys.length > 0
            ? `no unencrypted key for it here; ${list(f.lockedKeys)} ${f.lockedKeys.length === 1 ? 'is' : 'are'} encrypted and may be it`
            : 'no private key for it here',
        );
        fixes.push(
          f.lockedKeys.length > 0
            ? `pair them: apns-setup import ${name} --key ${escapeToOneLine(f.lockedKeys[0]!)}`
            : 'the provider needs the key that made the CSR: apns-setup import THIS.cer --key key.pem',
        );
        break;
      case 'key-of':
        what += `, the private key of ${list(f.files)}`;
        break;
      case 'lone-key':
        what += f.encrypted
          ? ', encrypted (not matched without its passphrase)'
          : ', the key of no certificate here';
        break;
      case 'same-certificate':
        details.push(`the same certificate is in ${list(f.files)}`);
        break;
      case 'not-apns':
        // describeCertificate already says "not an APNs certificate".
        break;
      case 'token-key':
        what += `, key id ${f.keyId ?? 'not in the file name'}; ${TOKEN_KEY_LIFETIME}`;
        details.push(
          `use it: ${tokenKeyUse(name, f.keyId).replace('--team-id TEAMID', f.teamIds.length === 1 ? `--team-id ${f.teamIds[0]!.teamId}` : '--team-id TEAMID')}`,
        );
        if (f.teamIds.length > 0) {
          details.push(
            `team ids found beside it: ${f.teamIds.map((t) => `${escapeToOneLine(t.teamId)} (${escapeToOneLine(t.file)})`).join(', ')}`,
          );
        }
        break;
      case 'profile-push':
        details.push(entry.profile ? apsEnvironmentText(entry.profile.info) : '');
        for (const c of f.certificates) {
          details.push(
            c.fits
              ? `${escapeToOneLine(c.file)} pushes to its bundle id in ${c.environments.join(' and ')}: they fit`
              : `${escapeToOneLine(c.file)} pushes only to ${c.environments.join(' and ')}: tokens from this profile's builds will be refused (BadDeviceToken)`,
          );
          if (!c.fits)
            fixes.push(
              `make a push certificate for ${f.environment} (or a universal one), or use a token key, which works in both`,
            );
        }
        if (f.environment === null)
          fixes.push(
            'enable Push Notifications for the App ID at developer.apple.com, then regenerate the profile',
          );
        break;
      case 'developer-certificates':
        if (f.count > 0) {
          details.push(
            f.files.length > 0
              ? `its developer certificate is in ${list(f.files)}`
              : `none of its ${f.count} developer certificate${f.count === 1 ? ' is' : 's are'} beside it (Xcode keeps them in the keychain)`,
          );
        }
        break;
      case 'locked':
        what += ', opens only with a passphrase: not looked into';
        fixes.push(
          `see inside it with: APNS_SETUP_PASSPHRASE=… apns-setup doctor, or apns-setup inspect ${name}`,
        );
        break;
      case 'error': {
        // The message names the file already (withFileName); the line starts with it.
        const prefix = `${file.file}: `;
        what += `: ${f.error.message.startsWith(prefix) ? f.error.message.slice(prefix.length) : f.error.message}`;
        if (f.error.hint) fixes.push(f.error.hint);
        break;
      }
    }
  }
  return {
    severity: file.severity,
    text: `${name}: ${kindText(file)}${what}`,
    details: details.filter((d) => d !== ''),
    ...(fixes.length > 0 ? { fix: fixes.join('; ') } : {}),
  };
}

function kindText(file: DoctorFile): string {
  const { entry } = file;
  if (entry.tokenKey)
    return entry.tokenKey.problem === null
      ? 'token signing key (.p8)'
      : 'a .p8 that is no token key';
  if (entry.profile) {
    const info = entry.profile.info;
    return `provisioning profile for ${escapeToOneLine(info.bundleId ?? 'an unknown app')}${info.teamId ? `, team ${escapeToOneLine(info.teamId)}` : ''}`;
  }
  const leaf = entry.material?.certificates[0];
  if (leaf)
    return `${entry.material!.kind === 'pkcs12' ? '.p12 with ' : ''}${escapeToOneLine(describeCertificate(leaf))}`;
  if (entry.material) return KIND_TEXT[entry.material.kind] ?? entry.material.kind;
  if (entry.lockedPkcs12) return '.p12';
  return 'unreadable';
}

const KIND_TEXT: Record<string, string> = {
  'private-key': 'private key',
  'public-key': 'public key',
  csr: 'certificate signing request',
  pkcs7: '.p7b without certificates',
};

// ─── Whole report ───────────────────────────────────────────────────────────────────────────

export function doctorText(
  report: DoctorReport,
  options: { timeoutSeconds: number; style: Style },
): string {
  const { style } = options;
  const sections: [string, Verdict[]][] = [
    ['Runtime', runtimeVerdicts(report)],
    [
      'Trust of the roots APNs servers present (checked offline, against templates/apns-roots/)',
      trustVerdicts(report),
    ],
    [
      `Reach of APNs (DNS and TCP, ${options.timeoutSeconds} s timeout)`,
      networkVerdicts(report, options.timeoutSeconds),
    ],
  ];
  if (report.folder) {
    const files = report.folder.files.map(fileVerdict);
    sections.push([
      `Files in ${escapeToOneLine(report.folder.dir)}`,
      files.length > 0
        ? files
        : [
            {
              severity: 'info',
              text: 'no certificate, .p12, key, .p8 or provisioning profile here',
            },
          ],
    ]);
  }
  const all = sections.flatMap(([, v]) => v);
  const count = (s: Severity) => all.filter((v) => v.severity === s).length;
  const summary =
    count('fail') + count('warn') === 0
      ? 'Everything apns-setup can check from here is in order.'
      : `${count('fail')} problem${count('fail') === 1 ? '' : 's'}, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}.`;
  return [
    ...sections.map(
      ([title, verdicts]) =>
        `${style.bold(title)}\n${verdicts.map((v) => line(v, style)).join('\n')}`,
    ),
    summary,
  ].join('\n\n');
}

export function doctorJson(report: DoctorReport, options: { timeoutSeconds: number }) {
  const verdicts = (v: Verdict[]) =>
    v.map(({ severity, text, fix }) => ({ severity, text, fix: fix ?? null }));
  return {
    runtime: {
      node: report.runtime.node,
      openssl: report.runtime.openssl,
      endOfLife: report.runtime.support.endOfLife?.toISOString() ?? null,
      pastEndOfLife: report.runtime.support.pastEndOfLife,
      verdicts: verdicts(runtimeVerdicts(report)),
    },
    trust: {
      source: report.trust.source,
      roots: report.trust.roots.map(({ name, file, current, trusted }) => ({
        name,
        file,
        current,
        trusted,
      })),
      verdicts: verdicts(trustVerdicts(report)),
    },
    network: {
      offline: isOffline(report.network),
      timeoutSeconds: options.timeoutSeconds,
      results: report.network,
      verdicts: verdicts(networkVerdicts(report, options.timeoutSeconds)),
    },
    files:
      report.folder?.files.map((file) => ({
        file: file.file,
        kind: file.entry.tokenKey
          ? 'token-key'
          : file.entry.profile
            ? 'provisioning-profile'
            : (file.entry.material?.kind ?? (file.entry.lockedPkcs12 ? 'pkcs12' : null)),
        severity: file.severity,
        findings: file.findings.map(findingJson),
        ...(() => {
          const v = fileVerdict(file);
          return { text: v.text, details: v.details ?? [], fix: v.fix ?? null };
        })(),
      })) ?? null,
  };
}

function findingJson(f: Finding) {
  switch (f.kind) {
    case 'expiry':
      return { ...f, notAfter: f.notAfter.toISOString() };
    case 'error':
      return {
        kind: f.kind,
        code: f.error.code,
        message: f.error.message,
        hint: f.error.hint ?? null,
      };
    default:
      return f;
  }
}

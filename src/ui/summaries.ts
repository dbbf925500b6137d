/** What a finished `csr`, `import` or `convert` tells the person: each file, and what to do next. */
import { dirname, join, relative } from 'node:path';
import { daysLeft, formatDate, RENEWAL_WINDOW_DAYS } from '../core/expiry.js';
import { FILE_NAMES } from '../core/outputs.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { WrittenFile } from '../flows/ports.js';
import type { SignCsrResult } from '../flows/demo.js';
import type { RenewResult } from '../flows/renew.js';
import { describeCertificate, newCertificateSteps, renewalStep, shellQuote } from './messages.js';
import { CHOOSE_TYPE_LINE, portalSteps } from './portal.js';
import type { Style } from './style.js';

const FILE_ROLES: Record<string, string> = {
  [FILE_NAMES.csr]: 'upload this to Apple',
  [FILE_NAMES.key]: 'private key (PKCS#8)',
  [FILE_NAMES.certificate]: 'certificate',
  [FILE_NAMES.unencryptedKey]: 'private key without a passphrase',
  [FILE_NAMES.combined]: 'certificate + unencrypted key, for PHP, Ruby, Python and curl senders',
  [FILE_NAMES.p12]: 'certificate + key, for Keychain Access, Java, .NET and Node',
  [FILE_NAMES.certificateP12]: 'certificate only',
  [FILE_NAMES.keyP12]: 'private key only',
  'aps.cer': "the certificate (DER) from the portal stand-in: NOT Apple's",
  'portal-ca.pem': "the portal stand-in's CA: trust it with apns-setup sandbox --client-ca",
  'passphrase.txt': 'the passphrase of key.pem and apns.p12',
};

/** How a summary is shown: colours, and the folder paths are made relative to. */
export interface View {
  style: Style;
  cwd: string;
}

/** A path as summaries and errors show it: relative to the working folder when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** A path inside a command the person may paste: quoted when it holds spaces and the like. */
function pasteable(path: string, cwd: string): string {
  return shellQuote(displayPath(path, cwd));
}

function numbered(steps: string[]): string[] {
  return steps.map((step, i) => `  ${i + 1}. ${step}`);
}

function fileList(written: WrittenFile[], view: View, keyEncrypted: boolean): string {
  const { style } = view;
  const width = Math.max(...written.map((f) => displayPath(f.path, view.cwd).length));
  return written
    .map((f) => {
      let role = FILE_ROLES[f.name] ?? '';
      if (f.name === FILE_NAMES.key)
        role += keyEncrypted ? ', encrypted' : ', NOT encrypted (--insecure)';
      const secret = f.secret ? ` ${style.yellow('(secret, 0600)')}` : '';
      return `  ${displayPath(f.path, view.cwd).padEnd(width)}  ${role}${secret}`;
    })
    .join('\n');
}

function backups(written: WrittenFile[], view: View): string[] {
  return written
    .filter((f) => f.backupPath)
    .flatMap((f) => [
      `The old ${f.name} was kept as ${displayPath(f.backupPath!, view.cwd)}.`,
      ...(f.previouslyExposed
        ? [
            view.style.yellow(
              `Warning: the old ${f.name} was readable by other users; its backup is 0600 now, but treat that key as exposed: revoke its certificate once the new one is in use.`,
            ),
          ]
        : []),
    ]);
}

export function csrSummary(
  result: { written: WrittenFile[]; keyEncrypted: boolean },
  view: View,
): string {
  const key = result.written.find((f) => f.name === FILE_NAMES.key);
  const csr = result.written.find((f) => f.name === FILE_NAMES.csr);
  return [
    'Created a new RSA key and a certificate signing request.',
    '',
    fileList(result.written, view, result.keyEncrypted),
    ...backups(result.written, view),
    '',
    'Next, at developer.apple.com:',
    ...numbered([
      ...portalSteps({
        csrPath: csr ? displayPath(csr.path, view.cwd) : FILE_NAMES.csr,
        bundleId: null,
        type: null,
      }),
      `Run: apns-setup import ~/Downloads/aps.cer --key ${key ? pasteable(key.path, view.cwd) : FILE_NAMES.key}`,
    ]),
    `  (${CHOOSE_TYPE_LINE})`,
    '',
    result.keyEncrypted
      ? `Keep ${key ? displayPath(key.path, view.cwd) : FILE_NAMES.key} and its passphrase: Apple never has your private key, and the certificate is useless without it.`
      : `Keep ${key ? displayPath(key.path, view.cwd) : FILE_NAMES.key} safe: it is not encrypted, Apple never has your private key, and the certificate is useless without it.`,
  ].join('\n');
}

export function credentialSummary(
  result: {
    certificate: CertificateInfo;
    written: WrittenFile[];
    /** import: the key that was the input and stayed as it was. */
    keptKeyFile?: string | null;
    keyEncrypted: boolean;
  },
  now: Date,
  view: View,
): string {
  const { style } = view;
  const c = result.certificate;
  const left = daysLeft(c.notAfter, now);
  const expired = c.notAfter <= now;
  const ck = result.written.find((f) => f.name === FILE_NAMES.combined);
  const ckPath = ck ? displayPath(ck.path, view.cwd) : FILE_NAMES.combined;
  const headline = expired
    ? style.red(
        `The files for ${describeCertificate(c)} are written, but its certificate expired on ${formatDate(c.notAfter)}: APNs refuses it, so they cannot push.`,
      )
    : `The certificate for ${describeCertificate(c)} is ready. It expires on ${formatDate(c.notAfter)}, in ${left} days.`;
  const next: string[] = [];
  if (c.isApns && expired) {
    next.push(`To push again: ${newCertificateSteps(ckPath)}.`);
  } else if (c.isApns && c.notBefore <= now) {
    if (left <= RENEWAL_WINDOW_DAYS) {
      next.push(
        style.yellow(`It is in its last ${RENEWAL_WINDOW_DAYS} days: ${renewalStep(ckPath)}.`),
      );
    }
    // A probe only proves something for a push certificate that is valid now.
    next.push(
      `Next: prove APNs accepts it (no device needed):  apns-setup push --cert ${shellQuote(ckPath)}`,
    );
  }
  return [
    headline,
    '',
    fileList(result.written, view, result.keyEncrypted),
    ...(result.keptKeyFile
      ? [`  ${displayPath(result.keptKeyFile, view.cwd)} was the input and is unchanged.`]
      : []),
    ...backups(result.written, view),
    ...(next.length > 0 ? ['', ...next] : []),
  ].join('\n');
}

export function demoSummary(
  result: {
    dir: string;
    certificate: CertificateInfo;
    written: WrittenFile[];
    push: { ok: boolean; explanation: string };
    passphraseFile: string | null;
  },
  options: { kept: boolean },
  view: View,
): string {
  const { style } = view;
  const verdict = result.push.ok
    ? style.green(
        'It works: the files apns-setup made were accepted by an APNs-compatible server over HTTP/2.',
      )
    : style.red(`The test push failed: ${result.push.explanation}`);
  const lines = ['', verdict, `The certificate is for ${describeCertificate(result.certificate)}.`];
  if (options.kept) {
    lines.push('', fileList(result.written, view, true));
    const ck = result.written.find((f) => f.name === FILE_NAMES.combined);
    const portalCa = result.written.find((f) => f.name === 'portal-ca.pem');
    if (ck && portalCa) {
      lines.push(
        '',
        'To develop a provider against a local APNs with these files:',
        `  apns-setup sandbox --client-ca ${pasteable(portalCa.path, view.cwd)} --port 8443`,
        `  apns-setup push --cert ${pasteable(ck.path, view.cwd)} --endpoint https://127.0.0.1:8443 --ca <the CA file it prints>`,
      );
    }
    if (result.passphraseFile) {
      lines.push(
        `The passphrase of key.pem and apns.p12 is in ${displayPath(result.passphraseFile, view.cwd)} (secret, 0600).`,
      );
    }
  } else {
    lines.push('The scratch folder was removed; run with --out DIR to keep the files.');
  }
  lines.push(
    '',
    'For real: apns-setup csr --email you@example.com --common-name "MyApp Push" --out certs',
    '          then upload the CSR at developer.apple.com and run apns-setup import.',
  );
  return lines.join('\n');
}

export function renewSummary(result: RenewResult, now: Date, view: View): string {
  const { style } = view;
  const { live } = result;
  const c = live.certificate;
  const ends =
    live.daysLeft < 0 || c.notAfter <= now
      ? style.red(`expired on ${formatDate(c.notAfter)}: nothing pushes with it any more`)
      : `expires on ${formatDate(c.notAfter)}, in ${live.daysLeft} days, and keeps working until then`;
  const key = result.written.find((f) => f.name === FILE_NAMES.key);
  const csr = result.written.find((f) => f.name === FILE_NAMES.csr);
  const subject =
    result.subject.source === 'default'
      ? ' (a neutral CSR subject: Apple ignores it)'
      : result.subject.source === 'git-config'
        ? ' (CSR subject from git config)'
        : result.subject.source === 'live-csr'
          ? ' (CSR subject from the CSR beside the live files)'
          : '';
  return [
    `Renewing the push certificate for ${describeCertificate(c)}.`,
    `The live one (${displayPath(live.file, view.cwd)}) ${ends}; renew did not touch it.`,
    '',
    `${result.reusedKey ? 'A CSR for the live key' : 'A new key and CSR'}${subject}:`,
    fileList(result.written, view, result.keyEncrypted),
    '',
    'Next, at developer.apple.com:',
    ...numbered([
      ...portalSteps({
        csrPath: csr ? displayPath(csr.path, view.cwd) : FILE_NAMES.csr,
        bundleId: c.bundleId,
        type: c.type,
      }),
      `Run: apns-setup import ~/Downloads/aps.cer --key ${key ? pasteable(key.path, view.cwd) : FILE_NAMES.key}`,
      'Deploy the new ck.pem (or apns.p12) where the live one is used, and restart the provider.',
      'Once nothing uses the old certificate, revoke it in the portal (Certificates → the old one → Revoke).',
    ]),
  ].join('\n');
}

/** `demo --csr`: what the portal stand-in made, and the offline loop with the person's own key. */
export function localPortalSummary(
  result: SignCsrResult,
  sandboxState: string | null,
  view: View,
): string {
  const cer = result.written.find((f) => f.name === 'aps.cer');
  const ca = result.written.find((f) => f.name === 'portal-ca.pem');
  const dir = cer ? dirname(cer.path) : '.';
  const at = (name: string) => pasteable(join(dir, name), view.cwd);
  return [
    `apns-setup's local portal stand-in signed your CSR: ${cer ? displayPath(cer.path, view.cwd) : 'aps.cer'} is a push certificate for ${describeCertificate(result.certificate)}.`,
    '',
    fileList(result.written, view, true),
    '',
    'The whole recipe offline, with your own key (the sandbox in a second terminal):',
    `  apns-setup import ${at('aps.cer')} --key ${at(FILE_NAMES.key)}`,
    // Signed by a sandbox's own portal (--state), that sandbox trusts it as it is.
    sandboxState === null
      ? `  apns-setup sandbox --client-ca ${ca ? pasteable(ca.path, view.cwd) : at('portal-ca.pem')} --state ${at('.sandbox')} --port 8443`
      : `  apns-setup sandbox --state ${pasteable(sandboxState, view.cwd)} --port 8443`,
    `  apns-setup push --cert ${at(FILE_NAMES.combined)} --endpoint https://127.0.0.1:8443 --ca ${
      sandboxState === null
        ? at('.sandbox/ca.pem')
        : pasteable(join(sandboxState, 'ca.pem'), view.cwd)
    }`,
    '',
    "For real, upload the same CSR at developer.apple.com: Apple's aps.cer then replaces this one.",
  ].join('\n');
}

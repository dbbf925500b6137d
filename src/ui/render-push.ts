/**
 * `push`: the sentences it says (kept together so they read as a whole, in mkcert's voice),
 * one line per token for people, and the contract's JSON for machines.
 */
import { formatDate } from '../core/expiry.js';
import type { Environment } from '../core/pki/types.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { PushResult } from '../flows/test-push.js';
import { describeCertificate, NEW_CERTIFICATE_STEPS } from './messages.js';
import type { Style } from './style.js';

function envName(environment: Environment): string {
  return environment === 'sandbox' ? 'the sandbox' : 'production';
}

export const pushMessages = {
  severalPayloadSources: (given: string[]) =>
    `${given.join(', ')} each give the whole payload; pass only one of them.`,
  severalPayloadSourcesHint:
    'Use --alert TEXT (with --title, --subtitle, --badge, --sound), --payload FILE (or - for stdin), or --template NAME.',
  alertPartWithoutAlert: (flag: string) => `${flag} is part of an alert, but --alert is missing.`,
  alertPartWithoutAlertHint: (flag: string) =>
    `Add --alert TEXT for the notification's body, or drop ${flag}.`,
  noTokensInFile: (file: string) => `${file} holds no device tokens.`,
  noTokensInFileHint:
    'Write one token per line (lines starting with # are comments), or leave out --tokens-file to send the credential probe.',
  duplicateToken: (token: string) =>
    `the device token ${shortToken(token)} is listed more than once; it is sent once.`,
  portWithEndpoint: "--port is for Apple's servers; the --endpoint URL carries its own port.",
  portWithEndpointHint: 'Put the port in the URL, e.g. --endpoint https://127.0.0.1:8443.',
  noCaCertificate: (file: string) => `${file} holds no certificate to trust.`,
  noCaCertificateHint:
    "Pass the CA certificate (PEM or DER) that issued the server's certificate, e.g. the caFile that `apns-setup sandbox --json` prints.",
  noCertificate: (file: string) => `${file} holds no certificate.`,
  noCertificateHint:
    'Pass ck.pem (certificate and key), the .p12, or the certificate PEM together with --key key.pem.',
  noKey: (file: string) =>
    `${file} holds the certificate but no private key, and no --key was given.`,
  noKeyHint:
    'Pass the key with --key key.unencrypted.pem (or key.pem), or use ck.pem or the .p12, which hold both.',
  keyFileWithoutKey: (file: string) => `${file} holds no private key.`,
  keyFileWithoutKeyHint: 'Pass the private key that made the CSR (key.pem) with --key.',
  keyMismatch: (keyFile: string, certificateFile: string) =>
    `${keyFile} is not the private key of the certificate in ${certificateFile}.`,
  keyMismatchHint:
    'Pass the key that made the CSR this certificate was issued for, or use the ck.pem or .p12 made with it.',
  ownKeyMismatch: (file: string) => `${file}: its private key does not belong to its certificate.`,
  notApns: (file: string, certificate: CertificateInfo) =>
    `${file} holds ${certificate.subject.commonName ?? 'a certificate'}, which carries neither Apple's sandbox nor production push extension: APNs will most likely refuse it. Sending anyway.`,
  expired: (file: string, certificate: CertificateInfo) =>
    `the certificate in ${file} expired on ${formatDate(certificate.notAfter)}: APNs refuses expired certificates: ${NEW_CERTIFICATE_STEPS}.`,
  notYetValid: (file: string, certificate: CertificateInfo) =>
    `the certificate in ${file} is not valid until ${formatDate(certificate.notBefore)}: APNs will refuse it until then.`,
  endpointEnvironmentMismatch: (requested: Environment, endpointEnvironment: Environment) =>
    `--env ${requested}, but --endpoint is Apple's ${endpointEnvironment === 'sandbox' ? 'sandbox' : 'production'} server; results are explained for ${envName(endpointEnvironment)}.`,
  sending(options: {
    count: number;
    probe: boolean;
    topic: string;
    where: string;
    environment: Environment;
    certificate: CertificateInfo;
  }): string {
    const what = options.probe
      ? 'Sending a credential probe (a well-formed token that belongs to no device)'
      : `Sending ${options.count === 1 ? 'a push' : `${options.count} pushes`}`;
    return `${what} for ${options.topic} to ${options.where} (${envName(options.environment)}) with ${describeCertificate(options.certificate)}…`;
  },
  /** A universal certificate's token refused in the sandbox was tried in production. */
  otherEnvironment(options: {
    first: Environment;
    second: Environment;
    ok: boolean;
    stillUnknown: boolean;
    topic: string;
    explanation: string;
  }): string {
    const { first, second } = options;
    if (options.ok) {
      return `APNs accepted the notification for ${options.topic} in ${envName(second)}: this token belongs to ${envName(second)} (${buildOf(second)}), not ${envName(first)}.`;
    }
    if (options.stillUnknown) {
      return `Neither the sandbox nor production recognised the device token.`;
    }
    return `${capitalise(envName(first))} did not recognise the token, so it was sent to ${envName(second)}: ${options.explanation}`;
  },
  unknownEverywhereHint:
    "Check that the token was copied whole and comes from this app's current install (tokens change when the app is reinstalled).",
  otherEnvironmentHint: (environment: Environment) =>
    `Next time push this token with --env ${environment}.`,
};

function buildOf(environment: Environment): string {
  return environment === 'sandbox' ? 'a build run from Xcode' : 'a TestFlight or App Store build';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `740f4707…61bb78ad`: enough to tell tokens apart on one line. */
export function shortToken(token: string): string {
  return token.length <= 20 ? token : `${token.slice(0, 8)}…${token.slice(-8)}`;
}

/** The `--json` document: one object per token, the contract's fields only. */
export function pushJson(results: readonly PushResult[]) {
  return results.map((r) => ({
    token: r.token,
    environment: r.environment,
    endpoint: r.endpoint,
    status: r.status,
    apnsId: r.apnsId,
    apnsUniqueId: r.apnsUniqueId,
    reason: r.reason,
    ok: r.ok,
    explanation: r.explanation,
    hint: r.hint,
  }));
}

/** The --json document when the push got no answer at all: the contract's fields, mostly null. */
export function pushFailureJson(
  error: { message: string; hint?: string | undefined; failure?: string },
  endpoint: string | null,
) {
  return [
    {
      token: null,
      environment: null,
      endpoint,
      status: null,
      apnsId: null,
      apnsUniqueId: null,
      reason: error.failure ?? null,
      ok: false,
      explanation: error.message,
      hint: error.hint ?? null,
    },
  ];
}

/** For people: a ✓ or ✗ line per token, then what it means and what to do. */
export function pushReport(results: readonly PushResult[], style: Style): string {
  const lines: string[] = [];
  for (const r of results) {
    const mark = r.ok ? style.green('✓') : style.red('✗');
    const who = r.probe ? '(probe)' : shortToken(r.token);
    const answer =
      r.status === null
        ? `no status${r.reason === null ? '' : `, ${r.reason}`}`
        : `${r.status}${r.reason === null ? '' : ` ${r.reason}`}`;
    lines.push(`${mark} ${who}  ${answer}  ${style.dim(`${r.environment}, ${r.endpoint}`)}`);
    lines.push(`  ${r.explanation}`);
    if (r.hint !== null) lines.push(`  ${r.hint}`);
    const ids = [
      r.apnsId === null ? null : `apns-id ${r.apnsId}`,
      r.apnsUniqueId === null
        ? null
        : // Only Apple's own sandbox knows its ids; a local server's mean nothing to the Console.
          `apns-unique-id ${r.apnsUniqueId}${/\.push\.apple\.com(:\d+)?$/.test(r.endpoint) ? " (look it up in Apple's Push Notifications Console)" : ''}`,
    ].filter((part) => part !== null);
    if (ids.length > 0) lines.push(`  ${style.dim(ids.join(', '))}`);
  }
  if (results.length > 1) {
    const accepted = results.filter((r) => r.ok).length;
    lines.push(
      accepted === results.length
        ? `All ${results.length} pushes were accepted.`
        : `${accepted} of ${results.length} pushes were accepted.`,
    );
  }
  return lines.join('\n');
}

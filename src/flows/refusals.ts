/**
 * The sentences of the errors the journeys refuse with, kept together so they read as a whole.
 * An error is typed data with its words attached (code, message, hint, exit code: see
 * core/errors.ts), so its sentence lives with the layer that throws it; what a journey reports
 * when it succeeds is a record, and ui/ words that.
 */
import type { MaterialKind } from '../core/pki/types.js';

const KIND_NAMES: Record<MaterialKind, string> = {
  certificate: 'a certificate',
  pkcs12: 'a .p12',
  'pem-bundle': 'a PEM bundle',
  'private-key': 'a private key',
  'public-key': 'a public key',
  csr: 'a certificate signing request (CSR)',
  pkcs7: 'a .p7b',
  'provisioning-profile': 'a provisioning profile',
};

/**
 * A token key or a provisioning profile given where a certificate, a key or a .p12 belongs
 * (`import`, `convert`): neither becomes a ck.pem, and each has its own use.
 */
export const appleFileRefusals = {
  tokenKey: (file: string) =>
    `${file} is an APNs token signing key (auth key, .p8): Apple issues no certificate for it, so there is nothing to import or convert`,
  tokenKeyHint: (file: string) =>
    `Use it as it is, with token authentication: apns-setup push --auth-key ${file} --team-id TEAMID --topic BUNDLE_ID. A push certificate is a separate credential: apns-setup csr, then apns-setup import with the .cer Apple issues for that CSR.`,
  profile: (file: string) =>
    `${file} is a provisioning profile: it lets an app build run and says which APNs environment its device tokens belong to; it holds no push certificate and no key`,
  profileHint: (file: string) =>
    `See its aps-environment, team and expiry with apns-setup inspect ${file}. To push, use an APNs certificate (apns-setup csr, then apns-setup import with the .cer Apple issues) or a token key (apns-setup push --auth-key AuthKey_KEYID.p8).`,
};

export const importRefusals = {
  noCertificate: (file: string, kind: MaterialKind) =>
    `${file} is ${KIND_NAMES[kind]}, not a certificate`,
  noCertificateHint: (kind: MaterialKind) =>
    kind === 'csr'
      ? 'Upload this CSR at developer.apple.com (Certificates → +), then import the .cer Apple gives you.'
      : 'Pass the .cer downloaded from developer.apple.com (aps_development.cer or aps.cer).',
  notApns: (file: string, commonName: string | null) =>
    `${file} is not an Apple Push Notification certificate (${commonName ?? 'no common name'})`,
  notApnsHint:
    'In the Apple Developer portal create an "Apple Push Notification service SSL" certificate for your App ID and download that .cer.',
  noKey: (file: string) => `${file}: it holds no private key`,
  noKeyHint: 'Pass the key.pem that was written with CertificateSigningRequest.certSigningRequest.',
  mismatch: (certificateFile: string, keyFile: string) =>
    `${certificateFile} was issued for another CSR: its public key is not the one in ${keyFile}`,
  mismatchHint: (keyDir: string) =>
    `Upload the CertificateSigningRequest.certSigningRequest made with this key (apns-setup csr writes it beside key.pem, here ${keyDir}) and download the new .cer, or pass the key you used for this CSR with --key.`,
};

export const convertRefusals = {
  noCertificate: (file: string, kind: MaterialKind) =>
    kind === 'csr'
      ? `${file} is a certificate signing request (CSR), not a .p12`
      : kind === 'private-key'
        ? `${file} holds only a private key, no certificate`
        : `${file} holds no certificate`,
  noCertificateHint: (file: string, kind: MaterialKind) =>
    kind === 'csr'
      ? 'Upload it at developer.apple.com (Certificates → +), then run apns-setup import with the .cer Apple gives you and --key key.pem.'
      : kind === 'private-key'
        ? `To pair it with the .cer Apple issued for it, run: apns-setup import aps.cer --key ${file}`
        : 'Export the certificate together with its key (in Keychain Access: select both, then Export 2 items).',
  noKey: (file: string, kind: MaterialKind) =>
    kind === 'certificate' || kind === 'pkcs7'
      ? `${file} is a certificate without its private key, so no ck.pem can be made from it`
      : `${file} holds no private key, so no ck.pem can be made from it`,
  noKeyHint: (file: string, kind: MaterialKind) =>
    kind === 'certificate' || kind === 'pkcs7'
      ? `To pair it with the key that made the CSR, run: apns-setup import ${file} --key key.pem`
      : 'Export again from Keychain Access with the private key: expand the certificate, select it and its key, then Export.',
  mismatch: (file: string) => `${file}: its private key does not belong to its certificate`,
  mismatchHint:
    'Export the certificate together with its own key, or use import with the .cer and the key that made the CSR.',
};

/** "12 pushes of 500": how far a run of pushes got (of how many, when that is known). */
function pushesOf(started: number, count: number | null): string {
  return `${started} ${started === 1 ? 'push' : 'pushes'}${count === null ? '' : ` of ${count}`}`;
}

export const pushRefusals = {
  severalPayloadSources: (given: string[]) =>
    `${given.join(', ')} each give the whole payload; pass only one of them.`,
  severalPayloadSourcesHint:
    'Use --alert TEXT (with --title, --subtitle, --badge, --sound), --payload FILE (or - for stdin), or --template NAME.',
  alertPartWithoutAlert: (flag: string) => `${flag} is part of an alert, but --alert is missing.`,
  alertPartWithoutAlertHint: (flag: string) =>
    `Add --alert TEXT for the notification's body, or drop ${flag}.`,
  stdinTwice: '--payload - and --tokens-file - both read stdin; only one of them can.',
  stdinTwiceHint:
    'Put the payload or the tokens in a file: e.g. --payload payload.json --tokens-file -.',
  noTokensInFile: (file: string) => `${file} holds no device tokens.`,
  noTokensInFileHint:
    'Write one token per line (lines starting with # are comments), or leave out --tokens-file to send the credential probe.',
  portWithEndpoint: "--port is for Apple's servers; the --endpoint URL carries its own port.",
  portWithEndpointHint: 'Put the port in the URL, e.g. --endpoint https://127.0.0.1:8443.',
  noCaCertificate: (file: string) => `${file} holds no certificate to trust.`,
  noCaCertificateHint:
    "Pass the CA certificate (PEM or DER) that issued the server's certificate, e.g. the caFile that `apns-setup sandbox --json` prints.",
  profileNotAProfile: (file: string) => `${file}: it is not a provisioning profile`,
  profileNotAProfileHint:
    'Pass --profile the .mobileprovision (or .provisionprofile) the app was built with: from developer.apple.com (Profiles), or embedded.mobileprovision inside the .ipa.',
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
  timeoutLeftTokens: (seconds: string, started: number, count: number | null) =>
    `the --timeout of ${seconds} ran out after ${pushesOf(started, count)}; the other tokens were not sent.`,
  stoppedLeftTokens: (started: number, count: number | null) =>
    `stopped on request after ${pushesOf(started, count)}, once their answers were in; ${count === null ? 'no token read after that was sent' : `the other ${count - started} ${count - started === 1 ? 'token was' : 'tokens were'} not sent`}.`,
  timeoutLeftTokensHint:
    '--timeout bounds the whole run, retries included: allow more time with --timeout SECONDS (e.g. --timeout 600 for a large --tokens-file).',
  noCredential: 'push needs a credential: --cert (a push certificate) or --auth-key (a token key).',
  noCredentialHint:
    'Pass --cert ck.pem (or a .p12), or --auth-key AuthKey_KEYID.p8 --team-id TEAMID --topic BUNDLE_ID.',
  certAndAuthKey:
    '--auth-key and --cert are two ways to prove who sends the push; pass only one of them.',
  certAndAuthKeyHint:
    'A token key (--auth-key AuthKey_KEYID.p8 --team-id TEAMID) works for every app of the team; a certificate (--cert) for its own app.',
  keyWithAuthKey: '--key goes with --cert; a token key (--auth-key) is a key of its own.',
  keyWithAuthKeyHint: 'Leave out --key, or push with --cert and --key instead of --auth-key.',
  noTeamId: '--auth-key needs --team-id: a token names the team its key belongs to.',
  noTeamIdHint:
    'Pass the 10-character Team ID shown at developer.apple.com → Membership, e.g. --team-id DEF123GHIJ.',
  noKeyId: (file: string) =>
    `${file} does not carry its key id in its name (Apple names it AuthKey_KEYID.p8), and no --key-id was given.`,
  noKeyIdHint:
    'Pass the 10-character Key ID shown at developer.apple.com → Keys, e.g. --key-id ABC123DEFG.',
  noTopicWithToken: '--auth-key needs --topic: a token key is for the whole team, not one app.',
  noTopicWithTokenHint: "Pass the app's bundle id, e.g. --topic com.example.app.",
  tokenFlagsWithCert: (flags: string[]) =>
    `${flags.join(' and ')} ${flags.length === 1 ? 'goes' : 'go'} with --auth-key; a certificate names its own team.`,
  tokenFlagsWithCertHint: (flags: string[]) =>
    `Leave out ${flags.join(' and ')} to push with the certificate, or pass --auth-key AuthKey_KEYID.p8 instead of --cert.`,
  keyIdDiffersFromName: (keyId: string, fromName: string) =>
    `Warning: --key-id ${keyId} differs from the key id in the file name (${fromName}); the token names ${keyId}. If APNs answers InvalidProviderToken, try --key-id ${fromName}.`,
  unusualAppleId: (flag: string, value: string) =>
    `Warning: ${flag} ${value} is not 10 upper-case letters and digits, as Apple's ids are: APNs will likely answer InvalidProviderToken.`,
};

export const renewRefusals = {
  noCertificate: (file: string) => `${file} holds no certificate to renew`,
  noCertificateHint:
    'Pass the live certificate: ck.pem, cert.pem, the .cer from Apple, or the .p12 your provider uses.',
  notApns: (file: string, commonName: string | null) =>
    `${file} holds ${commonName ?? 'a certificate'}, which is not an Apple Push Notification certificate`,
  notApnsHint: 'renew makes the successor of a push certificate: pass the one your provider uses.',
  noKeyToReuse: (file: string) => `${file} holds no private key to reuse`,
  noKeyToReuseHint:
    'Pass ck.pem or the .p12 (they hold the key) with --reuse-key, or leave out --reuse-key for a new key.',
  outIsLive: (dir: string) =>
    `${dir} is the live certificate's folder, which renew never writes to`,
  outNotEmpty: (dir: string) => `${dir} is not empty`,
  outHint:
    'Pass --out with a new or empty folder (by default renew makes one beside the live folder, named after the bundle id and the date).',
};

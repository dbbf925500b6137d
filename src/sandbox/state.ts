/**
 * What the sandbox keeps between runs (`--state DIR`): the CA clients trust for its TLS
 * certificate, that server certificate, and the local portal CA whose push certificates it
 * accepts. Created on first start, reused after, renewed piece by piece when expired:
 *
 *   ca.pem, ca-key.pem                 the server's CA: what `push --ca` and `curl --cacert` take
 *   server.pem, server-key.pem         the TLS certificate for localhost, 127.0.0.1, ::1 (+ --host)
 *   portal-ca.pem, portal-ca-key.pem   the local stand-in for Apple's portal CA
 *
 * Keys are 0600 (written by writeOutputFiles), in a folder made 0700, as mkcert keeps its CA.
 * Without a folder everything lives in memory, except ca.pem: a `--json` consumer needs a file
 * to trust, so it goes to a private temporary folder that `release()` removes.
 */
import {
  X509Certificate,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, isApnsSetupError } from '../core/errors.js';
import { parseCertificate } from '../core/pki/certificate.js';
import {
  createCertificateAuthority,
  issueServerCertificate,
  type SigningAuthority,
} from '../core/pki/issue-certificate.js';
import { exportPkcs8Pem, generateRsaKey } from '../core/pki/keys.js';
import { parsePem } from '../core/pki/pem.js';
import { readInputFile } from '../adapters/input-files.js';
import { writeOutputFiles, type OutputFile } from '../adapters/output-files.js';
import { createPortalCa, type PortalCa } from './portal.js';

export const STATE_FILES = {
  caCertificate: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCertificate: 'server.pem',
  serverKey: 'server-key.pem',
  portalCertificate: 'portal-ca.pem',
  portalKey: 'portal-ca-key.pem',
} as const;

export const SANDBOX_CA_NAME = 'apns-setup local APNs sandbox CA - NOT Apple';

/** The names every server certificate covers; `--host` is added when it is another. */
const LOOPBACK_NAMES = ['localhost'];
const LOOPBACK_IPS = ['127.0.0.1', '::1'];
const UNSPECIFIED = new Set(['0.0.0.0', '::', '']);

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const CA_VALIDITY_DAYS = 10 * 365;
const SERVER_VALIDITY_DAYS = 365;
/** Renew the server certificate this long before it expires, so a long run does not outlive it. */
const SERVER_RENEW_MARGIN_DAYS = 7;

export interface SandboxState {
  /** The CA that signs the server's TLS certificate. */
  serverCa: SigningAuthority;
  /** The server's TLS key and certificate. */
  server: SigningAuthority;
  portalCa: PortalCa;
  /** Absolute path of the server CA's PEM: what clients must trust. */
  caFile: string;
  /** Absolute path of the portal CA's PEM with `--state`; null when it lives in memory. */
  portalCaFile: string | null;
  /** The `--state` folder (absolute), or null. */
  dir: string | null;
  /** What was created or renewed on this start, one sentence each; [] when all was reused. */
  changes: string[];
  /** Removes the temporary folder of an in-memory state; nothing to do with `--state`. */
  release(): Promise<void>;
}

export interface SandboxStateOptions {
  /** The address the server listens on; its certificate must name it. */
  host?: string;
}

export async function loadOrCreateSandboxState(
  dir: string | null,
  now: Date,
  options: SandboxStateOptions = {},
): Promise<SandboxState> {
  const names = serverNames(options.host);
  if (dir === null) return createInMemory(now, names);
  const folder = resolve(dir);
  try {
    return await loadOrCreateIn(folder, now, names);
  } catch (error) {
    // Another sandbox started on the same new folder at the same moment and wrote first:
    // its files are as good as ours.
    if (isApnsSetupError(error) && error.code === 'FILE_EXISTS') {
      return loadOrCreateIn(folder, now, names);
    }
    throw error;
  }
}

interface ServerNames {
  hostnames: string[];
  ips: string[];
}

function serverNames(host: string | undefined): ServerNames {
  const hostnames = [...LOOPBACK_NAMES];
  const ips = [...LOOPBACK_IPS];
  const name = host?.trim().replace(/^\[(.*)\]$/, '$1') ?? '';
  if (!UNSPECIFIED.has(name)) {
    if (isIP(name) !== 0) {
      if (!ips.includes(name)) ips.push(name);
    } else if (!hostnames.includes(name.toLowerCase())) {
      hostnames.push(name.toLowerCase());
    }
  }
  return { hostnames, ips };
}

async function createInMemory(now: Date, names: ServerNames): Promise<SandboxState> {
  const serverCa = await newServerCa(now);
  const server = await newServerCertificate(serverCa, now, names, null);
  const portalCa = await newPortalCa(now);
  const temp = await mkdtemp(join(tmpdir(), 'apns-setup-sandbox-'));
  const caFile = join(temp, STATE_FILES.caCertificate);
  await writeFile(caFile, serverCa.certificatePem, { mode: 0o644 });
  return {
    serverCa,
    server,
    portalCa,
    caFile,
    portalCaFile: null,
    dir: null,
    changes: [],
    release: () => rm(temp, { recursive: true, force: true }),
  };
}

async function loadOrCreateIn(dir: string, now: Date, names: ServerNames): Promise<SandboxState> {
  const changes: string[] = [];
  const files: OutputFile[] = [];
  const existing = new Set<string>();
  const at = (name: string): string => join(dir, name);
  const load = async (certName: string, keyName: string): Promise<LoadedPair | null> => {
    const pair = await loadPair(dir, certName, keyName);
    if (pair !== null) existing.add(certName).add(keyName);
    return pair;
  };

  let serverCa: SigningAuthority | null = await load(STATE_FILES.caCertificate, STATE_FILES.caKey);
  const caExpired = serverCa !== null && hasExpired(serverCa as LoadedPair, now);
  if (serverCa === null || caExpired) {
    if (caExpired) {
      changes.push(
        `The sandbox CA had expired: made a new one, ${at(STATE_FILES.caCertificate)}; clients must trust the new file.`,
      );
    }
    serverCa = await newServerCa(now);
    files.push(
      { name: STATE_FILES.caCertificate, contents: serverCa.certificatePem, secret: false },
      { name: STATE_FILES.caKey, contents: exportPkcs8Pem(serverCa.key), secret: true },
    );
  }

  const loadedServer = await load(STATE_FILES.serverCertificate, STATE_FILES.serverKey);
  const why = loadedServer && serverRenewalReason(loadedServer, serverCa, now, names);
  let server: SigningAuthority;
  if (loadedServer === null || why) {
    if (loadedServer !== null && why && !caExpired) {
      changes.push(`Renewed the server certificate: ${why}.`);
    }
    // A renewal keeps the key: only server.pem is replaced.
    server = await newServerCertificate(serverCa, now, names, loadedServer?.key ?? null);
    files.push({
      name: STATE_FILES.serverCertificate,
      contents: server.certificatePem,
      secret: false,
    });
    if (loadedServer === null) {
      files.push({
        name: STATE_FILES.serverKey,
        contents: exportPkcs8Pem(server.key),
        secret: true,
      });
    }
  } else {
    server = loadedServer;
  }

  const loadedPortal = await load(STATE_FILES.portalCertificate, STATE_FILES.portalKey);
  let portalCa: PortalCa;
  if (loadedPortal === null || hasExpired(loadedPortal, now)) {
    if (loadedPortal !== null) {
      changes.push(
        'The local portal CA had expired: made a new one; certificates the old one issued are no longer accepted.',
      );
    }
    portalCa = await newPortalCa(now);
    files.push(
      { name: STATE_FILES.portalCertificate, contents: portalCa.certificatePem, secret: false },
      { name: STATE_FILES.portalKey, contents: exportPkcs8Pem(portalCa.key), secret: true },
    );
  } else {
    portalCa = {
      key: loadedPortal.key,
      certificatePem: loadedPortal.certificatePem,
      certificate: loadedPortal.info,
    };
  }

  if (files.length > 0) {
    if (existing.size === 0) {
      changes.push(`Created the sandbox CA, server certificate and local portal CA in ${dir}.`);
    } else if (files.some((file) => !existing.has(file.name))) {
      changes.push(`Completed the sandbox state in ${dir}.`);
    }
    // A replaced file is kept as NAME.bak-<time> (writeOutputFiles). New files are written
    // without force, so that a second sandbox starting on the same new folder is noticed
    // (FILE_EXISTS, and then its files are loaded) rather than overwritten.
    await writeOutputFiles(dir, files, {
      force: files.some((file) => existing.has(file.name)),
      now,
    });
  }

  return {
    serverCa,
    server,
    portalCa,
    caFile: at(STATE_FILES.caCertificate),
    portalCaFile: at(STATE_FILES.portalCertificate),
    dir,
    changes,
    release: () => Promise.resolve(),
  };
}

interface LoadedPair extends SigningAuthority {
  x509: X509Certificate;
  info: ReturnType<typeof parseCertificate>;
}

/** A certificate and its key from the folder; null when neither exists. */
async function loadPair(
  dir: string,
  certName: string,
  keyName: string,
): Promise<LoadedPair | null> {
  const certBytes = await readOptional(join(dir, certName));
  const keyBytes = await readOptional(join(dir, keyName));
  if (certBytes === null && keyBytes === null) return null;
  if (certBytes === null || keyBytes === null) {
    const missing = certBytes === null ? certName : keyName;
    throw damaged(
      dir,
      `${missing} is missing while ${missing === certName ? keyName : certName} is there`,
    );
  }
  try {
    const block = parsePem(certBytes).find((b) => b.label === 'CERTIFICATE');
    if (!block) throw new Error(`${certName} holds no CERTIFICATE block`);
    const x509 = new X509Certificate(block.der);
    const key = createPrivateKey(keyBytes);
    if (!x509.checkPrivateKey(key)) throw new Error(`${keyName} is not the key of ${certName}`);
    return { key, certificatePem: block.text, x509, info: parseCertificate(block.der) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw damaged(
      dir,
      detail.includes(certName) || detail.includes(keyName) ? detail : `${certName}: ${detail}`,
      error,
    );
  }
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readInputFile(path, { what: 'the sandbox state file' });
  } catch (error) {
    if (isApnsSetupError(error) && error.code === 'FILE_NOT_FOUND') return null;
    throw error;
  }
}

function damaged(dir: string, detail: string, cause?: unknown): InputError {
  return new InputError('CORRUPT_FILE', `${dir}: the sandbox state is damaged: ${detail}`, {
    hint: `Remove ${dir} (or pass another --state) and the sandbox makes a new CA; clients must then trust the new ca.pem.`,
    cause,
  });
}

function hasExpired(pair: LoadedPair, now: Date): boolean {
  return pair.info.notAfter.getTime() <= now.getTime();
}

function serverRenewalReason(
  server: LoadedPair,
  ca: SigningAuthority,
  now: Date,
  names: ServerNames,
): string | null {
  if (server.info.notAfter.getTime() - now.getTime() < SERVER_RENEW_MARGIN_DAYS * DAY) {
    return hasExpired(server, now) ? 'it had expired' : 'it was about to expire';
  }
  const caCert = new X509Certificate(ca.certificatePem);
  if (!server.x509.checkIssued(caCert) || !server.x509.verify(caCert.publicKey)) {
    return 'it was not issued by ca.pem';
  }
  const missing = [
    ...names.hostnames.filter((name) => server.x509.checkHost(name) === undefined),
    ...names.ips.filter((ip) => server.x509.checkIP(ip) === undefined),
  ];
  return missing.length === 0 ? null : `it did not name ${missing.join(', ')}`;
}

async function newServerCa(now: Date): Promise<SigningAuthority> {
  const key = await generateEcKey();
  const issued = createCertificateAuthority({
    commonName: SANDBOX_CA_NAME,
    organization: 'apns-setup',
    key,
    notBefore: new Date(now.getTime() - HOUR),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY),
    serialNumber: newSerial(),
  });
  return { key, certificatePem: issued.certificatePem };
}

async function newServerCertificate(
  ca: SigningAuthority,
  now: Date,
  names: ServerNames,
  existingKey: KeyObject | null,
): Promise<SigningAuthority> {
  const key = existingKey ?? (await generateEcKey());
  const issued = issueServerCertificate({
    ca,
    publicKey: key,
    hostnames: names.hostnames,
    ips: names.ips,
    // An hour back, for a client (a container, a VM) whose clock runs a little behind.
    notBefore: new Date(now.getTime() - HOUR),
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY),
    serialNumber: newSerial(),
  });
  return { key, certificatePem: issued.certificatePem };
}

async function newPortalCa(now: Date): Promise<PortalCa> {
  // RSA 2048, as Apple's WWDR G4 is: what it issues then looks like Apple's to every client.
  return createPortalCa({ key: await generateRsaKey(2048), now, serialNumber: newSerial() });
}

/** EC P-256 for the TLS side: fast to make on every in-memory start, accepted by every client. */
function generateEcKey(): Promise<KeyObject> {
  return new Promise((resolvePromise, reject) => {
    generateKeyPair('ec', { namedCurve: 'prime256v1' }, (error, _publicKey, privateKey) => {
      if (error) reject(error);
      else resolvePromise(privateKey);
    });
  });
}

/** 16 random bytes, positive (RFC 5280 4.1.2.2: at most 20 octets). */
function newSerial(): string {
  return randomBytes(16).toString('hex');
}

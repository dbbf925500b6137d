/**
 * The push journey's first half: everything the user gave (tokens, payload, headers, the
 * credential, the endpoint) is read and checked before connecting, so a typo costs no
 * connection, and the requests are built. What looks wrong but may be meant is a warning.
 */
import type { KeyObject } from 'node:crypto';
import { probeDeviceToken, normalizeDeviceToken } from '../core/apns/device-token.js';
import {
  chooseEnvironment,
  endpointFor,
  parseEndpointUrl,
  type Endpoint,
  type RequestedEnvironment,
} from '../core/apns/endpoints.js';
import {
  buildAlertPayload,
  loadTemplate,
  parsePayload,
  PAYLOAD_TEMPLATE_NAMES,
} from '../core/apns/payload.js';
import { buildPushRequest, type PushRequest } from '../core/apns/request.js';
import { daysLeft, RENEWAL_WINDOW_DAYS } from '../core/expiry.js';
import { inFile, InputError, isApnsSetupError, withFileName } from '../core/errors.js';
import { keyMatchesSpki } from '../core/pki/key-match.js';
import { encodePem } from '../core/pki/pem.js';
import { decodeText } from '../core/pki/text.js';
import type { CertificateInfo, Environment } from '../core/pki/types.js';
import type { PushPorts } from './push-ports.js';
import { openMaterial, readCertificates } from './read-file-material.js';
import { pushRefusals } from './refusals.js';

export interface PushInput {
  /** ck.pem, a .p12, or a certificate PEM (with `key`). */
  cert: string;
  key?: string | undefined;
  tokens: readonly string[];
  tokensFile?: string | undefined;
  topic?: string | undefined;
  env?: RequestedEnvironment | undefined;
  /** A JSON file, or `-` for stdin. */
  payload?: string | undefined;
  alert?: string | undefined;
  title?: string | undefined;
  subtitle?: string | undefined;
  badge?: string | undefined;
  sound?: string | undefined;
  template?: string | undefined;
  pushType?: string | undefined;
  priority?: string | undefined;
  expiration?: string | undefined;
  collapseId?: string | undefined;
  apnsId?: string | undefined;
  /** Apple's port: 443 or 2197. */
  port?: number | undefined;
  /** Another APNs-compatible server, e.g. a local sandbox. */
  endpoint?: string | undefined;
  /** A CA certificate file to trust instead of Node's roots. */
  ca?: string | undefined;
  timeoutMs: number;
}

export interface PushPlan {
  requests: PushRequest[];
  probe: boolean;
  certificate: CertificateInfo;
  key: KeyObject;
  /** PEM to trust instead of Node's roots (--ca). */
  ca: string | undefined;
  /** The environment answers are explained for. */
  environment: Environment;
  primary: Endpoint;
  /** Apple's port, for the other environment's host. */
  port: number;
  /** A universal certificate's BadDeviceToken is tried in the other environment. */
  retryOther: boolean;
  /** --endpoint names a server that is not Apple's: its environment is what it says, if anything. */
  customEndpoint: boolean;
}

/** Reads and checks every input, says what looks wrong, and builds the requests. */
export async function planPush(input: PushInput, ports: PushPorts): Promise<PushPlan> {
  const payload = await readPayload(input, ports);
  inFile(payload.label, () => parsePayload(payload.bytes));
  const tokens = await readTokens(input, ports);
  const custom = readEndpoint(input);
  const ca = input.ca === undefined ? undefined : await readTrustedCa(input.ca, ports);
  const { certificate, key } = await readCredential(input, ports);

  warnAboutCertificate(input.cert, certificate, ports);
  const choice = chooseEnvironment({
    requested: input.env,
    certificateEnvironments: certificate.environments,
  });
  if (choice.warning !== null) ports.warn({ kind: 'advice', text: choice.warning });
  else if (certificate.environments.length === 0) {
    ports.warn({ kind: 'not-apns', file: input.cert, certificate, doing: 'push' });
  }
  const requested = input.env === 'auto' ? undefined : input.env;
  if (custom?.environment && requested !== undefined && requested !== custom.environment) {
    ports.warn({
      kind: 'endpoint-environment',
      requested,
      endpointEnvironment: custom.environment,
    });
  }
  const environment = custom?.environment ?? choice.environment;
  const port = input.port ?? 443;

  const probe = tokens.length === 0;
  const sendTo = probe ? [probeDeviceToken(ports.randomBytes(32))] : tokens;
  const facts = {
    bundleId: certificate.bundleId,
    topics: certificate.topics,
    type: certificate.type,
  };
  const requests = sendTo.map((token) => buildRequest(input, token, facts, payload));
  for (const warning of new Set(requests.flatMap((r) => r.warnings))) {
    ports.warn({ kind: 'advice', text: warning });
  }
  return {
    requests,
    probe,
    certificate,
    key,
    ca,
    environment,
    primary: custom ?? endpointFor(environment, port),
    port,
    // The other environment is another Apple host; a custom endpoint is one server.
    retryOther: custom === null && choice.retryOtherOnBadDeviceToken,
    customEndpoint: custom !== null && custom.environment === null,
  };
}

interface PayloadSource {
  /** Where the payload came from, in front of its errors: a file, `stdin`, `--alert`. */
  label: string;
  bytes: Uint8Array;
}

async function readPayload(input: PushInput, ports: PushPorts): Promise<PayloadSource> {
  const given = [
    input.payload === undefined ? null : '--payload',
    input.alert === undefined ? null : '--alert',
    input.template === undefined ? null : '--template',
  ].filter((flag) => flag !== null);
  if (given.length > 1) {
    throw new InputError('USAGE', pushRefusals.severalPayloadSources(given), {
      hint: pushRefusals.severalPayloadSourcesHint,
    });
  }
  if (input.alert === undefined) {
    for (const [flag, value] of [
      ['--title', input.title],
      ['--subtitle', input.subtitle],
      ['--badge', input.badge],
      ['--sound', input.sound],
    ] as const) {
      if (value !== undefined) {
        throw new InputError('USAGE', pushRefusals.alertPartWithoutAlert(flag), {
          hint: pushRefusals.alertPartWithoutAlertHint(flag),
        });
      }
    }
  }
  if (input.payload === '-') return { label: 'stdin', bytes: await ports.readStdin() };
  if (input.payload !== undefined) {
    return { label: input.payload, bytes: await ports.readFile(input.payload) };
  }
  if (input.alert !== undefined) {
    const { alert, title, subtitle, badge, sound } = input;
    return { label: '--alert', bytes: buildAlertPayload({ alert, title, subtitle, badge, sound }) };
  }
  const name = input.template ?? 'alert';
  const templates: Record<string, string> = {};
  for (const template of PAYLOAD_TEMPLATE_NAMES) {
    templates[template] = await ports.readTemplate(`payloads/${template}.json`);
  }
  return { label: `the ${name} template`, bytes: loadTemplate(name, templates) };
}

/** `--token` values and `--tokens-file` lines, normalised; duplicates are sent once. */
async function readTokens(input: PushInput, ports: PushPorts): Promise<string[]> {
  const tokens: string[] = [];
  input.tokens.forEach((value, i) => {
    const label = input.tokens.length === 1 ? '--token' : `--token #${i + 1}`;
    tokens.push(inFile(label, () => normalizeDeviceToken(value)));
  });
  if (input.tokensFile !== undefined) {
    const file = input.tokensFile;
    const lines = decodeText(await ports.readFile(file)).split('\n');
    let found = 0;
    lines.forEach((line, i) => {
      const text = line.replace(/#.*$/, '').trim();
      if (text === '') return;
      found += 1;
      tokens.push(inFile(`${file} line ${i + 1}`, () => normalizeDeviceToken(text)));
    });
    if (found === 0) {
      throw new InputError('USAGE', pushRefusals.noTokensInFile(file), {
        hint: pushRefusals.noTokensInFileHint,
      });
    }
  }
  // A tokens file may hold thousands: count once instead of searching the list per token.
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  for (const [token, count] of counts) {
    if (count > 1) ports.warn({ kind: 'duplicate-token', token });
  }
  return [...counts.keys()];
}

function readEndpoint(input: PushInput): Endpoint | null {
  if (input.endpoint === undefined) {
    // Checks --port now, before any file is read.
    endpointFor('sandbox', input.port ?? 443);
    return null;
  }
  if (input.port !== undefined) {
    throw new InputError('USAGE', pushRefusals.portWithEndpoint, {
      hint: pushRefusals.portWithEndpointHint,
    });
  }
  return parseEndpointUrl(input.endpoint);
}

/** `--ca FILE`: PEM or DER certificates, handed to TLS as PEM. */
async function readTrustedCa(file: string, ports: PushPorts): Promise<string> {
  const certificates = await readCertificates(ports, file, {
    message: pushRefusals.noCaCertificate(file),
    hint: pushRefusals.noCaCertificateHint,
  });
  return certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

async function readCredential(
  input: PushInput,
  ports: PushPorts,
): Promise<{ certificate: CertificateInfo; key: KeyObject }> {
  const { material } = await openMaterial(ports, input.cert, {
    needKey: input.key === undefined,
  });
  const certificate = material.certificates[0];
  if (certificate === undefined) {
    throw new InputError('NO_CERTIFICATE', pushRefusals.noCertificate(input.cert), {
      hint: pushRefusals.noCertificateHint,
    });
  }
  if (input.key !== undefined) {
    const { material: keyMaterial } = await openMaterial(ports, input.key, { needKey: true });
    const keys = keyMaterial.keys.flatMap((entry) => (entry.key === null ? [] : [entry.key]));
    if (keys.length === 0) {
      throw new InputError('NO_PRIVATE_KEY', pushRefusals.keyFileWithoutKey(input.key), {
        hint: pushRefusals.keyFileWithoutKeyHint,
      });
    }
    const key = keys.find((k) => keyMatchesSpki(k, certificate.publicKeySpki));
    if (key === undefined) {
      throw new InputError('KEY_MISMATCH', pushRefusals.keyMismatch(input.key, input.cert), {
        hint: pushRefusals.keyMismatchHint,
      });
    }
    return { certificate, key };
  }
  if (material.keys.length === 0) {
    throw new InputError('NO_PRIVATE_KEY', pushRefusals.noKey(input.cert), {
      hint: pushRefusals.noKeyHint,
    });
  }
  if (material.leafKey === null) {
    throw new InputError('KEY_MISMATCH', pushRefusals.ownKeyMismatch(input.cert), {
      hint: pushRefusals.keyMismatchHint,
    });
  }
  return { certificate, key: material.leafKey };
}

function warnAboutCertificate(file: string, certificate: CertificateInfo, ports: PushPorts) {
  const now = ports.now();
  const left = daysLeft(certificate.notAfter, now);
  if (certificate.notAfter.getTime() <= now.getTime()) {
    ports.warn({ kind: 'expired', file, certificate });
  } else if (certificate.notBefore.getTime() > now.getTime()) {
    ports.warn({ kind: 'not-yet-valid', file, certificate });
  } else if (certificate.isApns && left <= RENEWAL_WINDOW_DAYS) {
    ports.warn({ kind: 'expiring', file, certificate, daysLeft: left });
  }
}

function buildRequest(
  input: PushInput,
  token: string,
  certificate: Parameters<typeof buildPushRequest>[0]['certificate'],
  payload: PayloadSource,
): PushRequest {
  try {
    return buildPushRequest({
      token,
      topic: input.topic,
      certificate,
      pushType: input.pushType,
      priority: input.priority,
      expiration: input.expiration,
      collapseId: input.collapseId,
      apnsId: input.apnsId,
      payload: payload.bytes,
    });
  } catch (error) {
    // The size limit depends on the push type, so it is checked here, not when reading.
    if (isApnsSetupError(error) && error.code === 'PAYLOAD_TOO_LARGE') {
      throw withFileName(payload.label, error);
    }
    throw error;
  }
}

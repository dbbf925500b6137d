/**
 * A local stand-in for Apple's portal: a certificate authority that issues push certificates
 * laid out as Apple lays them out (subject UID, CN, OU, O, C; Apple's extensions in Apple's
 * order and criticality, taken from real WWDR G4 certificates), plus TLS server certificates
 * for the local APNs sandbox. Used by tests, the offline demo and the sandbox.
 *
 * The DER is written here directly and signed with node:crypto rather than assembled with
 * node-forge: forge encodes names as PrintableString by default, writes a serial with the top
 * bit set as a negative INTEGER, computes an AuthorityKeyIdentifier from the wrong key, and
 * signs RSA only (in JavaScript). Writing the bytes keeps the layout exact and lets an RSA or
 * EC key sign. AIA and CRL distribution points are left out: nothing would serve them.
 */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { APPLE_OID, CN_PREFIX, OID_USER_ID } from '../apns/oids.js';
import type { TopicEntry } from '../apns/classify.js';
import { InputError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { childrenOf, contentOf, encodingOf, readTlv } from './der.js';
import {
  bitString,
  bool,
  explicit,
  implicit,
  integer,
  nullValue,
  octetString,
  oid,
  printableString,
  seq,
  set,
  time,
  utf8String as utf8,
} from './der-encode.js';
import { encodePem, parsePem } from './pem.js';
import type { CertificateInfo } from './types.js';

export type ApnsCertificateKind =
  'development' | 'production' | 'universal' | 'voip' | 'website' | 'pass';

export interface IssuedCertificate {
  certificatePem: string;
  der: Buffer;
  certificate: CertificateInfo;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** Hex, at most 20 bytes; a leading 00 is added when the top bit is set (RFC 5280 4.1.2.2). */
  serialNumber: string;
}

export interface CertificateAuthorityOptions extends Validity {
  commonName: string;
  organizationalUnit?: string;
  organization?: string;
  country?: string;
  /** The CA's private key (RSA or EC); the certificate is self-signed with it. */
  key: KeyObject;
}

export interface SigningAuthority {
  key: KeyObject;
  certificatePem: string;
}

export interface ApnsCertificateOptions extends Validity {
  ca: SigningAuthority;
  /** The public key from the CSR (a KeyObject, or SPKI DER). A private key is accepted too. */
  publicKey: KeyObject | Uint8Array;
  /** The bundle id; for `website` the Website Push ID, for `pass` the Pass Type ID. */
  bundleId: string;
  teamId: string;
  teamName: string;
  type: ApnsCertificateKind;
  /**
   * Entries of the topics extension (…6.3.6). Default: none, except `universal`, which gets
   * what Apple's WWDR G4 issues (bundle id `topic`, `.voip`, `.complication`, `.voip-ptt`).
   */
  topics?: TopicEntry[];
  /** Apple writes C=US whatever the team's country. */
  country?: string;
}

export interface ServerCertificateOptions extends Validity {
  ca: SigningAuthority;
  publicKey: KeyObject | Uint8Array;
  hostnames: string[];
  ips: string[];
}

const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  certificatePolicies: '2.5.29.32',
  userNotice: '1.3.6.1.5.5.7.2.2',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

const POLICY_NOTICE =
  "Issued by apns-setup's local stand-in for Apple's portal, for offline tests. Apple does not trust it.";

export function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): IssuedCertificate {
  const spki = spkiOf(options.key);
  const subject = name([
    [OID.commonName, utf8(required(options.commonName, 'commonName'))],
    ...optionalAttribute(OID.organizationalUnit, options.organizationalUnit),
    ...optionalAttribute(OID.organization, options.organization),
    ...(options.country ? [[OID.country, printable(options.country)] as Attribute] : []),
  ]);
  const extensions = [
    extension(OID.basicConstraints, true, seq(bool(true))),
    extension(OID.keyUsage, true, keyUsage({ keyCertSign: true, cRLSign: true })),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
  ];
  return issue({ ...options, issuer: subject, subject, spki, extensions, signer: options.key });
}

export function issueApnsCertificate(options: ApnsCertificateOptions): IssuedCertificate {
  const ca = readAuthority(options.ca);
  const spki = spkiOf(options.publicKey);
  const bundleId = required(options.bundleId, 'bundleId');
  const subject = name([
    [OID_USER_ID, utf8(bundleId)],
    [OID.commonName, utf8(`${CN_PREFIX[options.type]}${bundleId}`)],
    [OID.organizationalUnit, utf8(required(options.teamId, 'teamId'))],
    [OID.organization, utf8(required(options.teamName, 'teamName'))],
    [OID.country, printable(options.country ?? 'US')],
  ]);
  // Order and criticality as in Apple's WWDR G4 push certificates (STOmaha/Time-to-Burn
  // aps.cer, 2025): basicConstraints (critical), AKI, policies, EKU, SKI, keyUsage (critical),
  // then the topics and the environment extensions, non-critical, with NULL values.
  const extensions = [
    extension(OID.basicConstraints, true, seq()),
    extension(OID.authorityKeyIdentifier, false, seq(implicit(0, ca.keyIdentifier))),
    extension(OID.certificatePolicies, false, applePolicy()),
    extension(OID.extKeyUsage, false, seq(oid(OID.clientAuth))),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    extension(OID.keyUsage, true, keyUsage({ digitalSignature: true })),
    ...appleExtensions(options.type, bundleId, options.topics),
  ];
  return issue({ ...options, issuer: ca.subject, subject, spki, extensions, signer: ca.key });
}

export function issueServerCertificate(options: ServerCertificateOptions): IssuedCertificate {
  const ca = readAuthority(options.ca);
  const spki = spkiOf(options.publicKey);
  const commonName = options.hostnames[0] ?? options.ips[0];
  if (!commonName) {
    throw new InputError('USAGE', 'a server certificate needs at least one host name or IP', {
      hint: 'Pass the host name or address clients will connect to, e.g. 127.0.0.1.',
    });
  }
  const names = [
    ...options.hostnames.map((host) => implicit(2, Buffer.from(host, 'ascii'))),
    ...options.ips.map((ip) => implicit(7, ipBytes(ip))),
  ];
  const isRsa = keyTypeOf(options.publicKey) === 'rsa';
  const extensions = [
    extension(OID.basicConstraints, true, seq()),
    extension(OID.keyUsage, true, keyUsage({ digitalSignature: true, keyEncipherment: isRsa })),
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, false, seq(implicit(0, ca.keyIdentifier))),
    extension(OID.subjectAltName, false, seq(...names)),
  ];
  const subject = name([[OID.commonName, utf8(commonName)]]);
  return issue({ ...options, issuer: ca.subject, subject, spki, extensions, signer: ca.key });
}

// ---- the Apple-specific part --------------------------------------------------------------

function appleExtensions(
  type: ApnsCertificateKind,
  bundleId: string,
  topics: TopicEntry[] | undefined,
): Buffer[] {
  const NULL = nullValue();
  const sandbox = extension(APPLE_OID.apnsSandbox, false, NULL);
  const production = extension(APPLE_OID.apnsProduction, false, NULL);
  const universalTopics: TopicEntry[] = [
    { topic: bundleId, kind: 'topic' },
    { topic: `${bundleId}.voip`, kind: 'voip' },
    { topic: `${bundleId}.complication`, kind: 'complication' },
    { topic: `${bundleId}.voip-ptt`, kind: '.voip-ptt' },
  ];
  const entries = topics ?? (type === 'universal' ? universalTopics : []);
  const topicsExtension =
    entries.length > 0 ? [extension(APPLE_OID.apnsTopics, false, topicsValue(entries))] : [];
  switch (type) {
    case 'development':
      return [...topicsExtension, sandbox];
    case 'production':
      return [...topicsExtension, production];
    case 'universal':
      return [...topicsExtension, sandbox, production];
    case 'voip':
      // Layout unconfirmed (no real VoIP Services certificate was available): the topic goes
      // in …6.3.4 as Apple's documentation says, as one UTF8String.
      return [
        ...topicsExtension,
        sandbox,
        production,
        extension(APPLE_OID.voipTopics, false, utf8(`${bundleId}.voip`)),
      ];
    case 'website':
      return [extension(APPLE_OID.websitePushId, false, NULL), ...topicsExtension, production];
    case 'pass':
      return [extension(APPLE_OID.passTypeId, false, NULL), ...topicsExtension, production];
  }
}

/** `SEQUENCE { UTF8 topic, SEQUENCE { UTF8 kind }, … }`, the nesting Apple uses. */
function topicsValue(entries: TopicEntry[]): Buffer {
  return seq(
    ...entries.flatMap((entry) =>
      entry.kind === null ? [utf8(entry.topic)] : [utf8(entry.topic), seq(utf8(entry.kind))],
    ),
  );
}

function applePolicy(): Buffer {
  return seq(
    seq(
      oid(APPLE_OID.appleCertificatePolicy),
      seq(seq(oid(OID.userNotice), seq(utf8(POLICY_NOTICE)))),
    ),
  );
}

// ---- building and signing -------------------------------------------------------------------

interface IssueInput extends Validity {
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: Buffer[];
  signer: KeyObject;
}

function issue(input: IssueInput): IssuedCertificate {
  if (!(input.notBefore.getTime() < input.notAfter.getTime())) {
    throw new InputError('USAGE', 'notBefore must be earlier than notAfter', {
      hint: 'Check the validity dates passed to the local CA.',
    });
  }
  const algorithm = signatureAlgorithm(input.signer);
  const tbs = seq(
    explicit(0, integer(2)), // v3
    integer(serialBytes(input.serialNumber)),
    algorithm.identifier,
    input.issuer,
    seq(time(input.notBefore), time(input.notAfter)),
    input.subject,
    input.spki,
    explicit(3, seq(...input.extensions)),
  );
  const signature = sign('sha256', tbs, algorithm.signOptions);
  const der = seq(tbs, algorithm.identifier, bitString(signature));
  return { der, certificatePem: encodePem('CERTIFICATE', der), certificate: parseCertificate(der) };
}

function signatureAlgorithm(key: KeyObject): {
  identifier: Buffer;
  signOptions: KeyObject | { key: KeyObject; dsaEncoding: 'der' };
} {
  if (key.type !== 'private') {
    throw new InputError('USAGE', 'the CA needs its private key to sign', {
      hint: 'Pass the CA private key, not its public key.',
    });
  }
  if (key.asymmetricKeyType === 'rsa') {
    return {
      identifier: seq(oid(OID.sha256WithRSA), nullValue()),
      signOptions: key,
    };
  }
  if (key.asymmetricKeyType === 'ec') {
    // RFC 5758 3.2: ECDSA AlgorithmIdentifiers carry no parameters.
    return { identifier: seq(oid(OID.ecdsaWithSha256)), signOptions: { key, dsaEncoding: 'der' } };
  }
  throw new InputError(
    'UNSUPPORTED_FORMAT',
    `a ${String(key.asymmetricKeyType)} CA key cannot sign here`,
    {
      hint: 'Use an RSA or EC key for the local CA.',
    },
  );
}

interface Authority {
  key: KeyObject;
  subject: Buffer;
  keyIdentifier: Buffer;
}

function readAuthority(ca: SigningAuthority): Authority {
  const block = parsePem(ca.certificatePem).find((b) => b.label === 'CERTIFICATE');
  if (!block) {
    throw new InputError('NO_CERTIFICATE', 'the CA PEM holds no CERTIFICATE block', {
      hint: 'Pass the PEM of the local CA certificate.',
    });
  }
  const info = parseCertificate(block.der);
  if (!spkiOf(ca.key).equals(info.publicKeySpki)) {
    throw new InputError('KEY_MISMATCH', "the CA key is not the CA certificate's key", {
      hint: 'Pass the key the local CA certificate was made with.',
    });
  }
  const der = info.der;
  const tbs = childrenOf(der, readTlv(der, 0))[0]!;
  const fields = childrenOf(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  // RFC 5280 4.1.2.4: the issuer must be the CA's subject, byte for byte for simple matchers.
  const subject = encodingOf(der, fields[offset + 4]!);
  return { key: ca.key, subject, keyIdentifier: keyIdentifier(info.publicKeySpki) };
}

// ---- keys -----------------------------------------------------------------------------------

function spkiOf(key: KeyObject | Uint8Array): Buffer {
  if (!(key instanceof Uint8Array)) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    return publicKey.export({ type: 'spki', format: 'der' });
  }
  return createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'der',
  });
}

function keyTypeOf(key: KeyObject | Uint8Array): string | undefined {
  if (!(key instanceof Uint8Array)) return key.asymmetricKeyType;
  return createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' }).asymmetricKeyType;
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const bits = childrenOf(spki, readTlv(spki, 0))[1]!;
  return createHash('sha1').update(contentOf(spki, bits).subarray(1)).digest();
}

// ---- names and extensions -------------------------------------------------------------------

type Attribute = [string, Buffer];

function name(attributes: Attribute[]): Buffer {
  return seq(...attributes.map(([type, value]) => set(seq(oid(type), value))));
}

function optionalAttribute(type: string, value: string | undefined): Attribute[] {
  return value ? [[type, utf8(value)]] : [];
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octetString(value));
}

function keyUsage(bits: {
  digitalSignature?: boolean;
  keyEncipherment?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}): Buffer {
  let byte = 0;
  if (bits.digitalSignature) byte |= 0x80;
  if (bits.keyEncipherment) byte |= 0x20;
  if (bits.keyCertSign) byte |= 0x04;
  if (bits.cRLSign) byte |= 0x02;
  // DER (X.690 11.2.2): trailing zero bits are dropped and counted as unused.
  let unused = 0;
  while (unused < 7 && (byte & (1 << unused)) === 0) unused++;
  return bitString(Buffer.from([byte]), unused);
}

function printable(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) {
    throw new InputError('USAGE', `"${text}" is not a PrintableString`, {
      hint: 'Use a two-letter country code such as US.',
    });
  }
  return printableString(text);
}

function serialBytes(hex: string): Buffer {
  const clean = hex.replace(/[:\s]/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(clean)) {
    throw new InputError('USAGE', `the serial number "${hex}" is not hexadecimal`, {
      hint: 'Pass the serial as hex digits, e.g. 0A1B2C.',
    });
  }
  let bytes = Buffer.from(clean.length % 2 ? `0${clean}` : clean, 'hex');
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length > 20 || (bytes.length === 1 && bytes[0] === 0)) {
    throw new InputError('USAGE', 'the serial number must be positive and at most 20 bytes', {
      hint: 'RFC 5280 4.1.2.2: use up to 40 hex digits, not all zero.',
    });
  }
  // integer() adds the leading 00 a serial with its top bit set needs (RFC 5280 4.1.2.2).
  return bytes;
}

function ipBytes(ip: string): Buffer {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.every((n) => n <= 255)) return Buffer.from(octets);
  } else if (ip.includes(':')) {
    const bytes = ipv6Bytes(ip);
    if (bytes) return bytes;
  }
  throw new InputError('USAGE', `"${ip}" is not an IP address`, {
    hint: 'Pass an IPv4 address such as 127.0.0.1 or an IPv6 address such as ::1.',
  });
}

function ipv6Bytes(ip: string): Buffer | null {
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined): string[] => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const words = (list: string[]): number[] | null => {
    const out: number[] = [];
    for (const group of list) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const h = words(head);
  const t = words(tail);
  if (!h || !t) return null;
  const missing = 8 - h.length - t.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...h, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((word, i) => out.writeUInt16BE(word, i * 2));
  return out;
}

function required(value: string, what: string): string {
  if (value.trim() === '') {
    throw new InputError('USAGE', `${what} must not be empty`, {
      hint: `Pass a ${what} for the certificate subject.`,
    });
  }
  return value;
}

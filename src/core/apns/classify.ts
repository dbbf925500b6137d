/**
 * What a push certificate is for, read from Apple's extension OIDs (see oids.ts). The CN is
 * never consulted: Apple's CN prefixes are display text, and look-alike test certificates copy
 * them without the extensions APNs actually checks.
 */
import { TAG, childrenOf, decodeString, readTlv, type Tlv } from '../pki/der.js';
import type { CertificateType, Environment } from '../pki/types.js';
import { APPLE_OID } from './oids.js';

/** One X.509 extension: its OID and the content of its extnValue OCTET STRING. */
export interface ExtensionValue {
  oid: string;
  value: Uint8Array;
}

export interface TopicEntry {
  topic: string;
  /**
   * The type string Apple puts beside the topic, verbatim: `app` (older certificates),
   * `topic`, `voip`, `complication`, and `.voip-ptt` (with the dot, in WWDR G4 certificates);
   * null when the entry has none.
   */
  kind: string | null;
}

export interface Classification {
  type: CertificateType;
  /** Sandbox first, then production. */
  environments: Environment[];
  /** The topic strings, in certificate order (the topics extension first, then VoIP topics). */
  topics: string[];
  topicEntries: TopicEntry[];
  /** Carries Apple's sandbox or production push extension. */
  isApns: boolean;
}

const STRING_TAGS = new Set<number>([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.IA5_STRING,
  TAG.T61_STRING,
  TAG.BMP_STRING,
  TAG.UNIVERSAL_STRING,
]);

export function classifyCertificate(extensions: readonly ExtensionValue[]): Classification {
  const has = (oid: string): boolean => extensions.some((e) => e.oid === oid);
  const sandbox = has(APPLE_OID.apnsSandbox);
  const production = has(APPLE_OID.apnsProduction);
  const isApns = sandbox || production;

  const topicEntries: TopicEntry[] = [];
  for (const extension of extensions) {
    if (extension.oid === APPLE_OID.apnsTopics) {
      topicEntries.push(...readTopicsExtension(extension.value));
    }
  }
  for (const extension of extensions) {
    if (extension.oid !== APPLE_OID.voipTopics) continue;
    for (const topic of readVoipTopics(extension.value)) {
      if (!topicEntries.some((entry) => entry.topic === topic)) {
        topicEntries.push({ topic, kind: 'voip' });
      }
    }
  }

  let type: CertificateType;
  if (has(APPLE_OID.websitePushId)) type = 'website';
  else if (has(APPLE_OID.passTypeId)) type = 'pass';
  else if (has(APPLE_OID.voipTopics)) type = 'voip';
  else if (sandbox && production) type = 'universal';
  else if (sandbox) type = 'development';
  else if (production) type = 'production';
  else type = 'other';

  const environments: Environment[] = [];
  if (sandbox) environments.push('sandbox');
  if (production) environments.push('production');
  if (environments.length === 0) {
    // Safari website push and Wallet pass updates only exist in production. A VoIP Services
    // certificate is commonly reported to work with both gateways (not confirmed by Apple's
    // text); used only when the certificate carries no environment extension itself.
    if (type === 'website' || type === 'pass') environments.push('production');
    if (type === 'voip') environments.push('sandbox', 'production');
  }

  return {
    type,
    environments,
    topics: topicEntries.map((entry) => entry.topic),
    topicEntries,
    isApns,
  };
}

/**
 * The topics extension (…6.3.6). Real certificates nest each type in its own SEQUENCE:
 * `SEQUENCE { UTF8 topic, SEQUENCE { UTF8 kind }, UTF8 topic, SEQUENCE { UTF8 kind }, … }`.
 * A flat list of (topic, kind) string pairs and a list of SEQUENCE { topic, kind } are read
 * too. A damaged extension yields no topics rather than making the certificate unreadable:
 * the push then falls back to the bundle id.
 */
export function readTopicsExtension(value: Uint8Array): TopicEntry[] {
  try {
    const outer = readTlv(value, 0);
    if (outer.tag !== TAG.SEQUENCE) return [];
    const children = childrenOf(value, outer);
    const nested = children.some((child) => child.tag === TAG.SEQUENCE);
    if (!nested) return pairsOf(children.filter(isString).map((s) => decodeString(value, s)));

    const entries: TopicEntry[] = [];
    let pending: TopicEntry | null = null;
    for (const child of children) {
      if (isString(child)) {
        if (pending) entries.push(pending);
        pending = { topic: decodeString(value, child), kind: null };
        continue;
      }
      if (child.tag !== TAG.SEQUENCE) continue;
      const strings = childrenOf(value, child)
        .filter(isString)
        .map((s) => decodeString(value, s));
      if (pending) {
        pending.kind = strings[0] ?? null;
        entries.push(pending);
        pending = null;
      } else if (strings[0] !== undefined) {
        entries.push({ topic: strings[0], kind: strings[1] ?? null });
      }
    }
    if (pending) entries.push(pending);
    return entries;
  } catch {
    return [];
  }
}

/**
 * The VoIP topics extension (…6.3.4). Its encoding is not documented and no sample was
 * available: accept one string (possibly comma-separated) or a SEQUENCE of strings.
 */
function readVoipTopics(value: Uint8Array): string[] {
  try {
    const outer = readTlv(value, 0);
    const strings = isString(outer)
      ? [decodeString(value, outer)]
      : outer.tag === TAG.SEQUENCE
        ? childrenOf(value, outer)
            .filter(isString)
            .map((s) => decodeString(value, s))
        : [];
    return strings
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

function pairsOf(strings: string[]): TopicEntry[] {
  const entries: TopicEntry[] = [];
  for (let i = 0; i < strings.length; i += 2) {
    entries.push({ topic: strings[i]!, kind: strings[i + 1] ?? null });
  }
  return entries;
}

function isString(tlv: Tlv): boolean {
  return STRING_TAGS.has(tlv.tag);
}

/**
 * The PFX walk (RFC 7292): a PKCS#12 file split into its MAC and its safes, each safe into its
 * bags, each bag into its value and attributes, without a passphrase. Encrypted safes stay
 * encrypted here; pkcs12-read.ts opens them.
 */
import { InputError } from '../errors.js';
import {
  TAG,
  childAt,
  childrenOf,
  contentOf,
  decodeString,
  encodingOf,
  fieldReader,
  octetStringOf,
  readTlv,
  type Tlv,
} from './der.js';
import { type PbeAlgorithm, parsePbeAlgorithm, readIterationCount } from './pbe-algorithm.js';

/** One SafeBag's content, as read from the (decrypted) SafeContents. */
export interface RawBag {
  kind: 'key' | 'shrouded-key' | 'certificate' | 'other';
  /** PrivateKeyInfo, EncryptedPrivateKeyInfo or certificate DER; empty for 'other'. */
  value: Buffer;
  /** For a shrouded key: how it is encrypted. */
  algorithm: PbeAlgorithm | null;
  friendlyName: string | null;
  localKeyId: Buffer | null;
}

export type RawSafe =
  | { kind: 'data'; bags: RawBag[] }
  | { kind: 'encrypted'; algorithm: PbeAlgorithm; ciphertext: Buffer }
  | { kind: 'other' };

export interface RawMac {
  algorithm: string;
  /** Node's hash name, when it is one we can compute. */
  hash: string | null;
  digest: Buffer;
  salt: Buffer;
  iterations: number;
}

export interface RawPfx {
  /** The AuthenticatedSafe's bytes: what the MAC covers. */
  authSafe: Buffer;
  mac: RawMac | null;
  safes: RawSafe[];
}

/** The OIDs of the PFX structure: content types, bag types, attributes, the MAC digest. */
export const PKCS12_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha1: '1.3.14.3.2.26',
} as const;

/**
 * safeContentsBags inside safeContentsBags: no producer nests at all, and each level is a
 * recursion, so a crafted file of thousands of levels would exhaust the stack.
 */
const MAX_BAG_NESTING = 8;

const DIGEST: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.113549.2.5': 'md5',
  '1.2.840.113549.1.5.14': 'pbmac1',
};

function notPkcs12(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not a readable PKCS#12 file: ${detail}`, {
    hint: 'Export the .p12 again (Keychain Access: File > Export Items, format Personal Information Exchange).',
  });
}

const field = fieldReader(notPkcs12);

/**
 * Refuses a file shorter than its own outer length field before anything else looks at it:
 * forge (and OpenSSL) report a truncated .p12 as a MAC failure, which blames the passphrase
 * for a damaged download.
 */
function requireComplete(der: Uint8Array): void {
  if (der.length === 0) throw notPkcs12('it is empty');
  if (der[0] !== TAG.SEQUENCE) throw notPkcs12('it does not start with a DER SEQUENCE');
  if (der.length < 2) throw cutShort(2, der.length);
  const first = der[1]!;
  if (first === 0x80) return; // BER indefinite length: readTlv checks the end-of-contents.
  let length = first;
  let header = 2;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw notPkcs12('its length field is impossible');
    if (der.length < 2 + count) throw cutShort(2 + count, der.length);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[2 + i]!;
    header += count;
  }
  if (header + length > der.length) throw cutShort(header + length, der.length);
}

function cutShort(declared: number, actual: number): InputError {
  return new InputError(
    'CORRUPT_FILE',
    `it is cut short: ${declared - actual} of its ${declared} bytes are missing`,
    {
      hint: 'The file was truncated (an interrupted download or copy): get or export it again. The passphrase is not the problem.',
    },
  );
}

/** Splits a PKCS#12 file into its MAC and safes; encrypted safes stay encrypted. */
export function parsePfx(der: Uint8Array): RawPfx {
  requireComplete(der);
  const root = readTlv(der, 0, { ber: true });
  const [versionTlv, authSafeTlv, macTlv] = childrenOf(der, root);
  const version = field.smallInteger(der, versionTlv, 'the version');
  if (version !== 3) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      `it is a PKCS#12 version ${version} file; only version 3 exists in practice`,
      {
        hint: 'Export it again with Keychain Access or `openssl pkcs12 -export`.',
      },
    );
  }
  const authSafe = contentInfo(der, field.tag(authSafeTlv, TAG.SEQUENCE, 'the content'));
  if (authSafe.oid === PKCS12_OID.signedData) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      'it uses public-key integrity mode (a signature instead of a passphrase MAC)',
      {
        hint: 'Export it again with a passphrase (Keychain Access and `openssl pkcs12 -export` do).',
      },
    );
  }
  if (authSafe.oid !== PKCS12_OID.data || !authSafe.content)
    throw notPkcs12('its content is not PKCS#7 data');
  const authSafeBytes = octetStringOf(der, authSafe.content);
  return {
    authSafe: authSafeBytes,
    mac: macTlv ? parseMac(der, macTlv) : null,
    safes: parseAuthenticatedSafe(authSafeBytes),
  };
}

function contentInfo(bytes: Uint8Array, tlv: Tlv): { oid: string; content: Tlv | undefined } {
  const [oidTlv, explicit] = childrenOf(bytes, tlv);
  const oid = field.oid(bytes, oidTlv, 'a content type');
  const content = explicit && explicit.tag === 0xa0 ? childrenOf(bytes, explicit)[0] : undefined;
  return { oid, content };
}

function parseMac(der: Uint8Array, tlv: Tlv): RawMac {
  const [digestInfo, saltTlv, iterTlv] = childrenOf(der, field.tag(tlv, TAG.SEQUENCE, 'the MAC'));
  const [algId, digestTlv] = childrenOf(der, field.tag(digestInfo, TAG.SEQUENCE, 'the MAC digest'));
  const oid = field.oid(
    der,
    childrenOf(der, field.tag(algId, TAG.SEQUENCE, 'the MAC algorithm'))[0],
    'the MAC algorithm',
  );
  const algorithm = DIGEST[oid] ?? oid;
  return {
    algorithm,
    hash: DIGEST[oid] && algorithm !== 'pbmac1' ? algorithm : null,
    digest: contentOf(der, field.tag(digestTlv, TAG.OCTET_STRING, 'the MAC value')),
    salt: contentOf(der, field.tag(saltTlv, TAG.OCTET_STRING, 'the MAC salt')),
    // RFC 7292: iterations INTEGER DEFAULT 1
    iterations: iterTlv ? readIterationCount(der, iterTlv, 'MAC iteration') : 1,
  };
}

function parseAuthenticatedSafe(bytes: Buffer): RawSafe[] {
  const root = field.tag(readTlv(bytes, 0, { ber: true }), TAG.SEQUENCE, 'the list of safes');
  return childrenOf(bytes, root).map((tlv): RawSafe => {
    const { oid, content } = contentInfo(bytes, field.tag(tlv, TAG.SEQUENCE, 'a safe'));
    if (oid === PKCS12_OID.data && content)
      return { kind: 'data', bags: parseSafeContents(octetStringOf(bytes, content)) };
    if (oid === PKCS12_OID.encryptedData && content) {
      const eci = childAt(
        bytes,
        field.tag(content, TAG.SEQUENCE, 'an encrypted safe'),
        1,
        'the encrypted content',
      );
      const [, algTlv, dataTlv] = childrenOf(
        bytes,
        field.tag(eci, TAG.SEQUENCE, 'the encrypted content'),
      );
      const algorithm = parsePbeAlgorithm(
        encodingOf(bytes, field.tag(algTlv, TAG.SEQUENCE, 'the safe encryption')),
      );
      // encryptedContent is [0] IMPLICIT OCTET STRING: primitive 0x80 or BER-chunked 0xa0.
      // CMS lets it be absent (content supplied elsewhere); a .p12 has nowhere else: without it
      // the safe is damaged, whatever the passphrase.
      if (!dataTlv || (dataTlv.tag & 0x1f) !== 0 || (dataTlv.tag & 0xc0) !== 0x80) {
        throw notPkcs12('an encrypted safe has no encrypted content');
      }
      return { kind: 'encrypted', algorithm, ciphertext: octetStringOf(bytes, dataTlv) };
    }
    return { kind: 'other' };
  });
}

/** The bags of a (decrypted) SafeContents; nested safeContentsBags are flattened in order. */
export function parseSafeContents(bytes: Uint8Array, depth = 0): RawBag[] {
  if (depth > MAX_BAG_NESTING) throw notPkcs12('its bags are nested too deeply');
  const root = field.tag(readTlv(bytes, 0, { ber: true }), TAG.SEQUENCE, 'the bag list');
  return childrenOf(bytes, root).flatMap((bagTlv) => {
    const [oidTlv, valueTlv, attrsTlv] = childrenOf(
      bytes,
      field.tag(bagTlv, TAG.SEQUENCE, 'a bag'),
    );
    const oid = field.oid(bytes, oidTlv, 'a bag type');
    const value = childAt(bytes, field.tag(valueTlv, 0xa0, 'a bag value'), 0, 'a bag value');
    const attributes = attrsTlv
      ? parseAttributes(bytes, attrsTlv)
      : { friendlyName: null, localKeyId: null };
    const bag = (
      kind: RawBag['kind'],
      content: Buffer,
      algorithm: PbeAlgorithm | null = null,
    ): RawBag[] => [{ kind, value: content, algorithm, ...attributes }];
    switch (oid) {
      case PKCS12_OID.keyBag:
        return bag('key', encodingOf(bytes, value));
      case PKCS12_OID.shroudedKeyBag: {
        const algTlv = childAt(
          bytes,
          field.tag(value, TAG.SEQUENCE, 'a shrouded key'),
          0,
          'the key encryption',
        );
        return bag(
          'shrouded-key',
          encodingOf(bytes, value),
          parsePbeAlgorithm(encodingOf(bytes, algTlv)),
        );
      }
      case PKCS12_OID.certBag: {
        const [certId, certValue] = childrenOf(
          bytes,
          field.tag(value, TAG.SEQUENCE, 'a certificate bag'),
        );
        if (
          field.oid(bytes, certId, 'a certificate type') !== PKCS12_OID.x509Certificate ||
          !certValue
        )
          return bag('other', Buffer.alloc(0));
        const octetString = childAt(
          bytes,
          field.tag(certValue, 0xa0, 'a certificate'),
          0,
          'a certificate',
        );
        return bag(
          'certificate',
          octetStringOf(
            bytes,
            field.tag(
              octetString,
              octetString.constructed ? 0x24 : TAG.OCTET_STRING,
              'a certificate',
            ),
          ),
        );
      }
      case PKCS12_OID.safeContentsBag:
        return parseSafeContents(encodingOf(bytes, value), depth + 1);
      default:
        return bag('other', Buffer.alloc(0));
    }
  });
}

function parseAttributes(bytes: Uint8Array, tlv: Tlv): Pick<RawBag, 'friendlyName' | 'localKeyId'> {
  let friendlyName: string | null = null;
  let localKeyId: Buffer | null = null;
  for (const attribute of childrenOf(bytes, field.tag(tlv, TAG.SET, 'the bag attributes'))) {
    const [oidTlv, values] = childrenOf(bytes, attribute);
    const oid = field.oid(bytes, oidTlv, 'a bag attribute');
    const first = values ? childrenOf(bytes, values)[0] : undefined;
    if (!first) continue;
    // Keychain Access writes the BMPString with a NUL terminator ("BB5727DA\0"); OpenSSL drops it.
    if (oid === PKCS12_OID.friendlyName)
      friendlyName = decodeString(bytes, first).replace(/\0+$/, '');
    if (oid === PKCS12_OID.localKeyId) localKeyId = octetStringOf(bytes, first);
  }
  return { friendlyName, localKeyId };
}

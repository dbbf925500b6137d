/**
 * X.509 names: the fields APNs certificates use, and the one-line form users compare with
 * `openssl x509 -noout -subject -nameopt RFC2253`. That form is OpenSSL's, reproduced byte for
 * byte (crypto/x509/x_name.c do_name_ex + crypto/asn1/a_strex.c do_buf/do_esc_char):
 * - RDNs in reverse order, joined by `,`; the values of a multi-valued RDN joined by `+`;
 * - OpenSSL's short names (`CN`, `UID`, `emailAddress`, …); an attribute it has no name for
 *   prints as its dotted OID with the value as `#` + the hex of its DER;
 * - RFC 2253 escapes: `\` before `,+"\<>;`, before `#` at the start and before a space at the
 *   start or end; control characters and every byte of a non-ASCII character as `\XX`
 *   (UTF-8 bytes: OpenSSL converts PrintableString, T61, BMP and Universal strings to UTF-8
 *   first, and copies a UTF8String's bytes unchanged);
 * - a value of a type that is not a string prints as `#` + the hex of its DER.
 */
import {
  TAG,
  childrenOf,
  contentOf,
  decodeOid,
  decodeString,
  encodingOf,
  type Tlv,
} from './der.js';
import type { DistinguishedName } from './types.js';

const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  userId: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;

/** OpenSSL's short names (crypto/objects/objects.txt) for attributes seen in subjects. */
const SHORT_NAMES = new Map<string, string>([
  ['2.5.4.3', 'CN'],
  ['2.5.4.4', 'SN'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'street'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.12', 'title'],
  ['2.5.4.13', 'description'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.16', 'postalAddress'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.18', 'postOfficeBox'],
  ['2.5.4.20', 'telephoneNumber'],
  ['2.5.4.41', 'name'],
  ['2.5.4.42', 'GN'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.45', 'x500UniqueIdentifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.72', 'role'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
  ['0.9.2342.19200300.100.1.3', 'mail'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['1.2.840.113549.1.9.2', 'unstructuredName'],
  ['1.2.840.113549.1.9.8', 'unstructuredAddress'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC'],
]);

/** Bytes per character of the string types OpenSSL prints as text (a_strex.c tag2nbyte). */
const CHAR_WIDTH = new Map<number, { width: 1 | 2 | 4; toUtf8: boolean }>([
  // OpenSSL reads a UTF8String byte by byte "to avoid converting twice".
  [TAG.UTF8_STRING, { width: 1, toUtf8: false }],
  [0x12 /* NumericString */, { width: 1, toUtf8: true }],
  [TAG.PRINTABLE_STRING, { width: 1, toUtf8: true }],
  [TAG.T61_STRING, { width: 1, toUtf8: true }],
  [TAG.IA5_STRING, { width: 1, toUtf8: true }],
  [TAG.UTC_TIME, { width: 1, toUtf8: true }],
  [TAG.GENERALIZED_TIME, { width: 1, toUtf8: true }],
  [0x1a /* VisibleString */, { width: 1, toUtf8: true }],
  [TAG.UNIVERSAL_STRING, { width: 4, toUtf8: true }],
  [TAG.BMP_STRING, { width: 2, toUtf8: true }],
]);

interface NameAttribute {
  oid: string;
  value: Tlv;
  /** Which RDN (SET) of the name the attribute belongs to. */
  rdn: number;
}

/** Reads a Name (RDNSequence) TLV into the fields we use and its RFC 2253 form. */
export function readDistinguishedName(bytes: Uint8Array, name: Tlv): DistinguishedName {
  const attributes = readAttributes(bytes, name);
  const first = (oid: string): string | null => {
    const attribute = attributes.find((a) => a.oid === oid);
    return attribute && CHAR_WIDTH.has(attribute.value.tag)
      ? decodeString(bytes, attribute.value)
      : null;
  };
  return {
    commonName: first(OID.commonName),
    userId: first(OID.userId),
    organizationalUnit: first(OID.organizationalUnit),
    organization: first(OID.organization),
    country: first(OID.country),
    emailAddress: first(OID.emailAddress),
    rfc2253: formatRfc2253(bytes, attributes),
  };
}

function readAttributes(bytes: Uint8Array, name: Tlv): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  childrenOf(bytes, name).forEach((rdn, index) => {
    for (const pair of childrenOf(bytes, rdn)) {
      const [type, value] = childrenOf(bytes, pair);
      if (type?.tag !== TAG.OID || !value) continue;
      attributes.push({ oid: decodeOid(contentOf(bytes, type)), value, rdn: index });
    }
  });
  return attributes;
}

function formatRfc2253(bytes: Uint8Array, attributes: NameAttribute[]): string {
  let out = '';
  let previous: NameAttribute | null = null;
  for (const attribute of [...attributes].reverse()) {
    if (previous) out += previous.rdn === attribute.rdn ? '+' : ',';
    const shortName = SHORT_NAMES.get(attribute.oid);
    out += `${shortName ?? attribute.oid}=`;
    out += shortName ? formatValue(bytes, attribute.value) : hexDump(bytes, attribute.value);
    previous = attribute;
  }
  return out;
}

function formatValue(bytes: Uint8Array, value: Tlv): string {
  const kind = CHAR_WIDTH.get(value.tag);
  if (!kind) return hexDump(bytes, value);
  const content = contentOf(bytes, value);
  const chars: number[] = [];
  for (let i = 0; i + kind.width <= content.length; i += kind.width) {
    chars.push(kind.width === 1 ? content[i]! : content.readUIntBE(i, kind.width));
  }
  let out = '';
  chars.forEach((char, index) => {
    const first = index === 0;
    const last = index === chars.length - 1;
    for (const byte of kind.toUtf8 ? utf8Bytes(char) : [char]) out += escapeByte(byte, first, last);
  });
  return out;
}

function escapeByte(byte: number, first: boolean, last: boolean): string {
  if (byte > 0x7e || byte < 0x20) return `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  const char = String.fromCharCode(byte);
  if (',+"\\<>;'.includes(char)) return `\\${char}`;
  if (char === '#' && first) return '\\#';
  if (char === ' ' && (first || last)) return '\\ ';
  return char;
}

/** UTF-8 as OpenSSL's UTF8_putc writes it: surrogates and values past U+10FFFF are dropped. */
function utf8Bytes(code: number): number[] {
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code < 0x10000) {
    if (code >= 0xd800 && code <= 0xdfff) return [];
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
  }
  if (code > 0x10ffff) return [];
  return [
    0xf0 | (code >> 18),
    0x80 | ((code >> 12) & 0x3f),
    0x80 | ((code >> 6) & 0x3f),
    0x80 | (code & 0x3f),
  ];
}

function hexDump(bytes: Uint8Array, value: Tlv): string {
  return `#${encodingOf(bytes, value).toString('hex').toUpperCase()}`;
}

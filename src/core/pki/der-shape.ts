/**
 * What a DER structure is, told by its shape: file extensions lie (a .cer holding a CSR, a .pem
 * that is a .p12), so both the universal reader and the certificate parser ask here.
 */
import { childrenOf, contentOf, decodeOid, isTime, readTlv, TAG, type Tlv } from './der.js';

export type DerShape =
  | 'certificate'
  | 'csr'
  | 'crl'
  | 'pkcs12'
  | 'pkcs7'
  | 'pkcs8-key'
  | 'encrypted-pkcs8-key'
  | 'pkcs1-key'
  | 'ec-key'
  | 'spki'
  | 'pkcs1-public-key';

const OID_PKCS7_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_PKCS7_DATA = '1.2.840.113549.1.7.1';

/** The shape of the first element of `bytes`, or null when it is none of the known ones. */
export function recogniseDerShape(bytes: Uint8Array): DerShape | null {
  // Every known structure is a SEQUENCE: anything else is not DER we know, rather than damaged DER.
  if (bytes[0] !== TAG.SEQUENCE) return null;
  const outer = readTlv(bytes, 0, { ber: true });
  const top = childrenOf(bytes, outer);
  const [first, second, third] = top;
  if (!first) return null;
  const integerIs = (tlv: Tlv, value: number): boolean =>
    tlv.tag === TAG.INTEGER && contentOf(bytes, tlv).equals(Buffer.from([value]));
  const firstOid = (tlv: Tlv | undefined): string | null => {
    if (tlv?.tag !== TAG.SEQUENCE) return null;
    const head = childrenOf(bytes, tlv)[0];
    return head?.tag === TAG.OID ? decodeOid(contentOf(bytes, head)) : null;
  };

  if (first.tag === TAG.OID && decodeOid(contentOf(bytes, first)) === OID_PKCS7_SIGNED_DATA) {
    return 'pkcs7';
  }
  if (integerIs(first, 3) && firstOid(second) === OID_PKCS7_DATA) return 'pkcs12';
  if (
    first.tag === TAG.INTEGER &&
    second?.tag === TAG.SEQUENCE &&
    third?.tag === TAG.OCTET_STRING
  ) {
    return 'pkcs8-key';
  }
  if (top.length === 2 && firstOid(first) !== null && second?.tag === TAG.OCTET_STRING) {
    return 'encrypted-pkcs8-key';
  }
  if (top.length >= 9 && top.every((tlv) => tlv.tag === TAG.INTEGER)) return 'pkcs1-key';
  if (integerIs(first, 1) && second?.tag === TAG.OCTET_STRING) return 'ec-key';
  if (top.length === 2 && firstOid(first) !== null && second?.tag === TAG.BIT_STRING) return 'spki';
  if (top.length === 2 && top.every((tlv) => tlv.tag === TAG.INTEGER)) return 'pkcs1-public-key';
  if (top.length === 3 && first.tag === TAG.SEQUENCE && third?.tag === TAG.BIT_STRING) {
    // Signed structures: a CSR's inner part is version, subject, key, [0] attributes; a CRL's
    // has a time (thisUpdate) after its issuer; anything else signed is taken for a certificate.
    const inner = childrenOf(bytes, first);
    const last = inner[inner.length - 1];
    if (inner.length === 4 && inner[0]?.tag === TAG.INTEGER && last?.tag === 0xa0) return 'csr';
    const offset = inner[0]?.tag === TAG.INTEGER ? 1 : 0;
    const thisUpdate = inner[offset + 2];
    if (inner[offset]?.tag === TAG.SEQUENCE && thisUpdate && isTime(thisUpdate)) return 'crl';
    return 'certificate';
  }
  return null;
}

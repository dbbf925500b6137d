/**
 * PKCS#7 / CMS SignedData (RFC 2315, RFC 5652): the certificates of a certs-only .p7b, as
 * Keychain Access and Windows export them (no signers), and the signed content of a
 * provisioning profile (SignedData over a property list). Keychain writes BER with indefinite
 * lengths, which der.ts reads. PEM `PKCS7` blocks are decoded by the caller; this takes the DER.
 *
 * Nothing here verifies a signature: the content is read, never vouched for.
 */
import { InputError, isApnsSetupError } from '../errors.js';
import {
  TAG,
  childrenOf,
  contentOf,
  decodeOid,
  encodingOf,
  octetStringOf,
  readTlv,
  type Tlv,
} from './der.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const TAG_CONTENT = 0xa0; // ContentInfo content: [0] EXPLICIT
const TAG_CERTIFICATES = 0xa0; // SignedData certificates: [0] IMPLICIT SET OF
const TAG_ECONTENT = 0xa0; // EncapsulatedContentInfo eContent: [0] EXPLICIT OCTET STRING
const TAG_CONSTRUCTED_OCTET_STRING = 0x24; // BER's chunked OCTET STRING

export interface SignedDataContents {
  /** Each certificate's DER, in file order; [] when there are none. */
  certificates: Buffer[];
  /** The encapsulated content's type (1.2.840.113549.1.7.1 for plain data). */
  contentType: string;
  /** The encapsulated content (eContent); null when it is absent, as in a .p7b. */
  content: Buffer | null;
}

/** Each certificate's DER, in file order; [] when the bundle holds none. */
export function readPkcs7Certificates(der: Uint8Array): Buffer[] {
  return readPkcs7SignedData(der).certificates;
}

/**
 * The certificates and the encapsulated content of a SignedData. The signature is not checked:
 * what is read is what the file says, and callers must not present it as verified.
 */
export function readPkcs7SignedData(der: Uint8Array): SignedDataContents {
  if (der.length === 0) {
    throw new InputError('FILE_EMPTY', 'it is empty', { hint: 'Export the .p7b again.' });
  }
  try {
    return readStrict(der);
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw new InputError('CORRUPT_FILE', 'it is not a valid PKCS#7 (.p7b) file', {
      hint: 'The file is damaged: export it again.',
      cause: error,
    });
  }
}

function readStrict(bytes: Uint8Array): SignedDataContents {
  const contentInfo = readTlv(bytes, 0, { ber: true });
  const [type, content] = contentInfo.tag === TAG.SEQUENCE ? childrenOf(bytes, contentInfo) : [];
  if (type?.tag !== TAG.OID || decodeOid(contentOf(bytes, type)) !== OID_SIGNED_DATA) {
    throw new InputError('WRONG_KIND', 'it is not a PKCS#7 certificate bundle (.p7b)', {
      hint: 'Expected a .p7b as Keychain Access or Windows export it.',
    });
  }
  if (content?.tag !== TAG_CONTENT) throw malformed('its content is missing');
  const signedData = childrenOf(bytes, content)[0];
  if (signedData?.tag !== TAG.SEQUENCE) throw malformed('its SignedData is missing');
  const fields = childrenOf(bytes, signedData);
  // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos.
  const { contentType, content: encapsulated } = readEncapsulated(bytes, fields[2]);
  const certificates = fields.slice(3).find((field: Tlv) => field.tag === TAG_CERTIFICATES);
  return {
    contentType,
    content: encapsulated,
    // Only plain certificates (SEQUENCE); PKCS#6 extended and attribute certificates are skipped.
    certificates: certificates
      ? childrenOf(bytes, certificates)
          .filter((entry) => entry.tag === TAG.SEQUENCE)
          .map((entry) => encodingOf(bytes, entry))
      : [],
  };
}

/** EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } */
function readEncapsulated(
  bytes: Uint8Array,
  encapsulated: Tlv | undefined,
): { contentType: string; content: Buffer | null } {
  if (encapsulated?.tag !== TAG.SEQUENCE) throw malformed('its content information is missing');
  const [type, explicit] = childrenOf(bytes, encapsulated);
  if (type?.tag !== TAG.OID) throw malformed('its content type is missing');
  const contentType = decodeOid(contentOf(bytes, type));
  if (!explicit) return { contentType, content: null };
  if (explicit.tag !== TAG_ECONTENT) throw malformed('its content is not where it belongs');
  const [octets, ...extra] = childrenOf(bytes, explicit);
  if (
    !octets ||
    extra.length > 0 ||
    (octets.tag !== TAG.OCTET_STRING && octets.tag !== TAG_CONSTRUCTED_OCTET_STRING)
  ) {
    throw malformed('its content is not an OCTET STRING');
  }
  return { contentType, content: octetStringOf(bytes, octets) };
}

function malformed(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not a valid PKCS#7 (.p7b) file: ${detail}`, {
    hint: 'The file is damaged: export it again.',
  });
}

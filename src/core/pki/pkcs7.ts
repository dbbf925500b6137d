/**
 * Certificates out of a certs-only PKCS#7 (.p7b), as Keychain Access and Windows export them
 * (RFC 2315 SignedData with no signers). Keychain writes BER with indefinite lengths, which
 * der.ts reads. PEM `PKCS7` blocks are decoded by the caller; this takes the DER.
 */
import { InputError, isApnsSetupError } from '../errors.js';
import { TAG, childrenOf, contentOf, decodeOid, encodingOf, readTlv, type Tlv } from './der.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const TAG_CONTENT = 0xa0; // ContentInfo content: [0] EXPLICIT
const TAG_CERTIFICATES = 0xa0; // SignedData certificates: [0] IMPLICIT SET OF

/** Each certificate's DER, in file order; [] when the bundle holds none. */
export function readPkcs7Certificates(der: Uint8Array): Buffer[] {
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

function readStrict(bytes: Uint8Array): Buffer[] {
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
  const certificates = childrenOf(bytes, signedData).find(
    (field: Tlv) => field.tag === TAG_CERTIFICATES,
  );
  if (!certificates) return [];
  // Only plain certificates (SEQUENCE); PKCS#6 extended and attribute certificates are skipped.
  return childrenOf(bytes, certificates)
    .filter((entry) => entry.tag === TAG.SEQUENCE)
    .map((entry) => encodingOf(bytes, entry));
}

function malformed(detail: string): InputError {
  return new InputError('CORRUPT_FILE', `it is not a valid PKCS#7 (.p7b) file: ${detail}`, {
    hint: 'The file is damaged: export it again.',
  });
}

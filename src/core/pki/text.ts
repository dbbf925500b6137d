/**
 * Text files come from Windows editors, PowerShell redirects and Keychain exports: a UTF-8 or
 * UTF-16 byte-order mark, UTF-16 without one, CRLF. Decode them all to one plain string.
 */
export function decodeText(bytes: Uint8Array): string {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    return normaliseNewlines(Buffer.from(b.subarray(3)).toString('utf8'));
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) {
    return normaliseNewlines(Buffer.from(b.subarray(2)).toString('utf16le'));
  }
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    return normaliseNewlines(swapBytes(b.subarray(2)).toString('utf16le'));
  }
  // UTF-16 without a mark: every other byte of ASCII text is zero.
  if (b.length >= 4 && b.length % 2 === 0 && b[0] !== 0 && b[1] === 0 && b[3] === 0) {
    return normaliseNewlines(Buffer.from(b).toString('utf16le'));
  }
  if (b.length >= 4 && b.length % 2 === 0 && b[0] === 0 && b[1] !== 0 && b[2] === 0) {
    return normaliseNewlines(swapBytes(b).toString('utf16le'));
  }
  return normaliseNewlines(Buffer.from(b).toString('utf8'));
}

function swapBytes(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return out.swap16();
}

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** True when the bytes look like text that may hold PEM blocks rather than binary DER. */
export function looksLikePemText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  // DER starts with a SEQUENCE tag; PEM, even behind a BOM or Bag Attributes, never does.
  if (bytes[0] === 0x30) return false;
  return decodeText(bytes.subarray(0, Math.min(bytes.length, 64 * 1024))).includes('-----BEGIN ');
}

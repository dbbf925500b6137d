/**
 * The one place that imports node-forge. forge works on "binary strings" (one char per byte)
 * where the rest of the project uses Buffers; the converters here keep that quirk in one file.
 *
 * We use forge for what Node's crypto lacks: CSRs (Node has no PKCS#10), and the legacy ciphers
 * that OpenSSL 3 moved to its "legacy" provider, which Node does not load — RC2 (Keychain
 * Access's `.p12` certificate bags) and single DES (old `openssl rsa -des` keys).
 */
import forge from 'node-forge';

export { forge };

export function toForgeBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('binary');
}

export function fromForgeBytes(bytes: string): Buffer {
  return Buffer.from(bytes, 'binary');
}

export function derFromForgeAsn1(node: forge.asn1.Asn1): Buffer {
  return fromForgeBytes(forge.asn1.toDer(node).getBytes());
}

/**
 * A passphrase as forge's key-derivation functions want it: the UTF-8 bytes as a binary
 * string, which is what OpenSSL feeds to PBKDF2 and EVP_BytesToKey. (Without this, any
 * non-ASCII character would be truncated to its low byte.)
 */
export function forgePassphrase(passphrase: string): string {
  return forge.util.encodeUtf8(passphrase);
}

export type LegacyCipher = 'rc2' | 'des';

/**
 * CBC decryption with a cipher Node's OpenSSL 3 refuses. The padding is left in place: the
 * caller checks it, so that a wrong passphrase is detected the same way for every cipher.
 * `effectiveBits` is RC2's effective key length (40 for Keychain's certificate bags).
 */
export function decryptLegacyCbc(
  cipher: LegacyCipher,
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  effectiveBits?: number,
): Buffer {
  const input = forge.util.createBuffer(toForgeBytes(data));
  if (cipher === 'rc2') {
    const decipher = forge.rc2.createDecryptionCipher(
      toForgeBytes(key),
      effectiveBits ?? key.length * 8,
    );
    decipher.start(toForgeBytes(iv));
    decipher.update(input);
    decipher.finish(() => true);
    return fromForgeBytes(decipher.output.getBytes());
  }
  const decipher = forge.cipher.createDecipher('DES-CBC', toForgeBytes(key));
  decipher.start({ iv: toForgeBytes(iv) });
  decipher.update(input);
  // forge's typings omit finish's optional unpad argument; `() => true` keeps the padding.
  (decipher as unknown as { finish(unpad: () => boolean): boolean }).finish(() => true);
  return fromForgeBytes(decipher.output.getBytes());
}

/**
 * Does this private key belong to that certificate? We compare public keys as SPKI DER (the
 * certificate's SubjectPublicKeyInfo against the one derived from the private key), which
 * works for every key type and needs no signature.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';

/**
 * Each private key's public half, once: one run matches the same key several times (to find
 * the leaf, to report the match, before writing a .p12), and deriving it is two calls into
 * OpenSSL each time. A KeyObject never changes, and the map lets it go with the key.
 */
const spkiOfKey = new WeakMap<KeyObject, Buffer>();

/** The public half of `key` as SubjectPublicKeyInfo DER (shared: do not modify it). */
export function publicKeySpkiOf(key: KeyObject): Buffer {
  let spki = spkiOfKey.get(key);
  if (spki === undefined) {
    spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    spkiOfKey.set(key, spki);
  }
  return spki;
}

/**
 * Whether `key`'s public key is `spki`. Bytes that differ are re-encoded through Node first, so
 * that an encoding variant (e.g. an RSA AlgorithmIdentifier without its NULL parameter) still
 * matches.
 */
export function keyMatchesSpki(key: KeyObject, spki: Uint8Array): boolean {
  const ours = publicKeySpkiOf(key);
  if (ours.equals(spki)) return true;
  let theirs = Buffer.from(spki);
  try {
    theirs = createPublicKey({ key: theirs, format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'der',
    });
  } catch {
    // Not a key Node can read: compare the bytes as given (they will not match ours).
  }
  return ours.equals(theirs);
}

/**
 * Does this private key belong to that certificate? We compare public keys as SPKI DER (the
 * certificate's SubjectPublicKeyInfo against the one derived from the private key), which
 * works for every key type and needs no signature.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';

/** The public half of `key` as SubjectPublicKeyInfo DER. */
export function publicKeySpkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/**
 * Whether `key`'s public key is `spki`. The SPKI is re-encoded through Node first, so that an
 * encoding variant (e.g. an RSA AlgorithmIdentifier without its NULL parameter) still matches.
 */
export function keyMatchesSpki(key: KeyObject, spki: Uint8Array): boolean {
  const ours = publicKeySpkiOf(key);
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

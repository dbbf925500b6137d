/**
 * The one place that loads node-forge. forge works on "binary strings" (one char per byte)
 * where the rest of the project uses Buffers; the converters here keep that quirk in one file.
 *
 * We use forge for what Node's crypto lacks: CSRs (Node has no PKCS#10), and single DES (old
 * `openssl rsa -des` keys), which OpenSSL 3 moved to its "legacy" provider, which Node does not
 * load. (RC2, the other legacy cipher a .p12 uses, is ours: rc2.ts.)
 *
 * Loading all of forge costs 50–80 ms, more than everything else `import` does; most runs need
 * none of it. So it is loaded on first use, and only the part that is used: DES is a few of its
 * files. require() is synchronous, which the readers that meet a DES key deep inside a file
 * need (forge is CommonJS, so this loads the same modules `import` would).
 */
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

export type { Forge };

let required: NodeJS.Require | undefined;

/** require() from this file, made on first use: most runs never load forge. */
function load(id: string): unknown {
  required ??= createRequire(import.meta.url);
  return required(id);
}

/** All of forge: CSRs and legacy PEM key decryption. */
export function loadForge(): typeof Forge {
  return load('node-forge') as typeof Forge;
}

/** forge's namespace with only `parts` of it loaded (each registers itself on the namespace). */
function forgeWith(...parts: string[]): typeof Forge {
  for (const part of parts) load(`node-forge/lib/${part}.js`);
  return load('node-forge/lib/forge.js') as typeof Forge;
}

export function toForgeBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('binary');
}

export function fromForgeBytes(bytes: string): Buffer {
  return Buffer.from(bytes, 'binary');
}

export function derFromForgeAsn1(node: Forge.asn1.Asn1): Buffer {
  return fromForgeBytes(forgeWith('asn1').asn1.toDer(node).getBytes());
}

/**
 * A passphrase as forge's key-derivation functions want it: the UTF-8 bytes as a binary
 * string, which is what OpenSSL feeds to PBKDF2 and EVP_BytesToKey. (Without this, any
 * non-ASCII character would be truncated to its low byte.)
 */
export function forgePassphrase(passphrase: string): string {
  return forgeWith('util').util.encodeUtf8(passphrase);
}

/**
 * DES-CBC decryption, which Node's OpenSSL 3 refuses. The padding is left in place: the caller
 * checks it, so that a wrong passphrase is detected the same way for every cipher.
 */
export function decryptDesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const forge = forgeWith('des');
  const decipher = forge.cipher.createDecipher('DES-CBC', toForgeBytes(key));
  decipher.start({ iv: toForgeBytes(iv) });
  decipher.update(forge.util.createBuffer(toForgeBytes(data)));
  // forge's typings omit finish's optional unpad argument; `() => true` keeps the padding.
  (decipher as unknown as { finish(unpad: () => boolean): boolean }).finish(() => true);
  return fromForgeBytes(decipher.output.getBytes());
}

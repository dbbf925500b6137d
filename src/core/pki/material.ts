/**
 * One reader for everything people call "the certificate": a DER .cer, a PEM with or without
 * Bag Attributes, a ck.pem bundle, a .p12/.pfx, a .p7b, a key, a CSR. It says what the bytes
 * are and hands back typed records, the leaf first.
 */
import type { KeyObject } from 'node:crypto';
import { InputError, isApnsSetupError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { parseCsr, type CsrInfo } from './csr.js';
import { readTlv } from './der.js';
import { recogniseDerShape, type DerShape } from './der-shape.js';
import { keyMatchesSpki } from './key-match.js';
import { describePrivateKeyBlock, openPrivateKey } from './keys.js';
import { encodePem, parsePem, type PemBlock } from './pem.js';
import { readPkcs12 } from './pkcs12-read.js';
import type { Pkcs12Structure } from './pkcs12-consumers.js';
import { readPkcs7Certificates, readPkcs7SignedData } from './pkcs7.js';
import { decodeText, looksLikePemText } from './text.js';
import type { CertificateInfo, MaterialKind } from './types.js';

export interface KeyEntry {
  /** How the key was stored: `pkcs1`, `pkcs8-encrypted`, … or `pkcs12` for a key bag. */
  format: string;
  encrypted: boolean;
  /** The opened key; null when it is encrypted and no passphrase was given. */
  key: KeyObject | null;
}

export interface Material {
  kind: MaterialKind;
  /** Every certificate in the file, the leaf first, then in file order. */
  certificates: CertificateInfo[];
  keys: KeyEntry[];
  /** The opened key whose public key is the leaf's, if there is one. */
  leafKey: KeyObject | null;
  /** Whether the first key matches the leaf; null when either is missing or still locked. */
  keyMatchesLeaf: boolean | null;
  csr: CsrInfo | null;
  /** A bare public key file: its SPKI DER. */
  publicKeySpki: Buffer | null;
  pkcs12: Pkcs12Structure | null;
  /** For a .p12: whether the empty passphrase or the given one opened it; else null. */
  passphraseUsed: 'empty' | 'given' | null;
  /**
   * A provisioning profile: the property list its SignedData wraps, not yet parsed (that needs
   * a plist parser, which the caller brings), and the certificates that came with the
   * signature. The signature is not verified.
   */
  signedPlist: SignedPlist | null;
}

export interface SignedPlist {
  /** The property list's bytes (XML, or binary `bplist00`). */
  plist: Buffer;
  /** The certificates carried in the SignedData (Apple's signer and its chain), leaf first. */
  signers: CertificateInfo[];
}

export interface ReadOptions {
  /** null: open nothing that needs a passphrase (p12 files still try the empty ones). */
  passphrase: string | null;
  /**
   * With `passphrase` null: a passphrase the command was given without asking, which a .p12
   * tries after the empty ones, in the same run of its key derivation (readPkcs12).
   */
  alsoTry?: string | null;
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const PUBLIC_KEY_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);

/**
 * Reads any supported file. Every failure is an ApnsSetupError: anything else that hostile
 * input provokes in a parser (a RangeError, a forge exception) becomes CORRUPT_FILE.
 */
export function readMaterial(bytes: Uint8Array, options: ReadOptions): Material {
  try {
    return readAnyMaterial(bytes, options);
  } catch (error) {
    if (isApnsSetupError(error)) throw error;
    throw new InputError(
      'CORRUPT_FILE',
      'it is damaged or not a valid certificate, key, CSR, .p12 or .p7b file',
      {
        hint: 'Download or export it again; check that it is the file you meant.',
        cause: error,
      },
    );
  }
}

function readAnyMaterial(bytes: Uint8Array, options: ReadOptions): Material {
  if (bytes.length === 0) {
    throw new InputError('FILE_EMPTY', 'the file is empty', {
      hint: 'Download or export it again.',
    });
  }
  if (looksLikePemText(bytes)) return readPemMaterial(parsePem(bytes), options);
  try {
    return readDerMaterial(bytes, options);
  } catch (error) {
    // looksLikePemText takes a leading 0x30 for a DER SEQUENCE, but it is also the digit '0'
    // that a note above the PEM blocks may start with ("0. dev cert, expires …").
    if (bytes[0] === 0x30 && decodeText(bytes).includes('-----BEGIN ')) {
      return readPemMaterial(parsePem(bytes), options);
    }
    throw error;
  }
}

type DerKind = 'certificate' | 'pkcs12' | 'pkcs7' | 'csr' | 'private-key' | 'public-key';

/** How each DER shape is read; a CRL goes to the certificate parser, which names it. */
const READ_AS: Record<DerShape, DerKind> = {
  certificate: 'certificate',
  crl: 'certificate',
  csr: 'csr',
  pkcs12: 'pkcs12',
  pkcs7: 'pkcs7',
  'pkcs8-key': 'private-key',
  'encrypted-pkcs8-key': 'private-key',
  'pkcs1-key': 'private-key',
  'ec-key': 'private-key',
  spki: 'public-key',
  'pkcs1-public-key': 'public-key',
};

/** The PEM label a DER key would carry, so it can go through the PEM key reader. */
const KEY_LABELS: Partial<Record<DerShape, string>> = {
  'pkcs8-key': 'PRIVATE KEY',
  'encrypted-pkcs8-key': 'ENCRYPTED PRIVATE KEY',
  'pkcs1-key': 'RSA PRIVATE KEY',
  'ec-key': 'EC PRIVATE KEY',
};

/** Whether `bytes` are a .p12 (PKCS#12 PFX), by their shape. */
export function isPkcs12(bytes: Uint8Array): boolean {
  try {
    return !looksLikePemText(bytes) && recogniseDerShape(bytes) === 'pkcs12';
  } catch {
    return false; // damaged DER: readMaterial says what is wrong with it
  }
}

/** Tells the DER structures apart by their shape, since file extensions lie. */
export function sniffDer(bytes: Uint8Array): DerKind {
  const shape = recogniseDerShape(bytes);
  if (shape === null) throw notRecognised();
  return READ_AS[shape];
}

function notRecognised(): InputError {
  return new InputError(
    'UNSUPPORTED_FORMAT',
    'it is not a certificate, key, CSR, .p12 or .p7b that apns-setup can read',
    {
      hint: 'Expected a .cer/.pem certificate, a PEM key, a .p12/.pfx, a .p7b or a CSR. Is this the right file?',
    },
  );
}

function readDerMaterial(bytes: Uint8Array, options: ReadOptions): Material {
  const kind = sniffDer(bytes);
  switch (kind) {
    case 'certificate':
      return assemble('certificate', [parseCertificate(bytes)], []);
    case 'pkcs7': {
      const signed = readPkcs7SignedData(bytes);
      const certificates = signed.certificates.map(parseCertificate);
      if (signed.content !== null && looksLikePlist(signed.content)) {
        // A provisioning profile: the certificates are Apple's signers, not the user's.
        const signers = assemble('pkcs7', certificates, []).certificates;
        return {
          ...assemble('provisioning-profile', [], []),
          signedPlist: { plist: signed.content, signers },
        };
      }
      return assemble('pkcs7', certificates, []);
    }
    case 'csr':
      return { ...assemble('csr', [], []), csr: parseCsr(bytes) };
    case 'public-key': {
      const outer = readTlv(bytes, 0, { ber: true });
      return {
        ...assemble('public-key', [], []),
        publicKeySpki: Buffer.from(bytes.subarray(0, outer.end)),
      };
    }
    case 'private-key':
      return readPemMaterial(
        parsePem(
          encodePem(
            KEY_LABELS[recogniseDerShape(bytes)!]!,
            bytes.subarray(0, readTlv(bytes, 0, { ber: true }).end),
          ),
        ),
        options,
      );
    case 'pkcs12': {
      const contents = readPkcs12(bytes, options.passphrase, { alsoTry: options.alsoTry ?? null });
      const certificates = contents.certificates.map((der) => parseCertificate(der));
      const keys: KeyEntry[] = contents.keys.map((key, i) => ({
        format: 'pkcs12',
        encrypted: contents.keyProtection[i] !== 'none',
        key,
      }));
      return {
        ...assemble('pkcs12', certificates, keys),
        pkcs12: contents.structure,
        passphraseUsed: contents.passphraseUsed,
      };
    }
  }
}

function readPemMaterial(blocks: PemBlock[], options: ReadOptions): Material {
  const certificates: CertificateInfo[] = [];
  const keys: KeyEntry[] = [];
  let csr: CsrInfo | null = null;
  let publicKeySpki: Buffer | null = null;
  let singleKind: MaterialKind | null = null;
  let recognised = 0;

  for (const block of blocks) {
    if (CERTIFICATE_LABELS.has(block.label)) {
      certificates.push(parseCertificate(block.der));
      singleKind = 'certificate';
    } else if (block.label === 'PKCS7') {
      certificates.push(...readPkcs7Certificates(block.der).map(parseCertificate));
      singleKind = 'pkcs7';
    } else if (block.label.endsWith('PRIVATE KEY')) {
      const description = describePrivateKeyBlock(block);
      const key =
        description.encrypted && options.passphrase === null
          ? null
          : openPrivateKey(block, options.passphrase);
      keys.push({ format: description.format, encrypted: description.encrypted, key });
      singleKind = 'private-key';
    } else if (CSR_LABELS.has(block.label)) {
      csr = parseCsr(block.der);
      singleKind = 'csr';
    } else if (PUBLIC_KEY_LABELS.has(block.label)) {
      publicKeySpki = block.der;
      singleKind = 'public-key';
    } else {
      continue;
    }
    recognised++;
  }
  if (recognised === 0 || singleKind === null) {
    throw new InputError(
      'UNSUPPORTED_FORMAT',
      'it holds no certificate, key or CSR that apns-setup can read',
      {
        hint:
          blocks.length > 0
            ? `Its PEM blocks are: ${blocks.map((b) => b.label).join(', ')}.`
            : 'Is this the right file?',
      },
    );
  }
  const kind: MaterialKind = recognised > 1 ? 'pem-bundle' : singleKind;
  return { ...assemble(kind, certificates, keys), csr, publicKeySpki };
}

function assemble(kind: MaterialKind, certificates: CertificateInfo[], keys: KeyEntry[]): Material {
  const ordered = orderLeafFirst(certificates, keys);
  const leaf = ordered[0];
  const firstKey = keys[0]?.key ?? null;
  const leafKey = leaf
    ? (keys.find((k) => k.key && keyMatchesSpki(k.key, leaf.publicKeySpki))?.key ?? null)
    : null;
  return {
    kind,
    certificates: ordered,
    keys,
    leafKey,
    keyMatchesLeaf: leaf && firstKey ? keyMatchesSpki(firstKey, leaf.publicKeySpki) : null,
    csr: null,
    publicKeySpki: null,
    pkcs12: null,
    passphraseUsed: null,
    signedPlist: null,
  };
}

/** An XML property list (after an optional byte-order mark and white space) or a binary one. */
function looksLikePlist(content: Buffer): boolean {
  if (content.subarray(0, 8).toString('latin1') === 'bplist00') return true;
  const head = decodeText(content.subarray(0, 1024)).trimStart();
  return head.startsWith('<') && head.includes('<plist');
}

/**
 * The leaf is the certificate of the first key; failing that the first with an Apple push
 * extension; failing that the one that issued no other certificate in the file.
 */
function orderLeafFirst(certificates: CertificateInfo[], keys: KeyEntry[]): CertificateInfo[] {
  if (certificates.length < 2) return certificates;
  const firstKey = keys.find((k) => k.key)?.key;
  const byKey = firstKey
    ? certificates.find((c) => keyMatchesSpki(firstKey, c.publicKeySpki))
    : undefined;
  const leaf =
    byKey ??
    certificates.find((c) => c.isApns) ??
    certificates.find(
      (c) =>
        !certificates.some((other) => other !== c && other.issuer.rfc2253 === c.subject.rfc2253),
    ) ??
    certificates[0]!;
  return [leaf, ...certificates.filter((c) => c !== leaf)];
}

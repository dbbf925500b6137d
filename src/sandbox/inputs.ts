/**
 * The sandbox's own input files: the CAs whose client certificates it trusts (--client-ca) and
 * the device tokens it knows (--tokens). What looks wrong but still works is returned as
 * warnings for the command to say.
 */
import { X509Certificate } from 'node:crypto';
import { readInputFile } from '../adapters/input-files.js';
import type { KnownToken } from '../core/apns/sandbox-rules.js';
import { inFile, InputError } from '../core/errors.js';
import { readMaterial } from '../core/pki/material.js';
import { decodeText } from '../core/pki/text.js';
import { parseTokenList } from './tokens.js';

export interface ClientCas {
  /** DER certificates to trust, besides the local portal CA and Apple's WWDR CAs. */
  certificates: Buffer[];
  warnings: string[];
}

/** `--client-ca FILE`: one or more CA certificates, PEM or DER (or a .p7b). */
export async function readClientCas(path: string): Promise<ClientCas> {
  const bytes = await readInputFile(path, { what: 'the client CA certificate' });
  const { certificates } = inFile(path, () => readMaterial(bytes, { passphrase: null }));
  if (certificates.length === 0) {
    throw new InputError('NO_CERTIFICATE', `${path}: holds no certificate`, {
      hint: 'Pass the PEM or DER certificate of the CA that issued your client certificates.',
    });
  }
  const warnings: string[] = [];
  for (const certificate of certificates) {
    // A CA in the trust store vouches for what it issued; a leaf that is not self-signed
    // vouches for nothing, so a client presenting it would still be refused.
    if (!new X509Certificate(certificate.der).ca && !certificate.selfIssued) {
      warnings.push(
        `${path}: ${certificate.subject.commonName ?? certificate.subject.rfc2253} is not a CA certificate, so no client certificate chains to it. Pass the certificate of the CA that issued your client certificates.`,
      );
    }
  }
  return { certificates: certificates.map((certificate) => certificate.der), warnings };
}

export interface KnownTokens {
  tokens: Map<string, KnownToken>;
  warnings: string[];
}

/** `--tokens FILE`: the device tokens the sandbox knows, and what it knows of each. */
export async function readKnownTokens(path: string, now: Date): Promise<KnownTokens> {
  const bytes = await readInputFile(path, { what: 'the device tokens file' });
  const tokens = inFile(path, () => parseTokenList(decodeText(bytes), now));
  return {
    tokens,
    warnings:
      tokens.size === 0
        ? [`${path} lists no device token: every push will be answered BadDeviceToken.`]
        : [],
  };
}

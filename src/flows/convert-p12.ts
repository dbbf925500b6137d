/** `convert`: a .p12 from anywhere (or a cert+key PEM bundle) → PEMs, ck.pem, a fresh apns.p12. */
import { InputError } from '../core/errors.js';
import { planCredentialFiles } from '../core/outputs.js';
import type { Pkcs12Profile } from '../core/pki/pkcs12-write.js';
import type { CertificateInfo } from '../core/pki/types.js';
import { convertMessages } from '../ui/messages.js';
import { planNames } from './import-certificate.js';
import type { FlowPorts, WrittenFile } from './ports.js';
import { openMaterial } from './read-file-material.js';

export interface ConvertInput {
  file: string;
  outDir: string;
  profile: Pkcs12Profile;
  force: boolean;
}

export interface ConvertResult {
  certificate: CertificateInfo;
  written: WrittenFile[];
  /** Other certificates in the input (chain, extra identities) that were not converted. */
  skippedCertificates: number;
}

export async function convertP12(input: ConvertInput, ports: FlowPorts): Promise<ConvertResult> {
  await ports.assertWritable(input.outDir, planNames(false, true), input.force);
  const { material, passphrase: opened } = await openMaterial(ports, input.file, { needKey: true });
  const certificate = material.certificates[0];
  if (!certificate) {
    throw new InputError('NO_CERTIFICATE', convertMessages.noCertificate(input.file), {
      hint: convertMessages.noCertificateHint,
    });
  }
  if (material.keys.length === 0) {
    throw new InputError('NO_PRIVATE_KEY', convertMessages.noKey(input.file), {
      hint: convertMessages.noKeyHint,
    });
  }
  const key = material.leafKey;
  if (!key) {
    throw new InputError('KEY_MISMATCH', convertMessages.mismatch(input.file), {
      hint: convertMessages.mismatchHint,
    });
  }
  if (!certificate.isApns) ports.warn(convertMessages.notApns(input.file, certificate));
  if (material.keys.length > 1)
    ports.warn(convertMessages.severalKeys(input.file, material.keys.length, certificate));

  // Outputs keep the passphrase that opened the input; an input with none gets a new one.
  const passphrase =
    opened !== null && opened !== ''
      ? opened
      : await ports.passphrase({
          purpose: 'protect',
          subject: `the files converted from ${input.file}`,
        });
  const files = planCredentialFiles({
    certificate,
    key,
    passphrase,
    profile: input.profile,
    splitP12: false,
    includeKeyFile: true,
  });
  const written = await ports.writeFiles(input.outDir, files, input.force);
  return { certificate, written, skippedCertificates: material.certificates.length - 1 };
}

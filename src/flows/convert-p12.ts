/** `convert`: a .p12 from anywhere (or a cert+key PEM bundle) → PEMs, ck.pem, a fresh apns.p12. */
import { InputError } from '../core/errors.js';
import { credentialFileNames, planCredentialFiles } from '../core/outputs.js';
import type { Pkcs12Profile } from '../core/pki/pkcs12-write.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts, WrittenFile } from './ports.js';
import { openMaterial } from './read-file-material.js';
import { convertRefusals } from './refusals.js';
import { refuseTokenKeyOrProfile } from './token-key-or-profile.js';

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
  /** False when --insecure wrote key.pem and apns.p12 without a passphrase. */
  keyEncrypted: boolean;
}

export async function convertP12(input: ConvertInput, ports: FlowPorts): Promise<ConvertResult> {
  await ports.assertWritable(input.outDir, credentialFileNames(false, true), input.force);
  // Say what the file is before asking for a passphrase: a .cer, a CSR or a lone key cannot
  // become a ck.pem whatever the passphrase, and the user should hear that first.
  let { material, passphrase: opened } = await openMaterial(ports, input.file, { needKey: false });
  refuseTokenKeyOrProfile(input.file, material);
  if (material.certificates.length === 0) {
    throw new InputError(
      'NO_CERTIFICATE',
      convertRefusals.noCertificate(input.file, material.kind),
      {
        hint: convertRefusals.noCertificateHint(input.file, material.kind),
      },
    );
  }
  if (material.keys.length === 0) {
    throw new InputError('NO_PRIVATE_KEY', convertRefusals.noKey(input.file, material.kind), {
      hint: convertRefusals.noKeyHint(input.file, material.kind),
    });
  }
  if (material.keys.some((k) => k.key === null)) {
    ({ material, passphrase: opened } = await openMaterial(ports, input.file, { needKey: true }));
  }
  // Read after the keys are open: the leaf is the certificate of the first key.
  const certificate = material.certificates[0]!;
  const key = material.leafKey;
  if (!key) {
    throw new InputError('KEY_MISMATCH', convertRefusals.mismatch(input.file), {
      hint: convertRefusals.mismatchHint,
    });
  }
  if (!certificate.isApns) {
    ports.warn({ kind: 'not-apns', file: input.file, certificate, doing: 'convert' });
  }
  if (material.keys.length > 1) {
    ports.warn({
      kind: 'several-keys',
      file: input.file,
      count: material.keys.length,
      certificate,
    });
  }

  // Outputs keep the passphrase that opened the input; an input with none gets a new one.
  const passphrase =
    opened !== null && opened !== ''
      ? opened
      : await ports.passphrase({
          purpose: 'protect',
          subject: `the key converted from ${input.file}`,
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
  return {
    certificate,
    written,
    skippedCertificates: material.certificates.length - 1,
    keyEncrypted: passphrase !== '',
  };
}

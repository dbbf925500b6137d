/** `import`: Apple's .cer + the key that made the CSR → every file a provider needs. */
import { dirname, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { credentialFileNames, FILE_NAMES, planCredentialFiles } from '../core/outputs.js';
import { keyMatchesSpki } from '../core/pki/key-match.js';
import type { Pkcs12Profile } from '../core/pki/pkcs12-write.js';
import type { CertificateInfo } from '../core/pki/types.js';
import type { FlowPorts, WrittenFile } from './ports.js';
import { openMaterial } from './read-file-material.js';
import { importRefusals } from './refusals.js';
import { refuseTokenKeyOrProfile } from './token-key-or-profile.js';

export interface ImportInput {
  certificateFile: string;
  keyFile: string;
  outDir: string | undefined;
  profile: Pkcs12Profile;
  splitP12: boolean;
  force: boolean;
}

export interface ImportResult {
  certificate: CertificateInfo;
  outDir: string;
  written: WrittenFile[];
  keptKeyFile: string | null;
  /** False when --insecure wrote key.pem and apns.p12 without a passphrase. */
  keyEncrypted: boolean;
}

export async function importCertificate(
  input: ImportInput,
  ports: FlowPorts,
): Promise<ImportResult> {
  const { material: cer } = await openMaterial(ports, input.certificateFile, { needKey: false });
  refuseTokenKeyOrProfile(input.certificateFile, cer);
  const certificate = cer.certificates[0];
  if (!certificate) {
    throw new InputError(
      'NO_CERTIFICATE',
      importRefusals.noCertificate(input.certificateFile, cer.kind),
      {
        hint: importRefusals.noCertificateHint(cer.kind),
      },
    );
  }
  if (!certificate.isApns) {
    throw new InputError(
      'NOT_APNS_CERTIFICATE',
      importRefusals.notApns(input.certificateFile, certificate.subject.commonName),
      {
        hint: importRefusals.notApnsHint,
      },
    );
  }

  const { material: keyMaterial, passphrase: keyPassphrase } = await openMaterial(
    ports,
    input.keyFile,
    { needKey: true },
  );
  refuseTokenKeyOrProfile(input.keyFile, keyMaterial);
  const key = keyMaterial.keys[0]?.key;
  if (!key) {
    throw new InputError('NO_PRIVATE_KEY', importRefusals.noKey(input.keyFile), {
      hint: importRefusals.noKeyHint,
    });
  }
  if (!keyMatchesSpki(key, certificate.publicKeySpki)) {
    throw new InputError(
      'KEY_MISMATCH',
      importRefusals.mismatch(input.certificateFile, input.keyFile),
      {
        hint: importRefusals.mismatchHint(dirname(input.keyFile)),
      },
    );
  }

  const outDir = input.outDir ?? dirname(input.keyFile);
  // The key that made the CSR stays untouched when it already is OUT/key.pem.
  const keyIsTheInput = resolve(outDir, FILE_NAMES.key) === resolve(input.keyFile);
  const plannedNames = credentialFileNames(input.splitP12, !keyIsTheInput);
  await ports.assertWritable(outDir, plannedNames, input.force);

  const passphrase =
    keyPassphrase ??
    (await ports.passphrase({
      purpose: 'protect',
      subject: 'the key written to key.pem and apns.p12',
    }));
  const files = planCredentialFiles({
    certificate,
    key,
    passphrase,
    profile: input.profile,
    splitP12: input.splitP12,
    includeKeyFile: !keyIsTheInput,
  });
  const written = await ports.writeFiles(outDir, files, input.force);
  return {
    certificate,
    outDir,
    written,
    keptKeyFile: keyIsTheInput ? input.keyFile : null,
    keyEncrypted: passphrase !== '',
  };
}

import { describe, expect, it } from 'vitest';
import { credentialFileNames, planCredentialFiles } from '../../src/core/outputs.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

// This file's clock is the real one: its certificates meet TLS, openssl or the built CLI, which
// read it (under faketime too, as they share the process's shifted clock).
const now = new Date();

describe('credentialFileNames', () => {
  it('names exactly the files planCredentialFiles writes, in its order', () => {
    const { certificate } = issueSandboxCertificate({ now });
    for (const splitP12 of [false, true]) {
      for (const includeKeyFile of [false, true]) {
        const planned = planCredentialFiles({
          certificate,
          key: testKey('leaf'),
          passphrase: 'x',
          profile: 'compatible',
          splitP12,
          includeKeyFile,
        });
        expect(planned.map((f) => f.name)).toEqual(credentialFileNames(splitP12, includeKeyFile));
      }
    }
  });
});

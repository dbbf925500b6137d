import { describe, expect, it } from 'vitest';
import { credentialFileNames, planCredentialFiles } from '../../src/core/outputs.js';
import { issueSandboxCertificate, testKey } from '../helpers/test-ca.js';

describe('credentialFileNames', () => {
  it('names exactly the files planCredentialFiles writes, in its order', () => {
    const { certificate } = issueSandboxCertificate();
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

import { describe, expect, it } from 'vitest';
import { chooseEnvironment, endpointFor, parseEndpointUrl } from '../../src/core/apns/endpoints.js';
import type { RequestedEnvironment } from '../../src/core/apns/endpoints.js';
import type { Environment } from '../../src/core/pki/types.js';

describe('endpointFor', () => {
  it("gives Apple's hosts on 443 by default and on 2197 when asked", () => {
    expect(endpointFor('sandbox')).toEqual({
      url: 'https://api.sandbox.push.apple.com',
      host: 'api.sandbox.push.apple.com',
      port: 443,
      environment: 'sandbox',
    });
    expect(endpointFor('production', 2197)).toEqual({
      url: 'https://api.push.apple.com:2197',
      host: 'api.push.apple.com',
      port: 2197,
      environment: 'production',
    });
  });

  it('refuses a port APNs does not listen on', () => {
    expect(() => endpointFor('production', 2195)).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        exitCode: 2,
        message: 'port 2195 is not an APNs port.',
      }),
    );
  });
});

describe('parseEndpointUrl', () => {
  it('reads a local sandbox origin', () => {
    expect(parseEndpointUrl('https://127.0.0.1:8443')).toEqual({
      url: 'https://127.0.0.1:8443',
      host: '127.0.0.1',
      port: 8443,
      environment: null,
    });
  });

  it("recognises Apple's hosts, the old sandbox alias, IPv6 and a trailing slash", () => {
    expect(parseEndpointUrl('https://API.push.apple.com/')).toMatchObject({
      port: 443,
      environment: 'production',
    });
    expect(parseEndpointUrl('https://api.development.push.apple.com:2197').environment).toBe(
      'sandbox',
    );
    expect(parseEndpointUrl('https://[::1]:9000')).toEqual({
      url: 'https://[::1]:9000',
      host: '::1',
      port: 9000,
      environment: null,
    });
  });

  it.each([
    ['http://127.0.0.1:8443', /uses http, not https/],
    ['127.0.0.1:8443', /not https|not a URL/],
    ['nonsense', /is not a URL/],
    ['https://127.0.0.1:8443/3/device', /has a path, query or fragment/],
    ['https://127.0.0.1:8443?x=1', /has a path, query or fragment/],
    ['https://user:pw@127.0.0.1:8443', /user name or password/],
    ['https://127.0.0.1:0', /port 0/],
    ['https://127.0.0.1:99999', /is not a URL/],
  ])('refuses %s as a usage error', (input, message) => {
    let caught: unknown;
    try {
      parseEndpointUrl(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((caught as Error).message).toMatch(message);
    expect((caught as { hint: string }).hint).toMatch(/--endpoint|user:password/);
  });
});

describe('chooseEnvironment', () => {
  const S: Environment[] = ['sandbox'];
  const P: Environment[] = ['production'];
  const U: Environment[] = ['sandbox', 'production'];
  const cases: [RequestedEnvironment | undefined, Environment[], Environment, boolean, boolean][] =
    [
      // requested, certificate, → environment, retry other on BadDeviceToken, warns
      [undefined, S, 'sandbox', false, false],
      [undefined, P, 'production', false, false],
      [undefined, U, 'sandbox', true, false],
      ['auto', S, 'sandbox', false, false],
      ['auto', P, 'production', false, false],
      ['auto', U, 'sandbox', true, false],
      ['sandbox', S, 'sandbox', false, false],
      ['sandbox', P, 'sandbox', false, true],
      ['sandbox', U, 'sandbox', false, false],
      ['production', S, 'production', false, true],
      ['production', P, 'production', false, false],
      ['production', U, 'production', false, false],
      [undefined, [], 'sandbox', false, true],
      ['production', [], 'production', false, false],
    ];
  it.each(cases)('--env %s with a %j certificate → %s', (requested, envs, env, retry, warns) => {
    const choice = chooseEnvironment({ requested, certificateEnvironments: envs });
    expect(choice.environment).toBe(env);
    expect(choice.retryOtherOnBadDeviceToken).toBe(retry);
    expect(choice.warning !== null).toBe(warns);
  });

  it('says what APNs will answer and the fix when the flag contradicts the certificate', () => {
    expect(chooseEnvironment({ requested: 'production', certificateEnvironments: S }).warning).toBe(
      'Warning: --env production, but this certificate is for the sandbox only: APNs will refuse it (usually with 403 BadCertificateEnvironment). Use --env sandbox, or make a production certificate.',
    );
    expect(chooseEnvironment({ requested: 'sandbox', certificateEnvironments: P }).warning).toBe(
      'Warning: --env sandbox, but this certificate is for production only: APNs will refuse it (usually with 403 BadCertificateEnvironment). Use --env production, or make a development (sandbox) certificate.',
    );
  });
});

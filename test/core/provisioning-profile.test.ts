/**
 * Provisioning profiles as Apple ships them: a CMS SignedData (DER, or BER with indefinite
 * lengths and chunked content) over an XML property list, built here with `openssl cms -sign
 * -nodetach`. The SignedData is read by core, the plist by the `plist` package (the adapter),
 * and its facts by core again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePlist } from '../../src/adapters/plist.js';
import {
  apnsEnvironmentOfProfile,
  readProvisioningProfile,
} from '../../src/core/apns/provisioning-profile.js';
import { daysLeft } from '../../src/core/expiry.js';
import { readMaterial } from '../../src/core/pki/material.js';
import { readPkcs7SignedData } from '../../src/core/pki/pkcs7.js';
import { hasOpenssl3 } from '../helpers/openssl.js';
import {
  buildProfile,
  developerCertificate,
  profilePlist,
  signPlist,
} from '../helpers/profiles.js';
import { codeOf } from '../helpers/errors.js';

// A fixed clock: nothing here meets a process that reads the real one.
const now = new Date('2026-03-01T12:00:00Z');

async function profileOf(bytes: Buffer) {
  const material = readMaterial(bytes, { passphrase: null });
  expect(material.kind).toBe('provisioning-profile');
  return readProvisioningProfile(await parsePlist(material.signedPlist!.plist));
}

describe.skipIf(!hasOpenssl3)('provisioning profiles', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads what matters from a development profile, DER and BER alike', async () => {
    const developer = developerCertificate();
    for (const ber of [false, true]) {
      const bytes = buildProfile(
        {
          now,
          bundleId: 'com.example.push',
          teamId: 'ABCDE12345',
          developerCertificates: [developer.der],
          devices: ['00008030-001A2B3C4D5E6F70', '00008101-000A1B2C3D4E5F60'],
        },
        { ber },
      );
      if (ber) expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80]));
      const profile = await profileOf(bytes);
      expect(profile).toMatchObject({
        name: 'Example Push Development',
        appIdName: 'Example Push App',
        applicationIdentifier: 'ABCDE12345.com.example.push',
        bundleId: 'com.example.push',
        teamId: 'ABCDE12345',
        teamName: 'Example Team',
        apsEnvironment: 'development',
        distribution: 'development',
        devices: 2,
        provisionsAllDevices: false,
        platforms: ['iOS'],
        xcodeManaged: false,
        uuid: '4f1c2a9e-7b3d-4e8f-a1c5-9d2e6b7f8a0c',
      });
      expect(daysLeft(profile.expirationDate, now)).toBe(365);
      expect(profile.developerCertificates.map((c) => c.sha256)).toEqual([
        readMaterial(developer.der, { passphrase: null }).certificates[0]!.sha256,
      ]);
      expect(apnsEnvironmentOfProfile(profile)).toBe('sandbox');
    }
  });

  it('aps-environment production means production tokens; none means no push', async () => {
    const production = await profileOf(
      buildProfile({ now, apsEnvironment: 'production', devices: null }),
    );
    expect(production).toMatchObject({ apsEnvironment: 'production', distribution: 'app-store' });
    expect(apnsEnvironmentOfProfile(production)).toBe('production');
    const none = await profileOf(buildProfile({ now, apsEnvironment: null }));
    expect(none.apsEnvironment).toBeNull();
    expect(apnsEnvironmentOfProfile(none)).toBeNull();
  });

  it('ad hoc and enterprise profiles are told apart', async () => {
    expect(
      (await profileOf(buildProfile({ now, apsEnvironment: 'production' }))).distribution,
    ).toBe('ad-hoc');
    const enterprise = await profileOf(
      buildProfile({ now, apsEnvironment: 'production', devices: 'all' }),
    );
    expect(enterprise).toMatchObject({
      distribution: 'enterprise',
      provisionsAllDevices: true,
      devices: null,
    });
  });

  it('a macOS .provisionprofile keeps its aps-environment under com.apple.developer', async () => {
    const profile = await profileOf(
      buildProfile({ now, macOS: true, bundleId: 'com.example.mac' }),
    );
    expect(profile).toMatchObject({
      apsEnvironment: 'development',
      bundleId: 'com.example.mac',
      platforms: ['OSX'],
    });
  });

  it("keeps the signer's certificates apart from the user's: a profile holds no certificate to check", () => {
    const material = readMaterial(buildProfile({ now }), { passphrase: null });
    expect(material.certificates).toEqual([]);
    expect(material.signedPlist!.signers[0]!.subject.commonName).toBe(
      'Test iPhone OS Provisioning Profile Signing',
    );
  });

  it('readPkcs7SignedData hands back the signed content and its type', () => {
    const signed = readPkcs7SignedData(buildProfile({ now }));
    expect(signed.contentType).toBe('1.2.840.113549.1.7.1');
    expect(signed.content?.toString('utf8')).toMatch(/^<\?xml/);
  });

  it('another signed property list is refused as "not a provisioning profile"', async () => {
    const configuration = signPlist(
      '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>PayloadType</key><string>Configuration</string></dict></plist>\n',
    );
    const material = readMaterial(configuration, { passphrase: null });
    const plist = await parsePlist(material.signedPlist!.plist);
    expect(codeOf(() => readProvisioningProfile(plist))).toBe('WRONG_KIND');
  });

  it('damaged XML is refused without printing anything, and without quoting the file', async () => {
    const error = vi.spyOn(console, 'error');
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const damaged = signPlist(profilePlist({ now }).replace('</dict>\n</plist>', '</plist>'));
    const material = readMaterial(damaged, { passphrase: null });
    await expect(parsePlist(material.signedPlist!.plist)).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: 'its property list cannot be read',
    });
    // An undefined entity: xmldom's default would print the XML's complaint to the console.
    const entity = signPlist(
      profilePlist({ now }).replace('<string>Example Team</string>', '<string>&team;</string>'),
    );
    await expect(
      parsePlist(readMaterial(entity, { passphrase: null }).signedPlist!.plist),
    ).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('an unreadable ExpirationDate is a damaged profile', async () => {
    const bad = signPlist(
      profilePlist({ now }).replace(
        /<date>[^<]+<\/date>\n\t<key>Name/,
        '<date>soon</date>\n\t<key>Name',
      ),
    );
    const material = readMaterial(bad, { passphrase: null });
    const plist = await parsePlist(material.signedPlist!.plist);
    expect(codeOf(() => readProvisioningProfile(plist))).toBe('CORRUPT_FILE');
  });
});

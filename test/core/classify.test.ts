import { describe, expect, it } from 'vitest';
import {
  classifyCertificate,
  readTopicsExtension,
  type ExtensionValue,
} from '../../src/core/apns/classify.js';
import { APPLE_OID } from '../../src/core/apns/oids.js';
import { parseCertificate, readCertificateExtensions } from '../../src/core/pki/certificate.js';
import { parsePem } from '../../src/core/pki/pem.js';
import { hasRealWorld, realWorldFile } from '../helpers/fixtures.js';

const NULL = Uint8Array.from([0x05, 0x00]);

/** DER helpers for hand-made extension values. */
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  if (body.length > 127) throw new Error('test helper writes short lengths only');
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
};
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text));
const seq = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const ext = (oid: string, value: Uint8Array = NULL): ExtensionValue => ({ oid, value });

function realCertificate(path: string): Buffer {
  const bytes = realWorldFile(path);
  return bytes[0] === 0x30 ? bytes : parsePem(bytes).find((b) => b.label === 'CERTIFICATE')!.der;
}

describe('classifyCertificate', () => {
  it('reads the environment from 6.3.1 and 6.3.2 alone', () => {
    expect(classifyCertificate([ext(APPLE_OID.apnsSandbox)])).toMatchObject({
      type: 'development',
      environments: ['sandbox'],
      isApns: true,
    });
    expect(classifyCertificate([ext(APPLE_OID.apnsProduction)])).toMatchObject({
      type: 'production',
      environments: ['production'],
      isApns: true,
    });
    // Sandbox first whatever the order in the certificate (WWDR G4 puts 6.3.6 first).
    expect(
      classifyCertificate([ext(APPLE_OID.apnsProduction), ext(APPLE_OID.apnsSandbox)]),
    ).toMatchObject({ type: 'universal', environments: ['sandbox', 'production'] });
    expect(classifyCertificate([])).toEqual({
      type: 'other',
      environments: [],
      topics: [],
      topicEntries: [],
      isApns: false,
    });
  });

  it('tells Website Push ID, Pass Type ID and VoIP certificates by their own OIDs', () => {
    expect(
      classifyCertificate([ext(APPLE_OID.websitePushId), ext(APPLE_OID.apnsProduction)]),
    ).toMatchObject({ type: 'website', environments: ['production'], isApns: true });
    expect(classifyCertificate([ext(APPLE_OID.passTypeId)])).toMatchObject({
      type: 'pass',
      environments: ['production'],
      isApns: false,
    });
    expect(classifyCertificate([ext(APPLE_OID.voipTopics, utf8('com.x.app.voip'))])).toMatchObject({
      type: 'voip',
      environments: ['sandbox', 'production'],
      topics: ['com.x.app.voip'],
      topicEntries: [{ topic: 'com.x.app.voip', kind: 'voip' }],
    });
  });

  it('reads the nested topic layout, a flat list of pairs and SEQUENCE pairs alike', () => {
    const nested = seq(utf8('com.x'), seq(utf8('app')), utf8('com.x.voip'), seq(utf8('voip')));
    const flat = seq(utf8('com.x'), utf8('app'), utf8('com.x.voip'), utf8('voip'));
    const pairs = seq(seq(utf8('com.x'), utf8('app')), seq(utf8('com.x.voip'), utf8('voip')));
    const expected = [
      { topic: 'com.x', kind: 'app' },
      { topic: 'com.x.voip', kind: 'voip' },
    ];
    expect(readTopicsExtension(nested)).toEqual(expected);
    expect(readTopicsExtension(flat)).toEqual(expected);
    expect(readTopicsExtension(pairs)).toEqual(expected);
    expect(readTopicsExtension(seq(utf8('com.x')))).toEqual([{ topic: 'com.x', kind: null }]);
  });

  it('keeps a certificate with a damaged topics extension readable, with no topics', () => {
    const damaged = Buffer.from([0x30, 0x10, 0x0c, 0x05, 0x61]);
    expect(readTopicsExtension(damaged)).toEqual([]);
    expect(readTopicsExtension(utf8('not a sequence'))).toEqual([]);
    expect(
      classifyCertificate([ext(APPLE_OID.apnsTopics, damaged), ext(APPLE_OID.apnsSandbox)]),
    ).toMatchObject({ type: 'development', topics: [] });
  });
});

describe.skipIf(!hasRealWorld)('classification of real certificates', () => {
  const classify = (path: string): ReturnType<typeof classifyCertificate> =>
    classifyCertificate(readCertificateExtensions(realCertificate(path)));

  it('fastlane development certificate: development, sandbox', () => {
    expect(classify('fastlane__fastlane/aps_development.cer')).toEqual({
      type: 'development',
      environments: ['sandbox'],
      topics: [],
      topicEntries: [],
      isApns: true,
    });
  });

  it('sunyuping production certificate: production', () => {
    expect(classify('sunyuping__PushMeBaby/aps_production.cer')).toMatchObject({
      type: 'production',
      environments: ['production'],
      isApns: true,
    });
    expect(classify('sunyuping__PushMeBaby/aps_development.cer').type).toBe('development');
  });

  it('STOmaha WWDR G4 universal certificate: four topics, .voip-ptt with its dot', () => {
    expect(classify('STOmaha__Time-to-Burn/aps.cer')).toEqual({
      type: 'universal',
      environments: ['sandbox', 'production'],
      isApns: true,
      topics: [
        'Time-to-Burn.Time-to-Burn',
        'Time-to-Burn.Time-to-Burn.voip',
        'Time-to-Burn.Time-to-Burn.complication',
        'Time-to-Burn.Time-to-Burn.voip-ptt',
      ],
      topicEntries: [
        { topic: 'Time-to-Burn.Time-to-Burn', kind: 'topic' },
        { topic: 'Time-to-Burn.Time-to-Burn.voip', kind: 'voip' },
        { topic: 'Time-to-Burn.Time-to-Burn.complication', kind: 'complication' },
        { topic: 'Time-to-Burn.Time-to-Burn.voip-ptt', kind: '.voip-ptt' },
      ],
    });
  });

  it('paubins 2020 universal certificate: app / voip / complication', () => {
    const result = classify('paubins__pushserver/aps.cer');
    expect(result.type).toBe('universal');
    expect(result.topicEntries.map((e) => e.kind)).toEqual(['app', 'voip', 'complication']);
    expect(result.topics[0]).toBe('com.paubins.LiveVideoShare');
  });

  it("pushy's look-alikes (topics only, no environment OID) are not APNs certificates", () => {
    expect(classify('pushy/multi-topic-client.pem')).toMatchObject({
      type: 'other',
      environments: [],
      isApns: false,
      topics: [
        'com.eatthepath.pushy',
        'com.eatthepath.pushy.voip',
        'com.eatthepath.pushy.complication',
      ],
    });
    expect(classify('pushy/single-topic-client.pem')).toMatchObject({
      type: 'other',
      isApns: false,
      topics: [],
    });
  });

  it('Apple CA certificates are "other"', () => {
    for (const name of ['AppleWWDRCAG4.cer', 'AppleIncRootCertificate.cer', 'AppleRootCA-G3.cer']) {
      const info = parseCertificate(realWorldFile(`apple-ca/${name}`));
      expect(info, name).toMatchObject({ type: 'other', isApns: false, environments: [] });
    }
  });
});

/**
 * Apple's certificate extension OIDs that say what a push certificate may do. We classify by
 * these, never by the CN (the CN prefix is display text and has changed over the years).
 *
 * Sources, and how sure we are of each:
 * - 6.3.1 / 6.3.2 / 6.3.6: confirmed. Every real Apple push certificate in the fixture corpus
 *   carries them (`openssl asn1parse`), and Apple's "Sending notification requests to APNs"
 *   says that topics "are part of the 1.2.840.113635.100.6.3.6 extension".
 * - 6.3.4: confirmed by the same Apple page: for the `voip` push type "you must also register the
 *   certificate for VoIP services. The topic is then part of the 1.2.840.113635.100.6.3.4 or
 *   1.2.840.113635.100.6.3.6 extension" (quoted verbatim by pushy, apns2, a2 and others). No
 *   VoIP Services certificate was available to check the value's encoding.
 * - 6.1.16 / 6.1.17: indygreg/apple-platform-rs, apple-codesign/src/certificate.rs
 *   ("Apple Pay Passbook Signing", "Web Site Push Notifications Signing"). Not seen in a real
 *   Pass Type ID or Website Push ID certificate here.
 * - 6.3.3 / 6.3.5: UNCONFIRMED. They only appear in third-party lists (e.g. FKApnsMac's
 *   APNSSecIdentityType.m labels 6.3.3-6.3.5 "VoIP push extensions" without a source). Nothing
 *   found ties them to the Mac push variants ("Apple Development/Production Mac Push
 *   Services"); those are assumed to carry 6.3.1 / 6.3.2 like the iOS ones.
 * - WatchKit / complication: no extension of its own was found; Apple's documentation puts the
 *   `.complication` topic in 6.3.6.
 */
export const APPLE_OID = {
  /** Apple Push Notification service, development (sandbox) environment. Value: NULL. */
  apnsSandbox: '1.2.840.113635.100.6.3.1',
  /** Apple Push Notification service, production environment. Value: NULL. */
  apnsProduction: '1.2.840.113635.100.6.3.2',
  /** Unconfirmed (see above); only recognised, never relied on. */
  apnsUnconfirmed3: '1.2.840.113635.100.6.3.3',
  /** VoIP Services topics. */
  voipTopics: '1.2.840.113635.100.6.3.4',
  /** Unconfirmed (see above); only recognised, never relied on. */
  apnsUnconfirmed5: '1.2.840.113635.100.6.3.5',
  /** The topics this certificate may push to: SEQUENCE of topic, SEQUENCE { kind }. */
  apnsTopics: '1.2.840.113635.100.6.3.6',
  /** Pass Type ID (Apple Pay Passbook Signing). */
  passTypeId: '1.2.840.113635.100.6.1.16',
  /** Website Push ID (Web Site Push Notifications Signing). */
  websitePushId: '1.2.840.113635.100.6.1.17',
  /** The policy Apple's WWDR CA puts in certificatePolicies. */
  appleCertificatePolicy: '1.2.840.113635.100.5.1',
} as const;

/** The subject attribute that holds the bundle id (RFC 4519 `uid`). */
export const OID_USER_ID = '0.9.2342.19200300.100.1.1';

/** Display prefixes of the subject CN, as Apple's portal writes them (for display only). */
export const CN_PREFIX = {
  development: 'Apple Development IOS Push Services: ',
  production: 'Apple Production IOS Push Services: ',
  universal: 'Apple Push Services: ',
  voip: 'VoIP Services: ',
  website: 'Website Push ID: ',
  pass: 'Pass Type ID: ',
} as const;

/**
 * Provisioning profiles built as Apple builds them: an XML property list in Apple's layout,
 * signed into a CMS SignedData with the content inside (`openssl cms -sign -nodetach -outform
 * DER`). The signer is a stand-in (the signature is never verified by apns-setup). Every date is
 * relative to the `now` the test passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../src/core/pki/issue-certificate.js';
import { testKey } from './test-ca.js';

const DAY = 24 * 60 * 60 * 1000;

export interface TestProfileOptions {
  /** The test's clock: the profile was created a day before it. */
  now: Date;
  /** Days from `now` to ExpirationDate (negative: already expired). Default 365. */
  expiresInDays?: number;
  name?: string;
  bundleId?: string;
  teamId?: string;
  teamName?: string;
  /** Entitlements → aps-environment; null leaves it out (an App ID without push). */
  apsEnvironment?: 'development' | 'production' | null;
  /** ProvisionedDevices; 'all' for ProvisionsAllDevices (enterprise); null for none (App Store). */
  devices?: string[] | 'all' | null;
  getTaskAllow?: boolean;
  /** DeveloperCertificates, DER. */
  developerCertificates?: Buffer[];
  /** macOS: Platform OSX, com.apple.application-identifier, com.apple.developer.aps-environment. */
  macOS?: boolean;
  /** The whole plist instead (for hostile and foreign property lists). */
  xml?: string;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `2027-11-29T21:00:00Z`: how Apple writes a plist date (no milliseconds). */
function plistDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function profilePlist(options: TestProfileOptions): string {
  const teamId = options.teamId ?? 'ABCDE12345';
  const bundleId = options.bundleId ?? 'com.example.push';
  const created = new Date(options.now.getTime() - DAY);
  const expires = new Date(options.now.getTime() + (options.expiresInDays ?? 365) * DAY);
  const aps = options.apsEnvironment === undefined ? 'development' : options.apsEnvironment;
  const devices = options.devices === undefined ? ['00008030-001A2B3C4D5E6F70'] : options.devices;
  const getTaskAllow = options.getTaskAllow ?? (aps !== 'production' && devices !== null);
  const prefix = options.macOS ? 'com.apple.' : '';
  const apsKey = options.macOS ? 'com.apple.developer.aps-environment' : 'aps-environment';
  const certificates = (options.developerCertificates ?? [])
    .map((der) => `\t\t<data>${der.toString('base64')}</data>`)
    .join('\n');
  const deviceXml =
    devices === 'all'
      ? '\t<key>ProvisionsAllDevices</key>\n\t<true/>'
      : devices === null
        ? ''
        : `\t<key>ProvisionedDevices</key>\n\t<array>\n${devices.map((d) => `\t\t<string>${d}</string>`).join('\n')}\n\t</array>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>AppIDName</key>
	<string>Example Push App</string>
	<key>ApplicationIdentifierPrefix</key>
	<array>
	<string>${teamId}</string>
	</array>
	<key>CreationDate</key>
	<date>${plistDate(created)}</date>
	<key>Platform</key>
	<array>
		<string>${options.macOS ? 'OSX' : 'iOS'}</string>
	</array>
	<key>IsXcodeManaged</key>
	<false/>
	<key>DeveloperCertificates</key>
	<array>
${certificates}
	</array>
	<key>DER-Encoded-Profile</key>
	<data>MAA=</data>
	<key>Entitlements</key>
	<dict>
${aps === null ? '' : `\t\t<key>${apsKey}</key>\n\t\t<string>${aps}</string>\n`}		<key>${prefix}application-identifier</key>
		<string>${teamId}.${escapeXml(bundleId)}</string>
		<key>keychain-access-groups</key>
		<array>
				<string>${teamId}.*</string>
		</array>
		<key>get-task-allow</key>
		<${getTaskAllow}/>
		<key>com.apple.developer.team-identifier</key>
		<string>${teamId}</string>
	</dict>
	<key>ExpirationDate</key>
	<date>${plistDate(expires)}</date>
	<key>Name</key>
	<string>${escapeXml(options.name ?? 'Example Push Development')}</string>
${deviceXml}
	<key>TeamIdentifier</key>
	<array>
		<string>${teamId}</string>
	</array>
	<key>TeamName</key>
	<string>${escapeXml(options.teamName ?? 'Example Team')}</string>
	<key>TimeToLive</key>
	<integer>365</integer>
	<key>UUID</key>
	<string>4f1c2a9e-7b3d-4e8f-a1c5-9d2e6b7f8a0c</string>
	<key>Version</key>
	<integer>1</integer>
</dict>
</plist>
`;
}

let signer: { cert: string; key: string } | null = null;

/**
 * A stand-in for "Apple iPhone OS Provisioning Profile Signing", made once per process and kept
 * in memory: a test worker may end without an `exit` event, so no folder may outlive one call.
 */
function profileSigner(): { cert: string; key: string } {
  if (!signer) {
    const key = testKey('profile-signer');
    const issued = createCertificateAuthority({
      commonName: 'Test iPhone OS Provisioning Profile Signing',
      organization: 'apns-setup tests',
      country: 'US',
      key,
      notBefore: new Date('1950-01-01T00:00:00Z'),
      notAfter: new Date('9999-12-31T23:59:59Z'),
      serialNumber: '0a',
    });
    signer = {
      cert: issued.certificatePem,
      key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
  }
  return signer;
}

/**
 * `xml` signed as Apple signs a profile: `openssl cms -sign -nodetach -outform DER`; with
 * `ber`, openssl's streaming form (indefinite lengths, the content in chunks).
 */
export function signPlist(xml: string, options: { ber?: boolean } = {}): Buffer {
  const standIn = profileSigner();
  const dir = mkdtempSync(join(tmpdir(), 'apns-setup-profile-'));
  try {
    const input = join(dir, 'profile.plist');
    const output = join(dir, 'profile.mobileprovision');
    const cert = join(dir, 'signer.pem');
    const key = join(dir, 'signer-key.pem');
    writeFileSync(input, xml);
    writeFileSync(cert, standIn.cert);
    writeFileSync(key, standIn.key, { mode: 0o600 });
    execFileSync('openssl', [
      'cms',
      '-sign',
      '-nodetach',
      '-binary',
      '-outform',
      'DER',
      ...(options.ber ? ['-stream'] : []),
      '-in',
      input,
      '-out',
      output,
      '-signer',
      cert,
      '-inkey',
      key,
    ]);
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function buildProfile(options: TestProfileOptions, sign: { ber?: boolean } = {}): Buffer {
  return signPlist(options.xml ?? profilePlist(options), sign);
}

/** A developer (code signing) certificate to list in DeveloperCertificates, DER and PEM. */
export function developerCertificate(name = 'Jane Appleseed'): { der: Buffer; pem: string } {
  const issued = createCertificateAuthority({
    commonName: `Apple Development: ${name} (AB12CD34EF)`,
    organizationalUnit: 'ABCDE12345',
    organization: name,
    country: 'US',
    key: testKey(`developer-${name}`),
    notBefore: new Date('1950-01-01T00:00:00Z'),
    notAfter: new Date('9999-12-31T23:59:59Z'),
    serialNumber: '0b',
  });
  return { der: issued.der, pem: issued.certificatePem };
}

export type Environment = 'sandbox' | 'production';

/** What a certificate is for, read from Apple's extension OIDs (never from the CN). */
export type CertificateType =
  'development' | 'production' | 'universal' | 'voip' | 'website' | 'pass' | 'other';

/** The subject or issuer fields APNs certificates use; an absent field is null. */
export interface DistinguishedName {
  commonName: string | null;
  /** UID (0.9.2342.19200300.100.1.1): the bundle id in an Apple push certificate. */
  userId: string | null;
  /** OU: the team id in an Apple push certificate (the first OU when there are several). */
  organizationalUnit: string | null;
  organization: string | null;
  country: string | null;
  emailAddress: string | null;
  /** RFC 2253 form, most significant RDN last, as `openssl x509 -nameopt RFC2253` prints it. */
  rfc2253: string;
}

export interface CertificateInfo {
  /** The certificate's DER, without any trailing bytes the file carried. */
  der: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** Upper-case hex, no leading zeros beyond what the DER holds stripped of sign padding. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex of the SHA-1 / SHA-256 of `der`, no colons. */
  sha1: string;
  sha256: string;
  bundleId: string | null;
  teamId: string | null;
  type: CertificateType;
  /** Sandbox first, then production. */
  environments: Environment[];
  /** Entries of the topics extension (1.2.840.113635.100.6.3.6), in order; [] when absent. */
  topics: string[];
  /** True when the certificate carries Apple's sandbox or production push extension. */
  isApns: boolean;
  /** Whether the certificate signed itself (issuer = subject). */
  selfIssued: boolean;
  /** The subject public key as SPKI DER: the basis of key ↔ certificate matching. */
  publicKeySpki: Buffer;
}

export type MaterialKind =
  | 'certificate'
  | 'pkcs12'
  | 'pem-bundle'
  | 'private-key'
  | 'public-key'
  | 'csr'
  | 'pkcs7'
  | 'provisioning-profile';

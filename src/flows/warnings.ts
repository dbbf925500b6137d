/**
 * What a journey warns about while it works, as data: the journey goes on, and ui/warnings.ts
 * says each in words (the console adds "Warning:").
 */
import type { CertificateInfo, Environment } from '../core/pki/types.js';

export type FlowWarning =
  /** A certificate without Apple's push extensions, used anyway. */
  | { kind: 'not-apns'; file: string; certificate: CertificateInfo; doing: 'convert' | 'push' }
  /** A .p12 with several identities: the first key's was taken. */
  | { kind: 'several-keys'; file: string; count: number; certificate: CertificateInfo }
  | { kind: 'expired'; file: string; certificate: CertificateInfo }
  | { kind: 'not-yet-valid'; file: string; certificate: CertificateInfo }
  /** Within the renewal window (30 days). */
  | { kind: 'expiring'; file: string; certificate: CertificateInfo; daysLeft: number }
  | { kind: 'duplicate-token'; token: string }
  /** More repeated tokens than are each worth a warning. */
  | { kind: 'more-duplicate-tokens'; count: number }
  /** --env asks for one environment, --endpoint is Apple's server of the other. */
  | { kind: 'endpoint-environment'; requested: Environment; endpointEnvironment: Environment }
  /**
   * `push --profile`: the profile's build registers its tokens in `tokenEnvironment`, but the
   * push goes to `pushEnvironment` because of --env, the certificate, or --endpoint.
   */
  | {
      kind: 'profile-environment';
      file: string;
      apsEnvironment: 'development' | 'production';
      tokenEnvironment: Environment;
      pushEnvironment: Environment;
      because: 'env' | 'certificate' | 'endpoint';
    }
  /** `push --profile`: the profile grants no push (no aps-environment, or an unknown value). */
  | { kind: 'profile-without-push'; file: string; unknownValue: string | null }
  /** `push --profile`: the profile is for another app than the topic. */
  | { kind: 'profile-bundle-id'; file: string; bundleId: string; topic: string }
  /** `push --profile`: the profile has expired, so the build signed with it no longer launches. */
  | { kind: 'profile-expired'; file: string; expirationDate: Date }
  /** The core's advice about a request (push type, topic, environment), already in words. */
  | { kind: 'advice'; text: string };

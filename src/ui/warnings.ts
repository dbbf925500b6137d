/** A journey's warnings in words; the console puts "Warning:" in front. */
import { APNS_HOSTS } from '../core/apns/endpoints.js';
import { formatDate } from '../core/expiry.js';
import { escapeToOneLine } from '../core/safe-text.js';
import type { Environment } from '../core/pki/types.js';
import type { FlowWarning } from '../flows/warnings.js';
import { describeCertificate, newCertificateSteps, renewalStep } from './messages.js';

function envName(environment: Environment): string {
  return environment === 'sandbox' ? 'the sandbox' : 'production';
}

/** `740f4707…61bb78ad`: enough to tell tokens apart on one line. */
export function shortToken(token: string): string {
  return token.length <= 20 ? token : `${token.slice(0, 8)}…${token.slice(-8)}`;
}

export function describeWarning(warning: FlowWarning): string {
  switch (warning.kind) {
    case 'not-apns': {
      const what = warning.certificate.subject.commonName ?? 'a certificate';
      return warning.doing === 'convert'
        ? `${warning.file} holds ${what}, which is not an Apple Push Notification certificate; converting it anyway.`
        : `${warning.file} holds ${what}, which carries neither Apple's sandbox nor production push extension: APNs will most likely refuse it. Sending anyway.`;
    }
    case 'several-keys':
      return `${warning.file} holds ${warning.count} private keys; converted the one for ${describeCertificate(warning.certificate)}.`;
    case 'expired':
      return `the certificate in ${warning.file} expired on ${formatDate(warning.certificate.notAfter)}: APNs refuses expired certificates: ${newCertificateSteps(warning.file)}.`;
    case 'not-yet-valid':
      return `the certificate in ${warning.file} is not valid until ${formatDate(warning.certificate.notBefore)}: APNs will refuse it until then.`;
    case 'expiring':
      return `the certificate in ${warning.file} expires on ${formatDate(warning.certificate.notAfter)}, in ${warning.daysLeft} days: ${renewalStep(warning.file)}.`;
    case 'duplicate-token':
      return `the device token ${shortToken(warning.token)} is listed more than once; it is sent once.`;
    case 'more-duplicate-tokens':
      return `${warning.count} more ${warning.count === 1 ? 'line repeats a token' : 'lines repeat a token'} listed before; each token is sent once.`;
    case 'endpoint-environment':
      return `--env ${warning.requested}, but --endpoint is Apple's ${warning.endpointEnvironment === 'sandbox' ? 'sandbox' : 'production'} server; results are explained for ${envName(warning.endpointEnvironment)}.`;
    case 'profile-environment': {
      const why =
        warning.because === 'env'
          ? `--env ${warning.pushEnvironment} sends to ${envName(warning.pushEnvironment)}`
          : warning.because === 'endpoint'
            ? `--endpoint is Apple's ${warning.pushEnvironment === 'sandbox' ? 'sandbox' : 'production'} server`
            : `the certificate is for ${envName(warning.pushEnvironment)} only`;
      return `the profile ${warning.file} has aps-environment ${warning.apsEnvironment}: the build signed with it registers ${warning.tokenEnvironment === 'sandbox' ? 'sandbox' : 'production'} tokens (${APNS_HOSTS[warning.tokenEnvironment]}), but ${why}; APNs will most likely answer BadDeviceToken. Push with --env ${warning.tokenEnvironment}${warning.because === 'certificate' ? ` and ${warning.tokenEnvironment === 'sandbox' ? 'a development (sandbox)' : 'a production'} or universal certificate` : ''}.`;
    }
    case 'profile-without-push':
      return `the profile ${warning.file} has ${warning.unknownValue === null ? 'no aps-environment' : `an aps-environment APNs does not know ("${escapeToOneLine(warning.unknownValue)}")`}: its App ID has no Push Notifications capability, so the app signed with it cannot receive pushes. Turn on Push Notifications for the App ID at developer.apple.com (Identifiers), then download the profile again and rebuild.`;
    case 'profile-bundle-id':
      return `the profile ${warning.file} is for ${escapeToOneLine(warning.bundleId)}, but the push goes to the topic ${escapeToOneLine(warning.topic)}: a token from that build belongs to another app (APNs answers DeviceTokenNotForTopic). Pass the profile of the app you push to, or --topic ${escapeToOneLine(warning.bundleId)}.`;
    case 'profile-expired':
      return `the profile ${warning.file} expired on ${formatDate(warning.expirationDate)}: a build signed with it no longer launches, so its device tokens may be stale.`;
    case 'advice':
      // The core's advice starts with "Warning:", which the console adds itself.
      return warning.text.replace(/^Warning:\s*/, '');
  }
}

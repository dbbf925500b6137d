/**
 * Every way a push can get no HTTP answer, turned into one sentence with a next step: the
 * failures of the HTTP/2 connection (apns-connection.ts), classified from Node's and OpenSSL's
 * error codes and from how far the connection had got.
 */
import http2 from 'node:http2';
import { isIP } from 'node:net';
import { APNS_HOSTS, APNS_LEGACY_SANDBOX_HOST } from '../core/apns/endpoints.js';
import { describeReason, retryClassFor } from '../core/apns/reasons.js';
import { InputError, OperationError, type ApnsSetupError } from '../core/errors.js';
import type {
  ApnsConnectionFailure,
  ApnsConnectOptions,
  ApnsFailure,
} from '../flows/push-ports.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** The GOAWAY frame a server sent. */
export interface Goaway {
  code: number;
  lastStreamId: number;
  reason: string | null;
}

/** How far the connection got: it tells a refused certificate from an unreachable host. */
export type Phase = 'tcp' | 'tls' | 'http2' | 'open';

/** A push that got no HTTP answer. Exit 1: the operation ran and failed. */
export class ApnsConnectionError extends OperationError implements ApnsConnectionFailure {
  readonly failure: ApnsFailure;
  /** The server did not process the request: it may be sent again on a new connection. */
  readonly retryable: boolean;
  /** The `reason` in a GOAWAY frame's debug data (Apple sends `{"reason":"..."}`), else null. */
  readonly goawayReason: string | null;

  constructor(
    failure: ApnsFailure,
    message: string,
    details: { hint: string; cause?: unknown; retryable?: boolean; goawayReason?: string | null },
  ) {
    super('OPERATION_FAILED', message, { hint: details.hint, cause: details.cause });
    this.failure = failure;
    this.retryable = details.retryable ?? false;
    this.goawayReason = details.goawayReason ?? null;
  }
}

/** Why OpenSSL would not load the client certificate and key into a TLS context. */
export function describeCredentialError(error: unknown): ApnsSetupError {
  switch (errorCode(error as Error)) {
    // OpenSSL 3's default security level refuses SHA-1 and MD5 signatures, also on our own
    // certificate: Apple's push certificates were SHA-1 signed until about 2016.
    case 'ERR_SSL_CA_MD_TOO_WEAK':
      return new InputError(
        'UNSUPPORTED_FORMAT',
        'the certificate is signed with SHA-1 or MD5, which the OpenSSL 3 inside Node refuses to present in a TLS handshake.',
        {
          hint: 'Apple has signed push certificates with SHA-256 since 2016: make a new one (apns-setup csr, upload the CSR at developer.apple.com, then apns-setup import).',
          cause: error,
        },
      );
    case 'ERR_SSL_EE_KEY_TOO_SMALL':
      return new InputError(
        'UNSUPPORTED_FORMAT',
        "the certificate's key is too small for the OpenSSL 3 inside Node to use it.",
        {
          hint: 'Make a new key and certificate: apns-setup csr makes the 2048-bit RSA key Apple expects.',
          cause: error,
        },
      );
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return new InputError('KEY_MISMATCH', 'the private key does not belong to the certificate.', {
        hint: 'Pass the key that made the CSR this certificate was issued for.',
        cause: error,
      });
    default:
      return new ApnsConnectionError(
        'tls',
        `could not set up TLS with this certificate and key: ${describe(error)}.`,
        {
          hint: 'Check with `apns-setup inspect` that the key belongs to the certificate.',
          cause: error,
        },
      );
  }
}

/** The sentences of one connection's failures: they name its host, port and --ca. */
export class ConnectionFailures {
  readonly #options: Pick<ApnsConnectOptions, 'host' | 'port' | 'ca' | 'timeoutMs'>;

  constructor(options: Pick<ApnsConnectOptions, 'host' | 'port' | 'ca' | 'timeoutMs'>) {
    this.#options = options;
  }

  /** The connection ended before this request was written: sending it again is safe. */
  notSent(goaway: Goaway | null): ApnsConnectionError {
    return new ApnsConnectionError(
      goaway === null ? 'connection-lost' : 'goaway',
      goaway === null
        ? `the connection to ${this.#where()} had already closed.`
        : `${this.#where()} had closed the connection (GOAWAY${goaway.reason === null ? '' : `, reason ${goaway.reason}`}).`,
      {
        hint: 'Send again on a new connection.',
        retryable: true,
        goawayReason: goaway?.reason ?? null,
      },
    );
  }

  /** A stream reset (RST_STREAM) without an answer, while the connection itself is fine. */
  streamReset(rstCode: number, error: Error | null): ApnsConnectionError {
    const code = http2CodeName(rstCode);
    // RFC 9113 8.7: REFUSED_STREAM means the request was not processed, so it may be sent again.
    const refused = rstCode === NGHTTP2_REFUSED_STREAM;
    return new ApnsConnectionError(
      'stream-reset',
      `${this.#where()} reset the request without answering (HTTP/2 ${code}).`,
      {
        hint: refused
          ? 'The server refused the request before processing it; try again.'
          : 'Try again; if it keeps happening, check that --endpoint points at an APNs server.',
        retryable: refused,
        cause: error ?? undefined,
      },
    );
  }

  goaway(goaway: Goaway, id: number | undefined): ApnsConnectionError {
    // RFC 9113 6.8: streams above the last stream id were not processed.
    const unprocessed = id === undefined || id > goaway.lastStreamId;
    const retryable =
      unprocessed ||
      goaway.reason === null ||
      retryClassFor(null, goaway.reason) !== 'no' ||
      goaway.code === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM;
    const why = [
      goaway.reason === null ? null : `reason ${goaway.reason}`,
      goaway.code === NGHTTP2_NO_ERROR ? null : http2CodeName(goaway.code),
    ].filter((part) => part !== null);
    return new ApnsConnectionError(
      'goaway',
      `${this.#where()} closed the connection (GOAWAY${why.length > 0 ? `, ${why.join(', ')}` : ''}) before answering.`,
      {
        hint: retryable
          ? 'APNs does this when a server goes down for maintenance or the connection is old: send again on a new connection.'
          : (describeReason(goaway.reason ?? '')?.fix ??
            `Look up "${goaway.reason}" in Apple's "Handling notification responses from APNs".`),
        retryable,
        goawayReason: goaway.reason,
      },
    );
  }

  /** A TLS server that did not agree to speak HTTP/2. */
  notHttp2(protocol: string | null): ApnsConnectionError {
    return new ApnsConnectionError(
      'not-http2',
      `${this.#where()} is a TLS server but not an HTTP/2 one (the handshake did not agree on ALPN h2${protocol === null ? '' : `; it chose ${protocol}`}).`,
      {
        hint: 'Point --endpoint at an APNs-compatible HTTP/2 server, such as `apns-setup sandbox`.',
      },
    );
  }

  /** An answer larger than any APNs answer: reading stopped at `limit` bytes. */
  answerTooLarge(status: number | null, limit: number): ApnsConnectionError {
    return new ApnsConnectionError(
      'answer-too-large',
      `${this.#where()} sent an answer${status === null ? '' : ` (HTTP ${status})`} of more than ${Math.round(limit / 1024)} KB, where APNs answers are a few hundred bytes: apns-setup stopped reading it.`,
      { hint: 'Check that --endpoint points at an APNs server.' },
    );
  }

  /**
   * Names what went wrong from the error (if any), how far the connection had got, and how many
   * bytes the server had sent on the TCP connection (none: it hung up before TLS began).
   */
  fromError(
    error: Error | null,
    phase: Phase,
    goaway: Goaway | null,
    bytesFromServer = 0,
  ): ApnsConnectionError {
    const root = rootCause(error);
    const code = errorCode(root);
    const where = this.#where();
    if (goaway !== null && phase === 'open') return this.goaway(goaway, undefined);

    if (code !== undefined && NOT_TLS_CODES.has(code)) {
      return new ApnsConnectionError(
        'not-tls',
        `${where} did not answer in TLS: it is not an HTTPS server (a plain HTTP server or another protocol listens there).`,
        {
          hint: this.#isApple()
            ? 'Something between here and Apple answers in its place (a proxy or captive portal): check the network.'
            : 'Check the --endpoint URL: APNs and `apns-setup sandbox` speak HTTP/2 over TLS (https://).',
          cause: root,
        },
      );
    }

    if (code !== undefined && UNREACHABLE_CODES.has(code)) {
      return new ApnsConnectionError(
        'unreachable',
        `APNs unreachable: ${where} (${unreachableReason(code, root)}).`,
        {
          hint: this.#isApple()
            ? 'Check the network connection and any firewall or proxy; networks that block outbound port 443 to servers other than web sites often allow --port 2197.'
            : 'Check that the server is running at that address (`apns-setup sandbox` prints its URL).',
          cause: root,
        },
      );
    }
    if (code !== undefined && UNTRUSTED_SERVER_CODES.has(code)) {
      const altName = code === 'ERR_TLS_CERT_ALTNAME_INVALID';
      return new ApnsConnectionError(
        'server-untrusted',
        altName
          ? `the server's certificate is not trusted: it is not issued for ${this.#options.host} (${code}).`
          : `the server's certificate is not trusted (${code}: ${root?.message ?? 'verification failed'}).`,
        { hint: this.#untrustedHint(altName), cause: root },
      );
    }
    const alert = code === undefined ? null : tlsAlertOf(code);
    if (alert !== null) {
      const rejection = CERTIFICATE_ALERTS[alert];
      if (rejection !== undefined) {
        return new ApnsConnectionError(
          'client-certificate-rejected',
          `the server rejected the client certificate (${rejection}; TLS alert ${alert.toLowerCase()}).`,
          { hint: clientCertificateHint(alert), cause: root },
        );
      }
      if (alert === 'NO_APPLICATION_PROTOCOL') {
        return new ApnsConnectionError(
          'not-http2',
          `${where} does not speak HTTP/2 (TLS alert no_application_protocol).`,
          {
            hint: 'Point --endpoint at an APNs-compatible HTTP/2 server, such as `apns-setup sandbox`.',
            cause: root,
          },
        );
      }
      return new ApnsConnectionError(
        'tls',
        `the TLS handshake with ${where} failed (TLS alert ${alert.toLowerCase()}).`,
        {
          hint: 'Check that --endpoint points at an APNs server and that nothing on the network intercepts TLS.',
          cause: root,
        },
      );
    }
    switch (phase) {
      case 'tcp':
        return new ApnsConnectionError(
          'unreachable',
          `APNs unreachable: ${where} (${describe(root)}).`,
          {
            hint: 'Check the network connection and the address.',
            cause: root,
          },
        );
      case 'tls':
        if (bytesFromServer === 0) {
          // Not a word of TLS: nothing was refused, the server just hung up.
          return new ApnsConnectionError(
            'closed-before-tls',
            `${where} closed the connection before the TLS handshake began (it sent nothing).`,
            {
              hint: this.#isApple()
                ? 'Something on the network cuts connections to Apple: check the firewall or proxy, or try --port 2197.'
                : 'Something accepts connections there but is not an APNs server, or it turns this client away: check the --endpoint URL.',
              cause: root,
            },
          );
        }
        // TLS 1.2: the server sees the certificate before finishing the handshake, and Node's
        // rejectUnauthorized closes the socket without sending an alert.
        return new ApnsConnectionError(
          'client-certificate-rejected',
          'the server rejected the client certificate (it closed the connection during the TLS handshake).',
          { hint: clientCertificateHint(null), cause: root },
        );
      case 'http2':
        // TLS 1.3: the handshake is complete for the client before the server has checked the
        // certificate; a refusal is a closed socket, with no HTTP/2 frame at all.
        return new ApnsConnectionError(
          'client-certificate-rejected',
          `the server rejected the client certificate (it closed the connection right after the TLS handshake, before any HTTP/2 exchange${root ? `: ${describe(root)}` : ''}).`,
          { hint: clientCertificateHint(null), cause: root },
        );
      case 'open':
        if (
          root !== null &&
          code !== undefined &&
          code.startsWith('ERR_HTTP2_') &&
          code !== 'ERR_HTTP2_STREAM_CANCEL'
        ) {
          return new ApnsConnectionError(
            'protocol',
            `the HTTP/2 exchange with ${where} failed: ${describe(root)}.`,
            {
              hint: 'Try again; if it keeps happening, check that --endpoint points at an APNs server.',
              cause: root,
            },
          );
        }
        return new ApnsConnectionError(
          'connection-lost',
          `the connection to ${where} closed before the server answered${root ? ` (${describe(root)})` : ''}.`,
          {
            hint: 'The push may or may not have been delivered; check the network and try again.',
            cause: root,
          },
        );
    }
  }

  /** The --timeout ran out: while connecting, or waiting for an answer (after a GOAWAY, maybe). */
  timeout(stage: 'connect' | 'answer', goaway: Goaway | null): ApnsConnectionError {
    const seconds = formatSeconds(this.#options.timeoutMs);
    const where = this.#where();
    return new ApnsConnectionError(
      'timeout',
      stage === 'connect'
        ? `could not connect to ${where} within ${seconds} (--timeout).`
        : goaway !== null
          ? `${where} said it was closing the connection (GOAWAY${goaway.reason === null ? '' : `, reason ${goaway.reason}`}) and then did not answer within ${seconds} (--timeout): the push may or may not have been delivered.`
          : `${where} did not answer within ${seconds} (--timeout).`,
      {
        hint:
          stage === 'connect' && this.#isApple()
            ? 'Check the network connection and any firewall; networks that block outbound port 443 often allow --port 2197. Allow more time with --timeout SECONDS.'
            : 'Check that the server is an APNs-compatible HTTP/2 server, or allow more time with --timeout SECONDS.',
      },
    );
  }

  #untrustedHint(altName: boolean): string {
    if (altName) {
      return 'Connect with the name or address the certificate was issued for (the URL `apns-setup sandbox` prints).';
    }
    if (this.#options.ca !== undefined) {
      return 'The --ca file does not hold the CA that issued the server certificate: pass the caFile that `apns-setup sandbox --json` prints.';
    }
    return this.#isApple()
      ? "Apple's servers chain to USERTrust RSA Certification Authority since 2025: update Node or the system's CA store, and check that no proxy intercepts TLS."
      : "Pass --ca FILE for a local sandbox: the CA certificate that issued the server's certificate.";
  }

  #isApple(): boolean {
    const host = this.#options.host.toLowerCase();
    return (
      host === APNS_HOSTS.sandbox ||
      host === APNS_HOSTS.production ||
      host === APNS_LEGACY_SANDBOX_HOST
    );
  }

  #where(): string {
    const { host, port } = this.#options;
    return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  }
}

/** OpenSSL's words for bytes that are not a TLS record: the server speaks something else. */
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** Node's and OpenSSL's names for a server certificate that does not verify. */
const UNTRUSTED_SERVER_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts (RFC 8446 6.2) a server sends when it refuses the client's certificate. */
const CERTIFICATE_ALERTS: Readonly<Record<string, string>> = {
  BAD_CERTIFICATE: 'it found the certificate bad or unverifiable',
  UNSUPPORTED_CERTIFICATE: 'it does not accept this kind of certificate',
  CERTIFICATE_REVOKED: 'the certificate has been revoked',
  CERTIFICATE_EXPIRED: 'the certificate has expired or is not yet valid',
  CERTIFICATE_UNKNOWN: 'it could not accept the certificate',
  UNKNOWN_CA: "it does not trust the certificate's issuer",
  ACCESS_DENIED: 'it refused access to this certificate',
  CERTIFICATE_REQUIRED: 'it received no client certificate',
  HANDSHAKE_FAILURE: 'the TLS handshake failed, most often over the certificate',
  DECRYPT_ERROR: 'the certificate and key did not prove themselves',
};

/** `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` → `CERTIFICATE_REQUIRED`. */
function tlsAlertOf(code: string): string | null {
  return /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code)?.[1] ?? null;
}

function clientCertificateHint(alert: string | null): string {
  if (alert === 'CERTIFICATE_EXPIRED') {
    return 'Make a new push certificate: apns-setup csr, upload the CSR at developer.apple.com, then apns-setup import.';
  }
  if (alert === 'CERTIFICATE_REVOKED') {
    return 'Make a new push certificate in the Apple Developer portal and bring it in with `apns-setup import`.';
  }
  return 'Check with `apns-setup inspect` that it is a current Apple push certificate with its own key; a local server must trust its issuer (apns-setup sandbox --client-ca).';
}

function unreachableReason(code: string, error: Error | null): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return 'the host name does not resolve';
    case 'EAI_AGAIN':
      return 'the host name could not be resolved now (DNS)';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'no route to the host';
    default:
      return describe(error);
  }
}

/** Node wraps the error that ended a session in ERR_HTTP2_STREAM_CANCEL for each open stream. */
function rootCause(error: Error | null): Error | null {
  let current = error;
  while (
    current !== null &&
    errorCode(current) === 'ERR_HTTP2_STREAM_CANCEL' &&
    current.cause instanceof Error
  ) {
    current = current.cause;
  }
  return current;
}

function errorCode(error: Error | null): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // OpenSSL messages carry a library path and a trailing newline: keep the first line.
  const message = error.message.split('\n')[0]!.trim();
  const code = errorCode(error);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/** RFC 9113 section 7. */
const HTTP2_ERROR_CODES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

function http2CodeName(code: number): string {
  return HTTP2_ERROR_CODES[code] ?? `error ${code}`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

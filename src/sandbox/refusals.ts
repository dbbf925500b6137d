/**
 * Why a connection never got to send a push, in words: the TLS handshake failed, or the client
 * did not speak HTTP/2. The client often cannot tell (on TLS 1.3 a refused client certificate
 * reaches Node's http2 client as a stream closed with code 8 and no error), so the sandbox
 * says it in its own log.
 */

export interface RefusalLogEntry {
  event: 'connection-refused';
  time: string;
  /** OpenSSL's verification code (CERT_HAS_EXPIRED…), Node's error code, or NO_HTTP2. */
  reason: string;
  explanation: string;
}

/** A connection the sandbox closed after it had begun: the client broke HTTP/2. */
export interface ClosedConnectionLogEntry {
  event: 'connection-closed';
  time: string;
  /** TOO_MANY_STREAMS, UNRESPONSIVE, or Node's error code. */
  reason: string;
  explanation: string;
}

const UNTRUSTED =
  "the client certificate was not issued by a CA this sandbox trusts (its local portal CA, Apple's WWDR CAs, or --client-ca)";

/** OpenSSL verification results (X509_V_ERR_* as Node names them) for a client certificate. */
const VERIFY_ERRORS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED:
    'the client certificate has expired (Apple refuses it during the handshake too)',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet: check the clock of either machine',
  DEPTH_ZERO_SELF_SIGNED_CERT: `the client certificate is self-signed: ${UNTRUSTED}`,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  CERT_SIGNATURE_FAILURE: 'the client certificate signature does not verify: it was altered',
  INVALID_PURPOSE:
    'the client certificate is not for client authentication (an APNs certificate is)',
  CERT_REVOKED: 'the client certificate was revoked',
};

/** Errors of the handshake itself (Node's ERR_SSL_* codes). */
const HANDSHAKE_ERRORS: Readonly<Record<string, string>> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    'the client sent no certificate: APNs (and this sandbox) needs the push certificate and its key, e.g. ck.pem',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA:
    "the client does not trust this sandbox's server certificate: give it the sandbox CA (push --ca, curl --cacert)",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE:
    "the client refused this sandbox's server certificate: give it the sandbox CA (push --ca, curl --cacert), and connect to a name the certificate holds (localhost, 127.0.0.1, ::1 or --host)",
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    "the client refused this sandbox's server certificate: give it the sandbox CA (push --ca, curl --cacert), and connect to a name the certificate holds (localhost, 127.0.0.1, ::1 or --host)",
  ERR_SSL_NO_APPLICATION_PROTOCOL:
    'the client did not offer HTTP/2 (ALPN h2): APNs speaks HTTP/2 only (curl needs --http2)',
  ERR_SSL_HTTP_REQUEST: 'the client spoke plain HTTP: APNs is HTTPS (HTTP/2 over TLS) only',
  ERR_SSL_WRONG_VERSION_NUMBER:
    'the client did not speak TLS: APNs is HTTPS (HTTP/2 over TLS) only',
  ERR_SSL_UNSUPPORTED_PROTOCOL:
    'the client offered a TLS version older than 1.2, which APNs refuses',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE:
    'the client offered a TLS version older than 1.2, which APNs refuses',
};

/**
 * Describes a failed handshake: `errorCode` is the error's code, `verifyError` the socket's
 * authorizationError (set when Node refused the client certificate). Null for a client that
 * merely hung up mid-handshake (a port probe), which is not worth a log line.
 */
export function describeTlsRefusal(
  errorCode: string | undefined,
  verifyError: string | null | undefined,
  message: string,
  now: Date,
): RefusalLogEntry | null {
  const time = now.toISOString();
  if (verifyError) {
    const explanation =
      VERIFY_ERRORS[verifyError] ?? `the client certificate was refused (${verifyError})`;
    return { event: 'connection-refused', time, reason: verifyError, explanation };
  }
  if (errorCode === 'ECONNRESET' || errorCode === 'EPIPE') return null;
  const reason = errorCode ?? 'TLS_ERROR';
  const explanation = HANDSHAKE_ERRORS[reason] ?? `the TLS handshake failed: ${firstLine(message)}`;
  return { event: 'connection-refused', time, reason, explanation };
}

export function describeNoHttp2(now: Date): RefusalLogEntry {
  return {
    event: 'connection-refused',
    time: now.toISOString(),
    reason: 'NO_HTTP2',
    explanation:
      'the client did not offer HTTP/2 (ALPN h2): APNs speaks HTTP/2 only (curl needs --http2)',
  };
}

/**
 * A connection the client broke: Node's HTTP/2 server (nghttp2) ends it at once, without a word
 * to the client, when a client opens more requests than SETTINGS_MAX_CONCURRENT_STREAMS allows
 * or breaks the protocol otherwise.
 */
export function describeBrokenSession(
  errorCode: string | undefined,
  message: string,
  mostOpenStreams: number,
  maxConcurrentStreams: number,
  now: Date,
): ClosedConnectionLogEntry {
  const time = now.toISOString();
  // nghttp2 says only "Protocol error"; a connection that had reached the limit went past it.
  if (mostOpenStreams >= maxConcurrentStreams) {
    return {
      event: 'connection-closed',
      time,
      reason: 'TOO_MANY_STREAMS',
      explanation: `the client opened more than ${maxConcurrentStreams} requests at once on one connection, more than the sandbox allows (its SETTINGS_MAX_CONCURRENT_STREAMS; APNs advertises 1000): wait for answers before sending more`,
    };
  }
  return {
    event: 'connection-closed',
    time,
    reason: errorCode ?? 'HTTP2_ERROR',
    explanation: `the client broke the HTTP/2 protocol (${firstLine(message)})`,
  };
}

/** A connection that stopped answering PING: Node's server leaves some broken ones hanging. */
export function describeUnresponsive(now: Date): ClosedConnectionLogEntry {
  return {
    event: 'connection-closed',
    time: now.toISOString(),
    reason: 'UNRESPONSIVE',
    explanation:
      'the connection stopped responding (after a request header over 64 KB, for one) and was closed',
  };
}

function firstLine(message: string): string {
  // OpenSSL: "<thread>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:"; the
  // reason is what a person can act on.
  const line = message.split('\n')[0] ?? message;
  const parts = line.split(':');
  return parts.length >= 7 && parts[1] === 'error' ? (parts[5] ?? line).trim() : line.trim();
}

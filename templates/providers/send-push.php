<?php
// A minimal APNs provider in PHP: curl over HTTP/2 with a certificate (ck.pem from apns-setup).
//
//   php send-push.php ck.pem DEVICE_TOKEN BUNDLE_ID [production]
//   APNS_URL=https://127.0.0.1:8443 APNS_CA=.apns-sandbox/ca.pem php send-push.php ck.pem TOKEN BUNDLE_ID   (local sandbox)
//
// Inputs: ck.pem (the certificate and its unencrypted key in one file), the device token (hex;
// spaces and <> are stripped), the bundle id (the apns-topic) and `production` to send to
// api.push.apple.com instead of api.sandbox.push.apple.com. APNS_URL replaces the server (such as
// `apns-setup sandbox`), APNS_CA names a CA file to trust for it.
//
// It prints one line and exits 0 when APNs accepted the notification:
//   accepted: apns-id 6F0BFA4B-…
// or 1 when APNs rejected it (stdout) or no answer came (stderr):
//   rejected: 400 BadDeviceToken
//   connection failed (https://api.sandbox.push.apple.com): <why>
// and 2 on bad usage or a missing curl with HTTP/2 (stderr).
//
// The classic tutorials' PHP sender used stream_socket_client('ssl://gateway.push.apple.com:2195'):
// that binary protocol was shut down on 31 March 2021. APNs now speaks HTTP/2 only, which PHP
// reaches through curl built with nghttp2 (Debian/Ubuntu: apt-get install php-cli php-curl).
// Sending many notifications? Reuse one curl handle for all of them: Apple treats rapid
// connect/disconnect as abuse.

if (!function_exists('curl_init')) {
    fwrite(STDERR, "PHP's curl extension is missing (Debian/Ubuntu: apt-get install php-curl)\n");
    exit(2);
}
if (!(curl_version()['features'] & CURL_VERSION_HTTP2)) {
    fwrite(STDERR, 'this PHP\'s curl (libcurl ' . curl_version()['version'] . ") has no HTTP/2, the only protocol APNs speaks\n");
    exit(2);
}
if ($argc < 4 || $argc > 5 || ($argc === 5 && $argv[4] !== 'production')) {
    fwrite(STDERR, "usage: php send-push.php ck.pem DEVICE_TOKEN BUNDLE_ID [production]\n");
    exit(2);
}
[, $pem, $token, $topic] = $argv;
if (!is_readable($pem)) {
    fwrite(STDERR, "cannot read $pem: pass the ck.pem apns-setup wrote (certificate + unencrypted key)\n");
    exit(2);
}
$url = $argc === 5 ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com';
$url = rtrim(getenv('APNS_URL') ?: $url, '/');
$token = preg_replace('/[<>\s]/', '', $token);

$payload = json_encode(['aps' => ['alert' => ['title' => 'apns-setup', 'body' => 'Hello from PHP'], 'sound' => 'default']]);

$ch = curl_init("$url/3/device/$token");
curl_setopt_array($ch, [
    CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_2_0,
    CURLOPT_SSLCERT => $pem,                  // ck.pem: certificate + unencrypted key in one file
    CURLOPT_POST => true,
    CURLOPT_POSTFIELDS => $payload,
    CURLOPT_HTTPHEADER => [
        "apns-topic: $topic",
        'apns-push-type: alert',
        'apns-priority: 10',
        'content-type: application/json',
    ],
    CURLOPT_HEADER => true,
    CURLOPT_RETURNTRANSFER => true,
    // Without these curl waits 300 s to connect and forever for an answer.
    CURLOPT_CONNECTTIMEOUT => 10,
    CURLOPT_TIMEOUT => 10,
]);
if (getenv('APNS_CA')) {
    curl_setopt($ch, CURLOPT_CAINFO, getenv('APNS_CA'));
}
$response = curl_exec($ch);
$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
if ($response === false || $status === 0) {
    if (curl_errno($ch) === CURLE_OPERATION_TIMEOUTED) {
        $why = 'no answer within 10 s';
    } elseif (curl_getinfo($ch, CURLINFO_APPCONNECT_TIME_T) > 0) {
        // TLS 1.3 checks the client certificate after the handshake: a refusal arrives as a
        // closed connection, which curl reports as a broken HTTP/2 stream.
        $why = 'the server closed the connection without answering; over TLS 1.3 that is how it '
            . 'refuses a client certificate (wrong environment, expired or revoked?)';
    } else {
        $why = curl_error($ch);
    }
    fwrite(STDERR, "connection failed ($url): $why\n");
    exit(1);
}
$headers = substr($response, 0, curl_getinfo($ch, CURLINFO_HEADER_SIZE));
$body = substr($response, curl_getinfo($ch, CURLINFO_HEADER_SIZE));
if ($status === 200) {
    preg_match('/^apns-id:\s*(\S+)/mi', $headers, $id);
    echo 'accepted: apns-id ' . ($id[1] ?? '(none)') . "\n";
    exit(0);
}
// Error bodies are {"reason": "BadDeviceToken"}; `apns-setup push` explains each reason.
$reason = json_decode($body, true)['reason'] ?? '(no reason given)';
echo "rejected: $status $reason\n";
exit(1);

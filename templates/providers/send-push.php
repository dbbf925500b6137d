<?php
// A minimal APNs provider in PHP: curl over HTTP/2 with a certificate (ck.pem from apns-setup).
//
//   php send-push.php ck.pem DEVICE_TOKEN com.example.app [production]
//
// The classic tutorials' PHP sender used stream_socket_client('ssl://gateway.push.apple.com:2195'):
// that binary protocol was shut down on 31 March 2021. APNs now speaks HTTP/2 only, which PHP
// reaches through curl (built with nghttp2: check `php -r 'var_dump(curl_version()["features"] & CURL_VERSION_HTTP2);'`).

if ($argc < 4) {
    fwrite(STDERR, "usage: php send-push.php ck.pem DEVICE_TOKEN BUNDLE_ID [production]\n");
    exit(2);
}
[$script, $pem, $token, $topic] = $argv;
$host = ($argv[4] ?? '') === 'production' ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com';
$host = getenv('APNS_URL') ?: $host;          // e.g. https://127.0.0.1:8443 for `apns-setup sandbox`
$token = preg_replace('/[<>\s]/', '', $token);

$payload = json_encode(['aps' => ['alert' => ['title' => 'apns-setup', 'body' => 'Hello from PHP'], 'sound' => 'default']]);

$ch = curl_init("$host/3/device/$token");
curl_setopt_array($ch, [
    CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_2_0,
    CURLOPT_SSLCERT => $pem,                  // ck.pem: certificate + unencrypted key in one file
    CURLOPT_POST => true,
    CURLOPT_POSTFIELDS => $payload,
    CURLOPT_HTTPHEADER => [
        "apns-topic: $topic",
        'apns-push-type: alert',
        'apns-priority: 10',
    ],
    CURLOPT_HEADER => true,
    CURLOPT_RETURNTRANSFER => true,
]);
if (getenv('APNS_CA')) {
    curl_setopt($ch, CURLOPT_CAINFO, getenv('APNS_CA'));
}
$response = curl_exec($ch);
if ($response === false) {
    fwrite(STDERR, 'connection failed: ' . curl_error($ch) . "\n");
    exit(1);
}
$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
$body = substr($response, curl_getinfo($ch, CURLINFO_HEADER_SIZE));
preg_match('/^apns-id: (.+)$/mi', $response, $id);
if ($status === 200) {
    echo 'accepted: apns-id ' . trim($id[1] ?? '') . "\n";
} else {
    // Error bodies are {"reason": "BadDeviceToken"}; see apns-setup's explanations for each.
    echo "rejected: $status " . (json_decode($body, true)['reason'] ?? '') . "\n";
    exit(1);
}

#!/usr/bin/env node
// A minimal APNs provider over HTTP/2 with a certificate (ck.pem from apns-setup), no dependencies.
//
//   node send-push.mjs ck.pem DEVICE_TOKEN [--topic com.example.app] [--production] [--message "Hello"]
//   APNS_URL=https://127.0.0.1:8443 APNS_CA=.apns-sandbox/ca.pem node send-push.mjs ck.pem TOKEN   (local sandbox)
//
// Inputs: ck.pem (the certificate and its unencrypted key in one file), the device token (hex;
// spaces and <> are stripped), --topic (default: the bundle id in the certificate), --production
// to send to api.push.apple.com instead of api.sandbox.push.apple.com, --message for the alert.
// APNS_URL replaces the server (such as `apns-setup sandbox`), APNS_CA names a CA file to trust
// for it.
//
// It prints one line and exits 0 when APNs accepted the notification:
//   accepted: apns-id 6F0BFA4B-…
// or 1 when APNs rejected it (stdout) or no answer came (stderr):
//   rejected: 400 BadDeviceToken
//   connection failed (https://api.sandbox.push.apple.com): <why>
// and 2 on bad usage (stderr).
//
// Keep ONE connection open and send every notification over it: Apple treats rapid
// connect/disconnect as abuse. The legacy binary protocol (gateway.push.apple.com:2195) this
// replaces was shut down on 31 March 2021.
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { X509Certificate } from 'node:crypto';

const TIMEOUT_SECONDS = 10;
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args.splice(i, 2)[1];
};
const production = args.includes('--production') && args.splice(args.indexOf('--production'), 1);
const message = flag('--message') ?? 'Hello from your provider';
let topic = flag('--topic');
const [pemFile, token] = args;
const usage = (problem) => {
  if (problem) console.error(problem);
  else
    console.error(
      'usage: node send-push.mjs ck.pem DEVICE_TOKEN [--topic BUNDLE_ID] [--production] [--message TEXT]',
    );
  process.exit(2);
};
if (!pemFile || !token || args.length > 2) usage();

// ck.pem holds the certificate and its unencrypted key; Node picks each out of the same PEM.
let pem;
try {
  pem = readFileSync(pemFile);
} catch {
  usage(`cannot read ${pemFile}: pass the ck.pem apns-setup wrote (certificate + unencrypted key)`);
}
if (!topic) {
  // The bundle id is the certificate subject's UID.
  try {
    topic = /^UID=(.+)$/m.exec(new X509Certificate(pem).subject)?.[1];
  } catch {
    usage(`${pemFile} holds no certificate: pass the ck.pem apns-setup wrote`);
  }
  if (!topic) usage(`no bundle id (UID) in the certificate of ${pemFile}: pass --topic BUNDLE_ID`);
}
let ca;
try {
  ca = process.env.APNS_CA ? readFileSync(process.env.APNS_CA) : undefined;
} catch {
  usage(`cannot read APNS_CA=${process.env.APNS_CA}: name the CA file of the server to trust`);
}
const url = (
  process.env.APNS_URL ||
  (production ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com')
).replace(/\/+$/, '');

let why = null; // why no answer came, the first explanation wins
let handshakeDone = false; // TLS
let serverSpoke = false; // HTTP/2: the server's SETTINGS
let timedOut = false;
const session = http2.connect(url, {
  cert: pem,
  key: pem,
  ...(ca ? { ca } : {}),
});
session.on('connect', () => (handshakeDone = true));
session.on('remoteSettings', () => (serverSpoke = true));
session.on('error', (error) => (why ??= error.message));
// Without a timeout a server that never answers (a dropped packet, a firewall) hangs forever.
session.setTimeout(TIMEOUT_SECONDS * 1000, () => {
  timedOut = true;
  why = `no answer within ${TIMEOUT_SECONDS} s`;
  session.destroy();
});

const body = JSON.stringify({
  aps: { alert: { title: 'apns-setup', body: message }, sound: 'default' },
});
const request = session.request({
  ':method': 'POST',
  ':path': `/3/device/${token.replace(/[<>\s]/g, '')}`,
  'apns-topic': topic,
  'apns-push-type': 'alert',
  'apns-priority': '10',
  'content-type': 'application/json',
});
let headers = null;
let response = '';
request.on('response', (received) => (headers = received));
request.setEncoding('utf8');
request.on('data', (chunk) => (response += chunk));
// A failed connection cancels the stream with the connection's error as its cause.
request.on('error', (error) => (why ??= (error.cause ?? error).message));
request.on('close', () => {
  session.close();
  if (!headers) {
    // TLS 1.3 checks the client certificate after the handshake: a refusal closes the
    // connection before the server's first HTTP/2 frame (seen as no error, or ECONNRESET).
    if (handshakeDone && !serverSpoke && !timedOut) {
      why =
        'the server closed the connection without answering; over TLS 1.3 that is how it ' +
        'refuses a client certificate (wrong environment, expired or revoked?)';
    }
    console.error(
      `connection failed (${url}): ${why ?? 'the server closed the connection without answering'}`,
    );
    process.exitCode = 1;
  } else if (headers[':status'] === 200) {
    console.log(`accepted: apns-id ${headers['apns-id'] ?? '(none)'}`);
  } else {
    // Error bodies are {"reason": "BadDeviceToken"}; `apns-setup push` explains each reason.
    let reason = '(no reason given)';
    try {
      reason = JSON.parse(response).reason ?? reason;
    } catch {
      // not JSON: a proxy's page, not APNs
    }
    console.log(`rejected: ${headers[':status']} ${reason}`);
    process.exitCode = 1;
  }
});
request.end(body);

#!/usr/bin/env node
// A minimal APNs provider over HTTP/2 with a certificate (ck.pem from apns-setup), no dependencies.
//
//   node send-push.mjs ck.pem DEVICE_TOKEN [--topic com.example.app] [--production] [--message "Hello"]
//   APNS_URL=https://127.0.0.1:8443 APNS_CA=.apns-sandbox/ca.pem node send-push.mjs ck.pem TOKEN   (local sandbox)
//
// Keep ONE connection open and send every notification over it: Apple treats rapid
// connect/disconnect as abuse. The legacy binary protocol (gateway.push.apple.com:2195) this
// replaces was shut down on 31 March 2021.
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { X509Certificate } from 'node:crypto';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args.splice(i, 2)[1];
};
const production = args.includes('--production') && args.splice(args.indexOf('--production'), 1);
const message = flag('--message') ?? 'Hello from your provider';
let topic = flag('--topic');
const [pemFile, token] = args;
if (!pemFile || !token) {
  console.error(
    'usage: node send-push.mjs ck.pem DEVICE_TOKEN [--topic BUNDLE_ID] [--production] [--message TEXT]',
  );
  process.exit(2);
}

// ck.pem holds the certificate and its unencrypted key; Node picks each out of the same PEM.
const pem = readFileSync(pemFile);
// The bundle id is the certificate subject's UID.
topic ??= /UID=([^\n,]+)/.exec(new X509Certificate(pem).subject)?.[1];
const url =
  process.env.APNS_URL ??
  (production ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com');

const session = http2.connect(url, {
  cert: pem,
  key: pem,
  ...(process.env.APNS_CA ? { ca: readFileSync(process.env.APNS_CA) } : {}),
});
session.on('error', (error) => {
  console.error(`connection failed: ${error.message}`);
  process.exitCode = 1;
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
let status = 0;
let apnsId = '';
let response = '';
request.on('response', (headers) => {
  status = headers[':status'];
  apnsId = headers['apns-id'] ?? '';
});
request.setEncoding('utf8');
request.on('data', (chunk) => (response += chunk));
request.on('end', () => {
  if (status === 200) {
    console.log(`accepted: apns-id ${apnsId}`);
  } else {
    // Error bodies are {"reason": "BadDeviceToken"}; see apns-setup's explanations for each.
    console.log(`rejected: ${status} ${JSON.parse(response || '{}').reason ?? ''}`);
    process.exitCode = 1;
  }
  session.close();
});
request.end(body);

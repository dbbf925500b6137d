// One process of the Secret Service test (test/e2e/keychain-secret-service.test.ts): opens the
// OS keychain through the built adapter, does one thing, and prints one JSON line.
//   node keychain-client.mjs probe
//   node keychain-client.mjs store|read|delete KEY_FILE   (secret in KEYCHAIN_TEST_SECRET)
//   node keychain-client.mjs lock-then-store KEY_FILE     (locks the login keyring in between)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { keychainAccountFor, openKeychain } = await import(
  new URL('../../dist/adapters/keychain.js', import.meta.url).href
);
const [step, keyFile] = process.argv.slice(2);
const secret = process.env.KEYCHAIN_TEST_SECRET ?? '';

function print(record) {
  process.stdout.write(`${JSON.stringify({ step, ...record })}\n`);
}

const started = performance.now();
const keychain = await openKeychain({ timeoutMs: 20_000 });
const opened = { ms: Math.round(performance.now() - started) };
if (!keychain.available) {
  print({ ...keychain, ...opened });
} else if (step === 'probe') {
  print({ available: true, store: keychain.store, ...opened });
} else {
  const account = keychainAccountFor(readFileSync(keyFile));
  try {
    if (step === 'store') {
      await keychain.set(account, secret);
      print({ available: true, account, stored: true });
    } else if (step === 'read') {
      print({ available: true, account, value: (await keychain.get(account)) ?? null });
    } else if (step === 'delete') {
      print({ available: true, account, deleted: await keychain.delete(account) });
    } else if (step === 'lock-then-store') {
      execFileSync(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ],
        { stdio: 'ignore' },
      );
      await keychain.set(account, secret);
      print({ available: true, account, stored: true });
    } else {
      print({ error: `unknown step ${step}` });
    }
  } catch (error) {
    print({
      available: true,
      error: { name: error.name, code: error.code, message: error.message, hint: error.hint },
    });
  }
}

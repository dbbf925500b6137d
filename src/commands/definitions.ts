/**
 * Every command, its flags and its help, in one list. Only commander is loaded here: each
 * command's own module (and the libraries it needs) is reached through modules.ts, or is bundled
 * with the command line in a file of its own (scripts/build.mjs), so that no command pays for
 * another's code, nor for prompts or node-forge it never uses.
 */
import { RENEWAL_WINDOW_DAYS } from '../core/expiry.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  OptionValueError,
  optionValueParsers,
  type OptionValueName,
  type OptionValueParser,
} from './option-values.js';

/** Every command, by name; commandModules (modules.ts) has one module for each. */
export type CommandName =
  | 'wizard'
  | 'csr'
  | 'import'
  | 'convert'
  | 'inspect'
  | 'check'
  | 'doctor'
  | 'renew'
  | 'push'
  | 'sandbox'
  | 'demo';

/** What commander shows of a command: its name, flags and help. Its code is elsewhere. */
export interface CommandDefinition {
  name: CommandName;
  configure(command: Command): void;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the operation ran and failed (APNs rejected the push, a certificate expires within --days)
  2    invalid input or usage (unreadable, corrupt or unsupported file, wrong passphrase, key does
       not match, not an APNs certificate, bad flags, a prompt needed without a terminal,
       an output file exists without --force)
  3    check: a certificate has already expired
  130  cancelled`;

/**
 * An option value parser of option-values.ts, as commander takes it: a value it refuses is
 * commander's InvalidArgumentError, which commander turns into a usage error. The build reads
 * the parser's name back (optionValueNameOf) into a plain command line's table.
 */
const parserNames = new WeakMap<OptionValueParser, OptionValueName>();

function commanderParser<T>(name: OptionValueName): (value: string, previous: T) => T {
  const parse = optionValueParsers[name] as OptionValueParser;
  const parser = (value: string, previous: T): T => {
    try {
      return parse(value, previous) as T;
    } catch (error) {
      if (error instanceof OptionValueError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
  parserNames.set(parser as OptionValueParser, name);
  return parser;
}

/** The name of a parser made here; undefined for any other function (commander's own). */
export function optionValueNameOf(parser: unknown): OptionValueName | undefined {
  return parserNames.get(parser as OptionValueParser);
}

const positiveInteger = commanderParser<number>('positiveInteger');
const nonNegativeInteger = commanderParser<number>('nonNegativeInteger');
const collect = commanderParser<string[]>('collect');

function passphraseOptions(command: Command): void {
  command
    .option('--passphrase-file <file>', 'read the passphrase from the first line of FILE')
    .option(
      '--keychain',
      'keep the passphrase in the OS keychain, and read it from there next time',
    )
    .addHelpText(
      'after',
      '\nPassphrases come from --passphrase-file, else $APNS_SETUP_PASSPHRASE, else the OS keychain (--keychain), else a prompt (never a flag value).',
    );
}

function examples(command: Command, lines: string[]): void {
  command.addHelpText(
    'after',
    `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n${EXIT_CODES_HELP}`,
  );
}

export const commandDefinitions: CommandDefinition[] = [
  {
    name: 'wizard',
    configure(command) {
      command
        .description(
          'the guided way (what `apns-setup` runs in a terminal): a new certificate, a .p12, a renewal or a check',
        )
        .argument('[files...]', 'p12: the .p12; check: the certificate files or auth key (.p8)')
        .addOption(
          new Option('--journey <journey>', 'run this journey (needed without a terminal)').choices(
            ['new', 'p12', 'renew', 'check'],
          ),
        )
        .option('--yes', 'take the default of every question that has one')
        .option('--email <email>', 'new: the CSR email (default: git config user.email)')
        .option('--common-name <name>', 'new: the CSR common name (default: git config user.name)')
        .option('--out <dir>', 'the folder for the files (default: a new apns-certificates folder)')
        .option('--cer <file>', "new, renew: Apple's certificate, once downloaded")
        .option('--from <file>', 'renew: the live certificate')
        .option('--token <hex>', 'the test push: a device token (default: a credential probe)')
        .option('--team-id <id>', 'check with an auth key (.p8): the team it belongs to')
        .option('--key-id <id>', 'check with an auth key: its key id, when its file name lacks it')
        .option('--topic <bundle-id>', 'check with an auth key: the app to push to')
        .option('--no-push', 'no test push at the end')
        .option('--ci-workflow', 'write .github/workflows/apns-certificates.yml at the end')
        .option('--endpoint <url>', 'the test push goes to this APNs-compatible server')
        .option('--ca <file>', "trust this CA for --endpoint's server certificate")
        .addOption(
          new Option('--env <env>', 'the test push environment').choices([
            'sandbox',
            'production',
            'auto',
          ]),
        )
        .option(
          '--timeout <seconds>',
          'the test push: give up after this long',
          positiveInteger,
          15,
        )
        .option('--insecure', 'allow a key without a passphrase');
      passphraseOptions(command);
      examples(command, [
        'apns-setup',
        'apns-setup wizard --journey new --out certs --yes',
        'apns-setup wizard --journey new --out certs --cer ~/Downloads/aps.cer --yes',
        'apns-setup wizard --journey p12 Certificates.p12 --out certs',
      ]);
    },
  },
  {
    name: 'csr',
    configure(command) {
      command
        .description('make a new RSA key and a certificate signing request to upload to Apple')
        .requiredOption('--email <email>', 'your email address (as Keychain Access asks for it)')
        .requiredOption('--common-name <name>', 'a name for the key, e.g. "MyApp Push"')
        .option('--country <cc>', 'two-letter country code')
        .option('--out <dir>', 'output folder', '.')
        .addOption(
          new Option('--key-size <bits>', 'RSA key size (Apple expects 2048)')
            .choices(['2048', '3072', '4096'])
            .default('2048'),
        )
        .option('--insecure', 'allow writing key.pem without a passphrase')
        .option('--force', 'replace existing files (the old ones are kept as NAME.bak-<time>)');
      passphraseOptions(command);
      examples(command, [
        'apns-setup csr --email me@example.com --common-name "MyApp Push" --out certs',
        'APNS_SETUP_PASSPHRASE=... apns-setup csr --email me@example.com --common-name MyApp --out certs',
      ]);
    },
  },
  {
    name: 'import',
    configure(command) {
      command
        .description(
          "turn Apple's .cer and your key into cert.pem, key.pem, key.unencrypted.pem, ck.pem and apns.p12",
        )
        .argument(
          '<aps.cer>',
          'the certificate downloaded from the Apple Developer portal (DER or PEM)',
        )
        .requiredOption('--key <key.pem>', 'the private key made with the CSR')
        .option('--out <dir>', 'output folder (default: the folder of --key)')
        .addOption(
          new Option('--p12-profile <profile>', 'which PKCS#12 to write')
            .choices(['compatible', 'modern'])
            .default('compatible'),
        )
        .option('--split-p12', 'also write cert.p12 and key.p12, as the classic guide exports them')
        .option('--insecure', 'allow outputs without a passphrase when the key has none')
        .option('--force', 'replace existing files (the old ones are kept as NAME.bak-<time>)');
      passphraseOptions(command);
      examples(command, ['apns-setup import ~/Downloads/aps_development.cer --key certs/key.pem']);
    },
  },
  {
    name: 'convert',
    configure(command) {
      command
        .description(
          'turn a .p12 (Keychain Access, OpenSSL 1/3, fastlane, Java…) into PEM files and a fresh apns.p12',
        )
        .argument('<file.p12>', 'the .p12 / .pfx to convert')
        .option('--out <dir>', 'output folder', '.')
        .addOption(
          new Option('--p12-profile <profile>', 'which PKCS#12 to write')
            .choices(['compatible', 'modern'])
            .default('compatible'),
        )
        .option('--insecure', 'allow outputs without a passphrase when the .p12 has none')
        .option('--force', 'replace existing files (the old ones are kept as NAME.bak-<time>)');
      passphraseOptions(command);
      examples(command, ['apns-setup convert Certificates.p12 --out certs']);
    },
  },
  {
    name: 'inspect',
    configure(command) {
      command
        .description(
          'say what a .cer, .pem, .p12, ck.pem, key or CSR is: bundle id, type, environments, expiry, key match',
        )
        .argument('<file...>', 'files to inspect')
        .option('--json', 'print a JSON array on stdout');
      passphraseOptions(command);
      examples(command, [
        'apns-setup inspect certs/ck.pem',
        'apns-setup inspect --json aps.cer push.p12',
      ]);
    },
  },
  {
    name: 'check',
    configure(command) {
      command
        .description('fail (for CI) when a certificate has expired or expires within --days')
        .argument('[paths...]', 'certificate files or folders to search')
        .option(
          '--days <n>',
          'warn when a certificate expires within N days',
          nonNegativeInteger,
          RENEWAL_WINDOW_DAYS,
        )
        .option('--json', 'print a JSON report on stdout')
        .addOption(
          new Option(
            '--print-ci <provider>',
            'print a ready CI workflow that runs this check',
          ).choices(['github']),
        );
      passphraseOptions(command);
      examples(command, [
        'apns-setup check certs/ --days 30',
        'apns-setup check --print-ci github > .github/workflows/apns-certificates.yml',
      ]);
    },
  },
  {
    name: 'doctor',
    configure(command) {
      command
        .description(
          'check the provider side: Node and OpenSSL, trust of the roots APNs presents, reach of the APNs hosts, and the credentials in DIR with what pairs with what',
        )
        .argument('[dir]', 'a folder of certificates, .p12, keys, .p8 token keys and profiles')
        .option('--json', 'print a JSON report on stdout')
        .option(
          '--timeout <seconds>',
          'give up on each name lookup and connection after this long',
          positiveInteger,
          3,
        )
        .addHelpText(
          'after',
          '\nA .p12 that needs a passphrase is opened with $APNS_SETUP_PASSPHRASE, else listed as locked; doctor never asks.\nExit 1 when an APNs host cannot be reached, the root APNs presents is not trusted, or a file here is expired or unusable.',
        );
      examples(command, [
        'apns-setup doctor',
        'apns-setup doctor certs/',
        'apns-setup doctor certs/ --json',
      ]);
    },
  },
  {
    name: 'renew',
    configure(command) {
      command
        .description(
          'start the successor of a live push certificate: a new key and CSR in a new folder, the live files untouched',
        )
        .requiredOption('--from <file>', 'the live certificate: ck.pem, cert.pem, aps.cer or .p12')
        .option(
          '--out <dir>',
          'a new or empty folder (default: beside the live folder, named after the bundle id and today)',
        )
        .option('--email <email>', 'CSR email (default: the live CSR, else git config)')
        .option('--common-name <name>', 'CSR common name (default: the live CSR, else git config)')
        .option('--reuse-key', "make the CSR with the live certificate's key instead of a new one")
        .option('--insecure', 'allow writing key.pem without a passphrase');
      passphraseOptions(command);
      examples(command, [
        'apns-setup renew --from certs/ck.pem',
        'apns-setup renew --from certs/ck.pem --out certs-2027',
      ]);
    },
  },
  {
    name: 'push',
    configure(command) {
      command
        .description(
          'send a test push over HTTP/2 with a certificate or a token key (.p8), or prove it works (no --token)',
        )
        .option('--cert <file>', 'ck.pem, a .p12, or a certificate PEM (with --key)')
        .option('--key <file>', 'the private key, when --cert holds only the certificate')
        .option(
          '--auth-key <file>',
          'instead of --cert: the token signing key AuthKey_KEYID.p8 (with --team-id and --topic)',
        )
        .option('--team-id <id>', 'with --auth-key: the Team ID the key belongs to')
        .option('--key-id <id>', 'with --auth-key: the Key ID (default: from AuthKey_KEYID.p8)')
        .option(
          '--token <hex>',
          'device token (repeatable); without one, a credential probe is sent',
          collect,
          [],
        )
        .option('--tokens-file <file>', 'device tokens, one per line (any number), or - for stdin')
        .option(
          '--topic <topic>',
          "apns-topic (default: the certificate's bundle id; required with --auth-key)",
        )
        .option(
          '--profile <file>',
          "the app's .mobileprovision: its aps-environment says where the build's tokens live",
        )
        .addOption(
          new Option(
            '--env <env>',
            'APNs environment (default: from the certificate, then --profile)',
          ).choices(['sandbox', 'production', 'auto']),
        )
        .option('--payload <file>', 'JSON payload file, or - for stdin')
        .option('--alert <text>', 'alert text')
        .option('--title <text>', 'alert title (with --alert)')
        .option('--subtitle <text>', 'alert subtitle (with --alert)')
        .option('--badge <n>', 'badge number (with --alert)')
        .option('--sound <name>', 'sound name (with --alert)')
        .option(
          '--template <name>',
          'a payload from templates/payloads: alert, badge, sound, banner, background',
        )
        .option('--push-type <type>', 'apns-push-type (default: from the topic and payload)')
        .option('--priority <n>', 'apns-priority: 10, 5 or 1')
        .option('--expiration <seconds>', 'apns-expiration (UNIX time; 0 = do not store)')
        .option('--collapse-id <id>', 'apns-collapse-id (at most 64 bytes)')
        .option('--apns-id <uuid>', 'apns-id (a UUID)')
        .addOption(new Option('--port <port>', "Apple's port").choices(['443', '2197']))
        .option(
          '--endpoint <url>',
          'another APNs-compatible server, e.g. https://127.0.0.1:8443 (the sandbox)',
        )
        .option('--ca <file>', 'trust this CA for --endpoint')
        .option(
          '--timeout <seconds>',
          'the longest the whole push may take: connecting, answers, retries',
          positiveInteger,
          15,
        )
        .option('--json', 'print the results as JSON on stdout');
      passphraseOptions(command);
      examples(command, [
        'apns-setup push --cert certs/ck.pem',
        'apns-setup push --cert certs/ck.pem --token 740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad --alert "Hello"',
        'apns-setup push --cert certs/apns.p12 --token $TOKEN --template background --env production',
        'apns-setup push --auth-key AuthKey_ABC123DEFG.p8 --team-id DEF123GHIJ --topic com.example.app',
        'apns-setup push --auth-key AuthKey_ABC123DEFG.p8 --team-id DEF123GHIJ --topic com.example.app --token $TOKEN --env auto',
        'apns-setup push --cert certs/ck.pem --token $TOKEN --profile MyApp_Development.mobileprovision',
      ]);
    },
  },
  {
    name: 'sandbox',
    configure(command) {
      command
        .description('run a local APNs-compatible HTTP/2 server for offline development and CI')
        .option('--host <host>', 'address to listen on', '127.0.0.1')
        .option('--port <n>', 'port (0 = any free port)', nonNegativeInteger, 0)
        .addOption(
          new Option('--env <env>', 'which APNs environment to behave as')
            .choices(['sandbox', 'production'])
            .default('sandbox'),
        )
        .option(
          '--state <dir>',
          'keep the CA, server certificate and local portal CA in DIR across runs',
        )
        .option('--client-ca <file>', 'also trust client certificates issued by this CA')
        .option(
          '--tokens <file>',
          'device tokens to accept, one per line (default: any well-formed token)',
        )
        .option(
          '--max-streams <n>',
          'requests a client may have open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS, as APNs)',
          positiveInteger,
          1000,
        )
        .option(
          '--auth-key-pub <file>',
          'accept provider tokens (token auth) of this key: its PEM public key, or the AuthKey_KEYID.p8',
        )
        .option('--team-id <id>', "the Team ID the tokens' iss names (with --auth-key-pub)")
        .option('--key-id <id>', 'the Key ID of --auth-key-pub (default: from AuthKey_KEYID.p8)')
        .option(
          '--topics <bundle-ids>',
          "with token auth: the team's bundle ids, comma-separated (default: any topic)",
          collect,
          [],
        )
        .option(
          '--json',
          'print {"url", "caFile"} as the first stdout line, then one JSON line per notification',
        );
      command.addHelpText(
        'after',
        `
It trusts client certificates issued by its local portal CA (DIR/portal-ca.pem with --state),
by Apple's WWDR CAs, and by --client-ca; a connection without one is refused. Without --state
its CA lives in a temporary file, removed when it stops. --tokens FILE lists one token a line,
optionally followed by "unregistered" (410), "sandbox"/"production" (its environment) and the
bundle id of its app. It stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

Token authentication: with --auth-key-pub FILE --team-id T it accepts provider tokens (ES256 JWTs)
of that key, as APNs does: the signature, kid, iss and iat are checked (older than an hour:
ExpiredProviderToken; in the future: InvalidProviderToken), a connection changing its token
within 20 minutes gets TooManyProviderTokenUpdates, and such a connection needs no client
certificate. With --state DIR it also makes a test key, DIR/AuthKey_KEYID.p8 (team SANDBOX001
unless --team-id), on first start, and says where it is.`,
      );
      examples(command, [
        'apns-setup sandbox --state .apns-sandbox --port 8443',
        'apns-setup sandbox --state .apns-sandbox --port 8443 --json > sandbox.log &',
        'apns-setup push --cert ck.pem --endpoint https://127.0.0.1:8443 --ca .apns-sandbox/ca.pem',
        'apns-setup sandbox --auth-key-pub AuthKey_ABC123DEFG.p8 --team-id DEF123GHIJ --topics com.example.app',
        'apns-setup push --auth-key .apns-sandbox/AuthKey_KEYID.p8 --team-id SANDBOX001 --topic com.example.app --endpoint https://127.0.0.1:8443 --ca .apns-sandbox/ca.pem',
      ]);
    },
  },
  {
    name: 'demo',
    configure(command) {
      command
        .description(
          "the whole flow offline: key, CSR, a local stand-in for Apple's portal, every file, a test push",
        )
        .option(
          '--out <dir>',
          "keep the files in DIR (must be new or empty); default: a scratch folder removed afterwards (with --csr: the CSR's folder)",
        )
        .option(
          '--csr <file>',
          "instead: have the portal stand-in sign YOUR CSR into aps.cer (NOT Apple's), to try the recipe offline with your own key",
        )
        .option('--bundle-id <id>', 'with --csr: the App ID the certificate is for')
        .option(
          '--state <dir>',
          'with --csr: sign with the portal of `apns-setup sandbox --state DIR`, which that sandbox then trusts',
        )
        .addOption(
          new Option('--type <type>', 'with --csr: the certificate type')
            .choices(['development', 'universal'])
            .default('universal'),
        );
      examples(command, [
        'apns-setup demo',
        'apns-setup demo --out demo-certs',
        'apns-setup demo --csr certs/CertificateSigningRequest.certSigningRequest --bundle-id com.example.app',
        'apns-setup demo --csr certs/CertificateSigningRequest.certSigningRequest --bundle-id com.example.app --state .sandbox',
      ]);
    },
  },
];

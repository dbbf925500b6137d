// tsc does not keep the executable bit; npm sets it on install, but `node dist/cli.js`
// and a local `npm link` need it too.
import { chmodSync } from 'node:fs';
import { URL } from 'node:url';
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);

/**
 * Once for the whole run: the CLI's code cache (src/command-file.ts) goes to a folder of the
 * run's own, not to the cache folder of whoever runs the suite. Every CLI the tests start
 * inherits it, so they run as a user's second run does, from the code the first one kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const cacheHome = mkdtempSync(join(tmpdir(), 'apns-setup-test-cache-'));
  process.env.XDG_CACHE_HOME = cacheHome;
  return () => rmSync(cacheHome, { recursive: true, force: true });
}

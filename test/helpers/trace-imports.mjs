// Loaded with `node --import` to record every module a command loads (see startup.test.ts), one
// line each: `import <url>` for what the ES module loader resolved (the hook), and
// `require <url>` for what is in require's cache when the process ends, the modules loaded as
// CommonJS — the bin, and node-forge, which the CLI loads with require().
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./trace-imports-hooks.mjs', import.meta.url);

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  if (!process.env.TRACE_IMPORTS_FILE) return;
  const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
  appendFileSync(process.env.TRACE_IMPORTS_FILE, urls.map((url) => `require ${url}\n`).join(''));
});

// Module resolve hook: appends each resolved URL to $TRACE_IMPORTS_FILE.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (process.env.TRACE_IMPORTS_FILE)
    appendFileSync(process.env.TRACE_IMPORTS_FILE, `${result.url}\n`);
  return result;
}

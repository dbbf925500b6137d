// Module resolve hook: appends `import <url>` to $TRACE_IMPORTS_FILE for each resolved URL.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (process.env.TRACE_IMPORTS_FILE)
    appendFileSync(process.env.TRACE_IMPORTS_FILE, `import ${result.url}\n`);
  return result;
}

/** Files shipped in the package's templates/ folder (CI workflows, payloads, provider samples). */
// fs.promises, loaded on first use: see input-files.ts.
import { promises as fs } from 'node:fs';

export async function readTemplate(relativePath: string): Promise<string> {
  // Made here, not when the file loads: the commands that bundle this file seldom read one.
  const templatesRoot = new URL('../../templates/', import.meta.url);
  return fs.readFile(new URL(relativePath, templatesRoot), 'utf8');
}

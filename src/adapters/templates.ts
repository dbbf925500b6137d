/** Files shipped in the package's templates/ folder (CI workflows, payloads, provider samples). */
// fs.promises, loaded on first use: see input-files.ts.
import { promises as fs } from 'node:fs';

const templatesRoot = new URL('../../templates/', import.meta.url);

export async function readTemplate(relativePath: string): Promise<string> {
  return fs.readFile(new URL(relativePath, templatesRoot), 'utf8');
}

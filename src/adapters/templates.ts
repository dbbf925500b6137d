/** Files shipped in the package's templates/ folder (CI workflows, payloads, provider samples). */
import { readFile } from 'node:fs/promises';

const templatesRoot = new URL('../../templates/', import.meta.url);

export async function readTemplate(relativePath: string): Promise<string> {
  return readFile(new URL(relativePath, templatesRoot), 'utf8');
}

/**
 * PEM as people really have it: `Bag Attributes` text from `openssl pkcs12`, several blocks in
 * any order, legacy `Proc-Type`/`DEK-Info` headers, CRLF and byte-order marks (see text.ts).
 */
import { InputError } from '../errors.js';
import { decodeText } from './text.js';

export interface PemBlock {
  /** The word(s) after BEGIN, e.g. `CERTIFICATE`, `RSA PRIVATE KEY`. */
  label: string;
  /** RFC 1421 headers such as `Proc-Type` and `DEK-Info`, keyed as written. */
  headers: Record<string, string>;
  der: Buffer;
  /** The block as text (BEGIN … END), for handing to Node's crypto unchanged. */
  text: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 #]+)-----\s*$/;
const END = /^-----END ([A-Z0-9 #]+)-----\s*$/;
const BASE64_LINE = /^[A-Za-z0-9+/=]*$/;

/** All PEM blocks in `input` (bytes or already-decoded text), in file order. */
export function parsePem(input: Uint8Array | string): PemBlock[] {
  const text = typeof input === 'string' ? input.replace(/\r\n?/g, '\n') : decodeText(input);
  const lines = text.split('\n');
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!.trim());
    if (!begin) continue;
    const label = begin[1]!;
    const headers: Record<string, string> = {};
    const body: string[] = [];
    let j = i + 1;
    let ended = false;
    for (; j < lines.length; j++) {
      const line = lines[j]!.trim();
      const end = END.exec(line);
      if (end) {
        if (end[1] !== label) {
          throw new InputError(
            'CORRUPT_FILE',
            `a "BEGIN ${label}" block ends with "END ${end[1]!}"`,
            { hint: 'The file was edited or pasted together wrongly: export it again.' },
          );
        }
        ended = true;
        break;
      }
      if (BEGIN.test(line)) break;
      const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (header && body.length === 0) {
        headers[header[1]!] = header[2]!;
        continue;
      }
      if (line !== '') body.push(line);
    }
    if (!ended) {
      throw new InputError(
        'CORRUPT_FILE',
        `its "BEGIN ${label}" block has no END line (cut short?)`,
        {
          hint: 'Copy or download the whole file again.',
        },
      );
    }
    const base64 = body.join('');
    if (!BASE64_LINE.test(base64) || base64.length === 0 || !validBase64Length(base64)) {
      throw new InputError('CORRUPT_FILE', `its ${label} block is not valid base64`, {
        hint: 'The file was damaged (edited, truncated or re-wrapped): export it again.',
      });
    }
    const der = Buffer.from(base64, 'base64');
    const headerText = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('');
    blocks.push({
      label,
      headers,
      der,
      text: `-----BEGIN ${label}-----\n${headerText}${headerText ? '\n' : ''}${wrap(base64)}-----END ${label}-----\n`,
    });
    i = j;
  }
  return blocks;
}

function validBase64Length(base64: string): boolean {
  const padding = /=*$/.exec(base64)![0].length;
  if (padding > 2 || base64.slice(0, base64.length - padding).includes('=')) return false;
  return padding === 0 ? base64.length % 4 !== 1 : base64.length % 4 === 0;
}

function wrap(base64: string): string {
  return (base64.match(/.{1,64}/g) ?? []).map((l) => `${l}\n`).join('');
}

/** Encodes DER as a PEM block with 64-column lines and a trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${wrap(Buffer.from(der).toString('base64'))}-----END ${label}-----\n`;
}

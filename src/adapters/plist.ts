/**
 * Property lists, parsed by the `plist` package (XML and binary). It is loaded on the first
 * profile met, so that commands which meet none do not pay for it at start-up.
 *
 * `plist` parses XML with @xmldom/xmldom, whose default is to print every complaint about the
 * XML to the console, quoting the file. So the XML is first read by the same parser with every
 * complaint turned into a refusal, and only a document it reads without one reaches `plist`:
 * nothing is printed but through ui/, and an error never quotes the file.
 */
import { InputError } from '../core/errors.js';
import { decodeText } from '../core/pki/text.js';

const BINARY_MAGIC = 'bplist00';

function unreadable(cause: unknown): InputError {
  return new InputError('CORRUPT_FILE', 'its property list cannot be read', {
    hint: 'The file is damaged: download the profile again from developer.apple.com (Profiles).',
    cause,
  });
}

/** The parsed property list: plain objects, arrays, strings, numbers, booleans, Dates, byte arrays. */
export async function parsePlist(bytes: Uint8Array): Promise<unknown> {
  const [{ parse }, { DOMParser }] = await Promise.all([import('plist'), import('@xmldom/xmldom')]);
  const head = Buffer.from(bytes.subarray(0, BINARY_MAGIC.length)).toString('latin1');
  try {
    if (head === BINARY_MAGIC) return parse(Uint8Array.from(bytes));
    const text = decodeText(bytes);
    new DOMParser({
      onError: (level) => {
        throw new Error(`XML ${level}`);
      },
    }).parseFromString(text, 'text/xml');
    return parse(text);
  } catch (cause) {
    throw unreadable(cause);
  }
}

import { describe, expect, it } from 'vitest';
import { encodePem, parsePem } from '../../src/core/pki/pem.js';
import { decodeText } from '../../src/core/pki/text.js';

const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);

describe('parsePem', () => {
  it('reads blocks behind Bag Attributes text, with CRLF and in any order', () => {
    const text =
      'Bag Attributes\r\n    friendlyName: push\r\nsubject=/UID=com.x\r\n' +
      encodePem('RSA PRIVATE KEY', der).replace(/\n/g, '\r\n') +
      encodePem('CERTIFICATE', der);
    const blocks = parsePem(Buffer.from(text));
    expect(blocks.map((b) => b.label)).toEqual(['RSA PRIVATE KEY', 'CERTIFICATE']);
    expect(blocks[1]!.der).toEqual(der);
  });

  it('keeps legacy encryption headers', () => {
    const text =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,00\n\nMAMCAQU=\n-----END RSA PRIVATE KEY-----\n';
    const [block] = parsePem(text);
    expect(block!.headers['Proc-Type']).toBe('4,ENCRYPTED');
    expect(block!.text).toContain('DEK-Info: DES-EDE3-CBC,00\n\n');
  });

  it('reads UTF-16 and UTF-8 files with a byte-order mark', () => {
    const pem = encodePem('CERTIFICATE', der);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pem, 'utf16le')]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pem)]);
    expect(decodeText(utf16)).toBe(pem);
    expect(parsePem(utf8)[0]!.der).toEqual(der);
  });

  it('refuses a block without END and bad base64 with a CORRUPT_FILE error', () => {
    const pem = encodePem('CERTIFICATE', der);
    expect(() => parsePem(pem.slice(0, 40))).toThrow(/no END line/);
    expect(() => parsePem(pem.replace('MAMC', 'M*MC'))).toThrow(/not valid base64/);
  });
});

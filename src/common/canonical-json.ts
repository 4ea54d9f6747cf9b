import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';

/** RFC 8785 canonical JSON: the same value always gives the same bytes, so hashes are reproducible. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

/** Hex SHA-256 of the text's UTF-8 bytes; the one-shot `crypto.hash` costs about half a `createHash` for a short input. */
export function sha256Hex(text: string | Buffer): string {
  return hash('sha256', text, 'hex');
}

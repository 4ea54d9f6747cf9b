import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';

/**
 * RFC 8785 canonical JSON: the same value always gives the same bytes, so hashes are reproducible. Every transition encodes its content hash's subject
 * and its audit row's payload, and `canonicalize` was the JavaScript function a transition spent most in (a scan of each string in JavaScript for
 * lone surrogates, a set of the objects on the path, an array of parts per object), so values of plain JSON are written here; anything else (a lone
 * surrogate, NaN, a cycle, a sparse array, a function) goes to `canonicalize`, which writes or refuses it as it always did. canonical-json.spec.ts
 * checks that the text is canonicalize's for any value.
 */
export function canonicalJson(value: unknown): string {
  const text = plainJson(value, 0) ?? canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

/** Deeper than this, `canonicalize` writes the value, or finds the cycle. */
const MAX_DEPTH = 64;

/** Strings are well formed in Node 20, but not in the project's `lib` (ES2023). */
type WellFormed = { isWellFormed(): boolean };

function plainString(value: string): string | undefined {
  return (value as unknown as WellFormed).isWellFormed() ? JSON.stringify(value) : undefined;
}

/** The canonical text of a value made of well-formed strings, finite numbers, booleans, null, dense arrays and objects; undefined for anything else. */
function plainJson(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return plainString(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth >= MAX_DEPTH) return undefined;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return plainJson((value as { toJSON(): unknown }).toJSON(), depth + 1);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) return undefined;
      const item: unknown = value[i];
      const part = item === undefined || typeof item === 'symbol' ? 'null' : plainJson(item, depth + 1);
      if (part === undefined) return undefined;
      text += i === 0 ? part : `,${part}`;
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = '{';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    const name = plainString(key);
    const part = plainJson(item, depth + 1);
    if (name === undefined || part === undefined) return undefined;
    text += text.length === 1 ? `${name}:${part}` : `,${name}:${part}`;
  }
  return `${text}}`;
}

/** Hex SHA-256 of the text's UTF-8 bytes; the one-shot `crypto.hash` costs about half a `createHash` for a short input. */
export function sha256Hex(text: string | Buffer): string {
  return hash('sha256', text, 'hex');
}

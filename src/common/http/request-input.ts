/**
 * How far a parsed body or query string may reach. No route takes more than 3 levels or 160 fields
 * (a web form with 50 contacts); past these, class-transformer and class-validator would spend time
 * (or, 1,500 levels deep, overflow the stack) on input that cannot mean anything to any route.
 */
const INPUT_LIMITS = { depth: 10, entries: 1000 } as const;

/** Keys that name the prototype chain: no route takes them, and some parsers act on them instead of keeping them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A NUL, or a lone surrogate (half of a UTF-16 pair): PostgreSQL refuses the first, and UTF-8 has
 * no bytes for the second, so neither would be stored and hashed as it was sent. With the `u` flag
 * a well-formed pair is one code point, so `\p{Cs}` matches only a lone half.
 */
const UNSTORABLE = /[\0\p{Cs}]/u;

/** Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * The first thing in a parsed body, query or set of route parameters that no route should have to
 * read, in words naming where it is; undefined when there is none. Recursion stops at the depth
 * limit, so any input costs at most one walk of what the body parser already built.
 */
export function inputProblem(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') {
    return isStorableText(value)
      ? undefined
      : `${path || 'the text'} must not contain a NUL character or a lone UTF-16 surrogate: they cannot be stored as sent`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const where = path || 'the request';
  if (depth >= INPUT_LIMITS.depth) return `${where} is nested more than ${INPUT_LIMITS.depth} levels deep`;
  if (Array.isArray(value)) {
    if (value.length > INPUT_LIMITS.entries) return `${where} has more than ${INPUT_LIMITS.entries} items`;
    for (let i = 0; i < value.length; i++) {
      const problem = inputProblem(value[i], child(path, i), depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > INPUT_LIMITS.entries) return `${where} has more than ${INPUT_LIMITS.entries} fields`;
  for (const key of keys) {
    if (PROTOTYPE_KEYS.has(key)) return `property ${child(path, key)} should not exist`;
    if (!isStorableText(key)) return `${where} has a field name with a NUL character or a lone UTF-16 surrogate`;
    const problem = inputProblem((value as Record<string, unknown>)[key], child(path, key), depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

import { isUUID } from 'class-validator';
import { canonicalJson, sha256Hex } from '../common/canonical-json.js';

/**
 * The most of any one text a refusal's row keeps, in UTF-16 units (as the validators count). A
 * longer text (a comment, a report) is kept up to here, with its full length and SHA-256 beside it
 * under `truncated`, so the row still proves what was sent without holding all of it.
 */
export const REFUSAL_TEXT_LIMIT = 500;

/**
 * The most items of any one list a refusal's row keeps: a refused import lists every invalid row of
 * up to 5,000, which the answer carries but the chain need not. A longer list is kept up to here,
 * with its full length and the SHA-256 of its canonical JSON under `truncated`.
 */
export const REFUSAL_LIST_LIMIT = 50;

/** The `action` column's width. */
const ACTION_LIMIT = 80;

/** What a refusal's audit row says of the request beyond who, when and which request id. */
export interface RefusalFields {
  action: string;
  entityId: string;
  payload: Record<string, unknown>;
}

/** `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * A refusal's fields as its row keeps them: the entity id only when it is a UUID ('-' otherwise),
 * the action within its column, every text of the payload within REFUSAL_TEXT_LIMIT and every list within REFUSAL_LIST_LIMIT. So a row never
 * fails to be written, and its size follows from how many fields a body may have, not how long
 * they are: at most about 2 KB for a refused event, 11 KB for a refused partnership edit.
 */
export function refusalFields(fields: { action: string; entityId: unknown; payload: Record<string, unknown> }): RefusalFields {
  const truncated: Record<string, { length: number; sha256: string }> = {};
  const bound = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (value.length <= REFUSAL_TEXT_LIMIT) return value;
      truncated[path] = { length: value.length, sha256: sha256Hex(value) };
      return cut(value, REFUSAL_TEXT_LIMIT);
    }
    if (Array.isArray(value)) {
      if (value.length > REFUSAL_LIST_LIMIT) truncated[path] = { length: value.length, sha256: sha256Hex(canonicalJson(value)) };
      return value.slice(0, REFUSAL_LIST_LIMIT).map((item, i) => bound(item, `${path}[${i}]`));
    }
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, bound(item, path ? `${path}.${key}` : key)]));
    return value;
  };
  const payload = bound(fields.payload, '') as Record<string, unknown>;
  return {
    action: cut(fields.action, ACTION_LIMIT),
    entityId: typeof fields.entityId === 'string' && isUUID(fields.entityId) ? fields.entityId : '-',
    payload: Object.keys(truncated).length > 0 ? { ...payload, truncated } : payload,
  };
}

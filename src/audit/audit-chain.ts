import { canonicalJson, sha256Hex } from '../common/canonical-json.js';

/**
 * The hash rule of the audit chain, shared by the service and the offline verifier:
 * `hash = sha256(prevHash + canonical JSON of the row without its hash)`, where `payload` is the
 * canonical JSON text of the event payload.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  seq: number;
  occurredAt: string;
  actorId: string;
  actorRoles: string[];
  action: string;
  entityType: string;
  entityId: string;
  fromState: string | null;
  toState: string | null;
  workflowId: string | null;
  workflowVersion: number | null;
  outcome: string;
  requestId: string | null;
  payload: string;
  prevHash: string;
  hash: string;
}

export type AuditBody = Omit<AuditRecord, 'hash' | 'prevHash'>;

export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  return sha256Hex(record.prevHash + canonicalBody(record));
}

/** `isWellFormed` is ES2024 (Node 20 has it; the project's `lib` is ES2023). */
type WellFormed = { isWellFormed(): boolean };
/** The characters `JSON.stringify` escapes in a well-formed string. */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * The RFC 8785 text of a string, null or safe integer, or undefined for anything else. RFC 8785
 * serializes strings and numbers as `JSON.stringify` does; `canonicalize` refuses strings with a
 * lone surrogate, so those are left to it (undefined) and fail there as they always did.
 */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (!(value as unknown as WellFormed).isWellFormed()) return undefined;
    return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  }
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * `scalar` for the fields whose few values repeat from row to row (action, states, actor, roles…):
 * their text is kept, a bounded number of them, which costs less than writing it again.
 */
const repeated = new Map<string, string>();
function repeatedScalar(value: unknown): string | undefined {
  if (typeof value !== 'string') return scalar(value);
  let text = repeated.get(value);
  if (text === undefined) {
    text = scalar(value);
    if (text === undefined) return undefined;
    if (repeated.size >= 1000) repeated.clear();
    repeated.set(value, text);
  }
  return text;
}

/** `[…]` of scalars, or undefined when it is not a dense array of them. */
function scalarArray(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  let text = '[';
  for (let i = 0; i < value.length; i += 1) {
    const item = repeatedScalar(value[i]);
    if (item === undefined) return undefined;
    text += i === 0 ? item : `,${item}`;
  }
  return `${text}]`;
}

/**
 * `canonicalJson` of the hashed fields of a row, written for their fixed shape: the keys in RFC
 * 8785's order (sorted by UTF-16 code units), each value a string, null or integer, `actorRoles`
 * an array of strings. A value of any other kind (a fraction, a missing field, an object in a row
 * read from an export) goes through the generic `canonicalJson`, so the text is the same for
 * every input; `audit-chain.spec.ts` checks that property.
 */
export function canonicalBody(body: AuditBody): string {
  const action = repeatedScalar(body.action);
  const actorId = repeatedScalar(body.actorId);
  const actorRoles = scalarArray(body.actorRoles);
  const entityId = scalar(body.entityId);
  const entityType = repeatedScalar(body.entityType);
  const fromState = repeatedScalar(body.fromState);
  const occurredAt = scalar(body.occurredAt);
  const outcome = repeatedScalar(body.outcome);
  const payload = scalar(body.payload);
  const requestId = scalar(body.requestId);
  const seq = scalar(body.seq);
  const toState = repeatedScalar(body.toState);
  const workflowId = repeatedScalar(body.workflowId);
  const workflowVersion = scalar(body.workflowVersion);
  if (
    action === undefined ||
    actorId === undefined ||
    actorRoles === undefined ||
    entityId === undefined ||
    entityType === undefined ||
    fromState === undefined ||
    occurredAt === undefined ||
    outcome === undefined ||
    payload === undefined ||
    requestId === undefined ||
    seq === undefined ||
    toState === undefined ||
    workflowId === undefined ||
    workflowVersion === undefined
  ) {
    return genericBody(body);
  }
  return (
    `{"action":${action},"actorId":${actorId},"actorRoles":${actorRoles},"entityId":${entityId},"entityType":${entityType},` +
    `"fromState":${fromState},"occurredAt":${occurredAt},"outcome":${outcome},"payload":${payload},"requestId":${requestId},` +
    `"seq":${seq},"toState":${toState},"workflowId":${workflowId},"workflowVersion":${workflowVersion}}`
  );
}

const SEQ_KEY = ',"seq":';
const SEQ_PLACEHOLDER = `${SEQ_KEY}0,"toState":`;

/**
 * `canonicalBody` of a row whose seq is not known yet, as the text before its seq's digits and
 * the text after them: `before + seq + after` is `canonicalBody({ ...body, seq })` for every
 * non-negative safe integer seq. The key `seq` is found where no string can put it: a string's
 * quotes are all escaped, so `,"seq":0,"toState":` occurs in the text only as the row's own key.
 */
export function canonicalBodyAroundSeq(body: Omit<AuditBody, 'seq'>): { before: string; after: string } {
  const text = canonicalBody({ ...body, seq: 0 });
  const at = text.indexOf(SEQ_PLACEHOLDER);
  if (at < 0 || text.indexOf(SEQ_PLACEHOLDER, at + 1) >= 0) throw new Error('the canonical text of an audit row has no single seq key');
  return { before: text.slice(0, at + SEQ_KEY.length), after: text.slice(at + SEQ_KEY.length + 1) };
}

/** The definition the fast path above must agree with. */
export function genericBody(body: AuditBody): string {
  return canonicalJson({
    seq: body.seq,
    occurredAt: body.occurredAt,
    actorId: body.actorId,
    actorRoles: body.actorRoles,
    action: body.action,
    entityType: body.entityType,
    entityId: body.entityId,
    fromState: body.fromState,
    toState: body.toState,
    workflowId: body.workflowId,
    workflowVersion: body.workflowVersion,
    outcome: body.outcome,
    requestId: body.requestId,
    payload: body.payload,
  });
}

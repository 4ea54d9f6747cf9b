import fc from 'fast-check';
import type { AuditBody, AuditRecord } from '../../src/audit/audit-chain.js';
import { AUDIT_ROW_FIELDS as ROW_FIELDS, auditRowOf, type AuditRow } from '../../src/audit/verify/row-source.js';

export { auditRowOf };

/** The record a row holds, its integers as numbers and its roles left empty (the caller parses them, or not). */
export function recordOf(row: AuditRow): AuditRecord {
  const record = Object.fromEntries(ROW_FIELDS.map((key, i) => [key, row[i]])) as unknown as AuditRecord;
  return { ...record, seq: Number(row[0]), actorRoles: [], workflowVersion: row[10] === null ? null : Number(row[10]) };
}

/** The values a generated row's fields take, by kind. */
export interface BodyValues {
  seq: fc.Arbitrary<number>;
  text: fc.Arbitrary<string>;
  integer: fc.Arbitrary<number>;
  payload: fc.Arbitrary<string>;
  maxRoles: number;
}

/** Audit rows of the shape the service writes, for property tests: strings, nulls and integers where they belong. */
export function wellTypedBodies({ seq, text, integer, payload, maxRoles }: BodyValues): fc.Arbitrary<AuditBody> {
  return fc.record({
    seq,
    occurredAt: text,
    actorId: text,
    actorRoles: fc.array(text, { maxLength: maxRoles }),
    action: text,
    entityType: text,
    entityId: text,
    fromState: fc.option(text),
    toState: fc.option(text),
    workflowId: fc.option(text),
    workflowVersion: fc.option(integer),
    outcome: text,
    requestId: fc.option(text),
    payload,
  });
}

import type { AuditEvent } from './audit-event.entity.js';
import type { AuditExportFormat } from './audit.service.js';

export interface ActorName {
  username: string;
  displayName: string;
}

/** An audit row in the raw form auditors export and verify. */
export function auditRowView(row: AuditEvent) {
  return {
    seq: row.seq,
    occurredAt: row.occurredAt,
    actorId: row.actorId,
    actorRoles: row.actorRoles,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    fromState: row.fromState,
    toState: row.toState,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    outcome: row.outcome,
    requestId: row.requestId,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** The HTTP headers of an export's answer: its media type, and the file a browser saves it as. */
export function auditExportHeaders(format: AuditExportFormat): Record<string, string> {
  return {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': `attachment; filename="audit-chain.${format}"`,
  };
}

function describe(row: AuditEvent, payload: Record<string, unknown>): string {
  if (row.outcome === 'denied') return `${row.action} refused: ${String(payload.message ?? payload.code)}`;
  if (row.action === 'CREATE') return `created in ${row.toState}`;
  if (row.action === 'UPDATE') return `edited ${Object.keys(payload.changes ?? {}).join(', ')}`;
  if (row.action.startsWith('xstate.after.')) return `deadline reached (${row.action.split('.')[2]})`;
  return row.fromState === row.toState ? `${row.action} (stays ${row.toState})` : `${row.action}: ${row.fromState} → ${row.toState}`;
}

/** Audit rows of an instance (and of those it owns) as a person reads them: who did what to which, when, from which state to which, and why. */
export function historyView(rows: AuditEvent[], names: Map<string, ActorName>) {
  return rows.map((row) => {
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    const event = (payload.event ?? {}) as { comment?: string; data?: Record<string, unknown>; contentHash?: string };
    const name = names.get(row.actorId);
    return {
      seq: row.seq,
      at: row.occurredAt,
      entityType: row.entityType,
      entityId: row.entityId,
      actor: {
        id: row.actorId,
        username: name?.username ?? row.actorId,
        displayName: name?.displayName ?? (row.actorId === 'system' ? 'System (timer)' : row.actorId),
        roles: row.actorRoles,
      },
      action: row.action,
      outcome: row.outcome,
      fromState: row.fromState,
      toState: row.toState,
      comment: event.comment ?? (payload.comment as string | undefined) ?? null,
      data: event.data ?? (payload.changes as Record<string, unknown> | undefined) ?? null,
      contentHash: event.contentHash ?? null,
      refusal: row.outcome === 'denied' ? { code: payload.code, message: payload.message } : null,
      description: describe(row, payload),
      hash: row.hash,
    };
  });
}

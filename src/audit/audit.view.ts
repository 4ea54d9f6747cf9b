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

/** The words a history line reads its states, events and timers in: the workflow's labels (WorkflowRegistry), and optionally a refusal's plain reason. */
export interface HistoryWords {
  stateLabel(path: string, workflow?: string): { title: string };
  eventLabel(type: string, workflow?: string): { title: string; phrase: string };
  delayLabel(name: string, workflow?: string): { title: string; phrase: string };
  /** A refused attempt's reason as its person read it; without it, the reason the rule gave. */
  refusal?(payload: { code: string; message: string; details: Record<string, unknown> | null }): string;
}

/** Changes that are no workflow event, as a refusal names the attempt. */
const EDIT_ATTEMPTS: Record<string, string> = { CREATE: 'creating it', UPDATE: 'an edit of the details', ADD_ACTIVITY: 'adding an activity' };

const FIELD_WORDS: Record<string, string> = {
  organizationId: 'organization',
  approvalSlaDays: 'days allowed for approval',
  requiredApprovals: 'approvals required',
};

const fieldWords = (name: string) => FIELD_WORDS[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

const listWords = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

function refusalReason(payload: Record<string, unknown>, words: HistoryWords): string {
  const details = (payload.details ?? null) as Record<string, unknown> | null;
  const [code, message] = [String(payload.code), typeof payload.message === 'string' ? payload.message : ''];
  if (words.refusal) return words.refusal({ code, message, details });
  const reason = typeof details?.reason === 'string' ? details.reason : message || code;
  return `${reason[0].toUpperCase()}${reason.slice(1)}${/[.!?]$/.test(reason) ? '' : '.'}`;
}

/** What happened, in the workflow's words, after the name of whoever did it: "submitted it for approval → Senior-management review". */
function describe(row: AuditEvent, payload: Record<string, unknown>, words: HistoryWords): string {
  const workflow = row.workflowId ?? undefined;
  const arrived = row.toState && row.fromState !== row.toState ? ` → ${words.stateLabel(row.toState, workflow).title}` : '';
  if (row.action.startsWith('xstate.after.')) return `${words.delayLabel(row.action.split('.')[2], workflow).phrase}${arrived}`;
  if (row.outcome === 'denied') {
    const attempt = Object.hasOwn(EDIT_ATTEMPTS, row.action) ? EDIT_ATTEMPTS[row.action] : `“${words.eventLabel(row.action, workflow).title}”`;
    return `was refused ${attempt}: ${refusalReason(payload, words)}`;
  }
  if (row.action === 'CREATE') return row.toState ? `created it (${words.stateLabel(row.toState, workflow).title})` : 'created it';
  if (row.action === 'UPDATE') return `edited the ${listWords(Object.keys(payload.changes ?? {}).map(fieldWords))}`;
  if (row.action === 'ADD_ACTIVITY') return 'added an activity';
  if (row.action === 'WORKFLOW_MIGRATED') {
    const { fromVersion, toVersion } = (payload.migration ?? {}) as { fromVersion?: number; toVersion?: number };
    return `moved it from version ${fromVersion} to version ${toVersion} of its workflow${arrived}`;
  }
  if (/^[A-Z][A-Z_]*$/.test(row.action)) return `${words.eventLabel(row.action, workflow).phrase}${arrived}`;
  return `${fieldWords(row.action)}${arrived}`;
}

/** Audit rows of an instance (and of those it owns) as a person reads them: who did what to which, when, from which state to which, and why. */
export function historyView(rows: AuditEvent[], names: Map<string, ActorName>, words: HistoryWords) {
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
      description: describe(row, payload, words),
      hash: row.hash,
    };
  });
}

import type { Fulfilment } from '../activities/activities.service.js';
import { isWithin } from '../workflow-engine/definition-facts.js';
import type { Partnership } from './partnership.entity.js';

interface Term {
  number: number;
  effectiveFrom: string;
  expiresOn: string;
  kind: 'agreed' | 'existing' | 'renewed';
  by: string;
  at: string;
}

interface Draft {
  version: number;
  name: string;
  sha256: string;
  url: string | null;
  sharedBy: string;
  sharedAt: string;
  /** Drafts shared before uploads, or described by name and hash, have none. */
  documentId?: string;
}

interface Signature {
  signatory: string;
  signedOn: string;
  recordedBy: string;
  recordedAt: string;
  /** The signed copy, when one was uploaded with the signature. */
  document?: { id: string; name: string; sha256: string };
}

/** A party's signature with its signed copy, null when none was uploaded. */
function signatureView(signature: Signature | null | undefined) {
  return signature ? { ...signature, document: signature.document ?? null } : null;
}

/**
 * The request for changes a proposal is back for: the approver's last decision, while it waits to be
 * changed and submitted again, in one of `submissionStates` (definition-facts.ts: where it is submitted from).
 */
export function changesRequested(
  row: Pick<Partnership, 'state' | 'context'>,
  submissionStates: readonly string[],
): { by: string; at: string; comment: string | null } | null {
  const last = ((row.context.decisions ?? []) as Array<{ decision: string; by: string; at: string; comment?: string | null }>).at(-1);
  return isWithin(submissionStates, row.state) && last?.decision === 'REQUEST_CHANGES' ? { by: last.by, at: last.at, comment: last.comment ?? null } : null;
}

/** A partnership as every read and every change answers it; entities and raw snapshots stay inside. */
export function partnershipSummary(row: Partnership) {
  const terms = (row.context.terms ?? []) as Term[];
  return {
    id: row.id,
    title: row.title,
    organizationId: row.organizationId,
    state: row.state,
    version: row.version,
    overdue: row.overdue,
    requiredApprovals: row.requiredApprovals,
    approvalCount: ((row.context.approvals ?? []) as unknown[]).length,
    submittedAt: (row.context.submittedAt as string | null) ?? null,
    expiresOn: terms.length > 0 ? terms[terms.length - 1].expiresOn : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function partnershipView(
  row: Partnership,
  extras: {
    availableEvents: string[];
    eventsRefused: string | null;
    organization: { id: string; name: string } | null;
    /** The engagement and follow-up it grew out of; null when it names none. */
    origin: { engagement: { id: string; title: string; startsOn: string } | null; followUp: { id: string; title: string } | null } | null;
    contentHash: string;
    /** Approvals of the content as it stands. */
    approvalCount: number;
    activities: Array<{
      id: string;
      kind: string;
      title: string;
      recurrence: unknown;
      origin: string;
      occurrences: Array<{ id: string; dueOn: string; termNumber: number; state: string; date: string }>;
    }>;
    fulfilment: Fulfilment | null;
  },
) {
  const context = row.context;
  const terms = (context.terms ?? []) as Term[];
  return {
    ...partnershipSummary(row),
    approvalCount: extras.approvalCount,
    organization: extras.organization,
    origin: extras.origin,
    summary: row.summary,
    programme: row.programme,
    focalPoint: row.focalPoint,
    notes: row.notes,
    proposedActivities: row.proposedActivities,
    approvalSlaDays: row.approvalSlaDays,
    workflow: { id: row.workflowId, version: row.workflowVersion, definitionHash: row.definitionHash },
    /** SHA-256 of what approvers judge; an approver may send it back as `data.contentHash`. */
    contentHash: extras.contentHash,
    availableEvents: extras.availableEvents,
    /** Why the partnership takes no events at all now (its definition changed after it started); null when it takes them. */
    eventsRefused: extras.eventsRefused,
    submittedBy: (context.submittedBy as string | null) ?? null,
    approvals: context.approvals ?? [],
    decisions: context.decisions ?? [],
    drafts: ((context.drafts ?? []) as Draft[]).map((draft) => ({ ...draft, documentId: draft.documentId ?? null })),
    signatures: {
      partner: signatureView((context.signatures as Record<string, Signature | null> | undefined)?.partner),
      own: signatureView((context.signatures as Record<string, Signature | null> | undefined)?.own),
    },
    /** The uploaded draft whose text was agreed, as `{documentId, sha256}`. */
    agreedText: (context.agreedText as { documentId: string; sha256: string } | undefined) ?? null,
    currentTerm: terms.length > 0 ? terms[terms.length - 1] : null,
    pastTerms: terms.slice(0, -1),
    termination: context.termination ?? null,
    recordedExisting: context.recordedExisting
      ? { by: (context.recordedExisting as { by: string }).by, at: (context.recordedExisting as { at: string }).at }
      : null,
    activities: extras.activities,
    /** Held, missed, cancelled and planned occurrences of the current term: the record a renewal decision needs. */
    fulfilment: extras.fulfilment,
    createdBy: row.createdBy,
    ownerId: row.ownerId,
  };
}

export type PartnershipView = ReturnType<typeof partnershipView>;

import type { JudgedEdit, Partnership } from './partnership.entity.js';

/**
 * Who wrote what approvers judge. Separation of duties keeps them from deciding on it: the creator,
 * and whoever changed the judged content (a field, or a document attached to the proposal) since
 * the last submission.
 */

/** The kinds of document attached to a proposal: approvers judge them with it. */
export const ATTACHMENT_KINDS = ['concept_note', 'workplan'] as const;

/** The submission that edits of judged content count toward: the last one, or none yet. */
function submissionOf(row: Pick<Partnership, 'context'>): string | null {
  return typeof row.context.submittedAt === 'string' ? row.context.submittedAt : null;
}

/** Who wrote what approvers judge as it stands: the creator, and whoever edited it since the last submission. */
export function contentAuthors(row: Pick<Partnership, 'createdBy' | 'judgedEdits' | 'context'>): string[] {
  const since = submissionOf(row);
  return [...new Set([row.createdBy, ...row.judgedEdits.filter((edit) => edit.after === since).map((edit) => edit.by)])].sort();
}

/** The edits of judged content that count toward the next decision, with this actor's added: older rounds' editors were recorded at their submission. */
export function judgedEditsAfter(row: Pick<Partnership, 'judgedEdits' | 'context'>, actorId: string): JudgedEdit[] {
  const after = submissionOf(row);
  const current = row.judgedEdits.filter((edit) => edit.after === after && edit.by !== actorId);
  return [...current, { by: actorId, after }];
}

/** Whether a document of this kind is part of the proposal approvers judge. */
export function isAttachment(kind: string): boolean {
  return (ATTACHMENT_KINDS as readonly string[]).includes(kind);
}

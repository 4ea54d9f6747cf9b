import { Injectable } from '@nestjs/common';
import { ActivitiesService, OCCURRENCE_WORKFLOW, occurrenceView } from '../activities/activities.service.js';
import { historyView, type HistoryWords } from '../audit/audit.view.js';
import { changesRequested } from '../partnerships/partnership.view.js';
import { isAttachment } from '../partnerships/judged-content.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { AuditService } from '../audit/audit.service.js';
import { DocumentsService, type DocumentDiff } from '../documents/documents.service.js';
import { PartnerLinksService } from '../documents/partner-links/partner-links.service.js';
import { HISTORY_PAGE, PartnershipsService } from '../partnerships/partnerships.service.js';
import { UsersService } from '../users/users.service.js';
import { WorkflowEngine } from '../workflow-engine/engine.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import type { ReplayResult } from '../workflow-engine/replay.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { eventForms, type EventForm } from './event-forms.js';
import { refusalOf, type Refusal } from './refusal-words.js';
import { DomainError, type ErrorCode } from '../common/domain-error.js';
import { approvalStates, isWithin, occurrenceStates, submissionStates } from '../workflow-engine/definition-facts.js';
import { renderStateDiagram } from './state-diagram.js';
import type { FormBody } from './web-forms.js';

/** A form sent back with the reason it was refused and what the user typed, so nothing is lost. */
export interface FailedAttempt {
  /** The event type, `details` for the details form, `activity` for the new activity form, or `occurrence:<id>` for an occurrence's form. */
  form: string;
  type?: string;
  values: FormBody;
  refusal: Refusal;
}

/** The forms the page shows, as `partnership.eta` decides: each shows its own refusal. */
interface ShownForms {
  /** The details form: a manager's, while some field is editable. */
  details: boolean;
  /** The new activity form: a manager's, until the partnership is closed. */
  activity: boolean;
  /** The partner link form: a manager's, once the text is agreed. */
  partnerLink: boolean;
  /** The form attaching a concept note or workplan: a manager's, while the proposal can be edited. */
  attachment: boolean;
  events: EventForm[];
  occurrences: Array<{ id: string; forms: EventForm[] }>;
}

/**
 * Whether the form a refusal belongs to is on the page again. One posted from a stale page may
 * no longer be offered (the state has moved on, nothing is editable any more, the partnership was
 * closed), or never was to this user (a forged post); its refusal would then vanish with it.
 */
function formShown(failed: FailedAttempt, shown: ShownForms): boolean {
  if (failed.form === 'details') return shown.details;
  if (failed.form === 'activity') return shown.activity;
  if (failed.form === 'partnerLink') return shown.partnerLink;
  if (failed.form === 'attachment') return shown.attachment;
  if (failed.form.startsWith('occurrence:')) {
    const occurrence = shown.occurrences.find((o) => `occurrence:${o.id}` === failed.form);
    return occurrence?.forms.some((f) => f.type === failed.type) ?? false;
  }
  return shown.events.some((f) => f.type === failed.form);
}

/** Texts longer than this are not compared on the page (GET /api/documents/{id}/diff/{otherId} compares them). */
const PAGE_DIFF_CHARS = 200_000;
/**
 * The newest drafts the page compares, each with the one before. One comparison may take half a
 * second and print a megabyte, and a partnership may have any number of drafts: 20 unrelated ones
 * made the page cost 20 comparisons on every view.
 */
export const PAGE_DRAFT_DIFFS = 3;

/** Everything the partnership page shows, gathered from the services the API uses. */
@Injectable()
export class PartnershipPage {
  constructor(
    private readonly partnerships: PartnershipsService,
    private readonly activities: ActivitiesService,
    private readonly organizations: OrganizationsService,
    private readonly users: UsersService,
    private readonly runtime: InstanceRuntime,
    private readonly engine: WorkflowEngine,
    private readonly audit: AuditService,
    private readonly registry: WorkflowRegistry,
    private readonly partnerLinks: PartnerLinksService,
    private readonly documents: DocumentsService,
  ) {}

  /** History lines in the workflows' words, a refusal's reason as its person read it. */
  private readonly historyWords: HistoryWords = {
    stateLabel: (path, workflow) => this.registry.stateLabel(path, workflow),
    eventLabel: (type, workflow) => this.registry.eventLabel(type, workflow),
    delayLabel: (name, workflow) => this.registry.delayLabel(name, workflow),
    refusal: ({ code, message, details }) => refusalOf(new DomainError(code as ErrorCode, message, details ?? undefined), this.registry).message,
  };

  /**
   * Each of the PAGE_DRAFT_DIFFS newest uploaded drafts against the uploaded draft shared before it, word by word, by its version;
   * none where either has no text, or too much.
   */
  private async draftChanges(drafts: Array<{ version: number; documentId: string | null }>): Promise<Record<number, DocumentDiff['changes']>> {
    const changes: Record<number, DocumentDiff['changes']> = {};
    for (const [i, draft] of drafts.entries()) {
      if (i < drafts.length - PAGE_DRAFT_DIFFS) continue;
      const before = drafts[i - 1];
      if (!before?.documentId || !draft.documentId) continue;
      const diff = await this.documents.diffWithin(before.documentId, draft.documentId, PAGE_DIFF_CHARS);
      if (diff) changes[draft.version] = diff.changes;
    }
    return changes;
  }

  /** The concept notes and workplans attached to the proposal, oldest first. */
  private async attachmentsOf(id: string) {
    const { items } = await this.documents.list({ partnershipId: id, limit: 100 });
    return items.filter((document) => isAttachment(document.kind)).reverse();
  }

  /** A replay's verdict in the workflow's words: the states by their titles, the event it parts at by its label. */
  replayWords(result: ReplayResult, workflowId: string) {
    const state = (value: string) => this.registry.stateLabel(value, workflowId).title;
    const at = result.divergesAt;
    return {
      ok: result.matches,
      events: result.events,
      stored: state(result.stored.value),
      replayed: state(result.replayed.value),
      sameState: result.stored.value === result.replayed.value,
      divergesAt: at
        ? {
            seq: at.seq,
            at: at.occurredAt,
            event: at.action === 'CREATE' ? 'its creation' : this.registry.eventLabel(at.action, workflowId).title,
            kind: at.kind,
            recorded: at.recordedState === undefined ? null : state(at.recordedState),
            reason: at.reason,
          }
        : null,
    };
  }

  /** `historyOffset`: where the page of history shown starts, oldest first. */
  async build(id: string, actor: Actor, failed?: FailedAttempt, historyOffset = 0) {
    const row = await this.partnerships.get(id);
    const view = await this.partnerships.view(row, actor);
    // Undefined when the definition file changed after the partnership started: it is read, but takes no events.
    const definition = this.runtime.readableDefinitionOf(row);
    const history = await this.partnerships.history(id, { limit: HISTORY_PAGE, offset: historyOffset });
    const series = await this.activities.forPartnership(id);
    // Who confirmed the agreed text, for everyone; the links themselves (whom they went to, and where) for those who manage or read them.
    const links = await this.partnerLinks.ofPartnership(id);
    const readsLinks = actor.roles.some((role) => role === 'manager' || role === 'auditor');
    const people = [
      ...links.map((link) => link.createdBy),
      ...history.items.map((r) => r.actorId),
      ...(view.approvals as Array<{ by: string }>).map((a) => a.by),
      ...(view.decisions as Array<{ by: string }>).map((d) => d.by),
      ...(view.drafts as Array<{ sharedBy: string }>).map((d) => d.sharedBy),
      ...Object.values(view.signatures as Record<string, { recordedBy: string } | null>).flatMap((s) => (s ? [s.recordedBy] : [])),
      ...[view.currentTerm, ...view.pastTerms].flatMap((t) => (t ? [t.by] : [])),
      view.createdBy,
    ];
    const names = await this.users.displayNames(people);
    const steps = await this.audit.stepsOf(id);
    const editable = definition ? this.engine.editableFields(definition, row.state) : [];
    const labels = this.registry.labels(row.workflowId);
    const occurrenceLabels = this.registry.labels(OCCURRENCE_WORKFLOW);
    const forms: EventForm[] = eventForms(view.availableEvents, labels);
    const seriesViews = series.map((s) => ({
      ...s,
      occurrences: s.occurrences.map((o) => ({ ...occurrenceView(o), forms: eventForms(this.activities.availableEvents(o, actor), occurrenceLabels) })),
    }));
    const isManager = actor.roles.includes('manager');
    const acceptsActivities = this.activities.acceptsSeries(row);
    // Where the activities' occurrences are planned, in the workflow's words: "In force", "Delivering".
    const plannedIn = definition ? occurrenceStates(definition).map((state) => this.registry.stateLabel(state, row.workflowId).title) : [];
    const occurrencesNote = this.activities.runsOccurrences(row)
      ? 'Its occurrences for the current term are planned at once.'
      : plannedIn.length > 0
        ? `Its occurrences are planned when the partnership reaches ${plannedIn.join(' or ')}.`
        : 'This workflow plans no occurrences.';
    const shown = {
      details: isManager && editable.length > 0,
      activity: isManager && acceptsActivities,
      partnerLink: isManager && view.agreedText !== null,
      attachment: isManager && editable.length > 0,
      events: forms,
      occurrences: seriesViews.flatMap((s) => s.occurrences),
    };
    const offscreen = failed !== undefined && !formShown(failed, shown);
    return {
      p: view,
      /** What the approver asked to change, shown at the top while the proposal waits to be changed. */
      changesRequested: changesRequested(row, definition ? submissionStates(definition) : []),
      /** It waits for approvals (definition-facts.ts): an approval of content that has changed since no longer counts towards them. */
      awaitsApprovals: definition ? isWithin(approvalStates(definition), row.state) : false,
      draftChanges: await this.draftChanges(view.drafts),
      /** Drafts older than those compared, which the page does not compare with the one before. */
      draftsNotCompared: Math.max(0, view.drafts.length - PAGE_DRAFT_DIFFS - 1),
      names: Object.fromEntries([...names].map(([userId, n]) => [userId, n.displayName])),
      diagram: definition ? renderStateDiagram(definition, labels, row.state, steps) : null,
      /** The workflow by its title ("Partnership and MOU"), not its id. */
      workflowTitle: definition?.title ?? this.registry.versions(row.workflowId).at(-1)?.definition.title ?? 'Workflow',
      forms,
      editable,
      acceptsActivities,
      occurrencesNote,
      organizations: editable.includes('organizationId') ? await this.organizations.choices() : [],
      history: historyView(history.items, names, this.historyWords),
      historyPage: { offset: historyOffset, size: HISTORY_PAGE, total: history.total },
      series: seriesViews,
      acknowledgements: links.filter((link) => link.acknowledgedAt !== null),
      partnerLinks: readsLinks ? links : null,
      sendsPartnerLinks: shown.partnerLink,
      attachments: await this.attachmentsOf(id),
      attaches: shown.attachment,
      failed: failed ?? null,
      /** The refusal of a form the page does not show, shown at the top of the actions instead. */
      offscreenRefusal: offscreen ? failed.refusal : null,
    };
  }
}

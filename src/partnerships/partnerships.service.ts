import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, type EntityManager } from 'typeorm';
import { ActivitiesService, effectiveDate } from '../activities/activities.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuditEvent } from '../audit/audit-event.entity.js';
import { beginAuditedEdit, stateKept } from '../audit/audited-edit.js';
import { isIsoDate } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import type { DocumentKind } from '../documents/document.entity.js';
import { DocumentsService } from '../documents/documents.service.js';
import { EntityStatements } from '../database/entity-statements.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { WorkflowEngine, type EventFacts } from '../workflow-engine/engine.js';
import { contentHash, InstanceRuntime, type EventInput, type SendOutcome } from '../workflow-engine/instance-runtime.service.js';
import { isWithin, termStates } from '../workflow-engine/definition-facts.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { currentApprovals } from '../workflow-engine/vocabulary.js';
import type { Actor, WorkflowContext } from '../workflow-engine/workflow.types.js';
import type { CreatePartnershipDto, UpdatePartnershipDto } from './dto/partnership.dto.js';
import { ATTACHMENT_KINDS, contentAuthors, judgedEditsAfter } from './judged-content.js';
import { Partnership, PARTNERSHIP_KIND } from './partnership.entity.js';
import { PARTNERSHIP_WORKFLOW, partnershipStatesWhere, partnershipWorkflowChoices } from './partnership-workflows.js';
import { PartnershipListRepository, type PartnershipPage, type PartnershipQuery } from './partnership-list.repository.js';
import { partnershipSummary, partnershipView, type PartnershipView } from './partnership.view.js';

export { PARTNERSHIP_WORKFLOW } from './partnership-workflows.js';

/** The events that may name an uploaded document, and the kind each takes. */
const DOCUMENT_EVENTS: Record<string, DocumentKind> = {
  SHARE_DRAFT: 'mou_draft',
  AGREE_TEXT: 'mou_draft',
  RECORD_SIGNATURE: 'signed_mou',
  RECORD_EXISTING: 'signed_mou',
};

/** History rows a page holds unless the caller asks for another number (at most 200, as every list). */
export const HISTORY_PAGE = 50;

/** The fields of a partnership that approvers judge; an edit of any of them makes its editor an author of the proposal. */
export const JUDGED_FIELDS = ['title', 'organizationId', 'summary', 'proposedActivities', 'requiredApprovals', 'approvalSlaDays'] as const;

/** What approvers judge of the organization a proposal names, as it stands. */
export interface JudgedOrganization {
  name: string;
  kind: string;
  country: string;
}

/** What approvers judge of a document attached to a proposal. */
export interface JudgedAttachment {
  id: string;
  kind: string;
  name: string;
  sha256: string;
}

/**
 * What approvers judge, with the approval settings the workflow copies at submission; each
 * approval is bound to the SHA-256 of exactly this. The organization is judged with it: renaming
 * it changes the hash like any other change. So are the documents attached to the proposal, in
 * attachmentOrder: a new one changes the hash; a proposal with none hashes as it did before attachments.
 */
export function proposalContent(
  row: Pick<Partnership, (typeof JUDGED_FIELDS)[number]>,
  organization: JudgedOrganization | null,
  attachments: JudgedAttachment[],
) {
  return {
    title: row.title,
    organizationId: row.organizationId,
    organization: organization ? { name: organization.name, kind: organization.kind, country: organization.country } : null,
    summary: row.summary,
    proposedActivities: row.proposedActivities,
    requiredApprovals: row.requiredApprovals,
    approvalSlaDays: row.approvalSlaDays,
    ...(attachments.length > 0
      ? { attachments: [...attachments].sort(attachmentOrder).map(({ id, kind, name, sha256 }) => ({ id, kind, name, sha256 })) }
      : {}),
  };
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Attachments by kind, then SHA-256, then id, compared by code unit in JS: an ORDER BY would follow
 * the database's collation, which differs between SQLite and PostgreSQL (and between PostgreSQL
 * servers), and the content hash must not.
 */
export function attachmentOrder(a: JudgedAttachment, b: JudgedAttachment): number {
  return byCodeUnits(a.kind, b.kind) || byCodeUnits(a.sha256, b.sha256) || byCodeUnits(a.id, b.id);
}

/** What approvers judge beside the partnership's own fields, as it stands. */
export interface JudgedContext {
  organization: JudgedOrganization | null;
  attachments: JudgedAttachment[];
}

type JudgedRow = {
  judged_organization_name: string | null;
  judged_organization_kind: string | null;
  judged_organization_country: string | null;
  judged_document_id: string | null;
  judged_document_kind: string;
  judged_document_name: string;
  judged_document_sha256: string;
};

const JUDGED_KINDS = ATTACHMENT_KINDS.map((kind) => `'${kind}'`).join(', ');

/**
 * The organization a partnership names and the documents attached to it (oldest first), in one statement (two would cost a second round trip on
 * PostgreSQL).
 */
const JUDGED_CONTEXT = `SELECT o.name AS judged_organization_name, o.kind AS judged_organization_kind, o.country AS judged_organization_country,
    d.id AS judged_document_id, d.kind AS judged_document_kind, d.name AS judged_document_name, d.sha256 AS judged_document_sha256
  FROM partnerships p
  LEFT JOIN organizations o ON o.id = p.organization_id
  LEFT JOIN documents d ON d.partnership_id = p.id AND d.kind IN (${JUDGED_KINDS})
  WHERE p.id = ? ORDER BY d.uploaded_at, d.id`;

/**
 * The partnership itself (`row` columns), then, as JUDGED_CONTEXT reads them, its organization on the same row and its attachments a row each: what
 * an event reads, in one statement. The attachments' rows leave the partnership's columns NULL, so a large context is read once however many there are.
 */
function partnershipWithJudgedContext(row: string, nulls: string): string {
  return `SELECT 0 AS judged_part, ${row}, o.name AS judged_organization_name, o.kind AS judged_organization_kind, o.country AS judged_organization_country,
    NULL AS judged_document_id, NULL AS judged_document_kind, NULL AS judged_document_name, NULL AS judged_document_sha256, NULL AS judged_document_uploaded_at
  FROM partnerships p LEFT JOIN organizations o ON o.id = p.organization_id WHERE p.id = ?
  UNION ALL
  SELECT 1, ${nulls}, NULL, NULL, NULL, d.id, d.kind, d.name, d.sha256, d.uploaded_at
  FROM documents d WHERE d.partnership_id = ? AND d.kind IN (${JUDGED_KINDS})
  ORDER BY judged_part, judged_document_uploaded_at, judged_document_id`;
}

function judgedOf(rows: JudgedRow[]): JudgedContext {
  const [first] = rows;
  return {
    organization:
      first?.judged_organization_name != null
        ? { name: first.judged_organization_name, kind: first.judged_organization_kind as string, country: first.judged_organization_country as string }
        : null,
    attachments: rows.flatMap((row) =>
      row.judged_document_id === null
        ? []
        : [{ id: row.judged_document_id, kind: row.judged_document_kind, name: row.judged_document_name, sha256: row.judged_document_sha256 }],
    ),
  };
}

export async function judgedContext(db: DataSource | EntityManager, partnershipId: string): Promise<JudgedContext> {
  return judgedOf(await plainQuery<JudgedRow>(db, JUDGED_CONTEXT, [partnershipId]));
}

@Injectable()
export class PartnershipsService implements OnModuleInit {
  /** The text of `withSubject`'s statement, built from the entity's columns once. */
  private withJudgedContext?: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    private readonly engine: WorkflowEngine,
    private readonly audit: AuditService,
    private readonly organizations: OrganizationsService,
    private readonly activities: ActivitiesService,
    private readonly lists: PartnershipListRepository,
    private readonly registry: WorkflowRegistry,
    private readonly config: ConfigService,
    private readonly documents: DocumentsService,
  ) {}

  onModuleInit(): void {
    // An agreement's end of term is what the expiry reports and the board read.
    const inTerm = partnershipStatesWhere(this.registry, termStates);
    this.runtime.registerKind<Partnership>({
      name: PARTNERSHIP_KIND,
      entity: Partnership,
      withSubject: (manager, id) => this.withSubject(manager, id),
      authors: contentAuthors,
      limits: { maxTermYears: this.config.getOrThrow<AppConfig>('app').maxTermYears },
      completeData: (manager, row, type, data) => this.withDocument(manager, row, type, data),
      mirror: (state: string, context: WorkflowContext) => ({
        overdue: context.overdue === true,
        expiresOn: isWithin(inTerm, state) && isIsoDate(context.expiresOn) ? context.expiresOn : null,
      }),
    });
  }

  /** A partnership with what approvers judge of it: the content an event's hash binds, read with the row in one statement. */
  private async withSubject(manager: EntityManager, id: string): Promise<{ row: Partnership; subject: Record<string, unknown> } | null> {
    const statements = EntityStatements.of(this.dataSource, Partnership);
    this.withJudgedContext ??= partnershipWithJudgedContext(statements.selectList('p'), statements.selectList());
    const rows = await plainQuery<JudgedRow & Record<string, unknown>>(manager, this.withJudgedContext, [id, id]);
    if (rows[0]?.judged_part !== 0) return null;
    const row = statements.hydrate(rows[0]);
    const { organization, attachments } = judgedOf(rows);
    return { row, subject: proposalContent(row, organization, attachments) };
  }

  /**
   * An event that names an uploaded document (`data.documentId`) carries its name and hash as `data.document`, the shape SHARE_DRAFT always had, so the
   * workflow and a replay read them from the event. The document must be of the kind the event takes and of this partnership.
   */
  private async withDocument(manager: EntityManager, row: Partnership, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const kind = Object.hasOwn(DOCUMENT_EVENTS, type) ? DOCUMENT_EVENTS[type] : undefined;
    if (kind === undefined || typeof data.documentId !== 'string') return data;
    if (data.document !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'name the document by documentId or describe it in document, not both', {
        errors: ['data.document must be left out when data.documentId is given'],
      });
    }
    const document = await this.documents.forPartnershipEvent(manager, data.documentId, row.id, kind);
    return { ...data, document: { name: document.name, sha256: document.sha256 } };
  }

  /** The workflows a new partnership may run, the default first, each with its latest version's title and description. */
  workflowChoices(): Array<{ id: string; title: string; description: string }> {
    return partnershipWorkflowChoices(this.registry);
  }

  /** The approval settings a new proposal gets unless it names its own: the latest definition's, and nobody else's. */
  defaults(workflowId: string = PARTNERSHIP_WORKFLOW): { requiredApprovals: number; approvalSlaDays: number } {
    const context = this.registry.latest(workflowId).definition.machine.context;
    // The registry refuses a definition whose quorum or SLA has no number in its context.
    return { requiredApprovals: Number(context.requiredApprovals), approvalSlaDays: Number(context.approvalSlaDays) };
  }

  /**
   * A quorum a proposal asks for must be one its deciders can reach: no more than the active
   * approvers who are not its authors (they never decide on it). Otherwise it would wait forever.
   */
  private async assertQuorumReachable(manager: EntityManager, requiredApprovals: number | undefined, authors: string[]): Promise<void> {
    if (requiredApprovals === undefined) return;
    const approvers = await plainQuery<{ id: string }>(manager, `SELECT id FROM users WHERE active = TRUE AND roles LIKE '%"approver"%'`, []);
    const deciders = approvers.filter((approver) => !authors.includes(approver.id)).length;
    if (requiredApprovals > deciders) {
      throw new DomainError(
        'QUORUM_UNREACHABLE',
        `the proposal asks for ${requiredApprovals} approvals, but only ${deciders} active approver${deciders === 1 ? '' : 's'} may decide it`,
        { requiredApprovals, approvers: deciders },
      );
    }
  }

  create(input: CreatePartnershipDto, actor: Actor, requestId?: string): Promise<Partnership> {
    return this.queue.run((manager) => this.createIn(manager, input, actor, requestId));
  }

  /** A new proposal, inside the caller's write transaction (an import creates many in one). */
  async createIn(manager: EntityManager, input: CreatePartnershipDto, actor: Actor, requestId?: string): Promise<Partnership> {
    await this.organizations.get(input.organizationId, manager);
    await this.assertQuorumReachable(manager, input.requiredApprovals, [actor.id]);
    const origin = await originOf(manager, input);
    const at = this.runtime.now();
    const workflowId = input.workflowId ?? PARTNERSHIP_WORKFLOW;
    const defaults = this.defaults(workflowId);
    const requiredApprovals = input.requiredApprovals ?? defaults.requiredApprovals;
    const approvalSlaDays = input.approvalSlaDays ?? defaults.approvalSlaDays;
    return this.runtime.create<Partnership>(
      manager,
      PARTNERSHIP_KIND,
      workflowId,
      {
        title: input.title.trim(),
        titleKey: input.title.trim().toLowerCase(),
        organizationId: input.organizationId,
        summary: input.summary ?? null,
        programme: input.programme ?? null,
        focalPoint: input.focalPoint ?? null,
        notes: input.notes ?? null,
        proposedActivities: input.proposedActivities ?? [],
        requiredApprovals,
        approvalSlaDays,
        overdue: false,
        expiresOn: null,
        judgedEdits: [],
        createdBy: actor.id,
        ownerId: actor.id,
        createdAt: at,
        ...origin,
      },
      { actor, requestId, context: { requiredApprovals, approvalSlaDays } },
    );
  }

  /** Edits details where the current state's `meta.editable` allows; every change is audited. */
  updateDetails(id: string, body: UpdatePartnershipDto, actor: Actor, expectedVersion: number, requestId?: string): Promise<Partnership> {
    // Only the fields the request names: a DTO class declares the others as undefined properties.
    const input = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as UpdatePartnershipDto;
    const attempt: EventInput = { type: 'UPDATE', actor, expectedVersion, requestId, data: { ...input } };
    return this.runtime.auditRefusals(PARTNERSHIP_KIND, id, attempt, () =>
      this.queue.run(async (manager) => {
        if (Object.keys(input).length === 0) throw new DomainError('VALIDATION_FAILED', 'nothing to change: name at least one field');
        const row = await this.get(id, manager);
        const edit = beginAuditedEdit(manager, this.audit, { entity: Partnership, entityType: PARTNERSHIP_KIND, row, expectedVersion, actor, requestId });
        const editable = new Set(this.engine.editableFields(this.runtime.definitionOf(row), row.state));
        const refused = Object.keys(input).filter((field) => !editable.has(field));
        if (refused.length > 0) {
          throw new DomainError('EVENT_NOT_ALLOWED', `${refused.join(', ')} cannot be edited in state ${row.state}`, {
            state: row.state,
            editable: [...editable],
          });
        }
        if (input.organizationId !== undefined) await this.organizations.get(input.organizationId, manager);
        if (input.ownerId !== undefined) await assertOwnerEligible(manager, input.ownerId);
        await this.assertQuorumReachable(manager, input.requiredApprovals, [...contentAuthors(row), actor.id]);
        if (input.proposedActivities !== undefined) await this.activities.assertSeriesWithinBound(manager, id, input.proposedActivities.length, 0);
        const changes: Omit<Partial<Partnership>, 'context'> = { ...input };
        if (input.title !== undefined) {
          changes.title = input.title.trim();
          changes.titleKey = changes.title.toLowerCase();
        }
        if (JUDGED_FIELDS.some((field) => input[field] !== undefined)) changes.judgedEdits = judgedEditsAfter(row, actor.id);
        return edit.save(changes, { occurredAt: this.runtime.now(), action: 'UPDATE', ...stateKept(row), payload: { changes: { ...input } } });
      }),
    );
  }

  send(id: string, input: EventInput): Promise<SendOutcome<Partnership>> {
    return this.runtime.send<Partnership>(PARTNERSHIP_KIND, id, input);
  }

  dryRun(id: string, input: EventInput): Promise<SendOutcome<Partnership>> {
    return this.runtime.dryRun<Partnership>(PARTNERSHIP_KIND, id, input);
  }

  /** What `actor` may send now; none while the definition the partnership started on has changed (`eventsRefused` says so). */
  availableEvents(row: Partnership, actor: Actor, facts: EventFacts): string[] {
    const definition = this.runtime.readableDefinitionOf(row);
    return definition ? this.engine.availableEvents(definition, { value: row.state, context: row.context }, actor, facts) : [];
  }

  /** What the actor guards read of a partnership whose organization and attachments are already loaded: who wrote the proposal, and its hash. */
  factsOf(row: Partnership, organization: JudgedOrganization | null, attachments: JudgedAttachment[]): EventFacts {
    return { authors: contentAuthors(row), contentHash: contentHash(proposalContent(row, organization, attachments)) };
  }

  async get(id: string, manager = this.dataSource.manager): Promise<Partnership> {
    const row = await EntityStatements.of(this.dataSource, Partnership).findById(manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `partnership ${id} not found`);
    return row;
  }

  /** A filter that names no state or no organization is refused (400): an empty list would say that nothing matched it. */
  async checkFilters(query: Pick<PartnershipQuery, 'state' | 'organizationId'>): Promise<void> {
    const errors: string[] = [];
    if (query.state !== undefined && !this.registry.hasState(query.state))
      errors.push('state must be a state of a workflow, or a dotted prefix of one such as in_force');
    if (query.organizationId !== undefined && !(await this.organizations.exists(query.organizationId))) errors.push('organizationId must name an organization');
    if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', errors.join('; '), { errors });
  }

  /** A page of partnerships, newest first, with the total (a lower bound past a title search's count limit). */
  list(query: PartnershipQuery): Promise<PartnershipPage> {
    return this.lists.page(query);
  }

  async view(row: Partnership, actor: Actor): Promise<PartnershipView> {
    // The answer to every event request: plain statements for what approvers judge beside the row (the organization's name among it) and for whether
    // there are activities at all.
    const { organization, attachments } = await judgedContext(this.dataSource, row.id);
    const { series, fulfilment } = await this.activities.activitiesOf(row);
    const facts = this.factsOf(row, organization, attachments);
    return partnershipView(row, {
      availableEvents: this.availableEvents(row, actor, facts),
      eventsRefused: this.runtime.definitionChange(row) ?? null,
      organization: organization ? { id: row.organizationId, name: organization.name } : null,
      origin: row.originEngagementId || row.originFollowUpId ? await originView(this.dataSource, row) : null,
      contentHash: facts.contentHash as string,
      approvalCount: currentApprovals(row.context, facts.contentHash).length,
      activities: series.map((s) => ({
        id: s.id,
        kind: s.kind,
        title: s.title,
        recurrence: s.recurrence,
        origin: s.origin,
        occurrences: s.occurrences.map((o) => ({ id: o.id, dueOn: o.dueOn, termNumber: o.termNumber, state: o.state, date: effectiveDate(o) })),
      })),
      fulfilment,
    });
  }

  async listSummaries(query: PartnershipQuery) {
    await this.checkFilters(query);
    const { items, total, totalRelation } = await this.list(query);
    return { items: items.map(partnershipSummary), total, totalRelation };
  }

  /**
   * A page of the partnership's audit rows and its occurrences', oldest first (SPEC: who recorded the lecture as held is part of its history), with their
   * total.
   */
  async history(id: string, page: { limit?: number; offset?: number } = {}): Promise<{ items: AuditEvent[]; total: number }> {
    await this.get(id);
    const occurrences = await this.activities.occurrenceIdsOf(id);
    return this.audit.forEntities([id, ...occurrences], { limit: page.limit ?? HISTORY_PAGE, offset: page.offset ?? 0 });
  }
}

/** An owner looks after partnerships: an active user who is a manager or an admin. */
async function assertOwnerEligible(manager: EntityManager, ownerId: string): Promise<void> {
  const [user] = await plainQuery<{ roles: string }>(manager, 'SELECT roles FROM users WHERE id = ? AND active = TRUE', [ownerId]);
  const roles = user ? (JSON.parse(user.roles) as string[]) : [];
  if (!roles.includes('manager') && !roles.includes('admin')) {
    throw new DomainError('VALIDATION_FAILED', 'the owner must be an active manager or admin', { errors: ['ownerId must name an active manager or admin'] });
  }
}

/** The engagement and follow-up a new partnership names as its origin, each checked to exist (404); a follow-up's engagement stands in for one not named. */
async function originOf(
  manager: EntityManager,
  input: Pick<CreatePartnershipDto, 'originEngagementId' | 'originFollowUpId'>,
): Promise<Pick<Partnership, 'originEngagementId' | 'originFollowUpId'>> {
  let engagementId = input.originEngagementId ?? null;
  if (input.originFollowUpId) {
    const [followUp] = await plainQuery<{ engagement_id: string }>(manager, 'SELECT engagement_id FROM follow_ups WHERE id = ?', [input.originFollowUpId]);
    if (!followUp) throw new DomainError('NOT_FOUND', `follow-up ${input.originFollowUpId} not found`, { field: 'originFollowUpId' });
    engagementId ??= followUp.engagement_id;
  }
  if (engagementId && (await plainQuery(manager, 'SELECT 1 AS one FROM engagements WHERE id = ?', [engagementId])).length === 0) {
    throw new DomainError('NOT_FOUND', `engagement ${engagementId} not found`, { field: 'originEngagementId' });
  }
  return { originEngagementId: engagementId, originFollowUpId: input.originFollowUpId ?? null };
}

/** Where the partnership came from, by title. */
async function originView(db: DataSource, row: Partnership) {
  const [engagement] = row.originEngagementId
    ? await plainQuery<{ id: string; title: string; starts_on: string }>(db, 'SELECT id, title, starts_on FROM engagements WHERE id = ?', [
        row.originEngagementId,
      ])
    : [];
  const [followUp] = row.originFollowUpId
    ? await plainQuery<{ id: string; title: string }>(db, 'SELECT id, title FROM follow_ups WHERE id = ?', [row.originFollowUpId])
    : [];
  return {
    engagement: engagement ? { id: engagement.id, title: engagement.title, startsOn: engagement.starts_on } : null,
    followUp: followUp ? { id: followUp.id, title: followUp.title } : null,
  };
}

import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { AUDIT_ROW_COLUMNS, auditRowOf } from '../src/audit/verify/row-source.js';
import { canonicalJson } from '../src/common/canonical-json.js';
import { BENCH_APPROVER, BENCH_MANAGER, insertMany, isPostgres } from './support.js';

/**
 * Bulk data for the growth and verify figures, written straight into the migrated tables in one
 * transaction: partnerships that went proposal → review → drafting → negotiation (five drafts) →
 * awaiting signatures (half of them signed into force), each with its ten audit rows, appended to
 * the real chain with the service's own hash rule, so `verify()` walks a valid chain.
 */
export const AUDIT_ROWS_PER_PARTNERSHIP = 10;
export const SEARCH_WORD = 'police';
const TITLE_WORDS = ['university', 'lecture', SEARCH_WORD, 'human rights', 'research', 'training', 'course', 'seminar', 'think tank', 'academy'];
const BASE_TIME = Date.parse('2026-01-05T09:00:00.000Z');

const PARTNERSHIP_COLUMNS = [
  'id',
  'title',
  'title_key',
  'organization_id',
  'summary',
  'programme',
  'focal_point',
  'notes',
  'proposed_activities',
  'required_approvals',
  'approval_sla_days',
  'workflow_id',
  'workflow_version',
  'definition_hash',
  'state',
  'context',
  'overdue',
  'expires_on',
  'version',
  'created_by',
  'created_at',
  'updated_at',
];
const AUDIT_COLUMNS = [...AUDIT_ROW_COLUMNS];

export interface SeedTarget {
  organizationId: string;
  definitionHash: string;
}

interface Step {
  action: string;
  from: string | null;
  to: string;
  actor: typeof BENCH_MANAGER;
  data?: Record<string, unknown>;
}

function steps(signedIntoForce: boolean): Step[] {
  const draft = (n: number) => ({ document: { name: `MOU draft ${n}.docx`, sha256: 'ab'.repeat(32) } });
  return [
    { action: 'CREATE', from: null, to: 'proposal', actor: BENCH_MANAGER },
    { action: 'SUBMIT_FOR_APPROVAL', from: 'proposal', to: 'senior_management_review', actor: BENCH_MANAGER },
    { action: 'APPROVE', from: 'senior_management_review', to: 'mou_drafting', actor: BENCH_APPROVER },
    ...[1, 2, 3, 4, 5].map((n) => ({
      action: 'SHARE_DRAFT',
      from: n === 1 ? 'mou_drafting' : 'mou_negotiation',
      to: 'mou_negotiation',
      actor: BENCH_MANAGER,
      data: draft(n),
    })),
    {
      action: 'AGREE_TEXT',
      from: 'mou_negotiation',
      to: 'awaiting_signatures',
      actor: BENCH_MANAGER,
      data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' },
    },
    {
      action: 'RECORD_SIGNATURE',
      from: 'awaiting_signatures',
      to: signedIntoForce ? 'in_force.active' : 'awaiting_signatures',
      actor: BENCH_MANAGER,
      data: { party: 'partner', signatory: 'Vice-Chancellor', signedOn: '2026-03-20' },
    },
  ];
}

/** Appends partnerships number `from` to `to` - 1, and their audit rows, continuing the chain from its head. */
export async function seedPartnerships(dataSource: DataSource, target: SeedTarget, from: number, to: number): Promise<void> {
  const kind = isPostgres(dataSource) ? 'postgres' : 'sqlite';
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    const [head] = (await runner.query('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')) as Array<{ seq: number | string; hash: string }>;
    let seq = Number(head?.seq ?? 0);
    let prevHash = head?.hash ?? '0'.repeat(64);
    const CHUNK = 1000;
    for (let start = from; start < to; start += CHUNK) {
      const partnerships: unknown[][] = [];
      const audit: unknown[][] = [];
      for (let n = start; n < Math.min(to, start + CHUNK); n += 1) {
        const id = randomUUID();
        const createdAt = new Date(BASE_TIME + n * 1000).toISOString();
        const title = `${TITLE_WORDS[n % TITLE_WORDS.length]} partnership ${n}`;
        const signedIntoForce = n % 2 === 1;
        const path = steps(signedIntoForce);
        const finalState = path[path.length - 1].to;
        const context = {
          requiredApprovals: 1,
          approvalSlaDays: 14,
          renewalLeadDays: 90,
          submittedBy: BENCH_MANAGER.id,
          submittedAt: createdAt,
          approvals: [{ by: BENCH_APPROVER.id, at: createdAt, contentHash: 'cd'.repeat(32) }],
          overdue: false,
          decisions: [],
          drafts: [1, 2, 3, 4, 5].map((v) => ({
            version: v,
            name: `MOU draft ${v}.docx`,
            sha256: 'ab'.repeat(32),
            url: null,
            sharedBy: BENCH_MANAGER.id,
            sharedAt: createdAt,
          })),
          effectiveFrom: '2026-04-01',
          expiresOn: '2029-03-31',
          terms: [{ number: 1, effectiveFrom: '2026-04-01', expiresOn: '2029-03-31', kind: 'agreed', by: BENCH_MANAGER.id, at: createdAt }],
          signatures: { partner: { signatory: 'Vice-Chancellor', signedOn: '2026-03-20', recordedBy: BENCH_MANAGER.id, recordedAt: createdAt }, own: null },
          termination: null,
        };
        const activities = [{ kind: 'annual_lecture', title: 'Annual named lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } }];
        partnerships.push([
          id,
          title,
          title.toLowerCase(),
          target.organizationId,
          'An annual named lecture and yearly research visits.',
          'Research',
          null,
          null,
          JSON.stringify(activities),
          1,
          14,
          'partnership-mou',
          1,
          target.definitionHash,
          finalState,
          JSON.stringify(context),
          kind === 'postgres' ? false : 0,
          signedIntoForce ? context.expiresOn : null,
          AUDIT_ROWS_PER_PARTNERSHIP,
          BENCH_MANAGER.id,
          createdAt,
          createdAt,
        ]);
        path.forEach((step, i) => {
          seq += 1;
          const at = new Date(BASE_TIME + n * 1000 + i * 10).toISOString();
          const event = { type: step.action, actor: step.actor, at, ...(step.data ? { data: step.data } : {}) };
          const payload =
            step.action === 'CREATE'
              ? { input: { context: { requiredApprovals: 1, approvalSlaDays: 14 }, at }, definitionHash: target.definitionHash }
              : { event, version: i + 1, timers: { schedule: [], cancel: [] }, effects: [] };
          const record: Omit<AuditRecord, 'hash'> = {
            seq,
            occurredAt: at,
            actorId: step.actor.id,
            actorRoles: step.actor.roles,
            action: step.action,
            entityType: 'partnership',
            entityId: id,
            fromState: step.from,
            toState: step.to,
            workflowId: 'partnership-mou',
            workflowVersion: 1,
            outcome: 'ok',
            requestId: null,
            payload: canonicalJson(payload),
            prevHash,
          };
          prevHash = hashRecord(record);
          audit.push(auditRowOf({ ...record, hash: prevHash }));
        });
      }
      const query = (sql: string, params: unknown[]) => runner.query(sql, params);
      await insertMany(query, kind, 'partnerships', PARTNERSHIP_COLUMNS, partnerships);
      await insertMany(query, kind, 'audit_events', AUDIT_COLUMNS, audit);
    }
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/** Engagements one organization has: a field office's meetings with it over the years. */
export const ENGAGEMENTS_PER_ORGANIZATION = 50;
/** The staff who own follow-ups: each owns a tenth of them, so one's list grows with the data. */
export const FOLLOW_UP_OWNERS = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);

/**
 * `count` meetings, each with one organization (ENGAGEMENTS_PER_ORGANIZATION to an organization of
 * its own) and one follow-up owned in turn by FOLLOW_UP_OWNERS, two in three still open: the data of
 * an organization's timeline and of a follow-up list. Answers the organizations' ids.
 */
export async function seedEngagements(dataSource: DataSource, followUpHash: string, count: number): Promise<string[]> {
  const kind = isPostgres(dataSource) ? 'postgres' : 'sqlite';
  const runner = dataSource.createQueryRunner();
  const query = (sql: string, params: unknown[]) => runner.query(sql, params);
  const organizationIds: string[] = [];
  await runner.startTransaction();
  try {
    const CHUNK = 1000;
    for (let start = 0; start < count; start += CHUNK) {
      const organizations: unknown[][] = [];
      const engagements: unknown[][] = [];
      const links: unknown[][] = [];
      const followUps: unknown[][] = [];
      for (let n = start; n < Math.min(count, start + CHUNK); n += 1) {
        const at = new Date(BASE_TIME + n * 60_000).toISOString();
        if (n % ENGAGEMENTS_PER_ORGANIZATION === 0) {
          const name = `Field organization ${n / ENGAGEMENTS_PER_ORGANIZATION}`;
          organizationIds.push(randomUUID());
          organizations.push([organizationIds.at(-1), name, name.toLowerCase(), 'other', 'PK', null, null, '[]', null, 1, BENCH_MANAGER.id, at, at]);
        }
        const organizationId = organizationIds.at(-1);
        const id = randomUUID();
        const day = new Date(BASE_TIME - (n % 3650) * 86_400_000).toISOString().slice(0, 10);
        const title = `Meeting ${n}`;
        engagements.push([id, 'meeting', title, title.toLowerCase(), day, null, 'Lahore', null, null, 1, BENCH_MANAGER.id, at, at]);
        links.push([id, 'organization', organizationId, 0]);
        const state = n % 3 === 2 ? 'done' : 'open';
        const context = { dueOn: day, overdue: false, completions: [], cancellation: null, reopenings: [] };
        followUps.push([
          randomUUID(),
          id,
          `Follow-up of meeting ${n}`,
          FOLLOW_UP_OWNERS[n % FOLLOW_UP_OWNERS.length],
          day,
          organizationId,
          null,
          kind === 'postgres' ? false : 0,
          BENCH_MANAGER.id,
          'follow-up',
          1,
          followUpHash,
          state,
          JSON.stringify(context),
          1,
          at,
          at,
        ]);
      }
      await insertMany(query, kind, 'organizations', ORGANIZATION_COLUMNS, organizations);
      await insertMany(query, kind, 'engagements', ENGAGEMENT_COLUMNS, engagements);
      await insertMany(query, kind, 'engagement_links', ['engagement_id', 'target_type', 'target_id', 'position'], links);
      await insertMany(query, kind, 'follow_ups', FOLLOW_UP_COLUMNS, followUps);
    }
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  return organizationIds;
}

const ORGANIZATION_COLUMNS = [
  'id',
  'name',
  'name_key',
  'kind',
  'country',
  'city',
  'website',
  'contacts',
  'parent_id',
  'version',
  'created_by',
  'created_at',
  'updated_at',
];
const ENGAGEMENT_COLUMNS = [
  'id',
  'kind',
  'title',
  'title_key',
  'starts_on',
  'ends_on',
  'place',
  'notes',
  'parent_id',
  'version',
  'created_by',
  'created_at',
  'updated_at',
];
const FOLLOW_UP_COLUMNS = [
  'id',
  'engagement_id',
  'title',
  'owner_id',
  'due_on',
  'organization_id',
  'partnership_id',
  'overdue',
  'created_by',
  'workflow_id',
  'workflow_version',
  'definition_hash',
  'state',
  'context',
  'version',
  'created_at',
  'updated_at',
];

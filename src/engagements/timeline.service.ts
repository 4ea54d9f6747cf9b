import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { plainQuery } from '../database/plain-query.js';

export const TIMELINE_KINDS = ['engagement', 'partnership_change', 'document', 'follow_up'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One entry of an organization's timeline. */
export interface TimelineEntry {
  kind: TimelineKind;
  /** The engagement, partnership, document or follow-up. */
  id: string;
  /** A day (an engagement's start, a follow-up's due date) or an instant (a change, an upload), newest first either way. */
  at: string;
  title: string;
  /** The engagement's kind, the change's action, the document's kind, the follow-up's state. */
  detail: string;
  /** A partnership change's state after it; null otherwise. */
  state: string | null;
}

interface Row {
  kind: TimelineKind;
  id: string;
  at: string;
  title: string;
  detail: string;
  state: string | null;
  seq: number | string;
}

/**
 * The sources of an organization's timeline, as one UNION ALL: the engagements that name it, the
 * audited changes of its partnerships (their creation first of all), the documents of its
 * partnerships and of its engagements, and the follow-ups that concern it or one of its
 * engagements. Every part reads through an index on what it is filtered by: a document or
 * follow-up reached both ways is kept out of the second part by a condition on its own row, not
 * by an OR across tables, which PostgreSQL answers by reading the whole table (bench/README.md).
 * A change's `seq` orders changes of the same instant.
 */
const SOURCES = `
  SELECT 'engagement' AS kind, e.id AS id, e.starts_on AS at, e.title AS title, e.kind AS detail, CAST(NULL AS varchar(80)) AS state, 0 AS seq
    FROM engagement_links l JOIN engagements e ON e.id = l.engagement_id
    WHERE l.target_type = 'organization' AND l.target_id = ?
  UNION ALL
  SELECT 'partnership_change', p.id, a.occurred_at, p.title, a.action, a.to_state, a.seq
    FROM partnerships p JOIN audit_events a ON a.entity_id = p.id
    WHERE p.organization_id = ? AND a.outcome = 'ok'
  UNION ALL
  SELECT 'document', d.id, d.uploaded_at, COALESCE(d.title, d.name), d.kind, CAST(NULL AS varchar(80)), 0
    FROM partnerships p JOIN documents d ON d.partnership_id = p.id
    WHERE p.organization_id = ?
  UNION ALL
  SELECT 'document', d.id, d.uploaded_at, COALESCE(d.title, d.name), d.kind, CAST(NULL AS varchar(80)), 0
    FROM engagement_links l JOIN documents d ON d.engagement_id = l.engagement_id
    WHERE l.target_type = 'organization' AND l.target_id = ?
      AND NOT EXISTS (SELECT 1 FROM partnerships p WHERE p.id = d.partnership_id AND p.organization_id = ?)
  UNION ALL
  SELECT 'follow_up', f.id, f.due_on, f.title, f.state, CAST(NULL AS varchar(80)), 0
    FROM follow_ups f
    WHERE f.organization_id = ?
  UNION ALL
  SELECT 'follow_up', f.id, f.due_on, f.title, f.state, CAST(NULL AS varchar(80)), 0
    FROM engagement_links l JOIN follow_ups f ON f.engagement_id = l.engagement_id
    WHERE l.target_type = 'organization' AND l.target_id = ? AND (f.organization_id IS NULL OR f.organization_id <> ?)`;

/** How many times SOURCES names the organization. */
const PARAMETERS = 8;

const PAGE = `SELECT kind, id, at, title, detail, state, seq FROM (${SOURCES}) t ORDER BY at DESC, seq DESC, id DESC LIMIT ? OFFSET ?`;
const TOTAL = `SELECT COUNT(*) AS n FROM (${SOURCES}) t`;

@Injectable()
export class TimelineService {
  constructor(private readonly dataSource: DataSource) {}

  /** What happened with an organization, newest first, a bounded page at a time. */
  async of(organizationId: string, page: { limit?: number; offset?: number }): Promise<{ items: TimelineEntry[]; total: number }> {
    const [organization] = await plainQuery(this.dataSource, 'SELECT id FROM organizations WHERE id = ?', [organizationId]);
    if (!organization) throw new DomainError('NOT_FOUND', `organization ${organizationId} not found`);
    const ids = Array<string>(PARAMETERS).fill(organizationId);
    const rows = await plainQuery<Row>(this.dataSource, PAGE, [...ids, page.limit ?? 50, page.offset ?? 0]);
    const [{ n }] = await plainQuery<{ n: number | string }>(this.dataSource, TOTAL, ids);
    return {
      items: rows.map(({ kind, id, at, title, detail, state }) => ({ kind, id, at, title, detail, state: state ?? null })),
      total: Number(n),
    };
  }
}

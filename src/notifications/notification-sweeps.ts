import type { EntityManager } from 'typeorm';
import { addDaysToDate } from '../common/dates.js';
import { plainQuery } from '../database/plain-query.js';
import type { DelegationNoticeSubject, NoticeSubject, SweepName } from './notification-kinds.js';

/** At most this many reminders of one kind are written by one sweep; the next sweep takes the rest. */
const BATCH = 500;

interface OccurrenceRow {
  occurrence_id: string;
  occurs_on: string;
  due_on: string;
  /** simple-json: text on both databases. */
  context: string;
  activity_title: string;
  partnership_id: string;
  title: string;
  owner_id: string;
  state: string;
}

/** Open occurrences in a window of dates (through idx_occurrences_state_occurs), with their series and partnership, not yet told to the owner. */
function occurrencesSql(states: string, window: string, occasion: string): string {
  return `SELECT o.id AS occurrence_id, o.occurs_on, o.due_on, o.context, s.title AS activity_title,
                 p.id AS partnership_id, p.title, p.owner_id, p.state
            FROM occurrences o
            JOIN activity_series s ON s.id = o.series_id
            JOIN partnerships p ON p.id = o.partnership_id
           WHERE o.state IN (${states}) AND ${window}
             AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.recipient_id = p.owner_id AND n.occasion = '${occasion}:' || o.id || ':' || o.occurs_on)
           ORDER BY o.occurs_on, o.id
           LIMIT ${BATCH}`;
}

const QUERIES: Record<SweepName, { sql: string; window: (today: string, reminderDays: number) => unknown[] }> = {
  activitiesDueSoon: {
    sql: occurrencesSql(`'planned'`, 'o.occurs_on >= ? AND o.occurs_on <= ?', 'activity_due'),
    window: (today, reminderDays) => [today, addDaysToDate(today, reminderDays)],
  },
  activitiesToRecord: {
    sql: occurrencesSql(`'planned', 'scheduled'`, 'o.occurs_on < ?', 'activity_to_record'),
    window: (today) => [today],
  },
};

/** The day the occurrence's grace timer marks it missed: `graceDays` after its due or scheduled date, whichever is later (vocabulary's graceExpired). */
function missedOn(row: OccurrenceRow): string {
  const context = JSON.parse(row.context) as { graceDays?: unknown };
  const date = row.occurs_on > row.due_on ? row.occurs_on : row.due_on;
  return addDaysToDate(date, Number(context.graceDays ?? 0) + 1);
}

/** What a sweep finds to remind people of, as of `today`. */
export async function sweepSubjects(manager: EntityManager, sweep: SweepName, today: string, reminderDays: number): Promise<NoticeSubject[]> {
  const { sql, window } = QUERIES[sweep];
  const rows = await plainQuery<OccurrenceRow>(manager, sql, window(today, reminderDays));
  return rows.map((row) => ({
    partnershipId: row.partnership_id,
    title: row.title,
    ownerId: row.owner_id,
    state: row.state,
    context: {},
    activity: { occurrenceId: row.occurrence_id, title: row.activity_title, date: row.occurs_on, missedOn: missedOn(row) },
  }));
}

/** Delegations in force `today` whose delegate has not been told yet (at the delegation's creation, or by an earlier sweep). */
export async function delegationsStarting(manager: EntityManager, today: string): Promise<DelegationNoticeSubject[]> {
  const rows = await plainQuery<{ id: string; delegate_id: string; starts_on: string; ends_on: string; reason: string | null; principal_name: string }>(
    manager,
    `SELECT d.id, d.delegate_id, d.starts_on, d.ends_on, d.reason, u.display_name AS principal_name
       FROM delegations d JOIN users u ON u.id = d.principal_id
      WHERE d.ended_at IS NULL AND d.starts_on <= ? AND d.ends_on >= ?
        AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.recipient_id = d.delegate_id AND n.occasion = 'delegation_started:' || d.id)
      ORDER BY d.starts_on, d.id
      LIMIT ${BATCH}`,
    [today, today],
  );
  return rows.map((row) => ({
    delegationId: row.id,
    delegateId: row.delegate_id,
    principalName: row.principal_name,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    reason: row.reason,
  }));
}

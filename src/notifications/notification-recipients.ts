import type { EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-query.js';
import type { EmailMode } from '../users/roles.js';
import { authorsOf, currentApprovals } from '../workflow-engine/vocabulary.js';
import type { NoticeSubject, RecipientRule } from './notification-kinds.js';

export interface Recipient {
  id: string;
  displayName: string;
  email: string | null;
  emailMode: EmailMode;
}

type Row = { id: string; display_name: string; email: string | null; email_mode: EmailMode };

/** Active users only: a disabled account is told nothing. `active = TRUE` reads the same on both databases. */
const APPROVERS = `SELECT id, display_name, email, email_mode FROM users WHERE active = TRUE AND roles LIKE '%"approver"%' ORDER BY id`;
const ONE_USER = 'SELECT id, display_name, email, email_mode FROM users WHERE active = TRUE AND id = ?';

async function approvers(manager: EntityManager): Promise<Recipient[]> {
  return (await plainQuery<Row>(manager, APPROVERS, [])).map(toRecipient);
}

async function user(manager: EntityManager, id: unknown): Promise<Recipient[]> {
  if (typeof id !== 'string') return [];
  return (await plainQuery<Row>(manager, ONE_USER, [id])).map(toRecipient);
}

function toRecipient(row: Row): Recipient {
  return { id: row.id, displayName: row.display_name, email: row.email, emailMode: row.email_mode };
}

/** Approvers who may decide the proposal as it stands: none of its authors (separation of duties). */
async function approversWhoMayDecide(manager: EntityManager, subject: NoticeSubject): Promise<Recipient[]> {
  const authors = new Set(subject.event ? authorsOf({ context: subject.context, event: subject.event }) : []);
  return (await approvers(manager)).filter((approver) => !authors.has(approver.id));
}

function distinct(recipients: Recipient[]): Recipient[] {
  return [...new Map(recipients.map((r) => [r.id, r])).values()];
}

export const RECIPIENTS: Record<RecipientRule, (manager: EntityManager, subject: NoticeSubject) => Promise<Recipient[]>> = {
  approversWhoMayDecide,
  submitter: (manager, subject) => user(manager, subject.context.submittedBy),
  undecidedApproversAndSubmitter: async (manager, subject) => {
    const decided = new Set(currentApprovals(subject.context, subject.event?.contentHash).map((approval) => approval.by));
    const undecided = (await approversWhoMayDecide(manager, subject)).filter((approver) => !decided.has(approver.id));
    return distinct([...undecided, ...(await user(manager, subject.context.submittedBy))]);
  },
  ownerAndApprovers: async (manager, subject) => distinct([...(await user(manager, subject.ownerId)), ...(await approvers(manager))]),
  owner: (manager, subject) => user(manager, subject.ownerId),
};

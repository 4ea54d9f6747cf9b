import type { EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-query.js';
import type { EmailMode } from '../users/roles.js';
import { authorsOf, currentApprovals, delegationInForce } from '../workflow-engine/vocabulary.js';
import type { DelegationNoticeSubject, NoticeSubject, RecipientRule } from './notification-kinds.js';

export interface Recipient {
  id: string;
  displayName: string;
  email: string | null;
  emailMode: EmailMode;
}

type Row = { id: string; display_name: string; email: string | null; email_mode: EmailMode };

/** Active users only: a disabled account is told nothing. `active = TRUE` reads the same on both databases. */
const APPROVERS = `SELECT id, display_name, email, email_mode FROM users WHERE active = TRUE AND roles LIKE '%"approver"%' ORDER BY id`;
const ADMINS = `SELECT id, display_name, email, email_mode FROM users WHERE active = TRUE AND roles LIKE '%"admin"%' ORDER BY id`;
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

function authorsOfSubject(subject: NoticeSubject): Set<string> {
  return new Set(subject.event ? authorsOf({ context: subject.context, event: subject.event }) : []);
}

/** Approvers who may decide the proposal as it stands: none of its authors (separation of duties). */
async function approversWhoMayDecide(manager: EntityManager, subject: NoticeSubject): Promise<Recipient[]> {
  const authors = authorsOfSubject(subject);
  return (await approvers(manager)).filter((approver) => !authors.has(approver.id));
}

type DelegateRow = Row & { delegation_id: string; starts_on: string; ends_on: string; ended_at: string | null };

/** The active delegates of these approvers whose delegation is in force at `at` (the vocabulary's rule), none of the proposal's authors. */
async function delegatesOf(manager: EntityManager, principals: Recipient[], subject: NoticeSubject): Promise<Recipient[]> {
  const at = subject.event?.at;
  if (principals.length === 0 || at === undefined) return [];
  const rows = await plainQuery<DelegateRow>(
    manager,
    `SELECT d.id AS delegation_id, d.starts_on, d.ends_on, d.ended_at, u.id, u.display_name, u.email, u.email_mode
       FROM delegations d JOIN users u ON u.id = d.delegate_id
      WHERE u.active = TRUE AND d.ends_on >= ? AND d.principal_id IN (${principals.map(() => '?').join(', ')})`,
    [at.slice(0, 10), ...principals.map((principal) => principal.id)],
  );
  const authors = authorsOfSubject(subject);
  return rows
    .filter(
      (row) => delegationInForce({ id: row.delegation_id, startsOn: row.starts_on, endsOn: row.ends_on, endedAt: row.ended_at }, at) && !authors.has(row.id),
    )
    .map(toRecipient);
}

/** The delegate a delegation names, when their account is active. */
export function delegateOf(manager: EntityManager, subject: DelegationNoticeSubject): Promise<Recipient[]> {
  return user(manager, subject.delegateId);
}

/** A partnership's owner, when their account is active. */
export function ownerOf(manager: EntityManager, subject: { ownerId: string }): Promise<Recipient[]> {
  return user(manager, subject.ownerId);
}

function distinct(recipients: Recipient[]): Recipient[] {
  return [...new Map(recipients.map((r) => [r.id, r])).values()];
}

export const RECIPIENTS: Record<RecipientRule, (manager: EntityManager, subject: NoticeSubject) => Promise<Recipient[]>> = {
  admins: async (manager) => (await plainQuery<Row>(manager, ADMINS, [])).map(toRecipient),
  approversWhoMayDecideAndDelegates: async (manager, subject) => {
    const deciders = await approversWhoMayDecide(manager, subject);
    return distinct([...deciders, ...(await delegatesOf(manager, deciders, subject))]);
  },
  submitter: (manager, subject) => user(manager, subject.context.submittedBy),
  undecidedApproversAndSubmitter: async (manager, subject) => {
    const decided = new Set(currentApprovals(subject.context, subject.event?.contentHash).map((approval) => approval.by));
    const undecided = (await approversWhoMayDecide(manager, subject)).filter((approver) => !decided.has(approver.id));
    return distinct([...undecided, ...(await user(manager, subject.context.submittedBy))]);
  },
  ownerAndApprovers: async (manager, subject) => distinct([...(await user(manager, subject.ownerId)), ...(await approvers(manager))]),
  owner: (manager, subject) => user(manager, subject.ownerId),
};

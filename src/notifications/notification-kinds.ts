import { addDaysToDate, dateOf } from '../common/dates.js';
import { FOLLOW_UP_KIND } from '../engagements/follow-up.entity.js';
import { PARTNERSHIP_KIND } from '../partnerships/partnership.entity.js';
import { approvalStates, expiryStates, isWithin, renewalStates, statesWhere, type StatesOf } from '../workflow-engine/definition-facts.js';
import type { EngineEvent, WorkflowContext, WorkflowDefinition } from '../workflow-engine/workflow.types.js';

/**
 * Which notices a change causes, to whom, in which words: one entry a kind (SPEC, "Everyone is
 * told what waits for them"). The service only looks causes up here; a new kind is a new entry,
 * and, when its people are new, a new rule in notification-recipients.ts.
 */

export type NotificationKind =
  | 'approval_requested'
  | 'decision'
  | 'approval_overdue'
  | 'approval_escalated'
  | 'renewal_due'
  | 'expired'
  | 'activity_due'
  | 'activity_to_record'
  | 'follow_up_due'
  | 'delegation_started'
  | 'partner_acknowledged'
  | 'partner_comment';

/** Who gets a notice; each is a query in notification-recipients.ts. */
export type RecipientRule = 'admins' | 'approversWhoMayDecideAndDelegates' | 'submitter' | 'undecidedApproversAndSubmitter' | 'ownerAndApprovers' | 'owner';

/** Reminders that no event causes: the sweep finds them as time passes (notification-sweeps.ts). */
export type SweepName = 'activitiesDueSoon' | 'activitiesToRecord';

/**
 * An accepted event of an instance kind, the states it entered (named by what the definition says of
 * them, not by their ids, so that any workflow written with the vocabulary has them), or the timer (by
 * its delay's name) that fired; or a sweep.
 */
export type Cause = { instance: string; event: string } | { instance: string; enters: StatesOf } | { instance: string; timer: string } | { sweep: SweepName };

/** What a notice is about: a partnership (or a follow-up) as it stands after the change, and what changed it. */
export interface NoticeSubject {
  /** The partnership; for a follow-up, the one it concerns, if any. */
  partnershipId: string | null;
  title: string;
  /** The partnership's owner (its creator), or the follow-up's. */
  ownerId: string;
  state: string;
  context: WorkflowContext;
  /** The event that caused the notice; none for a sweep's reminder. */
  event?: EngineEvent;
  /** The stage it is in after the change, by its label, and whether it still waits for approvals; none for a sweep's reminder. */
  stage?: { title: string; awaitsApprovals: boolean };
  /** The occurrence a reminder is about. */
  activity?: { occurrenceId: string; title: string; date: string; missedOn: string };
  /** The follow-up a notice is about. */
  followUp?: { followUpId: string; dueOn: string };
}

export interface NoticeFacts extends NoticeSubject {
  /** Who sent the event, by name; `the system` for a timer. */
  actorName: string;
}

/** A delegation to someone, on its first day. */
export interface DelegationNoticeSubject {
  delegationId: string;
  delegateId: string;
  principalName: string;
  startsOn: string;
  endsOn: string;
  reason: string | null;
}

/**
 * A notice about a delegation: written in the delegation's own transaction when it begins the day
 * it is made, otherwise by the sweep on its first day; its occasion makes it once either way.
 */
export interface DelegationKindEntry {
  kind: NotificationKind;
  about: 'delegation';
  words(facts: DelegationNoticeSubject): { subject: string; body: string };
  link(facts: DelegationNoticeSubject): string;
  occasion(facts: DelegationNoticeSubject): string;
}

/** A partner's signatory acting on a link: told to the partnership's owner in the act's transaction. */
export interface PartnerNoticeSubject {
  linkId: string;
  partnershipId: string;
  title: string;
  ownerId: string;
  /** The name (and title) the partner gave, or for a comment the name the link was sent to. */
  partnerName: string;
  partnerTitle?: string;
  sha256: string;
  comment?: string;
}

export interface PartnerKindEntry {
  kind: NotificationKind;
  about: 'partner_link';
  words(facts: PartnerNoticeSubject): { subject: string; body: string };
  link(facts: PartnerNoticeSubject): string;
  /** Once per link for an acknowledgement; every comment is a notice of its own. */
  occasion(facts: PartnerNoticeSubject): string | null;
}

export interface KindEntry {
  kind: NotificationKind;
  causes: Cause[];
  to: RecipientRule;
  words(facts: NoticeFacts): { subject: string; body: string };
  /** The page where what waits can be done, as a path under PUBLIC_URL. */
  link(facts: NoticeSubject): string;
  /** Sweeps only: what the reminder is about, so each is written once per recipient. */
  occasion?(facts: NoticeSubject): string;
}

const partnershipPage = (facts: NoticeSubject) => `/ui/partnerships/${facts.partnershipId}`;
const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The day the approval SLA runs out, from the submission the context records. */
function approvalDeadline(context: WorkflowContext): string {
  return addDaysToDate(dateOf(text(context.submittedAt) || new Date(0)), Number(context.approvalSlaDays));
}

const DECISION_WORDS: Record<string, { subject: string; verb: string }> = {
  APPROVE: { subject: 'Approved', verb: 'approved' },
  REQUEST_CHANGES: { subject: 'Changes requested', verb: 'asked for changes to' },
  REJECT: { subject: 'Rejected', verb: 'rejected' },
};

function decisionWords(facts: NoticeFacts): { subject: string; body: string } {
  const type = facts.event?.type ?? '';
  const words = DECISION_WORDS[type];
  const comment = facts.event?.comment ? `\n\nTheir comment: "${facts.event.comment}"` : '';
  const stage = facts.stage ? ` (“${facts.stage.title}”)` : '';
  const next: Record<string, string> = {
    APPROVE: facts.stage?.awaitsApprovals
      ? 'It needs more approvals before it can move on.'
      : `It has all the approvals it needs, and moved on to its next stage${stage}.`,
    REQUEST_CHANGES: `It is back with you${stage}: change it, then submit it again.`,
    REJECT: 'The proposal is closed.',
  };
  return { subject: `${words.subject}: ${facts.title}`, body: `${facts.actorName} ${words.verb} your proposal "${facts.title}".${comment}\n\n${next[type]}` };
}

export const DELEGATION_STARTED: DelegationKindEntry = {
  kind: 'delegation_started',
  about: 'delegation',
  words: (f) => ({
    subject: `You decide for ${f.principalName} until ${f.endsOn}`,
    body:
      `${f.principalName} handed you their approval authority from ${f.startsOn} to ${f.endsOn}` +
      `${f.reason ? ` ("${f.reason}")` : ''}. Until then, the proposals that wait for their decision wait in your inbox too: ` +
      'you approve, ask for changes or reject them for them, and the decision is theirs.',
  }),
  link: () => '/ui/inbox',
  occasion: (f) => `delegation_started:${f.delegationId}`,
};

export const PARTNER_ACKNOWLEDGED: PartnerKindEntry = {
  kind: 'partner_acknowledged',
  about: 'partner_link',
  words: (f) => ({
    subject: `Acknowledged by the partner: ${f.title}`,
    body:
      `${f.partnerName}${f.partnerTitle ? ` (${f.partnerTitle})` : ''} confirmed, for the partner, the agreed text of "${f.title}" ` +
      `through the link you sent them. The text they confirmed has the fingerprint (SHA-256) ${f.sha256}.`,
  }),
  link: (f) => `/ui/partnerships/${f.partnershipId}`,
  occasion: (f) => `partner_acknowledged:${f.linkId}`,
};

export const PARTNER_COMMENT: PartnerKindEntry = {
  kind: 'partner_comment',
  about: 'partner_link',
  words: (f) => ({
    subject: `A comment from the partner: ${f.title}`,
    body: `${f.partnerName} commented on the agreed text of "${f.title}" through the link you sent them:\n\n"${f.comment ?? ''}"`,
  }),
  link: (f) => `/ui/partnerships/${f.partnershipId}`,
  occasion: () => null,
};

/** The notices of a change of a partnership or an occurrence, or of a sweep that reminds of one. */
const PARTNERSHIP_KINDS: readonly KindEntry[] = [
  {
    kind: 'approval_requested',
    causes: [{ instance: PARTNERSHIP_KIND, enters: approvalStates }],
    to: 'approversWhoMayDecideAndDelegates',
    words: (f) => ({
      subject: `Waiting for your approval: ${f.title}`,
      body:
        `${f.actorName} submitted the proposal "${f.title}" for senior-management approval. ` +
        `It waits for your decision (approve, ask for changes, or reject) by ${approvalDeadline(f.context)}.`,
    }),
    link: partnershipPage,
  },
  {
    kind: 'decision',
    causes: ['APPROVE', 'REQUEST_CHANGES', 'REJECT'].map((event) => ({ instance: PARTNERSHIP_KIND, event })),
    to: 'submitter',
    words: decisionWords,
    link: partnershipPage,
  },
  {
    kind: 'approval_overdue',
    causes: [{ instance: PARTNERSHIP_KIND, timer: 'approvalSla' }],
    to: 'undecidedApproversAndSubmitter',
    words: (f) => ({
      subject: `Overdue for approval: ${f.title}`,
      body:
        `The proposal "${f.title}" was due for a decision by ${approvalDeadline(f.context)} and is still waiting. ` +
        'It needs a decision from the approvers who have not yet given theirs.',
    }),
    link: partnershipPage,
  },
  {
    kind: 'approval_escalated',
    causes: [{ instance: PARTNERSHIP_KIND, timer: 'approvalEscalation' }],
    to: 'admins',
    words: (f) => ({
      subject: `Still waiting for approval: ${f.title}`,
      body:
        `The proposal "${f.title}" was due for a decision by ${approvalDeadline(f.context)}, and twice that time has now passed without one. ` +
        'You are told as an admin: see who has yet to decide, and whether the approvers need a reminder or a delegate.',
    }),
    link: partnershipPage,
  },
  {
    kind: 'renewal_due',
    causes: [{ instance: PARTNERSHIP_KIND, enters: renewalStates }],
    to: 'ownerAndApprovers',
    words: (f) => ({
      subject: `Renewal due: ${f.title}`,
      body:
        `The MOU "${f.title}" expires on ${text(f.context.expiresOn)}. Its renewal window is open: ` +
        'an approver can renew it with a new expiry date; if no one does, it expires after that day.',
    }),
    link: partnershipPage,
  },
  {
    kind: 'expired',
    causes: [{ instance: PARTNERSHIP_KIND, enters: expiryStates }],
    to: 'owner',
    words: (f) => ({
      subject: `Expired: ${f.title}`,
      body: `The MOU "${f.title}" expired: ${text(f.context.expiresOn)} was its last day in force, and it was not renewed.`,
    }),
    link: partnershipPage,
  },
  {
    kind: 'activity_due',
    causes: [{ sweep: 'activitiesDueSoon' }],
    to: 'owner',
    words: (f) => ({
      subject: `To schedule by ${f.activity?.date}: ${f.activity?.title}`,
      body: `"${f.activity?.title}" under the MOU "${f.title}" is due on ${f.activity?.date} and has no date yet. Schedule it, or cancel it with a reason.`,
    }),
    link: partnershipPage,
    occasion: (f) => `activity_due:${f.activity?.occurrenceId}:${f.activity?.date}`,
  },
  {
    kind: 'activity_to_record',
    causes: [{ sweep: 'activitiesToRecord' }],
    to: 'owner',
    words: (f) => ({
      subject: `To record: ${f.activity?.title} of ${f.activity?.date}`,
      body:
        `"${f.activity?.title}" under the MOU "${f.title}" was expected on ${f.activity?.date}. ` +
        `Record that it was held, with a short report, or cancel it; if it is not recorded, it is marked missed on ${f.activity?.missedOn}.`,
    }),
    link: partnershipPage,
    occasion: (f) => `activity_to_record:${f.activity?.occurrenceId}:${f.activity?.date}`,
  },
];

/** The notices of a follow-up's workflow. */
const FOLLOW_UP_KINDS: readonly KindEntry[] = [
  {
    kind: 'follow_up_due',
    causes: [{ instance: FOLLOW_UP_KIND, timer: 'followUpDue' }],
    to: 'owner',
    words: (f) => ({
      subject: `Due today: ${f.title}`,
      body: `"${f.title}" was due on ${f.followUp?.dueOn} and is still open. Mark it done, or cancel it with a reason.`,
    }),
    // My work lists the follow-ups that wait for their owner.
    link: () => '/',
  },
];

/** Every kind of notice. */
export const NOTIFICATION_KINDS: readonly (KindEntry | DelegationKindEntry | PartnerKindEntry)[] = [
  ...PARTNERSHIP_KINDS,
  ...FOLLOW_UP_KINDS,
  DELEGATION_STARTED,
  PARTNER_ACKNOWLEDGED,
  PARTNER_COMMENT,
];

type KeyedCause = Exclude<Cause, { enters: StatesOf }>;

function causeKey(cause: KeyedCause): string {
  if ('sweep' in cause) return `sweep:${cause.sweep}`;
  if ('event' in cause) return `${cause.instance}:event:${cause.event}`;
  return `${cause.instance}:timer:${cause.timer}`;
}

const BY_CAUSE = new Map<string, KindEntry[]>();
/** By instance kind: the kinds caused by entering states a fact of the definition names. */
const BY_ENTRY = new Map<string, Array<{ states: StatesOf; entry: KindEntry }>>();
for (const entry of [...PARTNERSHIP_KINDS, ...FOLLOW_UP_KINDS]) {
  for (const cause of entry.causes) {
    if ('enters' in cause) BY_ENTRY.set(cause.instance, [...(BY_ENTRY.get(cause.instance) ?? []), { states: cause.enters, entry }]);
    else BY_CAUSE.set(causeKey(cause), [...(BY_CAUSE.get(causeKey(cause)) ?? []), entry]);
  }
}

/** The delay a timer's event names: `xstate.after.approvalSla.partnership-mou.senior_management_review` → `approvalSla`. */
function timerDelay(eventType: string): string | undefined {
  return eventType.startsWith('xstate.after.') ? eventType.split('.')[2] : undefined;
}

/**
 * The kinds an accepted event of an instance running `definition` causes: by the event, the states it
 * entered from outside them, or the timer it was. A few map lookups: it runs on every transition.
 */
export function kindsCausedBy(instance: string, definition: WorkflowDefinition, from: string, to: string, eventType: string): KindEntry[] {
  const delay = timerDelay(eventType);
  const entered = (BY_ENTRY.get(instance) ?? []).filter(
    ({ states }) => isWithin(statesWhere(definition, states), to) && !isWithin(statesWhere(definition, states), from),
  );
  return [
    ...(BY_CAUSE.get(causeKey({ instance, event: eventType })) ?? []),
    ...entered.map(({ entry }) => entry),
    ...(delay ? (BY_CAUSE.get(causeKey({ instance, timer: delay })) ?? []) : []),
  ];
}

export function kindsOfSweep(sweep: SweepName): KindEntry[] {
  return BY_CAUSE.get(causeKey({ sweep })) ?? [];
}

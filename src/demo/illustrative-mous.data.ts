import { createHash } from 'node:crypto';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { addMonths, monthOf, on, type DemoOrganization, type PartnershipStory } from './demo-story.js';

/**
 * The report ends before any MOU is signed, so the later stages are shown on two illustrative
 * partners, named as such, with dates counted back from today: an MOU in force whose first annual
 * lecture was held and whose first research visit was missed, and an MOU inside its renewal window.
 * No person is named; signatories are roles.
 */
export const ILLUSTRATIVE_NOTE = 'Illustrative demo data, not from the field-visit report.';

const PARTNER_SIGNATORY = "Partner's authorised signatory (illustrative)";
const OWN_SIGNATORY = 'GI-TOC authorised signatory (illustrative)';

function draft(title: string, version: number) {
  const name = `${title} — MOU draft v${version} (illustrative).docx`;
  return { document: { name, sha256: createHash('sha256').update(name).digest('hex') } };
}

export function illustrativeMous(now: Date): { organizations: DemoOrganization[]; stories: PartnershipStory[] } {
  const today = dateOf(now);
  const inForce = mouInForce(addMonths(today, -13, 1));
  const renewalDue = mouInRenewalWindow(addDaysToDate(today, 45));
  return { organizations: [inForce.organization, renewalDue.organization], stories: [inForce.story, renewalDue.story] };
}

/** Signed a year ago for three years: the first lecture was held, the first research visit missed, the next ones lie ahead. */
function mouInForce(termStart: string) {
  const createdOn = addMonths(termStart, -5);
  const lecture = addMonths(termStart, 2, 10);
  const visit = addMonths(termStart, 4, 16);
  const title = 'Illustrative MOU in force: annual lecture and yearly research visits';
  const organization: DemoOrganization = {
    key: 'illustrative-university',
    fields: {
      name: 'Illustrative partner university (demo data)',
      kind: 'university',
      country: 'PK',
      contacts: [],
    },
    createdAt: on(createdOn, '09:00'),
    source: ILLUSTRATIVE_NOTE,
  };
  const story: PartnershipStory = {
    organization: organization.key,
    createdAt: on(createdOn),
    partnership: {
      title,
      summary: `${ILLUSTRATIVE_NOTE} A signed MOU in force, with an annual named lecture and a yearly research visit.`,
      programme: 'Academic engagement',
      notes: ILLUSTRATIVE_NOTE,
      proposedActivities: [
        { kind: 'annual_lecture', title: 'Annual named lecture (illustrative)', recurrence: { frequency: 'yearly', month: monthOf(lecture), day: 10 } },
        { kind: 'research_visit', title: 'Yearly research visit (illustrative)', recurrence: { frequency: 'yearly', month: monthOf(visit), day: 16 } },
      ],
      requiredApprovals: 2,
    },
    steps: [
      { at: on(addDaysToDate(createdOn, 2)), by: 'manager', type: 'SUBMIT_FOR_APPROVAL' },
      { at: on(addDaysToDate(createdOn, 6)), by: 'approver', type: 'APPROVE' },
      { at: on(addDaysToDate(createdOn, 9)), by: 'approver2', type: 'APPROVE' },
      { at: on(addMonths(termStart, -4)), by: 'manager', type: 'SHARE_DRAFT', data: draft(title, 1) },
      { at: on(addMonths(termStart, -3)), by: 'manager', type: 'SHARE_DRAFT', data: draft(title, 2) },
      {
        at: on(addMonths(termStart, -2)),
        by: 'manager',
        type: 'AGREE_TEXT',
        data: { effectiveFrom: termStart, expiresOn: addDaysToDate(addMonths(termStart, 36), -1) },
      },
      signature(addMonths(termStart, -1), 'partner'),
      signature(addDaysToDate(addMonths(termStart, -1), 5), 'own'),
      { at: on(addDaysToDate(lecture, -21)), by: 'manager', type: 'SCHEDULE', data: { date: lecture }, occurrence: { kind: 'annual_lecture', dueOn: lecture } },
      {
        at: on(addDaysToDate(lecture, 1)),
        by: 'manager',
        type: 'MARK_HELD',
        data: { report: `${ILLUSTRATIVE_NOTE} The first annual named lecture was held as planned.` },
        occurrence: { kind: 'annual_lecture', dueOn: lecture },
      },
      // Nothing is recorded for the research visit: its grace timer marks it missed.
    ],
    expectedState: 'in_force.active',
    source: ILLUSTRATIVE_NOTE,
  };
  return { organization, story };
}

/** A one-year MOU expiring in 45 days: its renewal timer fired 45 days ago; its one seminar was held. */
function mouInRenewalWindow(expiresOn: string) {
  const termStart = addDaysToDate(addMonths(expiresOn, -12), 1);
  const createdOn = addMonths(termStart, -4);
  const seminar = addMonths(termStart, 3, 20);
  const title = 'Illustrative MOU in its renewal window: yearly seminar';
  const organization: DemoOrganization = {
    key: 'illustrative-institute',
    fields: {
      name: 'Illustrative partner policy institute (demo data)',
      kind: 'think_tank',
      country: 'PK',
      contacts: [],
    },
    createdAt: on(createdOn, '09:00'),
    source: ILLUSTRATIVE_NOTE,
  };
  const story: PartnershipStory = {
    organization: organization.key,
    createdAt: on(createdOn),
    partnership: {
      title,
      summary: `${ILLUSTRATIVE_NOTE} A one-year MOU with a yearly seminar, now inside its renewal window.`,
      notes: ILLUSTRATIVE_NOTE,
      proposedActivities: [
        { kind: 'seminar', title: 'Yearly joint seminar (illustrative)', recurrence: { frequency: 'yearly', month: monthOf(seminar), day: 20 } },
      ],
    },
    steps: [
      { at: on(addDaysToDate(createdOn, 1)), by: 'manager', type: 'SUBMIT_FOR_APPROVAL' },
      { at: on(addDaysToDate(createdOn, 5)), by: 'approver', type: 'APPROVE' },
      { at: on(addDaysToDate(createdOn, 20)), by: 'manager', type: 'SHARE_DRAFT', data: draft(title, 1) },
      { at: on(addMonths(termStart, -2)), by: 'manager', type: 'AGREE_TEXT', data: { effectiveFrom: termStart, expiresOn } },
      signature(addMonths(termStart, -1), 'partner'),
      signature(addDaysToDate(addMonths(termStart, -1), 3), 'own'),
      { at: on(addDaysToDate(seminar, -21)), by: 'manager', type: 'SCHEDULE', data: { date: seminar }, occurrence: { kind: 'seminar', dueOn: seminar } },
      {
        at: on(addDaysToDate(seminar, 1)),
        by: 'manager',
        type: 'MARK_HELD',
        data: { report: `${ILLUSTRATIVE_NOTE} The yearly joint seminar was held.` },
        occurrence: { kind: 'seminar', dueOn: seminar },
      },
    ],
    expectedState: 'in_force.renewal_due',
    source: ILLUSTRATIVE_NOTE,
  };
  return { organization, story };
}

function signature(signedOn: string, party: 'partner' | 'own') {
  return {
    at: on(signedOn),
    by: 'manager' as const,
    type: 'RECORD_SIGNATURE',
    data: { party, signatory: party === 'partner' ? PARTNER_SIGNATORY : OWN_SIGNATORY, signedOn },
  };
}

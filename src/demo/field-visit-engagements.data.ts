import type { EngagementKind } from '../engagements/engagement.entity.js';
import type { DemoUserName } from './demo-story.js';

/** A person the report names at a meeting, affiliated to an organization of the visit (by its key). */
export interface DemoAttendee {
  name: string;
  organization: string;
  title?: string;
}

/** An engagement of the visit, recorded after it; `parent: 'trip'` makes it one of the trip's. */
export interface DemoEngagement {
  key: string;
  kind: EngagementKind;
  title: string;
  startsOn: string;
  endsOn?: string;
  place: string;
  organizations: string[];
  attendees: DemoAttendee[];
  /** What was discussed and agreed, in the report's words. */
  notes: string;
  parent?: 'trip';
  /** The report's line it comes from. */
  source: string;
}

/** Something promised at an engagement, with the demo user who follows it up. */
export interface DemoFollowUp {
  engagement: string;
  title: string;
  owner: DemoUserName;
  dueOn: string;
  organization?: string;
  /** Marked done by its owner at this instant. */
  completedAt?: string;
  source: string;
}

/** The day a city's meetings began: the report dates each city's stay, not each meeting. */
const ISLAMABAD = '2024-11-10';
const KARACHI = '2024-11-12';
const LAHORE = '2024-11-14';
const NO_DAY = 'the report dates the city, not the meeting';

export const FIELD_VISIT_ENGAGEMENTS: DemoEngagement[] = [
  {
    key: 'trip',
    kind: 'trip',
    title: 'GI-TOC field visit to Pakistan',
    startsOn: '2024-11-10',
    endsOn: '2024-11-17',
    place: 'Islamabad, Karachi and Lahore',
    organizations: ['cgr'],
    attendees: [],
    notes:
      "At the invitation of the Centre for Governance Research (CGR), Dr John Collins visited Pakistan to build links with civil society, sensitize the state to GI-TOC's work, and co-chair the 15 November dialogue.",
    source: 'BACKGROUND: "Dr John Collins visited Pakistan from November 10-17, 2024."',
  },
  {
    key: 'npb',
    kind: 'meeting',
    title: 'Meeting with the National Police Bureau',
    startsOn: ISLAMABAD,
    place: 'Islamabad',
    organizations: ['npb'],
    attendees: [{ name: 'Muhammad Tahir Rai', organization: 'npb', title: 'Director General' }],
    notes: `DG Rai expressed significant interest in further collaboration with GI-TOC, with a particular focus on training and seminars. (Day: ${NO_DAY}.)`,
    parent: 'trip',
    source:
      'Islamabad, Nov 10-12: "Mr Muhammad Tahir Rai, Director General, National Police Bureau (NPB). [...] DG Rai expressed significant interest in further collaboration"',
  },
  {
    key: 'npa',
    kind: 'meeting',
    title: 'Meeting with the National Police Academy',
    startsOn: ISLAMABAD,
    place: 'Islamabad',
    organizations: ['npa', 'cgr'],
    attendees: [
      { name: 'Muhammad Idrees Ahmed', organization: 'npa', title: 'Commandant' },
      { name: 'Dr Kaleem', organization: 'cgr', title: 'Chief Coordinator' },
    ],
    notes: `Agreed that Dr Kaleem, Chief Coordinator of CGR, would serve as a focal point for suggesting thematic and technical areas where GI-TOC could provide expertise for the NPA. (Day: ${NO_DAY}.)`,
    parent: 'trip',
    source:
      'Islamabad: "Mr Muhammad Idrees Ahmed, Commandant, National Police Academy (NPA). [...] Agreed that Dr Kaleem, Chief Coordinator of CGR would serve as a useful focal point"',
  },
  {
    key: 'round-table',
    kind: 'event',
    title: 'Round table: Serious and Organized Crimes in Pakistan',
    startsOn: KARACHI,
    place: 'Karachi',
    organizations: ['cplc', 'sindh-police', 'anf-sindh', 'fia'],
    attendees: [
      { name: 'M. Zubair Habib', organization: 'cplc', title: 'Chief, CPLC – Sindh' },
      { name: 'Amir Farooqui', organization: 'sindh-police', title: 'DIGP (Investigation/Crime)' },
      { name: 'Brig M. Umar Farooq', organization: 'anf-sindh', title: 'Commander ANF Sindh' },
      { name: 'M. Nouman Siddiqui', organization: 'fia', title: 'Director FIA, Karachi' },
    ],
    notes: `Hosted by the CPLC; the GI-TOC index country profile on Pakistan was presented; geocriminality was discussed at length. (Day: ${NO_DAY}.)`,
    parent: 'trip',
    source:
      'Karachi, November 12-14: "EVENT: Round Table Interactive Session on “Serious and Organized Crimes in Pakistan” [...] hosted by the Citizen-Police Liaison Committee (CPLC)"',
  },
  {
    key: 'beaconhouse',
    kind: 'meeting',
    title: 'Meeting with Beaconhouse University',
    startsOn: LAHORE,
    place: 'Lahore',
    organizations: ['beaconhouse'],
    attendees: [{ name: 'Mansoor Ahmad Khan', organization: 'beaconhouse', title: 'Ambassador; Director, Beaconhouse Centre for Policy Research (BCPR)' }],
    notes: `It was agreed that GI-TOC and BU would examine a formal collaboration, underpinned by an MOU: an annual named lecture, a course on organized crime, yearly research visits. (Day: ${NO_DAY}.)`,
    parent: 'trip',
    source:
      'Lahore: "GI-TOC meeting with Beaconhouse University (BU): [...] It was agreed that GI-TOC and BU would examine a formal collaboration, underpinned by an MOU."',
  },
  {
    key: 'toc-day',
    kind: 'event',
    title: 'International Day for the Prevention of and Fight Against All Forms of Transnational Organized Crime',
    startsOn: '2024-11-15',
    place: 'Lahore',
    organizations: ['cgr', 'cfhr'],
    attendees: [],
    notes:
      'Organized by CGR, CFHR and GI-TOC; 31 in-person participants and 86 online; keynote by Dr Mark Shaw; the Civil Society Declaration 2024 was unveiled.',
    parent: 'trip',
    source:
      'Lahore: "EVENT: International Day for the Prevention of and Fight Against All Forms of Transnational Organized Crime" (November 15, 2024, as the BACKGROUND dates it)',
  },
  {
    key: 'cfhr',
    kind: 'meeting',
    title: 'Meeting with the Centre for Human Rights, Universal College Lahore',
    startsOn: LAHORE,
    place: 'Lahore',
    organizations: ['cfhr'],
    attendees: [
      { name: 'Sevim Saadat', organization: 'cfhr', title: 'CFHR leadership' },
      { name: 'Umar Khan', organization: 'cfhr', title: 'Barrister; CFHR leadership' },
    ],
    notes: `We agreed that CFHR would draft a discrete workplan focused on a broad issue mapping of MS and TIP in Pakistan, and to examine a potential MOU between GI-TOC and CFHR. (Day: ${NO_DAY}.)`,
    parent: 'trip',
    source: 'Lahore: "We agreed that CFHR would draft a discrete workplan [...] We further agreed to examine a potential MOU between GI-TOC and CFHR."',
  },
  {
    key: 'debrief',
    kind: 'meeting',
    title: 'Trip debrief – GI-TOC and CGR',
    startsOn: '2024-11-16',
    place: 'Lahore',
    organizations: ['cgr', 'nioc'],
    attendees: [
      { name: 'Tariq Khosa', organization: 'cgr', title: 'Director of CGR; GI-TOC Board Member' },
      { name: 'Sarmad Saaed', organization: 'nioc', title: 'Deputy Director' },
    ],
    notes:
      'Agreed: a possible follow-on mission for late 2025; academic engagement as the launching pad; Mr Tariq Khosa to discuss with Mark Shaw for the Board meeting of 5 December 2024; two formal collaborations (Beaconhouse University, CFHR at UCL).',
    parent: 'trip',
    source:
      'Trip Debrief – GI-TOC and CGR: "Following the event GI-TOC met with the Director of CGR and GI-TOC Board Member, Mr Tariq Khosa as well as Mr Sarmad Saaed"',
  },
  {
    key: 'board',
    kind: 'meeting',
    title: 'GI-TOC Board meeting: CSAObs report on Pakistan',
    startsOn: '2024-12-05',
    place: 'Online',
    organizations: ['cgr'],
    attendees: [{ name: 'Tariq Khosa', organization: 'cgr' }],
    notes: 'Mr Tariq Khosa reports as part of CSAObs activities.',
    source: 'Trip Debrief: "reporting as part of CSAObs activities at the GI-TOC Board meeting on December 5, 2024."',
  },
];

const CHOSEN = 'due date chosen for the demo: the report gives none';

export const FIELD_VISIT_FOLLOW_UPS: DemoFollowUp[] = [
  {
    engagement: 'debrief',
    title: 'Tariq Khosa to discuss the visit with Mark Shaw, to report at the Board meeting',
    owner: 'approver',
    dueOn: '2024-12-05',
    organization: 'cgr',
    completedAt: '2024-12-05T16:00:00.000Z',
    source:
      'Trip Debrief: "Mr Tariq Khosa would discuss with GI-TOC Director Mark Shaw with a view towards reporting [...] at the GI-TOC Board meeting on December 5, 2024."',
  },
  {
    engagement: 'cfhr',
    title: 'Receive CFHR’s workplan on MS and TIP issue mapping',
    owner: 'manager',
    dueOn: '2025-01-31',
    organization: 'cfhr',
    source: `CFHR meeting: "We agreed that CFHR would draft a discrete workplan" (${CHOSEN})`,
  },
  {
    engagement: 'npa',
    title: 'Dr Kaleem to propose thematic and technical areas for the NPA',
    owner: 'manager',
    dueOn: '2025-02-28',
    organization: 'npa',
    source: `NPA meeting: "Dr Kaleem [...] would serve as a useful focal point for suggesting thematic and technical areas" (${CHOSEN})`,
  },
  {
    engagement: 'debrief',
    title: 'Discuss a follow-on mission in late 2025 with GI-TOC leadership',
    owner: 'manager',
    dueOn: '2025-06-30',
    source: `Trip Debrief: "a possible follow-on mission for late-2025 would be discussed with GI-TOC leadership." (${CHOSEN})`,
  },
];

/** The engagement each field-visit partnership grew out of, by the partnership's organization key. */
export const PARTNERSHIP_ORIGINS: Record<string, string> = { beaconhouse: 'beaconhouse', cfhr: 'cfhr', npb: 'npb', npa: 'npa' };

/** When the manager records the engagements: after the organizations, before the proposals. */
export const ENGAGEMENTS_RECORDED = '2024-11-18T09:30:00.000Z';

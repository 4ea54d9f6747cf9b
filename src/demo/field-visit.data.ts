import type { DemoOrganization, PartnershipStory } from './demo-story.js';

/**
 * The GI-TOC – CGR Pakistan field visit of 10–17 November 2024 (shared/field-visit-report.txt):
 * the organizations met and the collaborations the report leaves open. People are named only as
 * the report names them; where it gives no name, a contact is the role it gives. A city is the
 * one the report places them in, and is left out where it places them nowhere.
 */
export const FIELD_VISIT_REPORT = 'GI-TOC – CGR Pakistan field visit report, November 2024';

/** The day after the visit ended: the demo's users exist from then on. */
export const DEMO_START = '2024-11-18T08:00:00.000Z';

const recorded = (minute: number) => `2024-11-18T09:${String(minute).padStart(2, '0')}:00.000Z`;

export const FIELD_VISIT_ORGANIZATIONS: DemoOrganization[] = [
  {
    key: 'moi',
    fields: {
      name: 'Ministry of Interior',
      kind: 'government_agency',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Raffat Mukhtar' }],
    },
    createdAt: recorded(0),
    source: 'Islamabad, Nov 10-12: "Mr Raffat Mukhtar and colleagues, Ministry of Interior."',
  },
  {
    key: 'naml-cfta',
    fields: {
      name: 'National Anti-Money Laundering and Counter Financing of Terrorism Authority (NAML-CFTA)',
      kind: 'government_agency',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Ehsan Sadiq', title: 'Director General' }],
    },
    createdAt: recorded(1),
    source: 'Islamabad: "Mr Ehsan Sadiq, Director General, National Anti-Money Laundering and Counter Financing of Terrorism Authority (NAML-CFTA)."',
  },
  {
    key: 'npb',
    fields: {
      name: 'National Police Bureau (NPB)',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Muhammad Tahir Rai', title: 'Director General' }],
    },
    createdAt: recorded(2),
    source: 'Islamabad: "Mr Muhammad Tahir Rai, Director General, National Police Bureau (NPB)."',
  },
  {
    key: 'nacta',
    fields: {
      name: 'National Counter Terrorism Authority (NACTA)',
      kind: 'government_agency',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Muhammad Khalid Khattak', title: 'National Coordinator' }],
    },
    createdAt: recorded(3),
    source: 'Islamabad: "Mr Muhammad Khalid Khattak, National Coordinator, National Counter Terrorism Authority (NACTA)."',
  },
  {
    key: 'fia',
    fields: {
      name: 'Federal Investigation Agency (FIA)',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Islamabad',
      contacts: [
        { name: 'Ahmad Ishaque Jehangir', title: 'Director General' },
        { name: 'M. Nouman Siddiqui', title: 'Director FIA, Karachi' },
      ],
    },
    createdAt: recorded(4),
    source:
      'Islamabad: "Ahmad Ishaque Jehangir, Director General, Federal Investigation Agency (FIA)"; Karachi round table: "Mr M. Nouman Siddiqui, Director FIA, Karachi".',
  },
  {
    key: 'npa',
    fields: {
      name: 'National Police Academy (NPA)',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Muhammad Idrees Ahmed', title: 'Commandant' }],
    },
    createdAt: recorded(5),
    source: 'Islamabad: "Mr Muhammad Idrees Ahmed, Commandant, National Police Academy (NPA)."',
  },
  {
    key: 'islamabad-police',
    fields: {
      name: 'Islamabad Police',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Islamabad',
      contacts: [{ name: 'Syed Ali Nasir Rizvi', title: 'Inspector General of Police, Islamabad' }],
    },
    createdAt: recorded(6),
    source: 'Islamabad: "Mr Syed Ali Nasir Rizvi, Inspector General of Police, Islamabad."',
  },
  {
    key: 'cgr',
    fields: {
      name: 'Centre for Governance Research (CGR)',
      kind: 'think_tank',
      country: 'PK',
      contacts: [
        { name: 'Tariq Khosa', title: 'Director, CGR; GI-TOC Board Member' },
        { name: 'Dr Kaleem', title: 'Chief Coordinator' },
      ],
    },
    createdAt: recorded(7),
    source:
      'Background: "At the invitation of the Centre for Governance Research (CGR)"; debrief: "the Director of CGR and GI-TOC Board Member, Mr Tariq Khosa"; NPA meeting: "Dr Kaleem, Chief Coordinator of CGR".',
  },
  {
    key: 'nioc',
    fields: {
      name: 'National Initiative against Organized Crime (NIOC)',
      kind: 'other',
      country: 'PK',
      contacts: [{ name: 'Sarmad Saaed', title: 'Deputy Director' }],
    },
    createdAt: recorded(8),
    source: 'Debrief: "Mr Sarmad Saaed, Deputy Director, National Initiative against Organized Crime (NIOC)."',
  },
  {
    key: 'cplc',
    fields: {
      name: 'Citizen-Police Liaison Committee (CPLC)',
      kind: 'civil_society',
      country: 'PK',
      city: 'Karachi',
      contacts: [{ name: 'M. Zubair Habib', title: 'Chief, CPLC – Sindh' }],
    },
    createdAt: recorded(9),
    source:
      'Karachi, Nov 12-14: round table "hosted by the Citizen-Police Liaison Committee (CPLC) in Karachi ... a non-political, non-profit organization"; "Mr M. Zubair Habib, Chief, CPLC – Sindh".',
  },
  {
    key: 'sindh-police',
    fields: {
      name: 'Sindh Police',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Karachi',
      contacts: [
        { name: 'Ghulam Nabi Memon', title: 'Inspector General of Police, Sindh' },
        { name: 'Amir Farooqui', title: 'DIGP (Investigation/Crime)' },
      ],
    },
    createdAt: recorded(10),
    source: 'Karachi: "Meeting with Inspector General of Police for Sindh, Ghulam Nabi Memon"; round table: "Mr Amir Farooqui, DIGP (Investigation/Crime)".',
  },
  {
    key: 'sindh-police-museum',
    fields: {
      name: 'Sindh Police Museum',
      kind: 'other',
      country: 'PK',
      city: 'Karachi',
      contacts: [],
    },
    createdAt: recorded(11),
    source: 'Karachi: "Sindh Police Museum: GI-TOC undertook a tour of the museum and its attached archives."',
  },
  {
    key: 'anf-sindh',
    fields: {
      name: 'Anti-Narcotics Force (ANF), Sindh',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Karachi',
      contacts: [{ name: 'M. Umar Farooq', title: 'Brigadier; Commander ANF Sindh' }],
    },
    createdAt: recorded(12),
    source: 'Karachi round table: "Challenges on Drug-Related Issues Confronting ANF, Sindh — Brig M. Umar Farooq, Commander ANF Sindh".',
  },
  {
    key: 'punjab-police',
    fields: {
      name: 'Punjab Police',
      kind: 'law_enforcement',
      country: 'PK',
      city: 'Lahore',
      contacts: [{ name: 'Inspector General of Police, Punjab' }, { name: 'Deputy Inspector General, Organized Crime Unit' }],
    },
    createdAt: recorded(13),
    source:
      'Lahore, Nov 14-16: "GI-TOC Meeting with Inspector General of Police (IGP), Punjab"; "Meeting with Deputy Inspector General, Organized Crime Unit, Punjab Police".',
  },
  {
    key: 'lahore-safe-cities',
    fields: {
      name: 'Lahore Safe Cities',
      kind: 'government_agency',
      country: 'PK',
      city: 'Lahore',
      contacts: [],
    },
    createdAt: recorded(14),
    source: 'Lahore: "GI-TOC Tour of Lahore Safe Cities headquarters", with its Women\'s Unit and Children\'s Unit.',
  },
  {
    key: 'beaconhouse',
    fields: {
      name: 'Beaconhouse University (BU)',
      kind: 'university',
      country: 'PK',
      city: 'Lahore',
      contacts: [{ name: 'Mansoor Ahmad Khan', title: 'Ambassador; Director, Beaconhouse Centre for Policy Research (BCPR)' }],
    },
    createdAt: recorded(15),
    source:
      'Lahore: "GI-TOC met with Ambassador Mansoor Ahmad Khan, Director of the Beaconhouse Centre for Policy Research (BCPR), along with two colleagues from the faculty of International Relations."',
  },
  {
    key: 'cfhr',
    fields: {
      name: 'Centre for Human Rights (CFHR), Universal College Lahore',
      kind: 'civil_society',
      country: 'PK',
      city: 'Lahore',
      contacts: [
        { name: 'Sevim Saadat', title: 'CFHR leadership' },
        { name: 'Umar Khan', title: 'Barrister; CFHR leadership' },
      ],
    },
    createdAt: recorded(16),
    source:
      'Lahore: "Meeting with the Centre for Human Rights (CFHR), Universal College Lahore (UCL): GI-TOC met with the leadership, Ms Sevim Saadat and Barrister Umar Khan".',
  },
];

const proposed = (minute: number) => `2024-11-19T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** The collaborations the report leaves open, each at the stage the report leaves it. */
export const FIELD_VISIT_STORIES: PartnershipStory[] = [
  {
    organization: 'beaconhouse',
    createdAt: proposed(0),
    partnership: {
      title: 'Beaconhouse University: MOU for a named annual lecture, an organized-crime course and yearly research visits',
      summary:
        'A formal collaboration between GI-TOC and Beaconhouse University, underpinned by an MOU, focused on teaching and research ' +
        'collaborations and formal yearly events: an annual lecture on transnational organized crime named after a prominent GI-TOC ' +
        'figure; direct GI-TOC involvement in the creation of a course on organized crime; yearly research visits by a GI-TOC team to ' +
        'host seminars and conduct research on Pakistan.',
      programme: 'Academic engagement (Pakistan Strategic Advisory Group, CSAObs)',
      focalPoint: 'Ambassador Mansoor Ahmad Khan, Director, BCPR',
      notes: `${FIELD_VISIT_REPORT}. Met at BU in Lahore with two colleagues from the faculty of International Relations; debrief: "GI-TOC would, pending Senior Management approval, examine two formal collaborations".`,
      proposedActivities: [
        {
          kind: 'annual_lecture',
          title: 'Annual lecture on transnational organized crime, named after a prominent GI-TOC figure',
          recurrence: { frequency: 'yearly' },
        },
        { kind: 'course', title: 'Co-creation of a course on organized crime', recurrence: { frequency: 'once' } },
        { kind: 'research_visit', title: 'Yearly research visit by a GI-TOC team: seminars and research on Pakistan', recurrence: { frequency: 'yearly' } },
      ],
      requiredApprovals: 2,
    },
    steps: [{ at: '2024-11-22T10:00:00.000Z', by: 'manager', type: 'SUBMIT_FOR_APPROVAL' }],
    expectedState: 'senior_management_review',
    source:
      'Beaconhouse meeting: "It was agreed that GI-TOC and BU would examine a formal collaboration, underpinned by an MOU. This would potentially include: an annual lecture (named after a prominent GI-TOC figure) on the topic of TOC; direct GI-TOC involvement in the creation of a course on organized crime; yearly research visits by a GI-TOC team"; debrief: "pending Senior Management approval ... One with Beaconhouse University".',
  },
  {
    organization: 'cfhr',
    createdAt: proposed(10),
    partnership: {
      title: 'Centre for Human Rights (UCL): workplan on migrant smuggling and TIP, towards an MOU and a GI-TOC host',
      summary:
        'CFHR drafts a discrete workplan for a broad issue mapping of migrant smuggling (MS) and trafficking in persons (TIP) in ' +
        'Pakistan, with a particular focus on local community interventions; GI-TOC and CFHR examine a potential MOU, with the aim ' +
        'that Universal College Lahore could become a formal host for GI-TOC on the model of the GI-TOC Bangkok office with the Thai ' +
        'Institute of Justice.',
      programme: 'Resilience Fund: trafficking in persons in Pakistan',
      focalPoint: 'Sevim Saadat, CFHR',
      notes: `${FIELD_VISIT_REPORT}. Waiting for the workplan CFHR agreed to draft before submitting for approval.`,
      proposedActivities: [
        { kind: 'other', title: 'Issue mapping of migrant smuggling and TIP in Pakistan (workplan drafted by CFHR)', recurrence: { frequency: 'once' } },
      ],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'CFHR meeting: "We agreed that CFHR would draft a discrete workplan focused on a broad issue mapping of MS and TIP in Pakistan ... We further agreed to examine a potential MOU between GI-TOC and CFHR"; debrief: "A second with the Centre for Human Rights at Universal College Lahore (UCL) with the aim that UCL could become a formal host for GI-TOC".',
  },
  {
    organization: 'npb',
    createdAt: proposed(20),
    partnership: {
      title: 'National Police Bureau: training and seminars on organized crime for the Pakistani police',
      // A training collaboration that needs no MOU.
      workflowId: 'training-programme',
      summary:
        'Training, capacity building and seminars aimed at raising the analytical capabilities to tackle organized crime within the ' +
        'Pakistani police, as GI-TOC establishes in-country.',
      focalPoint: 'Muhammad Tahir Rai, Director General, NPB',
      notes: `${FIELD_VISIT_REPORT}. DG Rai expressed significant interest in further collaboration, with a particular focus on training and seminars.`,
      proposedActivities: [
        { kind: 'training', title: 'Training on analysing organized crime for the Pakistani police', recurrence: { frequency: 'once' } },
        { kind: 'seminar', title: 'Seminars on organized crime with the NPB', recurrence: { frequency: 'once' } },
      ],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'NPB meeting: "Discussed GI-TOC\'s role in fostering training, capacity building and other activities aimed at raising the analytical capabilities to tackle OC within the Pakistani police. DG Rai expressed significant interest in further collaboration with GI-TOC as we establish in-country, with a particular focus on training and seminars."',
  },
  {
    organization: 'npa',
    createdAt: proposed(30),
    partnership: {
      title: 'National Police Academy: international expertise and training for NPA staff',
      // A training collaboration that needs no MOU.
      workflowId: 'training-programme',
      summary:
        'GI-TOC provides international expertise and training to NPA staff, in thematic and technical areas suggested through CGR, ' +
        'acting as a bridge to international expertise.',
      focalPoint: 'Dr Kaleem, Chief Coordinator, CGR',
      notes: `${FIELD_VISIT_REPORT}. Agreed with Commandant Muhammad Idrees Ahmed that Dr Kaleem (CGR) would be the focal point.`,
      proposedActivities: [{ kind: 'training', title: 'International expertise and training for NPA staff', recurrence: { frequency: 'once' } }],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'NPA meeting: "Discussed GI-TOC role in providing international expertise and training to NPA staff. Agreed that Dr Kaleem, Chief Coordinator of CGR would serve as a useful focal point for suggesting thematic and technical areas where GI-TOC could serve as a bridge and provide expertise for the NPA."',
  },
  {
    organization: 'fia',
    createdAt: proposed(40),
    partnership: {
      title: 'Federal Investigation Agency: GI-TOC input to FIA capacity on cybercrime and trafficking in persons',
      summary: 'Ways GI-TOC can feed into FIA capacity as GI-TOC expands in-country, particularly its work on cybercrime and trafficking in persons.',
      focalPoint: 'Ahmad Ishaque Jehangir, Director General, FIA',
      notes: FIELD_VISIT_REPORT,
      proposedActivities: [
        { kind: 'training', title: 'Capacity building for the FIA on cybercrime and trafficking in persons', recurrence: { frequency: 'once' } },
      ],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'FIA meeting: "We discussed GI-TOC work regionally and around the world and ways that GI-TOC can feed into FIA capacity as we expand in country, particularly our work in cybercrime and trafficking in persons."',
  },
  {
    organization: 'sindh-police',
    createdAt: proposed(50),
    partnership: {
      title: 'Sindh Police: expertise and training on rehabilitating drug users, including victims of human trafficking',
      summary:
        'GI-TOC expertise, training and general capacity building on comprehensive strategies to rehabilitate drug users, particularly ' +
        'those from vulnerable groups such as victims of human trafficking.',
      focalPoint: 'Ghulam Nabi Memon, Inspector General of Police, Sindh',
      notes: `${FIELD_VISIT_REPORT}. Bilateral meeting with the IGP Sindh, accompanied by leadership of the CPLC.`,
      proposedActivities: [
        {
          kind: 'training',
          title: 'Training and capacity building on rehabilitating drug users, including victims of trafficking',
          recurrence: { frequency: 'once' },
        },
      ],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'IGP Sindh meeting: "discussions focused on developing comprehensive strategies to rehabilitate drug users, particularly those from vulnerable groups such as victims of human trafficking. He expressed particular interest in GI-TOC providing expertise, training and general capacity building in this thematic area."',
  },
  {
    organization: 'sindh-police-museum',
    createdAt: proposed(59),
    partnership: {
      title: 'Sindh Police Museum: research visit to the archives',
      summary:
        'A future visit to examine the museum archives more extensively for potential use in published research, including the GI-TOC ' +
        'academic journal JIED, fostering collaborations with academic historians of police, drugs and organized crime.',
      notes: FIELD_VISIT_REPORT,
      proposedActivities: [{ kind: 'research_visit', title: 'Research visit to the Sindh Police Museum archives', recurrence: { frequency: 'once' } }],
    },
    steps: [],
    expectedState: 'proposal',
    source:
      'Sindh Police Museum: "discussed ways to utilise the archives for academic research and discussed fostering collaborations with relevant academic historians of police, drugs and organized crime. It was agreed that a future visit may be examined to conduct more extensive examination of the material for potential use in published research, including the GI-TOC academic journal, JIED."',
  },
];

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SEARCH_COUNT_LIMIT, type TotalRelation } from '../partnership-list.repository.js';
import { ACTIVITY_KINDS } from './partnership.dto.js';

/** The states of an activity occurrence. */
export const OCCURRENCE_STATES = ['planned', 'scheduled', 'held', 'cancelled', 'missed'];

const SHA256_EXAMPLE = '3f1c8a4e9b0d7f6e5a2c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f';

export class RecurrenceResponse {
  @ApiProperty({ enum: ['once', 'yearly'], example: 'yearly' })
  frequency: 'once' | 'yearly';

  @ApiPropertyOptional({ minimum: 1, maximum: 12, example: 10 })
  month?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 31, example: 15 })
  day?: number;
}

export class ProposedActivityResponse {
  @ApiProperty({ enum: ACTIVITY_KINDS, example: 'annual_lecture' })
  kind: (typeof ACTIVITY_KINDS)[number];

  @ApiProperty({ example: 'Annual named lecture' })
  title: string;

  @ApiProperty({ type: RecurrenceResponse })
  recurrence: RecurrenceResponse;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, example: '2026-10-15' })
  startsOn?: string | null;
}

/** A partnership as lists show it. */
export class PartnershipSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Annual lecture and research collaboration' })
  title: string;

  @ApiProperty({ format: 'uuid' })
  organizationId: string;

  @ApiProperty({ description: 'The workflow state as a dotted path.', example: 'senior_management_review' })
  state: string;

  @ApiProperty({ description: 'Send it back as If-Match; the ETag header carries it too.', example: 2 })
  version: number;

  @ApiProperty({ description: 'Past its approval SLA without a decision.' })
  overdue: boolean;

  @ApiProperty({ minimum: 1, maximum: 5, example: 1 })
  requiredApprovals: number;

  @ApiProperty({ description: 'Approvals counted towards the quorum of the current submission.', example: 0 })
  approvalCount: number;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  submittedAt: string | null;

  @ApiProperty({ format: 'date', nullable: true, type: String, description: 'End of the current MOU term, once agreed.', example: '2029-03-31' })
  expiresOn: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class PartnershipListResponse {
  @ApiProperty({ type: PartnershipSummaryResponse, isArray: true })
  items: PartnershipSummaryResponse[];

  @ApiProperty({ description: 'All matches, not only this page; with `totalRelation: "gte"`, a lower bound.', example: 1 })
  total: number;

  @ApiProperty({
    enum: ['eq', 'gte'],
    example: 'eq',
    description:
      `\`eq\`: \`total\` is exact. \`gte\`: at least \`total\` match. Only a title search (\`q\`) answers \`gte\`: it counts ` +
      `its matches up to ${SEARCH_COUNT_LIMIT.toLocaleString('en')} and stops there (show "${SEARCH_COUNT_LIMIT.toLocaleString('en')}+"), unless the page reached the last match.`,
  })
  totalRelation: TotalRelation;
}

export class OrganizationRefResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Beaconhouse National University' })
  name: string;
}

export class WorkflowRefResponse {
  @ApiProperty({ example: 'partnership-mou' })
  id: string;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ description: 'SHA-256 of the definition file the partnership runs on.', example: SHA256_EXAMPLE })
  definitionHash: string;
}

export class ApprovalResponse {
  @ApiProperty({ description: 'The approver whose approval it is (counted for the quorum).', format: 'uuid' })
  by: string;

  @ApiPropertyOptional({ description: 'Who sent it, when a delegate approved for the approver in `by`.', format: 'uuid' })
  actorId?: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ description: 'SHA-256 of the proposal content the approver saw.', nullable: true, type: String, example: SHA256_EXAMPLE })
  contentHash: string | null;
}

export class DecisionResponse {
  @ApiProperty({ enum: ['REQUEST_CHANGES', 'REJECT'] })
  decision: 'REQUEST_CHANGES' | 'REJECT';

  @ApiProperty({ format: 'uuid', description: 'The approver whose decision it is.' })
  by: string;

  @ApiPropertyOptional({ description: 'Who sent it, when a delegate decided for the approver in `by`.', format: 'uuid' })
  actorId?: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ nullable: true, type: String, example: 'Please add the course outline.' })
  comment: string | null;

  @ApiProperty({ nullable: true, type: String, example: SHA256_EXAMPLE })
  contentHash: string | null;
}

export class DraftResponse {
  @ApiProperty({ description: 'Drafts are numbered from 1 in the order they were shared.', example: 1 })
  version: number;

  @ApiProperty({ example: 'MOU draft v1.docx' })
  name: string;

  @ApiProperty({ example: SHA256_EXAMPLE })
  sha256: string;

  @ApiProperty({ nullable: true, type: String, example: 'https://files.example.org/mou-v1.docx' })
  url: string | null;

  @ApiProperty({ format: 'uuid' })
  sharedBy: string;

  @ApiProperty({ format: 'date-time' })
  sharedAt: string;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The uploaded document shared (GET /api/documents/{id}); null for a draft described by name and hash.',
  })
  documentId: string | null;
}

/** An uploaded document as an event recorded it. */
export class EventDocumentResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'MOU signed.pdf' })
  name: string;

  @ApiProperty({ example: SHA256_EXAMPLE })
  sha256: string;
}

export class AgreedTextResponse {
  @ApiProperty({ format: 'uuid', description: 'The uploaded mou_draft whose text was agreed.' })
  documentId: string;

  @ApiProperty({ example: SHA256_EXAMPLE })
  sha256: string;
}

export class SignatureResponse {
  @ApiProperty({ example: 'Vice-Chancellor' })
  signatory: string;

  @ApiProperty({ format: 'date', example: '2026-03-20' })
  signedOn: string;

  @ApiProperty({ format: 'uuid' })
  recordedBy: string;

  @ApiProperty({ format: 'date-time' })
  recordedAt: string;

  @ApiProperty({ type: EventDocumentResponse, nullable: true, description: 'The signed copy uploaded with the signature, if any.' })
  document: EventDocumentResponse | null;
}

export class SignaturesResponse {
  @ApiProperty({ type: SignatureResponse, nullable: true })
  partner: SignatureResponse | null;

  @ApiProperty({ type: SignatureResponse, nullable: true })
  own: SignatureResponse | null;
}

export class TermResponse {
  @ApiProperty({ description: '1 for the agreed term, then one more per renewal.', example: 1 })
  number: number;

  @ApiProperty({ format: 'date', example: '2026-04-01' })
  effectiveFrom: string;

  @ApiProperty({ format: 'date', example: '2029-03-31' })
  expiresOn: string;

  @ApiProperty({ enum: ['agreed', 'existing', 'renewed'], description: 'existing: an MOU signed before the system, recorded as it stood (RECORD_EXISTING).' })
  kind: 'agreed' | 'existing' | 'renewed';

  @ApiProperty({ description: 'Who agreed the text or renewed.', format: 'uuid' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;
}

export class TerminationResponse {
  @ApiProperty({ format: 'uuid' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ nullable: true, type: String, example: 'The partner centre closed.' })
  comment: string | null;
}

export class RecordedExistingResponse {
  @ApiProperty({ format: 'uuid', description: 'The admin who recorded it.' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;
}

export class ActivityOccurrenceRefResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date', example: '2026-10-15' })
  dueOn: string;

  @ApiProperty({ description: 'The MOU term the occurrence belongs to.', example: 1 })
  termNumber: number;

  @ApiProperty({ enum: OCCURRENCE_STATES })
  state: string;

  @ApiProperty({ format: 'date', description: 'The scheduled date once there is one, else the due date.', example: '2026-10-15' })
  date: string;
}

export class PartnershipActivityResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ACTIVITY_KINDS, example: 'annual_lecture' })
  kind: string;

  @ApiProperty({ example: 'Annual named lecture' })
  title: string;

  @ApiProperty({ type: RecurrenceResponse })
  recurrence: RecurrenceResponse;

  @ApiProperty({ enum: ['proposal', 'added'], description: "proposal: one of the MOU's own commitments; added: added later." })
  origin: 'proposal' | 'added';

  @ApiProperty({ type: ActivityOccurrenceRefResponse, isArray: true })
  occurrences: ActivityOccurrenceRefResponse[];
}

export class FulfilmentResponse {
  @ApiProperty({ example: 1 })
  termNumber: number;

  @ApiProperty({ example: 2 })
  held: number;

  @ApiProperty({ example: 0 })
  missed: number;

  @ApiProperty({ example: 0 })
  cancelled: number;

  @ApiProperty({ description: 'Planned or scheduled, not yet held.', example: 1 })
  planned: number;

  @ApiProperty({ example: 3 })
  total: number;
}

export class OriginEngagementResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Meeting with Beaconhouse University' })
  title: string;

  @ApiProperty({ format: 'date' })
  startsOn: string;
}

export class OriginFollowUpResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Examine a formal collaboration underpinned by an MOU' })
  title: string;
}

export class OriginResponse {
  @ApiProperty({ type: OriginEngagementResponse, nullable: true })
  engagement: OriginEngagementResponse | null;

  @ApiProperty({ type: OriginFollowUpResponse, nullable: true })
  followUp: OriginFollowUpResponse | null;
}

/** Everything about a partnership, as GET answers it and every change returns it. */
export class PartnershipResponse extends PartnershipSummaryResponse {
  @ApiProperty({ type: OrganizationRefResponse, nullable: true })
  organization: OrganizationRefResponse | null;

  @ApiProperty({ type: OriginResponse, nullable: true, description: 'The engagement and follow-up it grew out of; null when it names none.' })
  origin: OriginResponse | null;

  @ApiProperty({ nullable: true, type: String })
  summary: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Research' })
  programme: string | null;

  @ApiProperty({ nullable: true, type: String })
  focalPoint: string | null;

  @ApiProperty({ nullable: true, type: String })
  notes: string | null;

  @ApiProperty({ type: ProposedActivityResponse, isArray: true })
  proposedActivities: ProposedActivityResponse[];

  @ApiProperty({ minimum: 1, maximum: 365, example: 14 })
  approvalSlaDays: number;

  @ApiProperty({ type: WorkflowRefResponse })
  workflow: WorkflowRefResponse;

  @ApiProperty({ description: 'SHA-256 of what approvers judge; an approver may send it back as data.contentHash.', example: SHA256_EXAMPLE })
  contentHash: string;

  @ApiProperty({ description: 'The events the caller may send now.', type: String, isArray: true, example: ['SUBMIT_FOR_APPROVAL', 'WITHDRAW'] })
  availableEvents: string[];

  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Why the partnership takes no events at all now: its workflow definition file changed after it started. It can still be read, listed and exported. Null when it takes events.',
  })
  eventsRefused: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  submittedBy: string | null;

  @ApiProperty({ type: ApprovalResponse, isArray: true })
  approvals: ApprovalResponse[];

  @ApiProperty({ type: DecisionResponse, isArray: true })
  decisions: DecisionResponse[];

  @ApiProperty({ type: DraftResponse, isArray: true })
  drafts: DraftResponse[];

  @ApiProperty({ type: SignaturesResponse })
  signatures: SignaturesResponse;

  @ApiProperty({
    type: AgreedTextResponse,
    nullable: true,
    description: 'The uploaded draft whose text AGREE_TEXT agreed, and its hash; null before, or when the text agreed was not uploaded.',
  })
  agreedText: AgreedTextResponse | null;

  @ApiProperty({ type: TermResponse, nullable: true })
  currentTerm: TermResponse | null;

  @ApiProperty({ type: TermResponse, isArray: true, description: 'Earlier terms, oldest first.' })
  pastTerms: TermResponse[];

  @ApiProperty({ type: TerminationResponse, nullable: true })
  termination: TerminationResponse | null;

  @ApiProperty({
    type: RecordedExistingResponse,
    nullable: true,
    description: 'Set when the MOU was signed before the system and recorded as it stood (RECORD_EXISTING): who recorded it, and when.',
  })
  recordedExisting: RecordedExistingResponse | null;

  @ApiProperty({ type: PartnershipActivityResponse, isArray: true, description: 'Activity series of the MOU, with their occurrences.' })
  activities: PartnershipActivityResponse[];

  @ApiProperty({
    type: FulfilmentResponse,
    nullable: true,
    description: 'Held, missed, cancelled and planned occurrences of the current term; null until a term is agreed.',
  })
  fulfilment: FulfilmentResponse | null;

  @ApiProperty({ format: 'uuid' })
  createdBy: string;

  @ApiProperty({ format: 'uuid', description: 'Who looks after it: its creator unless it was handed on.' })
  ownerId: string;
}

import { ApiProperty } from '@nestjs/swagger';

const HASH_EXAMPLE = '9b2e6c0f4d1a8e7b3c5f2a9d6e0b4c8f1a7d3e5b9c2f6a0d4e8b1c5f9a3d7e2b';

/** An audit row in the raw form auditors search, export and verify. */
export class AuditRowResponse {
  @ApiProperty({ description: 'Position in the global chain, from 1.', example: 42 })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ description: 'User id, `system` for timers, or `anonymous` for failed sign-ins.' })
  actorId: string;

  @ApiProperty({ type: String, isArray: true, example: ['approver'] })
  actorRoles: string[];

  @ApiProperty({ description: 'The event type, CREATE, UPDATE, a user change, or the refused request.', example: 'APPROVE' })
  action: string;

  @ApiProperty({ example: 'partnership', description: 'partnership, occurrence, organization, user, or request for a refusal at the HTTP edge.' })
  entityType: string;

  @ApiProperty({ description: 'The entity id, or `-` when the request named none.' })
  entityId: string;

  @ApiProperty({ nullable: true, type: String, example: 'senior_management_review' })
  fromState: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'mou_drafting' })
  toState: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'partnership-mou' })
  workflowId: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 1 })
  workflowVersion: number | null;

  @ApiProperty({ enum: ['ok', 'denied'] })
  outcome: string;

  @ApiProperty({ nullable: true, type: String })
  requestId: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event or change as recorded; for a refusal {code, message, details}.' })
  payload: Record<string, unknown>;

  @ApiProperty({ description: 'Hash of the previous row; 64 zeros for the first.', example: HASH_EXAMPLE })
  prevHash: string;

  @ApiProperty({ description: 'sha256(prevHash + canonical JSON of the row).', example: HASH_EXAMPLE })
  hash: string;
}

export class AuditListResponse {
  @ApiProperty({ type: AuditRowResponse, isArray: true })
  items: AuditRowResponse[];

  @ApiProperty({ description: 'All matches, not only this page.', example: 1 })
  total: number;
}

/** A signed checkpoint of the chain's head (the README says what is signed). */
export class CheckpointResponse {
  @ApiProperty({ description: 'The row it signs.', example: 1000 })
  seq: number;

  @ApiProperty({ description: 'That row’s hash.', example: HASH_EXAMPLE })
  hash: string;

  @ApiProperty({ format: 'date-time' })
  signedAt: string;

  @ApiProperty({ description: 'Hex SHA-256 of the DER of the public key that signed it.', example: HASH_EXAMPLE })
  keyFingerprint: string;

  @ApiProperty({ description: 'Ed25519 signature, base64.' })
  signature: string;
}

export class CheckpointListResponse {
  @ApiProperty({ type: CheckpointResponse, isArray: true, description: 'In seq order.' })
  items: CheckpointResponse[];

  @ApiProperty({ example: 3 })
  total: number;
}

/** A line of the JSONL export that is not a row: the checkpoint of the row on the line before. */
export class CheckpointLineResponse {
  @ApiProperty({ type: CheckpointResponse })
  checkpoint: CheckpointResponse;
}

export class CheckpointSummaryResponse {
  @ApiProperty({ description: 'Checkpoints checked: each signed by the service’s key, and naming a row of the chain with its hash.', example: 2 })
  checked: number;

  @ApiProperty({ nullable: true, type: Number, description: 'The highest seq a checkpoint names; null before the first checkpoint.', example: 2000 })
  lastSeq: number | null;
}

export class DocumentsVerdictResponse {
  @ApiProperty({ description: 'Stored documents whose bytes were re-hashed.', example: 12 })
  checked: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    isArray: true,
    description: 'The documents whose stored bytes no longer have the SHA-256 they were uploaded with (or are missing); empty when all verify.',
  })
  bad: string[];
}

export class AuditVerifiedResponse {
  @ApiProperty({ enum: [true] })
  ok: true;

  @ApiProperty({ description: 'Rows checked.', example: 120 })
  events: number;

  @ApiProperty({ description: 'Hash of the last row; keep it to detect a rewritten chain later.', example: HASH_EXAMPLE })
  headHash: string;

  @ApiProperty({ type: CheckpointSummaryResponse })
  checkpoints: CheckpointSummaryResponse;

  @ApiProperty({ type: DocumentsVerdictResponse })
  documents: DocumentsVerdictResponse;
}

export class AuditBrokenResponse {
  @ApiProperty({ enum: [false] })
  ok: false;

  @ApiProperty({
    description:
      'The first row that does not verify: one whose hash or link is wrong, one that is not the row a checkpoint signed, or the first row cut off. Null when the chain verifies but stored documents do not (documents.bad).',
    example: 17,
    nullable: true,
    type: Number,
  })
  firstBadSeq: number | null;

  @ApiProperty({ example: 'hash mismatch' })
  reason: string;

  @ApiProperty({ description: 'Rows checked before the break.', example: 16 })
  events: number;

  @ApiProperty({ type: DocumentsVerdictResponse })
  documents: DocumentsVerdictResponse;
}

export class HistoryActorResponse {
  @ApiProperty({ description: 'User id, `system` for timers, or `anonymous` for failed sign-ins.' })
  id: string;

  @ApiProperty({ example: 'amina.khan' })
  username: string;

  @ApiProperty({ example: 'Amina Khan' })
  displayName: string;

  @ApiProperty({ type: String, isArray: true, example: ['approver'] })
  roles: string[];
}

export class HistoryRefusalResponse {
  @ApiProperty({ example: 'EVENT_NOT_ALLOWED' })
  code: string;

  @ApiProperty({ example: 'SHARE_DRAFT is not allowed in state proposal' })
  message: string;
}

/** One audit row of a partnership, or of one of its occurrences, as a person reads it. */
export class HistoryItemResponse {
  @ApiProperty({ example: 42 })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({
    enum: ['partnership', 'occurrence', 'request'],
    description:
      'What the row is about: the partnership, one of its activity occurrences, or a request about it refused before it reached either (a role, a missing If-Match).',
  })
  entityType: string;

  @ApiProperty({ format: 'uuid' })
  entityId: string;

  @ApiProperty({ type: HistoryActorResponse })
  actor: HistoryActorResponse;

  @ApiProperty({ example: 'APPROVE' })
  action: string;

  @ApiProperty({ enum: ['ok', 'denied'] })
  outcome: string;

  @ApiProperty({ nullable: true, type: String, example: 'senior_management_review' })
  fromState: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'mou_drafting' })
  toState: string | null;

  @ApiProperty({ nullable: true, type: String })
  comment: string | null;

  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: "The event's data, or the fields an edit changed." })
  data: Record<string, unknown> | null;

  @ApiProperty({ nullable: true, type: String, description: 'The proposal content the actor saw.' })
  contentHash: string | null;

  @ApiProperty({ type: HistoryRefusalResponse, nullable: true })
  refusal: HistoryRefusalResponse | null;

  @ApiProperty({ example: 'APPROVE: senior_management_review → mou_drafting' })
  description: string;

  @ApiProperty({ example: HASH_EXAMPLE })
  hash: string;
}

export class HistoryListResponse {
  @ApiProperty({ type: HistoryItemResponse, isArray: true, description: 'One page (limit, offset), oldest first.' })
  items: HistoryItemResponse[];

  @ApiProperty({ example: 4, description: 'All the rows of the partnership and its occurrences.' })
  total: number;
}

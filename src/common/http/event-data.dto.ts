import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { DomainError } from '../domain-error.js';
import { dataFields, EventField, shapeWords, type DataClass, type DataField, type FieldForm } from './event-field.js';
import { IsIsoDate, NoBidiControls } from './validators.js';

const SHA256 = /^[0-9a-f]{64}$/;

export class DocumentDto {
  @EventField({
    required: true,
    api: { type: String, minLength: 1, maxLength: 300, example: 'MOU draft v2.docx' },
    words: 'the document name',
  })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  name: string;

  @EventField({
    required: true,
    api: { type: String, pattern: SHA256.source, description: 'SHA-256 of the document, lower-case hex', example: 'a'.repeat(64) },
    words: 'the document’s SHA-256',
  })
  @Matches(SHA256, { message: '$property must be 64 lower-case hex characters' })
  sha256: string;

  @EventField({
    required: false,
    api: { type: String, format: 'uri', example: 'https://files.example.org/mou-v2.docx' },
    words: 'the link to the document',
  })
  @IsUrl({ require_protocol: true })
  url?: string;
}

/**
 * An uploaded document an event refers to; the service checks it is of the kind the event needs and of this partnership. A page asks for the file
 * itself, uploads it, and sends its id.
 */
function documentIdField(description: string, form?: FieldForm): PropertyDecorator {
  return EventField({ required: false, api: { type: String, format: 'uuid', description }, ...(form ? { form } : {}) });
}

const TAKEN_FILES = 'PDF, Word (DOCX), OpenDocument (ODT), text (.txt) or Markdown (.md)';

export class ShareDraftData {
  @documentIdField('An uploaded mou_draft of this partnership (POST /api/documents), instead of document: the server fills document in from it.', {
    label: 'The draft',
    input: 'file',
    hint: `${TAKEN_FILES}. It is kept with the partnership and compared word by word with the draft before it.`,
    words: 'the draft',
    upload: { kind: 'mou_draft', required: true },
  })
  @IsUUID()
  documentId?: string;

  @EventField({ required: true, nested: () => DocumentDto, filledFrom: 'documentId' })
  document: DocumentDto;
}

export class AgreeTextData {
  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2026-04-01' },
    form: { label: 'Takes effect on', input: 'date', words: 'the date the MOU takes effect' },
  })
  @IsIsoDate()
  effectiveFrom: string;

  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2029-03-31' },
    form: { label: 'Expires on', input: 'date', words: 'the expiry date' },
  })
  @IsIsoDate()
  expiresOn: string;

  @documentIdField('The uploaded mou_draft of this partnership whose text is agreed; left out, the latest draft shared, when it was uploaded.', {
    label: 'The agreed text',
    input: 'file',
    hint: `Leave it out to agree the latest draft shared. ${TAKEN_FILES}.`,
    words: 'the agreed text',
    upload: { kind: 'mou_draft', required: false },
  })
  @IsUUID()
  documentId?: string;
}

/** Who signed for a party, and when. */
export class SignedBy {
  @EventField({ required: true, api: { enum: ['partner', 'own'] }, form: { label: 'Party', input: 'party', words: 'which party signed' } })
  @IsIn(['partner', 'own'])
  party: 'partner' | 'own';

  @EventField({
    required: true,
    api: { type: String, minLength: 1, maxLength: 200, example: 'Vice-Chancellor' },
    form: { label: 'Signatory', input: 'text', hint: 'Name and title of the person who signed.', words: 'the signatory' },
  })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  signatory: string;

  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2026-03-20', description: 'Not in the future.' },
    form: { label: 'Signed on', input: 'date', words: 'the signing date' },
  })
  @IsIsoDate()
  signedOn: string;
}

export class SignatureData extends SignedBy {
  @documentIdField('The uploaded signed copy (a signed_mou of this partnership).', {
    label: 'The signed copy',
    input: 'file',
    hint: `A scan or the signed file: ${TAKEN_FILES}, PNG or JPEG.`,
    words: 'the signed copy',
    upload: { kind: 'signed_mou', required: false },
  })
  @IsUUID()
  documentId?: string;
}

/** An MOU signed before the system, recorded as it stands (partnership-mou v2). */
export class RecordExistingData {
  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2023-09-01' },
    form: { label: 'Took effect on', input: 'date', words: 'the date the MOU took effect' },
  })
  @IsIsoDate()
  effectiveFrom: string;

  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2028-08-31', description: 'Not already past: an MOU that has ended is not recorded as in force.' },
    form: { label: 'Expires on', input: 'date', words: 'the expiry date' },
  })
  @IsIsoDate()
  expiresOn: string;

  @EventField({
    required: true,
    api: { type: [SignedBy], minItems: 2, maxItems: 2, description: 'One signature for each party, partner and own.' },
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  @Type(() => SignedBy)
  signatures: SignedBy[];

  @documentIdField('The uploaded signed copy (a signed_mou of this partnership), kept as its agreed text.')
  @IsUUID()
  documentId?: string;
}

export class RenewData {
  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2031-03-31', description: 'The new term ends on this day; it must come after the current expiry.' },
    form: { label: 'New expiry date', input: 'date', words: 'the expiry date' },
  })
  @IsIsoDate()
  expiresOn: string;
}

/** A training programme's delivery period: its sessions are the occurrences due within it. */
export class DeliveryPeriodData {
  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2026-05-04' },
    form: { label: 'Delivery starts on', input: 'date', words: 'the first day of delivery' },
  })
  @IsIsoDate()
  startsOn: string;

  @EventField({
    required: true,
    api: { type: String, format: 'date', example: '2026-07-31', description: 'The last day of delivery; it must come after the first.' },
    form: { label: 'Delivery ends on', input: 'date', words: 'the last day of delivery' },
  })
  @IsIsoDate()
  endsOn: string;
}

/** A decision on a proposal; a delegate names whom they decide for (SPEC "Delegation"). */
export class DecisionData {
  @EventField({
    required: false,
    api: {
      type: String,
      format: 'uuid',
      description:
        'The approver you decide for, under their delegation to you in force today; the decision is theirs, sent by you. Leave it out to decide in your own right.',
    },
  })
  @IsUUID()
  onBehalfOf?: string;
}

export class ApproveData extends DecisionData {
  @EventField({
    required: false,
    api: { type: String, pattern: SHA256.source, description: 'The contentHash the approver read; the approval is refused if the content differs.' },
  })
  @Matches(SHA256, { message: 'contentHash must be 64 lower-case hex characters' })
  contentHash?: string;
}

export class ScheduleData {
  @EventField({ required: true, api: { type: String, format: 'date', example: '2026-10-15' }, form: { label: 'Date', input: 'date', words: 'the date' } })
  @IsIsoDate()
  date: string;

  @EventField({
    required: false,
    api: { type: String, minLength: 1, maxLength: 300, example: 'Beaconhouse National University, Lahore' },
    form: { label: 'Venue', input: 'text', words: 'the venue' },
  })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  venue?: string;
}

export class HeldData {
  @EventField({
    required: true,
    api: { type: String, minLength: 1, maxLength: 10000, example: 'Lecture delivered to 120 students and faculty.' },
    form: { label: 'Report', input: 'textarea', words: 'a report' },
  })
  @IsString()
  @Length(1, 10000)
  report: string;

  @EventField({
    required: false,
    api: { type: 'integer', minimum: 0, maximum: 1_000_000, example: 120 },
    form: { label: 'Attendance', input: 'number', words: 'the attendance' },
  })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  attendance?: number;
}

/** What an event carries besides its type: the one schema the API validates, OpenAPI documents and the web's forms ask for. */
export interface EventSchema {
  /** The class `data` is validated as; without one the event takes no data. */
  data?: DataClass;
  /** The workflow refuses the event without a comment. */
  needsComment?: boolean;
  /** Labels this event's form gives fields of a class it shares with another event, by path. */
  labels?: Record<string, string>;
}

/**
 * Every event of the published workflows. Their `meta.requires` must name exactly the required
 * fields here (a test checks it): a committed definition never changes, so this follows it.
 */
export const EVENT_SCHEMAS: Record<string, EventSchema> = {
  SHARE_DRAFT: { data: ShareDraftData },
  AGREE_TEXT: { data: AgreeTextData },
  RECORD_SIGNATURE: { data: SignatureData },
  RECORD_EXISTING: { data: RecordExistingData },
  RENEW: { data: RenewData },
  PLAN_DELIVERY: { data: DeliveryPeriodData },
  APPROVE: { data: ApproveData },
  SCHEDULE: { data: ScheduleData },
  POSTPONE: { data: ScheduleData, labels: { 'data.date': 'New date' } },
  BRING_FORWARD: { data: ScheduleData, labels: { 'data.date': 'New date' } },
  MARK_HELD: { data: HeldData },
  SUBMIT_FOR_APPROVAL: {},
  WITHDRAW: {},
  REQUEST_CHANGES: { data: DecisionData, needsComment: true },
  REJECT: { data: DecisionData, needsComment: true },
  TERMINATE: { needsComment: true },
  CANCEL: { needsComment: true },
  COMPLETE: {},
  REOPEN: {},
};

/** A field of an event as a form shows it. */
export type FormField = FieldForm & { path: string; required: boolean };

const COMMENT: FieldForm = { label: 'Comment', input: 'textarea', words: 'a comment' };

function schemaOf(type: string): EventSchema | undefined {
  return Object.hasOwn(EVENT_SCHEMAS, type) ? EVENT_SCHEMAS[type] : undefined;
}

/** The fields of an event: its data's leaves, then the comment every event may carry. */
export function eventFields(type: string): DataField[] {
  const schema = schemaOf(type);
  const data = schema?.data ? dataFields(schema.data) : [];
  const labelled = data.map((field) =>
    field.form && schema?.labels?.[field.path] ? { ...field, form: { ...field.form, label: schema.labels[field.path] } } : field,
  );
  return [...labelled, { path: 'comment', required: schema?.needsComment === true, form: COMMENT, words: COMMENT.words }];
}

/** What the workflow refuses the event without, as its definitions' `meta.requires` name them. */
export function requiredPaths(type: string): string[] {
  return eventFields(type)
    .filter((field) => field.required)
    .map((field) => field.path);
}

/** Whether a form can ask for everything the event needs; RECORD_EXISTING's list of signatures is sent through the API (or the import), not a form. */
export function hasForm(type: string): boolean {
  const fields = eventFields(type);
  const asked = (path: string | undefined) => fields.some((field) => field.path === path && field.form !== undefined);
  return fields.every((field) => !field.required || field.form !== undefined || asked(field.filledFrom));
}

/** The fields a form shows for the event, in order. */
export function formFields(type: string): FormField[] {
  return eventFields(type).flatMap(({ path, required, form }) => (form ? [{ ...form, path, required: form.upload?.required ?? required }] : []));
}

const everyField = Object.keys(EVENT_SCHEMAS).flatMap(formFields);
const everyWord = new Map(
  Object.keys(EVENT_SCHEMAS).flatMap((type) => eventFields(type).flatMap(({ path, words }) => (words ? [[path, words] as const] : []))),
);

/** How a refusal names a missing field: `data.expiresOn` as "the expiry date". */
export function fieldWords(path: string): string | undefined {
  return everyWord.get(path);
}

/** The paths a form sends as whole numbers. */
export const NUMBER_PATHS: ReadonlySet<string> = new Set(everyField.filter((field) => field.input === 'number').map((field) => field.path));

/** OpenAPI's account of `comment`: which events need one. */
export function commentWords(): string {
  const needing = Object.keys(EVENT_SCHEMAS).filter((type) => EVENT_SCHEMAS[type].needsComment);
  return `Needed by ${needing.slice(0, -1).join(', ')} and ${needing.at(-1)}; leave it out for no comment (null is refused).`;
}

/** The classes of every event's data, each a schema of the OpenAPI document. */
export const DATA_CLASSES: DataClass[] = [...new Set(Object.values(EVENT_SCHEMAS).flatMap(({ data }) => (data ? [data] : [])))];

/** OpenAPI's account of `data`: each event's own fields, events of the same shape together, and the schemas that state them in full. */
export function dataWords(): string {
  const shapes = DATA_CLASSES.map((shape) => {
    const types = Object.keys(EVENT_SCHEMAS).filter((type) => EVENT_SCHEMAS[type].data === shape);
    return `${types.join('/')} ${shapeWords(shape)}`;
  });
  return `The event's own fields: ${shapes.join('; ')}. Their schemas: ${DATA_CLASSES.map((shape) => shape.name).join(', ')}.`;
}

function messages(errors: ValidationError[], prefix = 'data'): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}).map((m) => `${prefix}.${m}`), ...messages(e.children ?? [], `${prefix}.${e.property}`)]);
}

/** Validates `data` against its event's shape; unknown fields are refused and never stored. */
export function validateEventData(type: string, data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const shape = schemaOf(type)?.data;
  if (data === undefined) return undefined;
  if (!shape) {
    if (Object.keys(data).length === 0) return undefined;
    throw new DomainError('VALIDATION_FAILED', `${type} takes no data`, { errors: [`data must be empty for ${type}`] });
  }
  const instance = plainToInstance(shape, data);
  // A missing field is the workflow's to refuse (meta.requires, 422); a wrong or unknown one is refused here (400).
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, skipMissingProperties: true });
  if (errors.length > 0) {
    const list = messages(errors);
    throw new DomainError('VALIDATION_FAILED', list.join('; '), { errors: list });
  }
  return JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
}

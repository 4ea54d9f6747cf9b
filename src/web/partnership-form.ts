import { ACTIVITY_KINDS } from '../partnerships/dto/partnership.dto.js';
import type { ProposedActivity } from '../partnerships/partnership.entity.js';
import { clearableField, field, integerField, rowsFor, type FormBody } from './web-forms.js';

/** Blank rows of proposed activities a form offers beyond those filled in; blank rows are ignored. */
const SPARE_ACTIVITY_ROWS = 2;
/** As many as CreatePartnershipDto takes. */
export const MAX_ACTIVITY_ROWS = 20;
export { ACTIVITY_KINDS };

const TEXT_FIELDS = ['title', 'organizationId', 'summary', 'programme', 'focalPoint', 'notes'] as const;
const NUMBER_FIELDS = ['requiredApprovals', 'approvalSlaDays'] as const;
/** The details stored as null when there are none, which an edit clears by emptying them. */
const CLEARABLE_FIELDS: readonly string[] = ['summary', 'programme', 'focalPoint', 'notes'];

/** One activity of a form (`<prefix>.title`, `.kind`, `.frequency`, `.month`, `.day`, `.startsOn`), in the shape of ProposedActivityDto. */
export function activityFieldsOf(body: FormBody, prefix: string): Record<string, unknown> {
  const recurrence: Record<string, unknown> = { frequency: field(body, `${prefix}.frequency`) ?? 'yearly' };
  for (const part of ['month', 'day'] as const) {
    const value = integerField(body, `${prefix}.${part}`);
    if (value !== undefined) recurrence[part] = value;
  }
  const startsOn = field(body, `${prefix}.startsOn`);
  return { kind: field(body, `${prefix}.kind`) ?? 'other', title: field(body, `${prefix}.title`), recurrence, ...(startsOn ? { startsOn } : {}) };
}

/**
 * The activities of a form that have a title but no first date: neither a day (`startsOn`) nor a
 * month and a day. The API would start such a series on the first of the term's month, which is
 * seldom the day meant, so the forms ask for it instead of guessing.
 */
export function undatedActivities(body: FormBody, prefixes: string[]): string[] {
  return prefixes
    .filter((prefix) => field(body, `${prefix}.title`) !== undefined)
    .filter(
      (prefix) =>
        field(body, `${prefix}.startsOn`) === undefined && (field(body, `${prefix}.month`) === undefined || field(body, `${prefix}.day`) === undefined),
    )
    .map(
      (prefix) =>
        `Give “${field(body, `${prefix}.title`)}” its first date: the month and day it falls on${field(body, `${prefix}.frequency`) === 'once' ? '' : ' each year'}`,
    );
}

/** The prefixes of the proposal form's activity rows. */
export const ACTIVITY_ROW_PREFIXES = Array.from({ length: MAX_ACTIVITY_ROWS }, (_, i) => `activity.${i}`);

/** Whether the form carried rows of proposed activities at all: it does not where the state no longer lets anyone edit them. */
function hasActivityRows(body: FormBody): boolean {
  return Object.keys(body).some((name) => /^activity\.\d+\.title$/.test(name));
}

/** The proposed activities of the proposal form; a row whose title is empty is dropped. */
function activityRows(body: FormBody): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < MAX_ACTIVITY_ROWS; i += 1) {
    if (field(body, `activity.${i}.title`) !== undefined) rows.push(activityFieldsOf(body, `activity.${i}`));
  }
  return rows;
}

/**
 * A required field the edit form carried: emptied, it is sent as '' so that validation refuses it
 * (400, the typed values kept) instead of the form dropping it as if it were unchanged.
 */
function requiredField(body: FormBody, name: string): string | undefined {
  return body[name] === undefined ? undefined : (field(body, name) ?? '');
}

/**
 * The fields of the proposal form among `allowed`, in the shape of the API's partnership DTOs.
 * Empty text fields are left out, as the API's optional fields are; with `clear` (the edit form),
 * an emptied clearable field is null instead, as a PATCH clears it, and an emptied required one
 * is '' (refused).
 */
export function partnershipFieldsOf(body: FormBody, allowed: readonly string[], options: { clear?: boolean } = {}): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const name of TEXT_FIELDS) {
    if (!allowed.includes(name)) continue;
    const value = !options.clear ? field(body, name) : CLEARABLE_FIELDS.includes(name) ? clearableField(body, name) : requiredField(body, name);
    if (value !== undefined) plain[name] = value;
  }
  for (const name of NUMBER_FIELDS) if (allowed.includes(name) && field(body, name) !== undefined) plain[name] = integerField(body, name);
  if (allowed.includes('proposedActivities') && hasActivityRows(body)) plain.proposedActivities = activityRows(body);
  return plain;
}

/** The form's values for a partnership as stored, so the edit form starts from what is there. */
export function partnershipFormValues(p: {
  title: string;
  organizationId: string;
  summary: string | null;
  programme: string | null;
  focalPoint: string | null;
  notes: string | null;
  requiredApprovals: number;
  approvalSlaDays: number;
  proposedActivities: ProposedActivity[];
}): FormBody {
  const values: FormBody = {
    title: p.title,
    organizationId: p.organizationId,
    summary: p.summary ?? '',
    programme: p.programme ?? '',
    focalPoint: p.focalPoint ?? '',
    notes: p.notes ?? '',
    requiredApprovals: String(p.requiredApprovals),
    approvalSlaDays: String(p.approvalSlaDays),
  };
  p.proposedActivities.forEach((a, i) => {
    Object.assign(values, {
      [`activity.${i}.kind`]: a.kind,
      [`activity.${i}.title`]: a.title,
      [`activity.${i}.frequency`]: a.recurrence.frequency,
      [`activity.${i}.month`]: a.recurrence.month === undefined ? '' : String(a.recurrence.month),
      [`activity.${i}.day`]: a.recurrence.day === undefined ? '' : String(a.recurrence.day),
      [`activity.${i}.startsOn`]: a.startsOn ?? '',
    });
  });
  return values;
}

/** Rows of proposed activities up to the last filled-in one, plus a few blank ones. */
export function activityRowsFor(values: FormBody): number {
  return rowsFor(values, 'activity', 'title', SPARE_ACTIVITY_ROWS, MAX_ACTIVITY_ROWS);
}

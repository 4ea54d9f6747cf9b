import type { EngagementView } from '../engagements/engagements.service.js';
import { clearableField, field, fieldList, requiredField, type FormBody } from './web-forms.js';

const REQUIRED_FIELDS = ['kind', 'title', 'startsOn'] as const;
const OPTIONAL_FIELDS = ['endsOn', 'place', 'notes', 'parentId'] as const;
/** The lists the form chooses from; the order of a multiple choice is the page's, so only which ids are chosen counts as a change. */
export const ENGAGEMENT_LIST_FIELDS = ['organizationIds', 'attendeeIds', 'staffIds', 'partnershipIds'] as const;

/**
 * The engagement form in the shape of the API's engagement DTOs. Empty optional fields are left
 * out, or, with `clear` (the edit form), sent as null, as a PATCH clears them; there an emptied
 * required field is sent empty, to be refused with the rest.
 */
export function engagementFieldsOf(body: FormBody, options: { clear?: boolean } = {}): Record<string, unknown> {
  const optional = Object.fromEntries(
    OPTIONAL_FIELDS.flatMap((name) => {
      const value = options.clear ? clearableField(body, name) : field(body, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const lists = Object.fromEntries(ENGAGEMENT_LIST_FIELDS.map((name) => [name, fieldList(body, name)]));
  const required = Object.fromEntries(REQUIRED_FIELDS.map((name) => [name, options.clear ? requiredField(body, name) : field(body, name)]));
  return { ...required, ...optional, ...lists };
}

/** The form's values for an engagement as stored, so the edit form starts from what is there. */
export function engagementFormValues(e: EngagementView): FormBody {
  return {
    kind: e.kind,
    title: e.title,
    startsOn: e.startsOn,
    endsOn: e.endsOn ?? '',
    place: e.place ?? '',
    notes: e.notes ?? '',
    parentId: e.parentId ?? '',
    organizationIds: e.organizations.map((o) => o.id),
    attendeeIds: e.attendees.map((p) => p.id),
    staffIds: e.staff.map((s) => s.id),
    partnershipIds: e.partnerships.map((p) => p.id),
  };
}

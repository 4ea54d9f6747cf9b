import { MAX_AFFILIATIONS } from '../people/dto/person.dto.js';
import type { PersonView } from '../people/people.service.js';
import { clearableField, field, requiredField, rowsFor, type FormBody } from './web-forms.js';

/** Blank affiliation rows a form offers beyond those filled in; a row with no organization chosen is dropped. */
const SPARE_AFFILIATION_ROWS = 1;
const OPTIONAL_FIELDS = ['email', 'phone', 'notes'] as const;

/**
 * The person form in the shape of the API's person DTOs. Empty optional fields are left out, or,
 * with `clear` (the edit form), sent as null, as a PATCH clears them; there an emptied name is sent
 * empty, to be refused with the rest.
 */
export function personFieldsOf(body: FormBody, options: { clear?: boolean } = {}): Record<string, unknown> {
  const affiliations = [];
  for (let i = 0; i < MAX_AFFILIATIONS; i += 1) {
    const organizationId = field(body, `affiliation.${i}.organizationId`);
    if (organizationId === undefined) continue;
    const title = field(body, `affiliation.${i}.title`);
    affiliations.push({ organizationId, ...(title ? { title } : {}) });
  }
  const optional = Object.fromEntries(
    OPTIONAL_FIELDS.flatMap((name) => {
      const value = options.clear ? clearableField(body, name) : field(body, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  return { name: options.clear ? requiredField(body, 'name') : field(body, 'name'), ...optional, affiliations };
}

/** The form's values for a person as stored, so the edit form starts from what is there. */
export function personFormValues(p: PersonView): FormBody {
  const values: FormBody = { name: p.name, email: p.email ?? '', phone: p.phone ?? '', notes: p.notes ?? '' };
  p.affiliations.forEach((a, i) => {
    Object.assign(values, { [`affiliation.${i}.organizationId`]: a.organizationId, [`affiliation.${i}.title`]: a.title ?? '' });
  });
  return values;
}

/** Affiliation rows up to the last filled-in one, plus a blank one. */
export function affiliationRowsFor(values: FormBody): number {
  return rowsFor(values, 'affiliation', 'organizationId', SPARE_AFFILIATION_ROWS, MAX_AFFILIATIONS);
}

import type { Organization } from '../organizations/organization.entity.js';
import { clearableField, field, rowsFor, type FormBody } from './web-forms.js';

/** Blank contact rows a form offers beyond those filled in; a row whose name is left empty is dropped. */
const SPARE_CONTACT_ROWS = 3;
/** As many as the organization DTOs take. */
const MAX_CONTACT_ROWS = 50;
const OPTIONAL_FIELDS = ['city', 'website'] as const;

/**
 * The organization form in the shape of the API's organization DTOs. Empty optional fields are left
 * out, or, with `clear` (the edit form), sent as null, as a PATCH clears them.
 */
export function organizationFieldsOf(body: FormBody, options: { clear?: boolean } = {}): Record<string, unknown> {
  const contacts = [];
  for (let i = 0; i < MAX_CONTACT_ROWS; i += 1) {
    const name = field(body, `contact.${i}.name`);
    if (name === undefined) continue;
    const title = field(body, `contact.${i}.title`);
    const email = field(body, `contact.${i}.email`);
    contacts.push({ name, ...(title ? { title } : {}), ...(email ? { email } : {}) });
  }
  const optional = Object.fromEntries(
    OPTIONAL_FIELDS.flatMap((name) => {
      const value = options.clear ? clearableField(body, name) : field(body, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  return { name: field(body, 'name'), kind: field(body, 'kind'), country: field(body, 'country'), ...optional, contacts };
}

/** The form's values for an organization as stored, so the edit form starts from what is there. */
export function organizationFormValues(o: Organization): FormBody {
  const values: FormBody = { name: o.name, kind: o.kind, country: o.country, city: o.city ?? '', website: o.website ?? '' };
  o.contacts.forEach((c, i) => {
    Object.assign(values, { [`contact.${i}.name`]: c.name, [`contact.${i}.title`]: c.title ?? '', [`contact.${i}.email`]: c.email ?? '' });
  });
  return values;
}

/** Contact rows up to the last filled-in one, plus a few blank ones. */
export function contactRowsFor(values: FormBody): number {
  return rowsFor(values, 'contact', 'name', SPARE_CONTACT_ROWS, MAX_CONTACT_ROWS);
}

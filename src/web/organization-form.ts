import type { Organization } from '../organizations/organization.entity.js';
import { clearableField, field, postedRows, rowsFor, type FormBody } from './web-forms.js';

/** Blank contact rows a form offers beyond those filled in ("Add another contact" gives more); a row whose name is left empty is dropped. */
const SPARE_CONTACT_ROWS = 1;
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

/** The contact rows of a form: up to the last filled-in one plus a blank one, at most as many as an organization takes. */
export interface ContactRows {
  count: number;
  /** The row just added by "Add another contact", whose name field takes the focus; null otherwise. */
  added: number | null;
  /** Whether another row may be added. */
  more: boolean;
}

/** Contact rows for these values; with `addRow=contact` (the "Add another contact" button), one more than the form posted. */
export function contactRowsFor(values: FormBody): ContactRows {
  const filled = rowsFor(values, 'contact', 'name', SPARE_CONTACT_ROWS, MAX_CONTACT_ROWS);
  const adding = addsContactRow(values);
  const count = adding ? Math.min(MAX_CONTACT_ROWS, Math.max(filled, postedRows(values, 'contact') + 1)) : filled;
  return { count, added: adding && count > postedRows(values, 'contact') ? count - 1 : null, more: count < MAX_CONTACT_ROWS };
}

/**
 * The form was sent by "Add another contact": it comes back with one more row, what was typed kept,
 * and nothing is saved. That works with no script; with htmx, only the form is swapped, and the new
 * row's `autofocus` puts the focus where the person types next either way.
 */
export function addsContactRow(body: FormBody): boolean {
  return field(body, 'addRow') === 'contact';
}

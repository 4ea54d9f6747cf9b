import { EVENT_SCHEMAS, formFields, hasForm, NUMBER_PATHS, type FormField } from '../common/http/event-data.dto.js';
import type { WorkflowLabels } from '../workflow-engine/workflow-registry.js';
import { field, integerField, type FormBody } from './web-forms.js';

export interface EventForm {
  type: string;
  label: string;
  fields: FormField[];
  /** Ends the partnership or the occurrence, or turns a proposal down: shown apart, in a warning colour. */
  closing: boolean;
}

/** The fields of every event form that take a file (`data.documentId`). */
export const EVENT_FILE_FIELDS: readonly string[] = [
  ...new Set(Object.keys(EVENT_SCHEMAS).flatMap((type) => formFields(type).flatMap((f) => (f.input === 'file' ? [f.path] : [])))),
];

/** The field a form shown again carries the name of a document it kept in: the file was uploaded, and the browser cannot choose it again. */
export const keptName = (path: string) => `kept.${path}`;

const CLOSING = new Set(['WITHDRAW', 'REJECT', 'TERMINATE', 'CANCEL']);

/** The form of each event this user may send now, titled by the workflow's labels, with the fields its schema gives it. */
export function eventForms(events: string[], labels: WorkflowLabels): EventForm[] {
  // Ordinary steps first; those that end or turn down come last.
  const ordered = events.filter(hasForm).sort((a, b) => Number(CLOSING.has(a)) - Number(CLOSING.has(b)));
  return ordered.map((type) => ({ type, label: labels.events[type]?.title ?? type, fields: formFields(type), closing: CLOSING.has(type) }));
}

/** `{type, comment, data}` of an event form, in the shape the API's SendEventDto takes. */
export function eventRequestOf(body: FormBody): { type: string | undefined; comment: string | undefined; data: Record<string, unknown> | undefined } {
  const data: Record<string, unknown> = {};
  for (const name of Object.keys(body)) {
    if (!name.startsWith('data.')) continue;
    const value = NUMBER_PATHS.has(name) ? integerField(body, name) : field(body, name);
    if (value === undefined) continue;
    const keys = name.split('.').slice(1);
    // Only plain field names: `data.__proto__.x` must not reach Object.prototype.
    if (!keys.every((key) => /^[a-zA-Z][a-zA-Z0-9]*$/.test(key) && key !== 'constructor')) continue;
    let target = data;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]] = value;
  }
  return { type: field(body, 'type'), comment: field(body, 'comment'), data: Object.keys(data).length ? data : undefined };
}

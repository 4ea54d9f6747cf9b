import type { WorkflowEngine } from '../workflow-engine/engine.js';
import type { WorkflowDefinition } from '../workflow-engine/workflow.types.js';
import { field, integerField, type FormBody } from './web-forms.js';

export type InputKind = 'text' | 'textarea' | 'date' | 'sha256' | 'url' | 'party' | 'number';

export interface FieldSpec {
  /** The payload path the value goes to, as `meta.requires` names it; also the form field's name. */
  path: string;
  label: string;
  input: InputKind;
  hint?: string;
}

export interface EventForm {
  type: string;
  label: string;
  fields: Array<FieldSpec & { required: boolean }>;
  /** Ends the partnership or the occurrence, or turns a proposal down: shown apart, in a warning colour. */
  closing: boolean;
}

const COMMENT: FieldSpec = { path: 'comment', label: 'Comment', input: 'textarea' };
const DATE_VENUE: FieldSpec[] = [
  { path: 'data.date', label: 'Date', input: 'date' },
  { path: 'data.venue', label: 'Venue', input: 'text' },
];

/** The fields of each event's `data` (SPEC, "Shapes"); the definition's `meta.requires` says which are required. */
const EVENT_FIELDS: Record<string, FieldSpec[]> = {
  SHARE_DRAFT: [
    { path: 'data.document.name', label: 'Document name', input: 'text' },
    { path: 'data.document.sha256', label: 'SHA-256 of the document', input: 'sha256', hint: '64 hexadecimal characters; choose the file below to compute it in your browser (the file is not uploaded).' },
    { path: 'data.document.url', label: 'Link to the document', input: 'url' },
  ],
  AGREE_TEXT: [
    { path: 'data.effectiveFrom', label: 'Takes effect on', input: 'date' },
    { path: 'data.expiresOn', label: 'Expires on', input: 'date' },
  ],
  RECORD_SIGNATURE: [
    { path: 'data.party', label: 'Party', input: 'party' },
    { path: 'data.signatory', label: 'Signatory', input: 'text', hint: 'Name and title of the person who signed.' },
    { path: 'data.signedOn', label: 'Signed on', input: 'date' },
  ],
  RENEW: [{ path: 'data.expiresOn', label: 'New expiry date', input: 'date' }],
  SCHEDULE: DATE_VENUE,
  POSTPONE: DATE_VENUE.map((f) => (f.path === 'data.date' ? { ...f, label: 'New date' } : f)),
  MARK_HELD: [
    { path: 'data.report', label: 'Report', input: 'textarea' },
    { path: 'data.attendance', label: 'Attendance', input: 'number' },
  ],
};

const CLOSING = new Set(['WITHDRAW', 'REJECT', 'TERMINATE', 'CANCEL']);

export function eventWords(type: string): string {
  const words = type.toLowerCase().replace(/_/g, ' ');
  return words[0].toUpperCase() + words.slice(1);
}

/** The form of each event this user may send now: its fields, required as the definition says. */
export function eventForms(engine: WorkflowEngine, definition: WorkflowDefinition, state: string, events: string[]): EventForm[] {
  // Ordinary steps first; those that end or turn down come last.
  const ordered = [...events].sort((a, b) => Number(CLOSING.has(a)) - Number(CLOSING.has(b)));
  return ordered.map((type) => {
    const requires = engine.transitionOf(definition, state, type)?.meta?.requires ?? [];
    const fields = [...(EVENT_FIELDS[type] ?? []), COMMENT].map((spec) => ({ ...spec, required: requires.includes(spec.path) }));
    return { type, label: eventWords(type), fields, closing: CLOSING.has(type) };
  });
}

/** `{type, comment, data}` of an event form, in the shape the API's SendEventDto takes. */
export function eventRequestOf(body: FormBody): { type: string | undefined; comment: string | undefined; data: Record<string, unknown> | undefined } {
  const data: Record<string, unknown> = {};
  for (const name of Object.keys(body)) {
    if (!name.startsWith('data.')) continue;
    const value = name === 'data.attendance' ? integerField(body, name) : field(body, name);
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

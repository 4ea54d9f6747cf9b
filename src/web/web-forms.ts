import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DomainError } from '../common/domain-error.js';
import { parseIfMatch } from '../common/http/if-match.js';
import { inputProblem } from '../common/http/request-input.js';
import type { Refusal } from './refusal-words.js';

/** A submitted form as Express parses it: flat names, string values (or lists for repeated names). */
export type FormBody = Record<string, string | string[] | undefined>;

/** A form a page shows again after a refusal: which one, what was typed, and why it was refused. */
export interface FailedForm {
  form: string;
  values: FormBody;
  refusal: Refusal;
}

/** What a page shows above its forms after a post: what was done, or which form was refused. */
export interface FormOutcome {
  done?: string | null;
  failed?: FailedForm;
}

/** A trimmed single value, or undefined when the field was left empty. */
export function field(body: FormBody, name: string): string | undefined {
  const raw = body[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A field the person may empty to clear what is stored: null when it was sent empty (a JSON Merge
 * Patch null, which clears it), undefined when the form did not carry it at all.
 */
export function clearableField(body: FormBody, name: string): string | null | undefined {
  return body[name] === undefined ? undefined : (field(body, name) ?? null);
}

/**
 * A field an edit form must not leave empty: undefined when the form did not carry it (a PATCH leaves
 * it as it is), and '' when it was sent empty, so that validation refuses it rather than skip it.
 */
export function requiredField(body: FormBody, name: string): string | undefined {
  return body[name] === undefined ? undefined : (field(body, name) ?? '');
}

/** The version a form was rendered from, as If-Match carries it for the API: stale forms are refused, not merged. */
export function versionOf(body: FormBody): number {
  return parseIfMatch(field(body, 'version'));
}

/** Every value a repeated field (checkboxes) sent. */
export function fieldList(body: FormBody, name: string): string[] {
  const raw = body[name];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v) => v !== '');
}

export function integerField(body: FormBody, name: string): number | string | undefined {
  const value = field(body, name);
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : value;
}

/**
 * The submitted fields whose value differs from what is stored: only what the person changed is sent.
 * The lists named `unordered` are sets (a multiple choice sends them in the page's order): the same ids in another order are no change.
 */
export function changedFields(
  current: Record<string, unknown>,
  submitted: Record<string, unknown>,
  unordered: readonly string[] = [],
): Record<string, unknown> {
  const comparable = (name: string, value: unknown) =>
    JSON.stringify(unordered.includes(name) && Array.isArray(value) ? [...(value as string[])].sort() : value);
  return Object.fromEntries(Object.entries(submitted).filter(([name, value]) => comparable(name, value) !== comparable(name, current[name])));
}

/** How many rows of `prefix` the form posted, blank ones included. */
export function postedRows(body: FormBody, prefix: string): number {
  const pattern = new RegExp(`^${prefix}\\.(\\d+)\\.`);
  return Math.max(0, ...Object.keys(body).map((name) => Number(pattern.exec(name)?.[1] ?? -1) + 1));
}

/** How many numbered rows (`<prefix>.<i>.<key>`) a form offers: up to the last one filled in, plus `spare` blank ones, at most `max`. */
export function rowsFor(values: FormBody, prefix: string, key: string, spare: number, max: number): number {
  const pattern = new RegExp(`^${prefix}\\.(\\d+)\\.${key}$`);
  const filled = Object.keys(values)
    .map((name) => pattern.exec(name))
    .filter((match) => match !== null && field(values, match[0]) !== undefined)
    .map((match) => Number(match![1]) + 1);
  return Math.min(max, Math.max(0, ...filled) + spare);
}

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => (prefix ? `${prefix}${e.property}: ${m}` : m)),
    ...messages(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}

/**
 * Checks what a form built against the API's own DTO, with the options of the API's global
 * ValidationPipe, so a page accepts exactly what the API accepts.
 */
export function validDto<T extends object>(type: new () => T, plain: Record<string, unknown>, formProblems: string[] = []): T {
  // What a page builds from a form's text (a mapping's keys) gets the check the API gives every body first: class-transformer fails on a `constructor` key.
  const problem = inputProblem(plain);
  if (problem) throw new DomainError('VALIDATION_FAILED', problem, { errors: [problem] });
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  // What the form itself asks for beyond the API (a first date for each activity) is refused with the rest, all at once.
  if (errors.length > 0 || formProblems.length > 0) {
    const list = [...messages(errors), ...formProblems];
    throw new DomainError('VALIDATION_FAILED', list.join('; '), { errors: list });
  }
  return instance;
}

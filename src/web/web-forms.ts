import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DomainError } from '../common/domain-error.js';

/** A submitted form as Express parses it: flat names, string values (or lists for repeated names). */
export type FormBody = Record<string, string | string[] | undefined>;

/** A trimmed single value, or undefined when the field was left empty. */
export function field(body: FormBody, name: string): string | undefined {
  const raw = body[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
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
export function validDto<T extends object>(type: new () => T, plain: Record<string, unknown>): T {
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const list = messages(errors);
    throw new DomainError('VALIDATION_FAILED', list.join('; '), { errors: list });
  }
  return instance;
}

import { buildMessage, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIsoDate } from '../dates.js';

/** May be left out, but not sent as null (400): for fields whose stored value is never null. */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_dto: object, value: unknown) => value !== undefined);
}

/** A real calendar date written YYYY-MM-DD: the pattern alone lets 2026-02-30 and 9999-99-99 through. */
export function IsIsoDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isIsoDate', validator: { validate: isIsoDate, defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options) } }, options);
}

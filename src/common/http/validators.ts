import { buildMessage, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIsoDate } from '../dates.js';
import { BIDI_CONTROLS } from './request-input.js';

/** May be left out, but not sent as null (400): for fields whose stored value is never null. */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_dto: object, value: unknown) => value !== undefined);
}

/** A real calendar date written YYYY-MM-DD: the pattern alone lets 2026-02-30 and 9999-99-99 through. */
export function IsIsoDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isIsoDate', validator: { validate: isIsoDate, defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options) } }, options);
}

/**
 * For single-line text (titles, names): no bidirectional embedding, override or isolate
 * (U+202A–U+202E, U+2066–U+2069), which can make a title read in another order than it is stored
 * ("report\u202Eexe.pdf" shows as "reportfdp.exe"). Multi-line text (a summary) may quote right-to-left text.
 */
export function NoBidiControls(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noBidiControls',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !BIDI_CONTROLS.test(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069): they can make it read in another order than it is stored`,
          options,
        ),
      },
    },
    options,
  );
}

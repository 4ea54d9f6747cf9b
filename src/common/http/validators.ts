import { buildMessage, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIsoDate } from '../dates.js';
import { BIDI_CONTROLS } from './request-input.js';

/** A query's `true` and `false` as booleans; anything else is left for `@IsBoolean()` to refuse. */
export const queryBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

/** May be left out, but not sent as null (400): for fields whose stored value is never null. */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_dto: object, value: unknown) => value !== undefined);
}

/** A real calendar date written YYYY-MM-DD: the pattern alone lets 2026-02-30 and 9999-99-99 through. */
export function IsIsoDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isIsoDate', validator: { validate: isIsoDate, defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options) } },
    options,
  );
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
          (each) =>
            `${each}$property must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069): they can make it read in another order than it is stored`,
          options,
        ),
      },
    },
    options,
  );
}

/** The longest each month is in every year: February has 29 days only in leap years. */
const DAYS_EVERY_YEAR = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A day of the month that exists every year in the month named by the sibling property
 * `monthProperty`, or, without one, in every month: a yearly 31 February or 29 February would
 * otherwise have to be moved to another day without anyone saying so.
 */
export function IsDayOfEveryYear(monthProperty: string, options?: ValidationOptions): PropertyDecorator {
  const monthOf = (object: object): number | undefined => {
    const month = (object as Record<string, unknown>)[monthProperty];
    return typeof month === 'number' && Number.isInteger(month) && month >= 1 && month <= 12 ? month : undefined;
  };
  return ValidateBy(
    {
      name: 'isDayOfEveryYear',
      validator: {
        validate: (day, args) => {
          if (typeof day !== 'number') return true;
          const month = args ? monthOf(args.object) : undefined;
          return day <= (month === undefined ? Math.min(...DAYS_EVERY_YEAR) : DAYS_EVERY_YEAR[month - 1]);
        },
        defaultMessage: (args) => {
          const month = args ? monthOf(args.object) : undefined;
          if (month === undefined) {
            return `${args?.property ?? 'day'} ${String(args?.value)} does not exist in every month (without a ${monthProperty}, the month the term starts is used): pick a day from 1 to 28, or name the ${monthProperty}`;
          }
          return `${args?.property ?? 'day'} ${String(args?.value)} does not exist every year in ${MONTH_NAMES[month - 1]}: pick a day from 1 to ${DAYS_EVERY_YEAR[month - 1]}`;
        },
      },
    },
    options,
  );
}

import { isIsoDate } from '../common/dates.js';
import type { Recurrence } from './activity-series.entity.js';

export interface Term {
  number: number;
  effectiveFrom: string;
  expiresOn: string;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dateIn(year: number, month: number, day: number): string {
  const clamped = Math.min(day, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(clamped).padStart(2, '0')}`;
}

/**
 * The due dates of a series within one term. Yearly: every year of the term, in the given month
 * (default: the month the term starts) and day (default 1; a new series names a day that exists
 * every year, one stored before that rule is clamped to the month's length). Once:
 * `startsOn`, or the first month/day on or after the term's start, or the start itself.
 */
export function dueDatesInTerm(recurrence: Recurrence, startsOn: string | null, term: Term): string[] {
  const from = isIsoDate(startsOn) && startsOn > term.effectiveFrom ? startsOn : term.effectiveFrom;
  const inTerm = (date: string) => date >= from && date <= term.expiresOn;
  const startYear = Number(term.effectiveFrom.slice(0, 4));
  const endYear = Number(term.expiresOn.slice(0, 4));
  const month = recurrence.month ?? Number(term.effectiveFrom.slice(5, 7));
  const day = recurrence.day ?? 1;
  if (recurrence.frequency === 'once') {
    if (isIsoDate(startsOn)) return inTerm(startsOn) ? [startsOn] : [];
    if (recurrence.month === undefined) return [from];
    for (let year = startYear; year <= endYear; year += 1) {
      const date = dateIn(year, month, day);
      if (inTerm(date)) return [date];
    }
    return [];
  }
  const dates: string[] = [];
  for (let year = startYear; year <= endYear; year += 1) {
    const date = dateIn(year, month, day);
    if (inTerm(date)) dates.push(date);
  }
  return dates;
}

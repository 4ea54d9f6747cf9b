import { DAY_MS } from './clock.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_RE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** Midnight UTC at the start of a `YYYY-MM-DD` date, in epoch milliseconds. */
export function startOfDate(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

export function addDaysToDate(date: string, days: number): string {
  return new Date(startOfDate(date) + days * DAY_MS).toISOString().slice(0, 10);
}

export function dateOf(instant: string | Date): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/** The same day `years` later; 29 February becomes 28 February in a year without it. */
export function addYearsToDate(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) + years;
  const [month, day] = [Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  const last = new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${date.slice(5, 7)}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

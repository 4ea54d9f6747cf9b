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

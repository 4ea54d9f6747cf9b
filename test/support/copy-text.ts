import { COPY_COLUMNS } from '../../src/audit/verify/copy-text.js';
import { AUDIT_ROW_COLUMNS, type AuditRow } from '../../src/audit/verify/row-source.js';

const ROW_COLUMNS: readonly string[] = AUDIT_ROW_COLUMNS;
const COPY_ORDER = COPY_COLUMNS.split(', ');

/**
 * A model of PostgreSQL's COPY TO text format (`CopyAttributeOutText`, delimiter tab), for tests:
 * null as `\N`, a backslash and the control characters it names escaped, everything else as is.
 */
export function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  const names: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return String(value).replace(/[\\\b\f\n\r\t\v]/g, (c) => names[c]);
}

/** The COPY line PostgreSQL writes for a row (in COPY_COLUMNS' order), newline included, as UTF-8. */
export function copyLine(row: AuditRow): Buffer {
  return Buffer.from(`${COPY_ORDER.map((column) => copyValue(row[ROW_COLUMNS.indexOf(column)])).join('\t')}\n`, 'utf8');
}

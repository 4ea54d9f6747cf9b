import { isUtf8 } from 'node:buffer';
import { CsvError, parse, type CastingContext } from 'csv-parse/sync';
import type { CellValue } from 'exceljs';
import { fileTypeFromBuffer } from 'file-type';
import { DomainError } from '../../common/domain-error.js';
import { unpacksWithin } from '../../documents/unpacked-size.js';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The most rows under the header one file may hold: an office's register, not a data warehouse (README). */
export const MAX_IMPORT_ROWS = 5000;

/**
 * The most a workbook may unpack to, all its parts together. A workbook is a zip: 108 KB of it held
 * a 100 MB cell, which took 7.3 s to read, and the 25 MB an upload may be could unpack to gigabytes.
 * 5,000 rows of ten filled columns unpack to about 3 MB; past this, 413 before the sheet is read.
 */
export const MAX_WORKBOOK_UNPACKED_BYTES = 20 * 1024 * 1024;

/** One row of a spreadsheet: its number as the spreadsheet shows it (the header is row 1), and its filled cells by column name. */
export interface TableRow {
  row: number;
  cells: Record<string, string>;
  /** Cells beyond the last named column that hold something. */
  extraCells: number;
}

export interface Table {
  columns: string[];
  rows: TableRow[];
}

/**
 * A CSV file (UTF-8 text, comma-separated, quoted as RFC 4180) or an Excel workbook's first sheet,
 * as rows of text under the header row's column names (trimmed, lower-cased). Every cell is read as
 * the text it shows: a formula is kept as its text, never evaluated. 415 for any other file; 422
 * UNREADABLE_FILE when it cannot be read, has no header or no rows; 422 TOO_MANY_ROWS past
 * MAX_IMPORT_ROWS; 413 for a workbook that unpacks past MAX_WORKBOOK_UNPACKED_BYTES.
 */
export async function readTable(bytes: Buffer, name: string): Promise<Table> {
  const signed = await fileTypeFromBuffer(bytes);
  if (signed?.mime === XLSX) return tableOf(await workbookRows(bytes));
  if (signed || !isUtf8(bytes) || bytes.includes(0)) {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${name} is ${signed ? signed.mime : 'not text'}: a CSV file (UTF-8) or an Excel workbook (.xlsx) is taken`,
    );
  }
  return tableOf(csvRows(bytes));
}

/** The file's rows, each with its number in the spreadsheet, header first. */
type NumberedRows = Array<{ row: number; values: string[] }>;

/** The most characters of text one CSV record may hold: many times the longest row the import's fields allow. */
const MAX_CSV_RECORD_CHARS = 64 * 1024;
/** The most cells one CSV record may have: many times the most columns an import names. */
const MAX_CSV_CELLS = 100;

/**
 * Parsing is synchronous: a 25 MB upload of short rows held the event loop for 5 s, and one record
 * of 25 million empty cells for 6.5 s. So the parser stops at the first filled row past the bound,
 * at a record with more than MAX_CSV_CELLS cells or MAX_CSV_RECORD_CHARS of text, rather than
 * reading the whole file first.
 */
function csvRows(bytes: Buffer): NumberedRows {
  let records: string[][];
  let filled = 0;
  try {
    records = parse(bytes, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: MAX_CSV_RECORD_CHARS,
      // Called as each cell is read: the cell is kept as text, as it is without a cast.
      cast: (value: string, context: CastingContext) => {
        if (context.index < MAX_CSV_CELLS) return value;
        throw new DomainError('UNREADABLE_FILE', `line ${context.lines} has more than ${MAX_CSV_CELLS} cells`, {
          reason: 'TOO_MANY_CELLS',
          maxCells: MAX_CSV_CELLS,
        });
      },
      on_record: (record: string[]) => {
        // The header is a filled row too.
        if (record.some((value) => value.trim() !== '') && (filled += 1) > MAX_IMPORT_ROWS + 1) throw tooManyRows();
        return record;
      },
    });
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if (error instanceof CsvError) throw new DomainError('UNREADABLE_FILE', `the CSV file cannot be read: ${error.message}`, { reason: error.code });
    throw error;
  }
  // A record is a row of the spreadsheet, however many lines its quoted cells span.
  return records.map((values, index) => ({ row: index + 1, values }));
}

async function workbookRows(bytes: Buffer): Promise<NumberedRows> {
  // Imported here, at the first workbook read: exceljs holds about 8 MB of the heap, which every process would carry from its start.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    if (!(await unpacksWithin(bytes, MAX_WORKBOOK_UNPACKED_BYTES))) {
      throw new DomainError(
        'PAYLOAD_TOO_LARGE',
        `the workbook unpacks to more than ${MAX_WORKBOOK_UNPACKED_BYTES / (1024 * 1024)} MB: save its rows as CSV, or split it`,
        {
          maxUnpackedBytes: MAX_WORKBOOK_UNPACKED_BYTES,
        },
      );
    }
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('UNREADABLE_FILE', `the workbook cannot be read: ${(error as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new DomainError('UNREADABLE_FILE', 'the workbook has no sheet');
  const rows: NumberedRows = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (rows.length > MAX_IMPORT_ROWS + 1) return;
    const values: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => (values[column - 1] = cellText(cell.value)));
    rows.push({ row: number, values: Array.from(values, (value) => value ?? '') });
  });
  return rows;
}

/** What a cell shows, as text: a formula's own text (from its `=`), never its computed result. */
function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, value.getUTCHours() || value.getUTCMinutes() ? 19 : 10);
  if (typeof value !== 'object') return String(value);
  if ('formula' in value && typeof value.formula === 'string') return `=${value.formula}`;
  if ('sharedFormula' in value && typeof value.sharedFormula === 'string') return `=${value.sharedFormula}`;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('error' in value) return String(value.error);
  return '';
}

const tooManyRows = () =>
  new DomainError('TOO_MANY_ROWS', `a file holds at most ${MAX_IMPORT_ROWS} rows under its header: split it`, { maxRows: MAX_IMPORT_ROWS });

function tableOf(numbered: NumberedRows): Table {
  const [header, ...body] = numbered;
  // The header is the spreadsheet's first row: a sheet whose first filled row is lower names no fields in row 1.
  if (!header || header.row !== 1 || header.values.every((value) => value.trim() === '')) {
    throw new DomainError('UNREADABLE_FILE', 'the first row must name the fields (a header row)');
  }
  const columns = header.values.map((value) => value.trim().toLowerCase());
  const repeated = columns.find((column, index) => column !== '' && columns.indexOf(column) !== index);
  if (repeated) throw new DomainError('UNREADABLE_FILE', `the header names the column "${repeated}" twice`);
  const filled = body.filter(({ values }) => values.some((value) => value.trim() !== ''));
  if (filled.length > MAX_IMPORT_ROWS) throw tooManyRows();
  if (filled.length === 0) throw new DomainError('UNREADABLE_FILE', 'the file has no rows under its header');
  return {
    columns,
    rows: filled.map(({ row, values }) => {
      const cells: Record<string, string> = {};
      let extraCells = 0;
      values.forEach((value, index) => {
        const column = columns[index];
        if (value.trim() === '') return;
        if (column) cells[column] = value.trim();
        else extraCells += 1;
      });
      return { row, cells, extraCells };
    }),
  };
}

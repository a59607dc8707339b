/**
 * Reading a CSV file against a documented column schema (docs/open-data.md): every problem is reported with its
 * line and column, all of them at once, and the caller imports nothing unless there are none. The parsing itself
 * (RFC 4180 quoting, a UTF-8 byte-order mark) is csv-parse's.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { GovflowError, type ErrorDetail } from '../kernel/index.js';

export type ColumnKind = 'text' | 'code' | 'amount' | 'date' | 'year' | 'currency' | 'enum';

export interface ImportColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly required: boolean;
  /** For `enum`. */
  readonly values?: readonly string[];
  readonly description: string;
}

/** A cell as read: amounts in minor units, years as numbers, absent optional cells as null. */
export type Cell = string | number | null;

export interface ImportRow {
  /** Line in the file where the record starts (the header is line 1). */
  readonly line: number;
  readonly cells: Readonly<Record<string, Cell>>;
}

export interface ImportProblem extends ErrorDetail {
  readonly line: number;
  readonly message: string;
}

const CHECKS: Record<ColumnKind, { test: (v: string) => boolean; expected: string }> = {
  text: { test: (v) => v.length <= 500, expected: 'text of at most 500 characters' },
  code: { test: (v) => /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(v), expected: 'an identifier of letters, digits and . _ / - (at most 100)' },
  amount: { test: (v) => /^-?\d{1,13}(\.\d{1,2})?$/.test(v), expected: 'an amount: digits with a point and at most two decimals, no thousands separator (e.g. 1234.50)' },
  date: { test: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), expected: 'a date as YYYY-MM-DD' },
  year: { test: (v) => /^(19|20|21)\d{2}$/.test(v), expected: 'a year as four digits (e.g. 2026)' },
  currency: { test: (v) => /^[A-Z]{3}$/.test(v), expected: 'an ISO 4217 currency code in capitals (e.g. EUR)' },
  enum: { test: () => true, expected: '' },
};

function convert(kind: ColumnKind, value: string): Cell {
  if (kind === 'amount') {
    const [whole, fraction = ''] = value.replace('-', '').split('.');
    const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
    return value.startsWith('-') ? -minor : minor;
  }
  return kind === 'year' ? Number(value) : value;
}

const quoted = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** Parses `text` and checks the header and every cell; returns the rows and every problem found. */
export function readTable(text: string, columns: readonly ImportColumn[]): { rows: ImportRow[]; problems: ImportProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, bom: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 0;
      return { rows: [], problems: [{ line, message: `the file is not valid CSV near line ${line}: ${error.message}` }] };
    }
    throw error;
  }
  const problems: ImportProblem[] = [];
  const first = records[0];
  if (!first) return { rows: [], problems: [{ line: 1, message: `the file is empty: it needs a header line naming the columns (${columns.map((c) => c.name).join(', ')})` }] };
  const header = first.record.map((h) => h.trim());
  const known = new Set(columns.map((c) => c.name));
  header.forEach((h, i) => {
    if (!known.has(h)) problems.push({ line: 1, column: i + 1, where: `column ${h || i + 1}`, message: `line 1, column ${i + 1}: unknown column ${quoted(h)}; the columns are ${columns.map((c) => c.name).join(', ')}` });
    else if (header.indexOf(h) !== i) problems.push({ line: 1, column: i + 1, where: `column ${h}`, message: `line 1, column ${i + 1}: column ${quoted(h)} appears twice` });
  });
  for (const c of columns) if (c.required && !header.includes(c.name)) problems.push({ line: 1, where: `column ${c.name}`, message: `line 1: the required column ${quoted(c.name)} is missing` });
  if (problems.length > 0) return { rows: [], problems };

  const rows: ImportRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines - record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== header.length) {
      problems.push({ line, message: `line ${line}: ${record.length} values, but the header names ${header.length} columns` });
      continue;
    }
    const cells: Record<string, Cell> = {};
    for (const c of columns) {
      const index = header.indexOf(c.name);
      const value = index < 0 ? '' : record[index]!.trim();
      const at = { line, column: index + 1, where: `column ${c.name}` };
      if (value === '') {
        if (c.required) problems.push({ ...at, message: `line ${line}, column ${c.name}: a value is required (${c.description})` });
        cells[c.name] = null;
        continue;
      }
      const check = CHECKS[c.kind];
      const ok = c.kind === 'enum' ? (c.values ?? []).includes(value) : check.test(value);
      if (!ok) {
        const expected = c.kind === 'enum' ? `one of ${(c.values ?? []).join(', ')}` : check.expected;
        problems.push({ ...at, message: `line ${line}, column ${c.name}: ${quoted(value)} is not ${expected}` });
      }
      cells[c.name] = ok ? convert(c.kind, value) : null;
    }
    rows.push({ line, cells });
  }
  if (rows.length === 0 && problems.length === 0) problems.push({ line: 2, message: 'the file has a header but no rows' });
  return { rows, problems };
}

/** Reports a file's problems as one error (nothing was imported). */
export function rejectFile(what: string, problems: readonly ImportProblem[]): GovflowError {
  const shown = problems.slice(0, 20).map((p) => `  ${p.message}`).join('\n');
  const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
  return new GovflowError('GOVFLOW_ERR_VALIDATION', `the ${what} file was not imported (nothing was): ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${shown}${more}`, problems);
}

/** Two rows with the same key: the second is reported. */
export function duplicateKeys(rows: readonly ImportRow[], key: (row: ImportRow) => string | null, column: string): ImportProblem[] {
  const seen = new Map<string, number>();
  const problems: ImportProblem[] = [];
  for (const row of rows) {
    const k = key(row);
    if (k === null) continue;
    const earlier = seen.get(k);
    if (earlier !== undefined) problems.push({ line: row.line, where: `column ${column}`, message: `line ${row.line}, column ${column}: ${quoted(String(row.cells[column]))} was already used on line ${earlier}` });
    else seen.set(k, row.line);
  }
  return problems;
}

/**
 * Spending and public contracts: imported from CSV files with the column schemas below (documented in
 * docs/open-data.md). An import checks every row first and writes nothing unless all are right; then it upserts
 * every row in one transaction (a corrected file imported again replaces the rows it names).
 */
import type { Database, Queryable } from '../store/index.js';
import { duplicateKeys, readTable, rejectFile, type ImportColumn, type ImportProblem, type ImportRow } from './csv-import.js';

export const SPENDING_COLUMNS: readonly ImportColumn[] = [
  { name: 'record', kind: 'enum', values: ['budget', 'payment'], required: true, description: 'budget (a budget line for a financial year) or payment (money spent)' },
  { name: 'id', kind: 'code', required: true, description: 'the budget line code, or the payment\'s transaction number; unique per record kind' },
  { name: 'budget_line', kind: 'code', required: false, description: 'for a payment: the budget line it is charged to (a budget row in this file or imported before); empty on a budget row' },
  { name: 'department', kind: 'text', required: true, description: 'the department responsible' },
  { name: 'description', kind: 'text', required: true, description: 'what the money is for' },
  { name: 'financial_year', kind: 'year', required: true, description: 'the financial year, e.g. 2026' },
  { name: 'date', kind: 'date', required: false, description: 'for a payment: the day it was paid (YYYY-MM-DD); empty on a budget row' },
  { name: 'amount', kind: 'amount', required: true, description: 'in the currency\'s units with a point and up to two decimals; a budget is 0 or more, a negative payment is a correction' },
  { name: 'currency', kind: 'currency', required: true, description: 'ISO 4217 code, e.g. EUR' },
  { name: 'supplier', kind: 'text', required: false, description: 'for a payment: the organisation paid (never a private person)' },
  { name: 'contract_id', kind: 'code', required: false, description: 'for a payment: the public contract it pays (imported before with import-contracts)' },
];

export const CONTRACT_COLUMNS: readonly ImportColumn[] = [
  { name: 'contract_id', kind: 'code', required: true, description: 'the contract\'s number, unique' },
  { name: 'title', kind: 'text', required: true, description: 'a short title' },
  { name: 'description', kind: 'text', required: false, description: 'what is bought' },
  { name: 'department', kind: 'text', required: true, description: 'the buying department' },
  { name: 'supplier_name', kind: 'text', required: true, description: 'the supplier (an organisation)' },
  { name: 'supplier_id', kind: 'code', required: false, description: 'the supplier in a company register as SCHEME-ID with an org-id.guide scheme, e.g. NL-KVK-12345678' },
  { name: 'procurement_method', kind: 'enum', values: ['open', 'selective', 'limited', 'direct'], required: true, description: 'the OCDS procurement method' },
  { name: 'value', kind: 'amount', required: true, description: 'the contract value, 0 or more' },
  { name: 'currency', kind: 'currency', required: true, description: 'ISO 4217 code, e.g. EUR' },
  { name: 'date_signed', kind: 'date', required: true, description: 'YYYY-MM-DD' },
  { name: 'period_start', kind: 'date', required: false, description: 'the contract period\'s first day' },
  { name: 'period_end', kind: 'date', required: false, description: 'the contract period\'s last day (not before period_start)' },
  { name: 'status', kind: 'enum', values: ['pending', 'active', 'cancelled', 'terminated'], required: true, description: 'the OCDS contract status' },
];

export interface ImportResult {
  readonly rows: number;
  readonly budgetLines?: number;
  readonly payments?: number;
}

const str = (row: ImportRow, column: string): string | null => {
  const v = row.cells[column];
  return v === null || v === undefined ? null : String(v);
};
const num = (row: ImportRow, column: string): number | null => {
  const v = row.cells[column];
  return typeof v === 'number' ? v : null;
};
const problem = (row: ImportRow, column: string, message: string): ImportProblem => ({ line: row.line, where: `column ${column}`, message: `line ${row.line}, column ${column}: ${message}` });

async function existing(q: Queryable, sql: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>(sql, [[...new Set(ids)]]);
  return new Set(rows.map((r) => r.id));
}

/** Checks what one row cannot say alone: payments need a date and a known budget line, budgets no payment fields. */
async function spendingProblems(q: Queryable, rows: readonly ImportRow[]): Promise<ImportProblem[]> {
  const problems: ImportProblem[] = [...duplicateKeys(rows, (r) => (str(r, 'record') && str(r, 'id') ? `${str(r, 'record')}|${str(r, 'id')}` : null), 'id')];
  const budgetsInFile = new Set(rows.filter((r) => str(r, 'record') === 'budget').map((r) => str(r, 'id')));
  const payments = rows.filter((r) => str(r, 'record') === 'payment');
  const knownLines = await existing(q, "select id from transparency_spending where record = 'budget' and id = any($1::text[])", payments.map((r) => str(r, 'budget_line') ?? '').filter((l) => l !== '' && !budgetsInFile.has(l)));
  const knownContracts = await existing(q, 'select id from transparency_contract where id = any($1::text[])', payments.map((r) => str(r, 'contract_id') ?? '').filter((c) => c !== ''));
  for (const row of rows) {
    if (str(row, 'record') === 'budget') {
      for (const c of ['budget_line', 'date', 'supplier', 'contract_id'] as const) {
        if (str(row, c) !== null && !(c === 'budget_line' && str(row, c) === str(row, 'id'))) problems.push(problem(row, c, 'must be empty on a budget row'));
      }
      if ((num(row, 'amount') ?? 0) < 0) problems.push(problem(row, 'amount', 'a budget cannot be negative'));
    } else if (str(row, 'record') === 'payment') {
      const line = str(row, 'budget_line');
      if (line === null) problems.push(problem(row, 'budget_line', 'a payment needs the budget line it is charged to'));
      else if (!budgetsInFile.has(line) && !knownLines.has(line)) problems.push(problem(row, 'budget_line', `there is no budget line ${JSON.stringify(line)} in this file or imported before`));
      if (str(row, 'date') === null) problems.push(problem(row, 'date', 'a payment needs the day it was paid'));
      const contract = str(row, 'contract_id');
      if (contract !== null && !knownContracts.has(contract)) problems.push(problem(row, 'contract_id', `there is no contract ${JSON.stringify(contract)}; import the contracts first`));
    }
  }
  return problems;
}

/** A cell readTable already reported (a malformed date is also "missing" to the row checks) is reported once. */
const merged = (cell: readonly ImportProblem[], row: readonly ImportProblem[]): ImportProblem[] =>
  [...cell, ...row.filter((p) => !cell.some((o) => o.line === p.line && o.where === p.where))].sort((a, b) => a.line - b.line);

export async function importSpending(db: Database, text: string): Promise<ImportResult> {
  const { rows, problems } = readTable(text, SPENDING_COLUMNS);
  const all = merged(problems, await spendingProblems(db, rows));
  if (all.length > 0) throw rejectFile('spending', all);
  const col = (c: string) => rows.map((r) => r.cells[c] ?? null);
  await db.transaction((tx) => tx.query(
    `insert into transparency_spending (record, id, budget_line, department, description, financial_year, occurred_on, amount_minor, currency, supplier, contract_id)
     select record, id, coalesce(budget_line, id), department, description, financial_year, occurred_on, amount_minor, currency, supplier, contract_id
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::date[], $8::bigint[], $9::text[], $10::text[], $11::text[])
       as v(record, id, budget_line, department, description, financial_year, occurred_on, amount_minor, currency, supplier, contract_id)
     on conflict (record, id) do update set budget_line = excluded.budget_line, department = excluded.department, description = excluded.description,
       financial_year = excluded.financial_year, occurred_on = excluded.occurred_on, amount_minor = excluded.amount_minor, currency = excluded.currency,
       supplier = excluded.supplier, contract_id = excluded.contract_id, imported_at = now()`,
    [col('record'), col('id'), col('budget_line'), col('department'), col('description'), col('financial_year'), col('date'), col('amount'), col('currency'), col('supplier'), col('contract_id')],
  ));
  const budgetLines = rows.filter((r) => str(r, 'record') === 'budget').length;
  return { rows: rows.length, budgetLines, payments: rows.length - budgetLines };
}

const SCHEME_ID = /^[A-Z]{2}-[A-Z0-9]+-.+$/;

export async function importContracts(db: Database, text: string): Promise<ImportResult> {
  const { rows, problems } = readTable(text, CONTRACT_COLUMNS);
  const checks = duplicateKeys(rows, (r) => str(r, 'contract_id'), 'contract_id');
  for (const row of rows) {
    if ((num(row, 'value') ?? 0) < 0) checks.push(problem(row, 'value', 'a contract value cannot be negative'));
    const supplier = str(row, 'supplier_id');
    if (supplier !== null && !SCHEME_ID.test(supplier)) checks.push(problem(row, 'supplier_id', `${JSON.stringify(supplier)} is not SCHEME-ID with an org-id.guide scheme (e.g. NL-KVK-12345678)`));
    const start = str(row, 'period_start');
    const end = str(row, 'period_end');
    if (start !== null && end !== null && end < start) checks.push(problem(row, 'period_end', `the period ends (${end}) before it starts (${start})`));
  }
  const all = merged(problems, checks);
  if (all.length > 0) throw rejectFile('contracts', all);
  const col = (c: string) => rows.map((r) => r.cells[c] ?? null);
  await db.transaction((tx) => tx.query(
    `insert into transparency_contract (id, title, description, department, supplier_name, supplier_id, procurement_method, amount_minor, currency, date_signed, period_start, period_end, status)
     select id, title, coalesce(description, ''), department, supplier_name, supplier_id, procurement_method, amount_minor, currency, date_signed, period_start, period_end, status
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::date[], $11::date[], $12::date[], $13::text[])
       as v(id, title, description, department, supplier_name, supplier_id, procurement_method, amount_minor, currency, date_signed, period_start, period_end, status)
     on conflict (id) do update set title = excluded.title, description = excluded.description, department = excluded.department,
       supplier_name = excluded.supplier_name, supplier_id = excluded.supplier_id, procurement_method = excluded.procurement_method,
       amount_minor = excluded.amount_minor, currency = excluded.currency, date_signed = excluded.date_signed, period_start = excluded.period_start,
       period_end = excluded.period_end, status = excluded.status, updated_at = now()`,
    [col('contract_id'), col('title'), col('description'), col('department'), col('supplier_name'), col('supplier_id'), col('procurement_method'), col('value'), col('currency'), col('date_signed'), col('period_start'), col('period_end'), col('status')],
  ));
  return { rows: rows.length };
}

/**
 * What the /spending page and files show: budget lines against payments (imported), and the fees collected and
 * benefits paid per service and month (projected from the event log). Fee and benefit cells cover people, so
 * they are suppressed like the performance counts: an amount is shown only when its count is.
 */
import type { Queryable } from '../store/index.js';
import type { PublishedService } from './projector.js';
import { suppressCells, type Relation } from './suppression.js';

export interface BudgetLine {
  readonly id: string;
  readonly department: string;
  readonly description: string;
  readonly financialYear: number;
  readonly currency: string;
  readonly budgetMinor: number;
  readonly spentMinor: number;
  readonly payments: number;
}

export interface SpendingRecord {
  readonly record: 'budget' | 'payment';
  readonly id: string;
  readonly budgetLine: string;
  readonly department: string;
  readonly description: string;
  readonly financialYear: number;
  readonly date: string | null;
  readonly amountMinor: number;
  readonly currency: string;
  readonly supplier: string | null;
  readonly contractId: string | null;
}

export async function readBudgetLines(q: Queryable): Promise<BudgetLine[]> {
  const { rows } = await q.query<{ id: string; department: string; description: string; financial_year: number; currency: string; budget: string; spent: string | null; payments: string }>(
    `select b.id, b.department, b.description, b.financial_year, b.currency, b.amount_minor::text as budget,
            sum(p.amount_minor)::text as spent, count(p.id)::text as payments
     from transparency_spending b left join transparency_spending p on p.record = 'payment' and p.budget_line = b.id
     where b.record = 'budget' group by b.id, b.department, b.description, b.financial_year, b.currency, b.amount_minor
     order by b.financial_year desc, b.department, b.id`,
  );
  return rows.map((r) => ({ id: r.id, department: r.department, description: r.description, financialYear: r.financial_year, currency: r.currency, budgetMinor: Number(r.budget), spentMinor: Number(r.spent ?? 0), payments: Number(r.payments) }));
}

export async function readSpendingRecords(q: Queryable): Promise<SpendingRecord[]> {
  const { rows } = await q.query<{ record: 'budget' | 'payment'; id: string; budget_line: string; department: string; description: string; financial_year: number; occurred_on: string | null; amount_minor: string; currency: string; supplier: string | null; contract_id: string | null }>(
    `select record, id, budget_line, department, description, financial_year, to_char(occurred_on, 'YYYY-MM-DD') as occurred_on, amount_minor::text, currency, supplier, contract_id
     from transparency_spending order by financial_year, record, budget_line, occurred_on nulls first, id`,
  );
  return rows.map((r) => ({ record: r.record, id: r.id, budgetLine: r.budget_line, department: r.department, description: r.description, financialYear: r.financial_year, date: r.occurred_on, amountMinor: Number(r.amount_minor), currency: r.currency, supplier: r.supplier, contractId: r.contract_id }));
}

export interface MoneyCell {
  /** Payments or instalments; null when withheld. */
  readonly count: number | null;
  readonly amountMinor: number | null;
}

export interface ServiceMoney {
  readonly serviceId: string;
  readonly title: string;
  readonly kind: 'fees' | 'benefits';
  readonly currency: string;
  /** Month (YYYY-MM) → cell, in order. */
  readonly months: readonly { readonly month: string; readonly cell: MoneyCell }[];
  readonly total: MoneyCell;
}

/**
 * Fees collected (paid and not refunded) by the month paid, benefits by the month an instalment falls due, up to
 * `now` (a scheduled instalment not yet due is not "paid").
 */
export async function readServiceMoney(q: Queryable, services: readonly PublishedService[], threshold: number, now: Date): Promise<ServiceMoney[]> {
  const { rows } = await q.query<{ kind: 'fees' | 'benefits'; service_id: string; currency: string; month: string; n: string; amount: string }>(
    `select 'fees' as kind, service_id, currency, to_char(paid_at at time zone 'UTC', 'YYYY-MM') as month, count(*)::text as n, sum(amount_minor)::text as amount
     from transparency_fee where refunded_at is null group by 1, 2, 3, 4
     union all
     select 'benefits', service_id, currency, to_char(due_on, 'YYYY-MM'), count(*)::text, sum(amount_minor)::text
     from transparency_benefit where due_on <= $1::date group by 1, 2, 3, 4
     order by 1, 2, 3, 4`,
    [now.toISOString().slice(0, 10)],
  );
  const units = new Map<string, { kind: 'fees' | 'benefits'; serviceId: string; currency: string; months: Map<string, { n: number; amount: number }> }>();
  for (const r of rows) {
    const key = `${r.kind}|${r.service_id}|${r.currency}`;
    const unit = units.get(key) ?? { kind: r.kind, serviceId: r.service_id, currency: r.currency, months: new Map() };
    units.set(key, unit);
    unit.months.set(r.month, { n: Number(r.n), amount: Number(r.amount) });
  }
  const values = new Map<string, number>();
  const relations: Relation[] = [];
  for (const [key, unit] of units) {
    let total = 0;
    for (const [month, v] of unit.months) {
      values.set(`${key}|${month}`, v.n);
      total += v.n;
    }
    values.set(`${key}|total`, total);
    relations.push({ parts: [...unit.months.keys()].map((m) => `${key}|${m}`), total: `${key}|total` });
  }
  const withheld = suppressCells(values, relations, threshold);
  const titles = new Map(services.map((s) => [s.id, s.title]));
  return [...units].map(([key, unit]) => {
    const cell = (cellKey: string, n: number, amount: number): MoneyCell => (withheld.has(cellKey) ? { count: null, amountMinor: null } : { count: n, amountMinor: amount });
    const all = [...unit.months.values()];
    return {
      serviceId: unit.serviceId, title: titles.get(unit.serviceId) ?? unit.serviceId, kind: unit.kind, currency: unit.currency,
      months: [...unit.months].map(([month, v]) => ({ month, cell: cell(`${key}|${month}`, v.n, v.amount) })),
      total: cell(`${key}|total`, all.reduce((s, v) => s + v.n, 0), all.reduce((s, v) => s + v.amount, 0)),
    };
  });
}

/** 123456 → "1234.56" (minor units of a two-decimal currency). */
export const fromMinor = (minor: number): string => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

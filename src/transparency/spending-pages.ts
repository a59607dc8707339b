/**
 * Serves the public /spending page (budget lines against payments, fees and benefits per service and month, public
 * contracts) and its files: the spending records as CSV with a CSVW description, fees and benefits as CSV, and
 * the contracts as an OCDS 1.1 release package. Server-rendered, no script, a chart always beside its table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, page, type SafeHtml } from '../web/index.js';
import { barChart } from './charts.js';
import { csvCell } from './csv.js';
import { LICENCE } from './datasets.js';
import { readContracts, releasePackage, type PublicContract } from './ocds.js';
import { NAVIGATION, sendCached, type TransparencyOptions } from './pages.js';
import { SPENDING_COLUMNS } from './spending.js';
import { fromMinor, readBudgetLines, readServiceMoney, readSpendingRecords, type BudgetLine, type ServiceMoney } from './spending-figures.js';
import type { Publisher } from './datasets.js';

const money = (minor: number | null, currency: string): string => (minor === null ? 'withheld' : `${currency} ${Number(fromMinor(minor)).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const th = (label: string, numeric = false) => html`<th scope="col" class="govuk-table__header${numeric ? ' govuk-table__header--numeric' : ''}">${label}</th>`;
const td = (value: string | number, numeric = false) => html`<td class="govuk-table__cell${numeric ? ' govuk-table__cell--numeric' : ''}">${value}</td>`;

function budgetSection(lines: readonly BudgetLine[]): SafeHtml {
  if (lines.length === 0) return html`<h2 class="govuk-heading-m">Budget and spending</h2><p class="govuk-body">No budget has been published yet.</p>`;
  const year = lines[0]!.financialYear;
  const current = lines.filter((l) => l.financialYear === year);
  const departments = [...new Set(current.map((l) => l.department))];
  const sum = (d: string, pick: (l: BudgetLine) => number) => current.filter((l) => l.department === d).reduce((s, l) => s + pick(l), 0);
  const currency = current[0]!.currency;
  const budget = current.reduce((s, l) => s + l.budgetMinor, 0);
  const spent = current.reduce((s, l) => s + l.spentMinor, 0);
  const sentence = `In ${year}, ${money(spent, currency)} of a budget of ${money(budget, currency)} has been spent (${budget > 0 ? Math.round((spent / budget) * 100) : 0}%), across ${departments.length} department${departments.length === 1 ? '' : 's'}.`;
  const chart = barChart('chart-budget', `Budget and spending by department in ${year} (${currency})`, sentence, departments, [
    { label: 'Budget', values: departments.map((d) => Math.round(sum(d, (l) => l.budgetMinor) / 100)), colour: '#1d70b8' },
    { label: 'Spent', values: departments.map((d) => Math.round(sum(d, (l) => l.spentMinor) / 100)), colour: '#00703c' },
  ]);
  return html`<h2 class="govuk-heading-m">Budget and spending</h2>
<p class="govuk-body">${sentence}</p>
<figure class="govuk-!-margin-0">${chart}<figcaption class="govuk-body-s">The chart shows the totals per department of the table below.</figcaption></figure>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Budget lines and what has been spent on them</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('Budget line')}${th('Department')}${th('Year', true)}${th('Budget', true)}${th('Spent', true)}${th('Payments', true)}</tr></thead>
<tbody class="govuk-table__body">${lines.map((l) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${l.id}: ${l.description}</th>${td(l.department)}${td(l.financialYear, true)}${td(money(l.budgetMinor, l.currency), true)}${td(money(l.spentMinor, l.currency), true)}${td(l.payments, true)}</tr>`)}</tbody></table>
<p class="govuk-body"><a class="govuk-link" href="/open-data/spending.csv" download>Download budget lines and payments (CSV)</a></p>`;
}

function moneySection(units: readonly ServiceMoney[]): SafeHtml {
  const label = (u: ServiceMoney) => `${u.kind === 'fees' ? 'Fees collected' : 'Benefits paid'}: ${u.title}`;
  const sentence = units.length === 0 ? 'No fees have been collected and no benefits paid through our services yet.'
    : `${units.map((u) => `${label(u)}, ${money(u.total.amountMinor, u.currency)} in ${u.total.count ?? 'a few'} payments`).join('; ')}.`;
  return html`<h2 class="govuk-heading-m">Fees and benefits</h2>
<p class="govuk-body">${sentence} Amounts from fewer than a few payments are withheld, so that nobody's own payment can be read from them.</p>
${units.map((u, i) => html`<figure class="govuk-!-margin-0">${barChart(`chart-money-${i}`, `${label(u)} by month (${u.currency})`, `${label(u)}, by month.`, u.months.map((m) => m.month), [
    { label: u.kind === 'fees' ? 'Fees' : 'Benefits', values: u.months.map((m) => (m.cell.amountMinor === null ? null : Math.round(m.cell.amountMinor / 100))), colour: '#1d70b8' },
  ])}<figcaption class="govuk-body-s">The chart shows the amounts of the table below; a dash marks a withheld amount.</figcaption></figure>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${label(u)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('Month')}${th('Payments', true)}${th('Amount', true)}</tr></thead>
<tbody class="govuk-table__body">${[...u.months, { month: 'All months', cell: u.total }].map((m) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${m.month}</th>${td(m.cell.count === null ? 'withheld' : m.cell.count, true)}${td(money(m.cell.amountMinor, u.currency), true)}</tr>`)}</tbody></table>`)}
<p class="govuk-body"><a class="govuk-link" href="/open-data/fees-and-benefits.csv" download>Download fees and benefits (CSV)</a></p>`;
}

function contractsSection(contracts: readonly PublicContract[]): SafeHtml {
  return html`<h2 class="govuk-heading-m">Public contracts</h2>
${contracts.length === 0 ? html`<p class="govuk-body">No contracts have been published yet.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Contracts signed, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('Contract')}${th('Department')}${th('Supplier')}${th('Signed')}${th('Status')}${th('Value', true)}</tr></thead>
<tbody class="govuk-table__body">${contracts.map((c) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${c.id}: ${c.title}</th>${td(c.department)}${td(c.supplierName)}${td(c.dateSigned)}${td(c.status)}${td(money(c.amountMinor, c.currency), true)}</tr>`)}</tbody></table>`}
<p class="govuk-body"><a class="govuk-link" href="/open-data/contracts.json">Contracts as Open Contracting Data Standard 1.1 releases (JSON)</a></p>`;
}

export function spendingCsv(records: Awaited<ReturnType<typeof readSpendingRecords>>): string {
  const lines = [SPENDING_COLUMNS.map((c) => c.name).join(',')];
  for (const r of records) lines.push([r.record, r.id, r.record === 'payment' ? r.budgetLine : '', r.department, r.description, r.financialYear, r.date, fromMinor(r.amountMinor), r.currency, r.supplier, r.contractId].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function moneyCsv(units: readonly ServiceMoney[]): string {
  const lines = ['kind,service_id,service_title,currency,month,payments,amount'];
  for (const u of units) for (const m of [...u.months, { month: 'total', cell: u.total }]) lines.push([u.kind, u.serviceId, u.title, u.currency, m.month, m.cell.count, m.cell.amountMinor === null ? null : fromMinor(m.cell.amountMinor)].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function registerSpendingPages(server: FastifyInstance, options: TransparencyOptions & { readonly publisher: Publisher; readonly ocidPrefix: string }, baseOf: (request: FastifyRequest) => string): void {
  const now = () => options.now?.() ?? new Date();
  const money = () => readServiceMoney(options.db, options.services(), options.threshold ?? 5, now());
  server.get('/spending', async (request: FastifyRequest, reply: FastifyReply) => {
    const [lines, units, contracts] = await Promise.all([readBudgetLines(options.db), money(), readContracts(options.db)]);
    const content = html`<h1 class="govuk-heading-l">Spending</h1>
<p class="govuk-body-l">Where public money goes: the budget and what has been spent from it, the fees our services collect and the benefits they pay, and the contracts we sign.</p>
${budgetSection(lines)}${moneySection(units)}${contractsSection(contracts)}
<p class="govuk-body"><a class="govuk-link" href="/open-data">All open data</a></p>`;
    return sendCached(request, reply, 'text/html; charset=utf-8', page({ title: 'Spending', content, navigation: NAVIGATION, current: 'spending', wide: true }).toString());
  });
  server.get('/open-data/spending.csv', async (request, reply) =>
    sendCached(request, reply, 'text/csv; charset=utf-8; header=present', spendingCsv(await readSpendingRecords(options.db))));
  server.get('/open-data/spending.csv-metadata.json', async (request, reply) => sendCached(request, reply, 'application/csvm+json', JSON.stringify({
    '@context': 'http://www.w3.org/ns/csvw', url: 'spending.csv', 'dc:title': 'Budget lines and payments', 'dc:license': { '@id': LICENCE.url },
    tableSchema: { columns: SPENDING_COLUMNS.map((c) => ({ name: c.name, titles: c.name, datatype: c.kind === 'amount' ? 'decimal' : c.kind === 'year' ? 'integer' : c.kind === 'date' ? 'date' : 'string', 'dc:description': c.description, ...(c.required ? { required: true } : { null: '' }) })), primaryKey: ['record', 'id'] },
  }, null, 2)));
  server.get('/open-data/fees-and-benefits.csv', async (request, reply) => sendCached(request, reply, 'text/csv; charset=utf-8; header=present', moneyCsv(await money())));
  server.get('/open-data/contracts.json', async (request, reply) => {
    const contracts = await readContracts(options.db);
    const published = contracts.map((c) => c.updatedAt).sort().at(-1) ?? now().toISOString();
    const body = releasePackage(contracts, { uri: `${baseOf(request)}/open-data/contracts.json`, publisher: options.publisher, ocidPrefix: options.ocidPrefix, licence: LICENCE.url, publishedDate: published });
    return sendCached(request, reply, 'application/json', JSON.stringify(body, null, 2));
  });
}

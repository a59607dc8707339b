/**
 * Serves the public /spending page (budget lines against payments, fees and benefits per service and month, public
 * contracts) and its files: the spending records as CSV with a CSVW description, fees and benefits as CSV, and
 * the contracts as an OCDS 1.1 release package. Server-rendered, no script, a chart always beside its table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentLanguage, formatDay, formatMoney, formatNumber, intlLocale, t, type MessageKey } from '../i18n/index.js';
import { html, type SafeHtml } from '../web/index.js';
import { barChart } from './charts.js';
import { csvCell } from './csv.js';
import { LICENCE } from './datasets.js';
import { readContracts, releasePackage, type PublicContract } from './ocds.js';
import { publicPage, sendCached, type TransparencyOptions } from './pages.js';
import { SPENDING_COLUMNS } from './spending.js';
import { fromMinor, readBudgetLines, readServiceMoney, readSpendingRecords, type BudgetLine, type ServiceMoney } from './spending-figures.js';
import type { Publisher } from './datasets.js';

const money = (minor: number | null, currency: string): string => (minor === null ? t('transparency.withheld') : formatMoney(Number(fromMinor(minor)), currency));
const th = (label: MessageKey, numeric = false) => html`<th scope="col" class="govuk-table__header${numeric ? ' govuk-table__header--numeric' : ''}">${t(label)}</th>`;
const td = (value: string | number, numeric = false) => html`<td class="govuk-table__cell${numeric ? ' govuk-table__cell--numeric' : ''}">${typeof value === 'number' ? formatNumber(value) : value}</td>`;
/** A month of the figures ("2026-03") in the reader's words. */
const monthOf = (month: string): string => t('transparency.period.month', { month: new Date(`${month}-01T00:00:00Z`).toLocaleDateString(intlLocale(currentLanguage()), { month: 'short', year: 'numeric', timeZone: 'UTC' }) });

function budgetSection(lines: readonly BudgetLine[]): SafeHtml {
  if (lines.length === 0) return html`<h2 class="govuk-heading-m">${t('transparency.spending.budgetHeading')}</h2><p class="govuk-body">${t('transparency.spending.noBudget')}</p>`;
  const year = lines[0]!.financialYear;
  const current = lines.filter((l) => l.financialYear === year);
  const departments = [...new Set(current.map((l) => l.department))];
  const sum = (d: string, pick: (l: BudgetLine) => number) => current.filter((l) => l.department === d).reduce((s, l) => s + pick(l), 0);
  const currency = current[0]!.currency;
  const budget = current.reduce((s, l) => s + l.budgetMinor, 0);
  const spent = current.reduce((s, l) => s + l.spentMinor, 0);
  const sentence = t('transparency.spending.sentence', { year: String(year), spent: money(spent, currency), budget: money(budget, currency), percent: budget > 0 ? Math.round((spent / budget) * 100) : 0, departments: departments.length });
  const chart = barChart('chart-budget', t('transparency.spending.chartTitle', { year: String(year), currency }), sentence, departments, [
    { label: t('transparency.spending.budget'), values: departments.map((d) => Math.round(sum(d, (l) => l.budgetMinor) / 100)), colour: '#1d70b8' },
    { label: t('transparency.spending.spent'), values: departments.map((d) => Math.round(sum(d, (l) => l.spentMinor) / 100)), colour: '#00703c' },
  ]);
  return html`<h2 class="govuk-heading-m">${t('transparency.spending.budgetHeading')}</h2>
<p class="govuk-body">${sentence}</p>
<figure class="govuk-!-margin-0">${chart}<figcaption class="govuk-body-s">${t('transparency.spending.budgetChartCaption')}</figcaption></figure>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${t('transparency.spending.budgetTableCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('transparency.spending.budgetLine')}${th('transparency.spending.department')}${th('transparency.spending.year', true)}${th('transparency.spending.budget', true)}${th('transparency.spending.spent', true)}${th('transparency.spending.payments', true)}</tr></thead>
<tbody class="govuk-table__body">${lines.map((l) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${l.id}: ${l.description}</th>${td(l.department)}${td(String(l.financialYear), true)}${td(money(l.budgetMinor, l.currency), true)}${td(money(l.spentMinor, l.currency), true)}${td(l.payments, true)}</tr>`)}</tbody></table>
<p class="govuk-body"><a class="govuk-link" href="/open-data/spending.csv" download>${t('transparency.spending.downloadBudget')}</a></p>`;
}

function moneySection(units: readonly ServiceMoney[]): SafeHtml {
  const label = (u: ServiceMoney) => t('transparency.spending.moneyLabel', { kind: u.kind, title: u.title });
  const sentence = units.length === 0 ? t('transparency.spending.noMoney')
    : t('transparency.summary.sentence', { parts: units.map((u) => (u.total.count === null
      ? t('transparency.spending.moneyFew', { label: label(u), amount: money(u.total.amountMinor, u.currency) })
      : t('transparency.spending.moneyTotal', { label: label(u), amount: money(u.total.amountMinor, u.currency), count: u.total.count }))).join('; ') });
  return html`<h2 class="govuk-heading-m">${t('transparency.spending.moneyHeading')}</h2>
<p class="govuk-body">${sentence} ${t('transparency.spending.moneyWithheld')}</p>
${units.map((u, i) => html`<figure class="govuk-!-margin-0">${barChart(`chart-money-${i}`, t('transparency.spending.moneyChartTitle', { label: label(u), currency: u.currency }), t('transparency.spending.moneyChartDescription', { label: label(u) }), u.months.map((m) => monthOf(m.month)), [
    { label: t('transparency.spending.moneyKind', { kind: u.kind }), values: u.months.map((m) => (m.cell.amountMinor === null ? null : Math.round(m.cell.amountMinor / 100))), colour: '#1d70b8' },
  ])}<figcaption class="govuk-body-s">${t('transparency.spending.moneyChartCaption')}</figcaption></figure>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${label(u)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('transparency.spending.month')}${th('transparency.spending.payments', true)}${th('transparency.spending.amount', true)}</tr></thead>
<tbody class="govuk-table__body">${[...u.months.map((m) => ({ month: monthOf(m.month), cell: m.cell })), { month: t('transparency.spending.allMonths'), cell: u.total }].map((m) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${m.month}</th>${td(m.cell.count === null ? t('transparency.withheld') : m.cell.count, true)}${td(money(m.cell.amountMinor, u.currency), true)}</tr>`)}</tbody></table>`)}
<p class="govuk-body"><a class="govuk-link" href="/open-data/fees-and-benefits.csv" download>${t('transparency.spending.downloadMoney')}</a></p>`;
}

function contractsSection(contracts: readonly PublicContract[]): SafeHtml {
  return html`<h2 class="govuk-heading-m">${t('transparency.spending.contractsHeading')}</h2>
${contracts.length === 0 ? html`<p class="govuk-body">${t('transparency.spending.noContracts')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${t('transparency.spending.contractsCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('transparency.spending.contract')}${th('transparency.spending.department')}${th('transparency.spending.supplier')}${th('transparency.spending.signed')}${th('transparency.spending.status')}${th('transparency.spending.value', true)}</tr></thead>
<tbody class="govuk-table__body">${contracts.map((c) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${c.id}: ${c.title}</th>${td(c.department)}${td(c.supplierName)}${td(c.dateSigned ? formatDay(c.dateSigned) : '')}${td(t('transparency.spending.contractStatus', { status: c.status }))}${td(money(c.amountMinor, c.currency), true)}</tr>`)}</tbody></table>`}
<p class="govuk-body"><a class="govuk-link" href="/open-data/contracts.json">${t('transparency.spending.contractsJson')}</a></p>`;
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
    const content = html`<h1 class="govuk-heading-l">${t('transparency.nav.spending')}</h1>
<p class="govuk-body-l">${t('transparency.spending.lead')}</p>
${budgetSection(lines)}${moneySection(units)}${contractsSection(contracts)}
<p class="govuk-body"><a class="govuk-link" href="/open-data">${t('transparency.allOpenData')}</a></p>`;
    return sendCached(request, reply, 'text/html; charset=utf-8', publicPage(t('transparency.nav.spending'), content, 'spending'));
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

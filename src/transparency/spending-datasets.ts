/**
 * The spending datasets of the open-data catalogue: budget lines and payments, fees and benefits per service and
 * month, public contracts (OCDS), and project timelines. Each is listed once it has something in it, with its temporal coverage.
 */
import type { Queryable } from '../store/index.js';
import { ALL_DEPARTMENTS, type OpenDataset, type OpenDistribution } from './datasets.js';

interface Coverage { first: string; last: string; modified: string }

async function coverage(q: Queryable): Promise<Map<string, Coverage>> {
  const { rows } = await q.query<{ kind: string; first: Date | string | null; last: Date | string | null; modified: Date | string | null }>(
    `select 'spending' as kind, min(coalesce(occurred_on::timestamptz, make_date(financial_year, 1, 1)::timestamptz)) as first,
            max(coalesce(occurred_on::timestamptz, make_date(financial_year, 12, 31)::timestamptz)) as last, max(imported_at) as modified from transparency_spending
     union all select 'contracts', min(date_signed::timestamptz), max(coalesce(period_end, date_signed)::timestamptz), max(updated_at) from transparency_contract
     union all select 'projects', min(created_at), greatest(max(updated_at), max(m.planned_on)::timestamptz), max(updated_at) from transparency_project
       left join transparency_milestone m on m.project_id = transparency_project.id
     union all select 'money', min(at), max(at), max(at) from (
       select paid_at as at from transparency_fee union all select coalesce(refunded_at, paid_at) from transparency_fee union all select due_on::timestamptz from transparency_benefit) m`,
  );
  const out = new Map<string, Coverage>();
  for (const r of rows) {
    if (r.first === null || r.last === null || r.modified === null) continue;
    out.set(r.kind, { first: new Date(r.first).toISOString(), last: new Date(r.last).toISOString(), modified: new Date(r.modified).toISOString() });
  }
  return out;
}

type Dist = (id: string, title: string, description: string, format: OpenDistribution['format'], path: string, schema?: string) => OpenDistribution;

export async function spendingDatasets(q: Queryable, base: string, now: Date, dist: Dist): Promise<OpenDataset[]> {
  const c = await coverage(q);
  const today = now.toISOString();
  const dataset = (kind: string, d: Omit<OpenDataset, 'issued' | 'modified' | 'temporal' | 'department' | 'landingPage'>): OpenDataset[] => {
    const cov = c.get(kind);
    if (!cov) return [];
    // A budget may run past today (a year's last day); a period of time still has to end after it starts.
    const end = cov.last > today ? cov.last : today;
    return [{ ...d, department: ALL_DEPARTMENTS, landingPage: `${base}/spending`, issued: cov.first, modified: cov.modified > today ? today : cov.modified, temporal: { start: cov.first, end } }];
  };
  return [
    ...dataset('spending', {
      id: 'spending-budget-and-payments', title: 'Budget lines and payments',
      description: 'Every budget line of the financial year and every payment charged to it (department, description, amount, supplier organisation, contract), as imported from the finance system.',
      keywords: ['spending', 'budget', 'public finance'],
      distributions: [
        dist('spending-csv', 'Budget lines and payments (CSV)', 'One row per budget line or payment; amounts with two decimals.', 'CSV', '/open-data/spending.csv', '/open-data/spending.csv-metadata.json'),
        dist('spending-csvw', 'Table schema (CSVW)', 'The CSV on the Web description of the spending file.', 'JSON', '/open-data/spending.csv-metadata.json'),
        dist('spending-html', 'Spending page', 'Budget against spending per department with a chart and tables.', 'HTML', '/spending'),
      ],
    }),
    ...dataset('money', {
      id: 'fees-and-benefits', title: 'Fees collected and benefits paid per service',
      description: 'Fees paid (less refunds) and benefit instalments due, per service and month, computed live from the case event log. Amounts from fewer payments than the publication threshold are withheld.',
      keywords: ['fees', 'benefits', 'public services'],
      distributions: [dist('fees-and-benefits-csv', 'Fees and benefits by month (CSV)', 'One row per service, kind and month, and a total row; withheld cells are empty.', 'CSV', '/open-data/fees-and-benefits.csv')],
    }),
    ...dataset('projects', {
      id: 'project-timelines', title: 'Projects and their milestones',
      description: 'Public projects: department, budget, place, status, progress, milestones planned and reached, and the history of updates published by the department.',
      keywords: ['projects', 'accountability', 'public works'],
      distributions: [
        dist('project-timelines-csv', 'Projects (CSV)', 'One row per project: status, progress, budget, place, milestones planned and reached, the next one.', 'CSV', '/open-data/projects.csv'),
        dist('project-timelines-json', 'Projects with milestones and updates (JSON)', 'Every project with its milestones and updates.', 'JSON', '/open-data/projects.json'),
        dist('project-timelines-html', 'Projects page', 'The projects on a map and in a table, each with its timeline.', 'HTML', '/projects'),
      ],
    }).map((d) => ({ ...d, landingPage: `${base}/projects` })),
    ...dataset('contracts', {
      id: 'public-contracts', title: 'Public contracts',
      description: 'The contracts we sign with suppliers: buyer, supplier, procurement method, value, period and status, as Open Contracting Data Standard 1.1 releases.',
      keywords: ['contracts', 'procurement', 'open contracting'],
      distributions: [dist('public-contracts-ocds', 'OCDS 1.1 release package (JSON)', 'One release per contract (tag contract), validating against the OCDS 1.1 release package schema.', 'JSON', '/open-data/contracts.json')],
    }),
  ];
}

/**
 * The figures as CSV (RFC 4180) and its CSV on the Web (W3C CSVW) table description: one row per unit and period,
 * withheld counts empty, and each row carrying the signed tree head the figures were computed at.
 */
import type { Figures, PeriodFigures, UnitFigures } from './figures.js';

export const CSV_COLUMNS = [
  { name: 'unit_kind', title: 'Service or department', datatype: 'string', description: 'service or department' },
  { name: 'unit_id', title: 'Identifier', datatype: 'string', description: 'The service identifier in the catalogue, or the department' },
  { name: 'unit_title', title: 'Name', datatype: 'string', description: 'The service or department name' },
  { name: 'department', title: 'Department', datatype: 'string', description: 'The department responsible' },
  { name: 'granularity', title: 'Period length', datatype: 'string', description: 'week (ISO, from Monday) or month' },
  { name: 'period_start', title: 'Period start', datatype: 'string', description: 'First day of the period (UTC, YYYY-MM-DD), or "total" for all periods' },
  { name: 'received', title: 'Applications received', datatype: 'integer', description: 'Cases started in the period' },
  { name: 'decided', title: 'Decisions', datatype: 'integer', description: 'Signed decisions issued in the period' },
  { name: 'approved', title: 'Approved', datatype: 'integer', description: 'Decisions approving the application' },
  { name: 'refused', title: 'Refused', datatype: 'integer', description: 'Decisions refusing the application' },
  { name: 'withdrawn', title: 'Withdrawn', datatype: 'integer', description: 'Applications ended before a decision' },
  { name: 'decided_within_sla', title: 'Decided within the published time', datatype: 'integer', description: 'Decisions issued no later than the service standard after receipt' },
  { name: 'automated', title: 'Decided straight-through', datatype: 'integer', description: 'Decisions on cases no person had a task on' },
  { name: 'median_days', title: 'Median days to a decision', datatype: 'decimal', description: 'Calendar days from receipt to decision, median' },
  { name: 'p90_days', title: '90th percentile days to a decision', datatype: 'decimal', description: 'Calendar days from receipt to decision, 90th percentile' },
  { name: 'ledger_tree_size', title: 'Ledger tree size', datatype: 'integer', description: 'Size of the signed tree head of the ledger when the figures were computed' },
  { name: 'ledger_root_hash', title: 'Ledger root hash', datatype: 'string', description: 'Root hash (base64) of that signed tree head' },
  { name: 'ledger_signed_at', title: 'Tree head signed at', datatype: 'dateTime', description: 'When that tree head was signed' },
] as const;

export const csvCell = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function row(figures: Figures, unit: UnitFigures, p: PeriodFigures): string {
  const head = figures.provenance.treeHead;
  return [
    unit.kind, unit.id, unit.title, unit.department, figures.granularity, p.period,
    p.counts.received, p.counts.decided, p.counts.approved, p.counts.refused, p.counts.withdrawn, p.counts.withinSla, p.counts.automated,
    p.medianDays, p.p90Days, head?.treeSize, head?.rootHash, head?.signedAt,
  ].map(csvCell).join(',');
}

export function figuresCsv(figures: Figures, units: readonly UnitFigures[]): string {
  const lines = [CSV_COLUMNS.map((c) => c.name).join(',')];
  for (const unit of units) for (const p of [...unit.periods, unit.total]) lines.push(row(figures, unit, p));
  return `${lines.join('\r\n')}\r\n`;
}

/** The CSVW metadata document describing a CSV at `url`. */
export function csvwMetadata(url: string, title: string): Record<string, unknown> {
  return {
    '@context': 'http://www.w3.org/ns/csvw',
    url,
    'dc:title': title,
    'dc:license': { '@id': 'https://creativecommons.org/licenses/by/4.0/' },
    tableSchema: {
      columns: CSV_COLUMNS.map((c) => ({ name: c.name, titles: c.title, datatype: c.datatype, 'dc:description': c.description, ...(c.datatype === 'integer' || c.datatype === 'decimal' ? { null: '' } : {}) })),
      primaryKey: ['unit_kind', 'unit_id', 'granularity', 'period_start'],
    },
  };
}

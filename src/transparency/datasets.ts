/**
 * The open-data model: what datasets we publish and their distributions. The DCAT-AP catalogue and the CKAN API
 * are two adapters over this one list (standards at the edge, our model inside).
 */
import type { Queryable } from '../store/index.js';
import { readCoverage } from './figures.js';
import type { PublishedService } from './projector.js';
import { spendingDatasets } from './spending-datasets.js';

export interface Publisher {
  /** A slug (the CKAN organisation name). */
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly homepage: string;
}

export interface OpenDistribution {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** EU file-type authority code: CSV, JSON, HTML. */
  readonly format: 'CSV' | 'JSON' | 'HTML';
  readonly mediaType: string;
  /** Absolute. */
  readonly url: string;
  /** Absolute URL of a schema the file conforms to (CSVW metadata for the CSV). */
  readonly schema?: string;
}

export interface OpenDataset {
  /** A slug (the CKAN package name). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly department: string;
  readonly landingPage: string;
  readonly issued: string;
  readonly modified: string;
  readonly temporal: { readonly start: string; readonly end: string };
  readonly distributions: readonly OpenDistribution[];
}

/** The department a dataset of the whole organisation names: the CKAN API gives it the publisher as organisation, pages say it in the reader's language. */
export const ALL_DEPARTMENTS = 'All departments';
export const LICENCE = { id: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' } as const;

const MEDIA = { CSV: 'text/csv', JSON: 'application/json', HTML: 'text/html' } as const;

/** One dataset per published service, the whole set, and the spending datasets; absolute URLs under `base`. */
export async function listDatasets(q: Queryable, services: readonly PublishedService[], base: string, now: Date): Promise<OpenDataset[]> {
  const coverage = await readCoverage(q);
  const today = now.toISOString();
  const allFirst = [...coverage.values()].map((c) => c.first).sort()[0] ?? today;
  const allLast = [...coverage.values()].map((c) => c.last).sort().at(-1) ?? today;
  const dist = (id: string, title: string, description: string, format: OpenDistribution['format'], path: string, schema?: string): OpenDistribution =>
    ({ id, title, description, format, mediaType: MEDIA[format], url: `${base}${path}`, ...(schema ? { schema: `${base}${schema}` } : {}) });
  const perService = services.map((s): OpenDataset => {
    const c = coverage.get(s.id);
    return {
      id: `performance-${s.id}`,
      title: `Performance of the service: ${s.title}`,
      description: `Applications received, decisions (approved, refused), withdrawals, time to a decision (median and 90th percentile), decisions within the published time and straight-through decisions for "${s.title}" (${s.department}), by month and by week, computed live from the case event log. Counts below the publication threshold are withheld.`,
      keywords: ['performance', 'public services', s.department],
      department: s.department,
      landingPage: `${base}/performance/services/${s.id}`,
      issued: c?.first ?? today,
      modified: c?.last ?? today,
      temporal: { start: c?.first ?? today, end: today },
      distributions: [
        dist(`performance-${s.id}-csv-month`, 'Figures by month (CSV)', 'One row per month and a total row; withheld counts are empty.', 'CSV', `/performance/services/${s.id}/figures.csv?period=month`, '/open-data/performance.csv-metadata.json'),
        dist(`performance-${s.id}-csv-week`, 'Figures by week (CSV)', 'One row per ISO week and a total row; withheld counts are empty.', 'CSV', `/performance/services/${s.id}/figures.csv?period=week`, '/open-data/performance.csv-metadata.json'),
        dist(`performance-${s.id}-html`, 'Figures page', 'The figures with a chart, a table and a summary.', 'HTML', `/performance/services/${s.id}`),
      ],
    };
  });
  const all: OpenDataset = {
    id: 'performance-all-services',
    title: 'Performance of all public services',
    description: 'The performance figures of every service and department in one file, with the signed tree head of the ledger they were computed at.',
    keywords: ['performance', 'public services'],
    department: ALL_DEPARTMENTS,
    landingPage: `${base}/performance`,
    issued: allFirst, modified: allLast, temporal: { start: allFirst, end: today },
    distributions: [
      dist('performance-all-csv', 'All figures by month (CSV)', 'Every service and department, one row per month.', 'CSV', '/open-data/performance.csv?period=month', '/open-data/performance.csv-metadata.json'),
      dist('performance-all-json', 'All figures by month (JSON)', 'The same figures as JSON, with their provenance.', 'JSON', '/open-data/performance.json?period=month'),
      dist('performance-all-csvw', 'Table schema (CSVW)', 'The CSV on the Web description of the CSV files: columns, types, licence.', 'JSON', '/open-data/performance.csv-metadata.json'),
    ],
  };
  return [all, ...perService, ...(await spendingDatasets(q, base, now, dist))];
}

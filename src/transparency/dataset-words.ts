/**
 * The open-data catalogue's records as a person reads them on its pages (/open-data and a dataset's page), in the
 * reader's language. The DCAT-AP record, the CKAN API and the files keep their English words (the machines'
 * catalogue, one language, as harvesters read it); each dataset and file govflow publishes has its words in the i18n
 * layer by its kind, and a service's dataset names the service and its department as the catalogue translates them.
 * A dataset or file of another kind (none yet) shows its record's own words.
 */
import { t, type MessageKey } from '../i18n/index.js';
import { ALL_DEPARTMENTS, type OpenDataset, type OpenDistribution } from './datasets.js';
import type { CatalogueWords } from './pages.js';
import type { PublishedService } from './projector.js';

const DATASETS: Readonly<Record<string, string>> = {
  'performance-all-services': 'performanceAll', 'spending-budget-and-payments': 'spending', 'fees-and-benefits': 'money',
  'project-timelines': 'projects', 'public-contracts': 'contracts',
};
const FILES: Readonly<Record<string, string>> = {
  'performance-all-csv': 'allCsv', 'performance-all-json': 'allJson', 'performance-all-csvw': 'allCsvw', 'spending-csv': 'spendingCsv',
  'spending-csvw': 'spendingCsvw', 'spending-html': 'spendingHtml', 'fees-and-benefits-csv': 'moneyCsv', 'project-timelines-csv': 'projectsCsv',
  'project-timelines-json': 'projectsJson', 'project-timelines-html': 'projectsHtml', 'public-contracts-ocds': 'contractsOcds',
};
// A service's files, by the end of their id (`performance-<service>-csv-month`).
const SERVICE_FILES: readonly (readonly [string, string])[] = [['-csv-month', 'serviceCsvMonth'], ['-csv-week', 'serviceCsvWeek'], ['-html', 'serviceHtml']];

const key = (text: string): MessageKey => text as MessageKey;

function fileInWords(f: OpenDistribution, service: PublishedService | undefined): OpenDistribution {
  const kind = FILES[f.id] ?? (service ? SERVICE_FILES.find(([end]) => f.id === `performance-${service.id}${end}`)?.[1] : undefined);
  return kind ? { ...f, title: t(key(`transparency.file.${kind}.title`)), description: t(key(`transparency.file.${kind}.description`)) } : f;
}

export function datasetInWords(d: OpenDataset, services: readonly PublishedService[], words: CatalogueWords): OpenDataset {
  const service = services.find((s) => d.id === `performance-${s.id}`);
  const kind = DATASETS[d.id];
  const department = d.department === ALL_DEPARTMENTS ? t('transparency.dataset.allDepartments') : words(d.department);
  const distributions = d.distributions.map((f) => fileInWords(f, service));
  if (service) {
    const values = { service: words(service.title), department: words(service.department) };
    return { ...d, title: t('transparency.dataset.performanceService.title', values), description: t('transparency.dataset.performanceService.description', values), department, distributions };
  }
  if (kind) return { ...d, title: t(key(`transparency.dataset.${kind}.title`)), description: t(key(`transparency.dataset.${kind}.description`)), department, distributions };
  return { ...d, department, distributions };
}

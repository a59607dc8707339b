/**
 * Transparency (issue 17): live public performance figures from the event log (a projector, never a scan per page
 * view), suppressed below a threshold, with the ledger's signed tree head they were computed at; the public pages,
 * the DCAT-AP catalogue and the CKAN-compatible read API. See docs/open-data.md.
 */
export { createTransparencyProjector, TRANSPARENCY_PROJECTOR, TRANSPARENCY_TABLES } from './projector.js';
export type { PublishedService } from './projector.js';
export { COUNT_MEASURES, departmentSlug, GRANULARITIES, percentile, readFigures } from './figures.js';
export type { CountMeasure, Figures, FiguresOptions, Granularity, PeriodFigures, Provenance, UnitFigures } from './figures.js';
export { derivableCells, suppressCells } from './suppression.js';
export type { Relation } from './suppression.js';
export { createTransparencyPlugin, DEMO_PUBLISHER } from './plugin.js';
export type { TransparencyOptions } from './pages.js';
export { catalogQuads, negotiateRdf, toJsonLd, toNQuads, toRdfXml, toTurtle } from './catalog.js';
export type { RdfFormat } from './catalog.js';
export { LICENCE, listDatasets } from './datasets.js';
export type { OpenDataset, OpenDistribution, Publisher } from './datasets.js';
export { packageDict, stableId } from './ckan.js';
export { CSV_COLUMNS, csvwMetadata, figuresCsv } from './csv.js';
export { CONTRACT_COLUMNS, importContracts, importSpending, SPENDING_COLUMNS } from './spending.js';
export type { ImportResult } from './spending.js';
export type { ImportColumn } from './csv-import.js';
export { readContracts, releasePackage } from './ocds.js';
export type { OcdsOptions, PublicContract } from './ocds.js';
export { readBudgetLines, readServiceMoney } from './spending-figures.js';
export type { BudgetLine, MoneyCell, ServiceMoney } from './spending-figures.js';
export { DEMO_OCID_PREFIX } from './plugin.js';
export { addMilestone, checkMilestone, checkNewProject, checkProjectUpdate, completeMilestone, createProject, getProject, listProjectNames, listProjects, PROJECT_STATUSES, recordProjectUpdate, seedDemoProjects } from './projects.js';
export type { Milestone, NewProject, Project, ProjectStatus, ProjectUpdate } from './projects.js';
export { PROJECT_COLUMNS, projectsCsv } from './projects-pages.js';
export { COMMUNICATIONS_DEPARTMENT, mayEditProjectsOf, registerProjectsStaffPages } from './projects-staff.js';
export type { ProjectsStaffOptions } from './projects-staff.js';

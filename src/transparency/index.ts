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

/** The staff workbench: inbox by department with SLA countdowns, the case page, and the actions on a task. */
export { CASE_PAGE_CSP, createWorkbenchPlugin, INBOX_PAGE_SIZE } from './workbench-plugin.js';
export type { WorkbenchOptions } from './workbench-plugin.js';
export { addIsoDuration, applicantPauses, caseSlaState, slaState } from './sla.js';
export type { CaseSla, Pause, SlaState } from './sla.js';
export { diagramOf } from './diagram.js';
export type { ProcessDiagram } from './diagram.js';
export { readTaskForm, requiredWhenRules } from './task-form.js';
export type { RequiredWhen } from './task-form.js';
export { CASE_SEARCH_PROJECTOR, CASE_SEARCH_TABLES, CASE_STATES, COUNT_CAP, createCaseSearchProjector, searchCases } from './case-search.js';
export type { CaseQuery, CaseState, FoundCase, SearchService, SearchTokens } from './case-search.js';
export { readCaseQuery, SEARCH_PAGE_SIZE } from './search-routes.js';
export { analyzeCaseIndex, caseIndexTally, insertIndexedCases } from './case-search-seed.js';
export type { IndexedCase } from './case-search-seed.js';
export { CONFORMANCE_EVENT, latestConformanceCheck, runConformanceChecks, serviceIntelligence } from './intelligence.js';
export type { ConformanceCheck } from './intelligence.js';
export { createSlaEscalationProjector, PAUSED_UNTIL, SLA_ESCALATION_PROJECTOR, SLA_TIMER_ELEMENT } from './sla-escalation.js';

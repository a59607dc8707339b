/** The staff workbench: inbox by department with SLA countdowns, the case page, and the actions on a task. */
export { createWorkbenchPlugin } from './workbench-plugin.js';
export type { WorkbenchOptions } from './workbench-plugin.js';
export { slaState, taskKindOf } from './sla.js';
export type { SlaState, TaskKind } from './sla.js';

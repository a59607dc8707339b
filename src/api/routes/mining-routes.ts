/** Serves process mining of a deployed process from the event log (`/api/process-definitions/:key/mining`). */
import { Type } from '@sinclair/typebox';
import { processDefinitionId } from '../../engine/index.js';
import { GovflowError } from '../../kernel/index.js';
import { analyzeLog, readEventLogFromDatabase } from '../../mining/index.js';
import type { Principal } from '../../identity/index.js';
import type { Database } from '../../store/index.js';
import { route, type RouteDefinition } from '../route.js';

/** Process intelligence over govflow's own event log, per process definition and version. */
export function miningRoutes(db: Database, departmentOfProcess?: (processKey: string) => string | undefined): RouteDefinition[] {
  /**
   * A manager mines only the processes of their departments' services (issue 13: mining is scoped to the caller's
   * departments); admins and auditors oversee every process. A process outside the catalogue belongs to no department.
   */
  function requireMiningScope(principal: Principal | null, key: string): void {
    if (principal?.kind !== 'staff' || principal.roles.includes('admin') || principal.roles.includes('auditor')) return;
    const department = departmentOfProcess?.(key);
    if (department === undefined || !principal.memberships.some((m) => m.department === department && m.role === 'manager')) {
      throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', `process '${key}' is not of a department you manage`);
    }
  }
  return [
    route({
      method: 'GET', url: '/api/process-definitions/:key/mining', operationId: 'mineProcess', access: ['manager', 'admin', 'auditor'], tag: 'process intelligence',
      summary: 'Variants, directly-follows graph with times, case durations, rework, SLA and bottlenecks mined from the event log of a process (all versions, or one)',
      params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 500 }) }),
      query: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
      response: Type.Object({
        cases: Type.Integer(), events: Type.Integer(), activities: Type.Integer(), variants: Type.Integer(),
      }, { additionalProperties: true }),
      handler: async ({ params, query, principal }) => {
        let definitionId: number | undefined;
        if (query.version !== undefined) {
          definitionId = await processDefinitionId(db, params.key, query.version) ?? undefined;
          if (definitionId === undefined) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `no process '${params.key}' version ${query.version} is deployed`);
        } else {
          if (await processDefinitionId(db, params.key) === null) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `no process '${params.key}' is deployed`);
        }
        // After the 404 of an unknown process, so scope says nothing about what is deployed.
        requireMiningScope(principal, params.key);
        const log = await readEventLogFromDatabase(db, { processKey: params.key, ...(definitionId !== undefined ? { definitionId } : {}) });
        return analyzeLog(log);
      },
    }),
  ];
}

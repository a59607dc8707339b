/** Serves the personal-data access log's JSON API (Data Tracker findUsage, a citizen's own uses) and logs reads of case data. */
import { Type } from '@sinclair/typebox';
import { GovflowError } from '../../kernel/index.js';
import type { Principal } from '../../identity/index.js';
import { DEFAULT_USAGE_LIMIT, MAX_USAGE_LIMIT, type Privacy } from '../../privacy/index.js';
import { route, type RouteDefinition } from '../route.js';

/** Which organisation runs this govflow: the receiver named in the access log when its own staff read data. */
export interface PrivacyRouteOptions {
  readonly agencyCode?: string;
  readonly agencyName?: string;
}

const PersonCode = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9:._@-]+$', description: 'The person whose data use is listed (auditors only; a citizen always sees their own)' });

/**
 * One use of a person's data, as Estonia's Data Tracker `findUsage` returns it (RIA's "Andmejälgija kasutusteabe
 * esitamise protokoll" v1.3.1: `logtime`, `action`, `receiver` = the receiving organisation's code), plus the
 * receiverCode/receiverName/receiverSystem the eesti.ee view shows and govflow's actor, purpose and categories.
 */
export const Usage = Type.Object({
  logtime: Type.String({ format: 'date-time', description: 'When the data was used' }),
  action: Type.String({ description: 'What was done, e.g. case.viewed' }),
  receiver: Type.String({ description: 'Code of the organisation that received the data (the protocol\'s field; same as receiverCode)' }),
  receiverCode: Type.String({ description: 'Code of the organisation that received the data' }),
  receiverName: Type.String(),
  receiverSystem: Type.String({ description: 'Information system that received the data' }),
  actor: Type.String({ description: 'Who acted: staff:<id> or system:<client>' }),
  dataCategories: Type.Array(Type.String()),
  purpose: Type.String(),
  reference: Type.Union([Type.String(), Type.Null()]),
});

export const FindUsageQuery = Type.Object({
  personCode: Type.Optional(PersonCode),
  // As in the protocol: the sequence number of the first entry to return, counting from 1 (newest first).
  offset: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 1, description: 'Number of the first entry to return; the first (newest) is 1' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_USAGE_LIMIT, default: DEFAULT_USAGE_LIMIT })),
});

/** The person a data-use query is about: a citizen only ever themselves; an auditor must name the person. */
function subjectFor(principal: Principal | null, personCode: string | undefined): string {
  if (!principal) throw new GovflowError('GOVFLOW_ERR_UNAUTHENTICATED', 'sign in to see who used your data');
  if (principal.kind === 'citizen') {
    if (personCode !== undefined && personCode !== principal.id) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'query.personCode: a citizen may only see the use of their own data');
    return principal.id;
  }
  if (personCode === undefined) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'query.personCode is required for an auditor', [{ where: 'query.personCode', message: 'is required' }]);
  return personCode;
}

export function privacyRoutes(privacy: Privacy): RouteDefinition[] {
  return [
    route({
      method: 'GET', url: '/api/v2/findUsage', operationId: 'findUsage', access: ['citizen', 'auditor'], tag: 'privacy',
      summary: 'Who used a person\'s data (Data Tracker findUsage): newest first, offset/limit paging (default limit 1,000)',
      query: FindUsageQuery,
      response: Type.Object({ usage: Type.Array(Usage) }),
      handler: async ({ query, principal }) => {
        const subject = subjectFor(principal, query.personCode);
        const { entries } = await privacy.listAccess(subject, { offset: (query.offset ?? 1) - 1, limit: query.limit ?? DEFAULT_USAGE_LIMIT });
        return { usage: entries.map((e) => ({
          logtime: e.logtime, action: e.action, receiver: e.receiverCode, receiverCode: e.receiverCode, receiverName: e.receiverName, receiverSystem: e.receiverSystem,
          actor: e.actor, dataCategories: e.dataCategories, purpose: e.purpose, reference: e.reference,
        })) };
      },
    }),
    route({
      method: 'GET', url: '/api/v2/my-data', operationId: 'exportMyData', access: ['citizen'], tag: 'privacy',
      summary: 'Everything govflow holds about the signed-in citizen, as JSON (cases, answers, timeline, access log, identifiers)',
      response: Type.Object({ personId: Type.String() }, { additionalProperties: true }),
      handler: async ({ principal }) => {
        if (principal?.kind !== 'citizen') throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'only a citizen can download their own data');
        return privacy.exportPersonData(principal.id);
      },
    }),
  ];
}

const PURPOSE_MAX = 200;

/**
 * Logs a staff member's or API client's read of a case's personal data, after the read succeeded. Agency systems
 * must say why in the `x-govflow-purpose` header (checked *before* the read by {@link requirePurpose}); staff read
 * for "case handling" unless they say otherwise, auditors for "audit". Cases without a person are not logged.
 */
export function caseReadLogger(privacy: Privacy | undefined, options: PrivacyRouteOptions = {}) {
  const agencyCode = options.agencyCode ?? 'govflow';
  const agencyName = options.agencyName ?? 'govflow';
  return {
    requirePurpose(principal: Principal | null, headers: Record<string, unknown> | undefined): string | null {
      if (!privacy || !principal) return null;
      const raw = headers?.['x-govflow-purpose'];
      const given = typeof raw === 'string' ? raw.trim() : '';
      if (given.length > PURPOSE_MAX || /[\u0000-\u001f]/.test(given)) {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', `header x-govflow-purpose must be at most ${PURPOSE_MAX} printable characters`, [{ where: 'headers.x-govflow-purpose', message: 'is not valid' }]);
      }
      if (given) return given;
      if (principal.kind === 'agency-system') {
        throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'header x-govflow-purpose is required: say why your system reads this person\'s data', [{ where: 'headers.x-govflow-purpose', message: 'is required' }]);
      }
      return principal.kind === 'staff' && principal.roles.length === 1 && principal.roles[0] === 'auditor' ? 'audit' : 'case handling';
    },
    async log(principal: Principal | null, purpose: string | null, instanceId: number, action: { staff: string; system: string }, categories: string[]): Promise<void> {
      if (!privacy || !principal || purpose === null || principal.kind === 'citizen') return;
      const system = principal.kind === 'agency-system';
      // One statement finds the person and writes both the access row and its sealed event (nothing without a person).
      await privacy.recordInstanceAccess(instanceId, {
        actor: `${system ? 'system' : 'staff'}:${principal.id}`, action: system ? action.system : action.staff,
        receiverCode: system ? principal.id : agencyCode, receiverName: system ? principal.name : agencyName, receiverSystem: system ? principal.id : 'govflow-api',
        dataCategories: categories, purpose, reference: `case:${instanceId}`,
      });
    },
  };
}

import { GovflowError } from '../kernel/index.js';
import { actorOf, type Principal } from '../identity/index.js';

/**
 * Who acts, and what no caller may write (issue 13, docs/security.md "Roles that mean what they say").
 *
 * The actor of every action is the signed-in principal. Some request bodies still carry a field naming a user
 * (`user` on the task routes, kept so existing clients do not break): it may only name the caller themself, as
 * their id or their actor string; naming anyone else is refused with 403, never acted on.
 */
export function actingAs(principal: Principal | null, named: string | undefined, where = 'body.user'): string {
  if (!principal) throw new GovflowError('GOVFLOW_ERR_UNAUTHENTICATED', 'sign in or send an API key to act');
  const actor = actorOf(principal);
  if (named !== undefined && named !== actor && named !== principal.id) {
    throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', `${where} must be you (${actor}) or left out: the acting user is always the signed-in caller`, [{ where, message: 'names another user' }]);
  }
  return actor;
}

/**
 * Variables that say whose case it is. The owner of a case is taken from its immutable start record (the sealed
 * `process.started` event written when the portal starts it), and a person id in `applicant` is what that record
 * holds; so no API may write one, at start or later. A structured `applicant` (a record of answers, as in Camunda's
 * example models) names nobody and is ordinary case data.
 */
export const RESERVED_VARIABLES: readonly string[] = ['applicant', 'subject', 'owner'];

/** Refuses variables that would set a case's owner or subject, naming the field. */
export function refuseReservedVariables(variables: Readonly<Record<string, unknown>> | undefined, where = 'body.variables'): void {
  for (const name of RESERVED_VARIABLES) {
    if (variables && Object.prototype.hasOwnProperty.call(variables, name) && typeof variables[name] === 'string') {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${where}.${name} is reserved: who a case is about comes from its start record and cannot be set through the API`, [{ where: `${where}.${name}`, message: 'is reserved' }]);
    }
  }
}

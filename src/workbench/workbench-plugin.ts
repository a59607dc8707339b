import type { FastifyInstance } from 'fastify';
import { t } from '../i18n/index.js';
import { htmlPageEdge } from '../web/index.js';
import { caseRenderer, registerCaseRoutes } from './case-routes.js';
import { registerDecisionRoutes } from './decision-routes.js';
import { registerIncidentRoutes } from './incident-routes.js';
import { registerInboxRoutes } from './inbox-routes.js';
import { registerIntelligenceRoutes } from './intelligence-routes.js';
import { registerSearchRoutes } from './search-routes.js';
import { registerTaskRoutes } from './task-routes.js';
import { createWorkbenchContext, type WorkbenchOptions } from './workbench-context.js';

/**
 * Serves the staff workbench at `/staff`: an inbox of the tasks of the signed-in person's departments with task and
 * case SLA countdowns, paged (inbox-routes.ts); a case page with applicant data and documents — each read logged for
 * the person —, the process diagram with the current position, open tasks with their catalogue forms, timeline and
 * internal notes (case-routes.ts); the actions on a task: claim, release, reassign, escalate, complete
 * (task-routes.ts). Sessions and CSRF are identity's web session plugin's (`request.principal`).
 */

export { INBOX_PAGE_SIZE } from './workbench-context.js';
export type { WorkbenchOptions } from './workbench-context.js';

const FORM_BODY_LIMIT = 64 * 1024;


/**
 * The case page's policy: the layout's (nothing inline, nothing from elsewhere) plus exactly what the bpmn-js
 * viewer needs — its script and the boot script from 'self', and `fetch` of the case's BPMN from 'self'. The viewer
 * styles its SVG through the DOM (not inline `style` attributes), so styles stay 'self' only.
 */
export const CASE_PAGE_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";


export function createWorkbenchPlugin(options: WorkbenchOptions): (server: FastifyInstance) => Promise<void> {
  const ctx = createWorkbenchContext(options);
  return async (server: FastifyInstance) => {
    if (!server.hasRequestDecorator('principal')) throw new Error('the workbench needs identity\'s web session plugin: pass `webSession` to createApiServer');
    await server.register(htmlPageEdge, {
      formBodyLimit: FORM_BODY_LIMIT,
      cspFor: (reply) => (ctx.diagramPages.has(reply) ? CASE_PAGE_CSP : undefined),
      errors: {
        render: (request, reply, title, content, status) => ctx.send(reply, request.principal?.kind === 'staff' ? { principal: request.principal, csrfToken: request.csrfToken } : null, title, content, status),
        log: ctx.log, home: { href: '/staff', get label() { return t('staff.backToInbox'); } }, userMessages: true,
        onError: (reply) => ctx.diagramPages.delete(reply),
      },
    });
    const renderCase = caseRenderer(ctx);
    registerInboxRoutes(server, ctx);
    registerCaseRoutes(server, ctx, renderCase);
    registerTaskRoutes(server, ctx, renderCase);
    registerDecisionRoutes(server, ctx, renderCase);
    registerIncidentRoutes(server, ctx);
    registerSearchRoutes(server, ctx);
    registerIntelligenceRoutes(server, ctx);
  };
}

import type { FastifyInstance } from 'fastify';
import { MAX_BPMN_BYTES } from '../engine/index.js';
import { t } from '../i18n/index.js';
import { hasRole } from '../identity/index.js';
import { htmlPageEdge, PageError, redirectToSignIn } from '../web/index.js';
import { createAdminContext, EDITOR_CSP, FORM_BODY_LIMIT, type AdminOptions } from './admin-context.js';
import { registerApiKeyRoutes } from './api-key-routes.js';
import { registerDecisionRoutes } from './decision-routes.js';
import { registerOrganisationRoutes } from './organisation-routes.js';
import { registerProcessRoutes } from './process-routes.js';
import { registerPublishingRoutes } from './publishing-routes.js';
import { registerServiceCreateRoutes } from './service-create-routes.js';
import { registerServiceRoutes } from './service-routes.js';

/**
 * Serves the administration pages at `/admin/…` (role admin only): deploy and version processes and decisions
 * (upload, or draw in the bpmn-js modeller; process-routes.ts), edit the catalogue's plain-language fields and
 * question-page forms as stored versions (form-js editor; service-routes.ts), and manage departments, staff accounts
 * and their memberships (organisation-routes.ts). Sessions and CSRF are identity's web session plugin's.
 */

export { deploymentProblems } from './admin-context.js';
export type { AdminOptions } from './admin-context.js';



export function createAdminPlugin(options: AdminOptions): (server: FastifyInstance) => Promise<void> {
  const ctx = createAdminContext(options);

  return async (server: FastifyInstance) => {
    if (!server.hasRequestDecorator('principal')) throw new Error('the admin pages need identity\'s web session plugin: pass `webSession` to createApiServer');
    await server.register(htmlPageEdge, {
      formBodyLimit: FORM_BODY_LIMIT,
      multipart: { fileSize: MAX_BPMN_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
      cspFor: (reply) => (ctx.editorPages.has(reply) ? EDITOR_CSP : undefined),
      errors: {
        render: (request, reply, title, content, status) => ctx.send(reply, ctx.sessions.get(request) ?? null, title, content, { status }),
        log: ctx.log, home: { href: '/admin', get label() { return t('admin.backToOverview'); } }, userMessages: true,
      },
    });
    // Who may use the admin pages is decided before the body is read: a visitor or non-admin never gets to send a
    // large form or a multipart upload.
    server.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/admin')) return;
      // A body declared larger than any admin form or upload may be is refused as such, for everyone: 413 says what
      // is wrong without reading a byte of it (and without telling a visitor anything about their rights).
      if (Number(request.headers['content-length'] ?? 0) > FORM_BODY_LIMIT) {
        throw new PageError(413, t('error.badRequestTitle'), `${t('error.tooLarge')} ${t('error.goBack')}`);
      }
      const principal = request.principal;
      if (principal?.kind === 'staff' && hasRole(principal, ['admin'])) {
        ctx.sessions.set(request, { principal, csrfToken: request.csrfToken });
        return;
      }
      if (principal) throw new PageError(403, t('admin.error.notAdminTitle'), t('admin.error.notAdminText'));
      await redirectToSignIn(reply, 'staff', request, '/admin');
    });
    registerProcessRoutes(server, ctx);
    registerServiceRoutes(server, ctx);
    registerServiceCreateRoutes(server, ctx);
    registerPublishingRoutes(server, ctx);
    registerDecisionRoutes(server, ctx);
    registerOrganisationRoutes(server, ctx);
    registerApiKeyRoutes(server, ctx);
  };
}

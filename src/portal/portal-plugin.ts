import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptMultipartForms, htmlPageEdge, pageNotFound, type SafeHtml } from '../web/index.js';
import { registerApplicationRoutes } from './application-routes.js';
import { registerApplyRoutes } from './apply-routes.js';
import { registerCatalogueRoutes } from './catalogue-routes.js';
import { registerDataUsagePages } from './data-usage-page.js';
import { registerPaymentPages } from './payment-pages.js';
import { createPortalContext, deployServices, type PortalContext, type PortalOptions } from './portal-context.js';
import { PAGE_MULTIPART_LIMITS } from './question-uploads.js';
import { registerUploadRoutes } from './uploads.js';
import { t } from '../i18n/index.js';

/**
 * Serves the citizen portal at `/`: the service catalogue and sign-in (catalogue-routes.ts), the application
 * journey (apply-routes.ts), the citizen's applications and their status (application-routes.ts), fee payment
 * (payment-pages.ts), document uploads (uploads.ts) and "Who has seen my data" (data-usage-page.ts). Sessions and
 * CSRF are not here: identity's web session plugin serves every page (`request.principal`) and checks every form.
 */

export type { PortalOptions } from './portal-context.js';
export { DEMO_CITIZENS } from '../identity/index.js';

const FORM_BODY_LIMIT = 256 * 1024;

/** A Fastify plugin with the citizen portal's pages: register it with `createApiServer({ webSession, plugins: [...] })`. */
export function createPortalPlugin(options: PortalOptions): (server: FastifyInstance) => Promise<void> {
  let deployed: Promise<void> | undefined;
  const ctx: PortalContext = createPortalContext(options);

  return async (server: FastifyInstance) => {
    if (!server.hasRequestDecorator('principal')) throw new Error('the portal needs identity\'s web session plugin: pass `webSession` to createApiServer');
    if (options.deployProcesses !== false) {
      deployed ??= deployServices(ctx.engine, ctx.catalogue);
      await deployed;
    }
    // The portal's pages carry the installable app (issue 18): its status pages stay readable offline.
    await server.register(htmlPageEdge, {
      app: true, formBodyLimit: FORM_BODY_LIMIT,
      errors: {
        render: (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status: number) => ctx.send(request, reply, title, content, { status }),
        log: ctx.log, home: { href: '/', get label() { return t('error.home'); } }, get bugHint() { return t('error.answersSaved'); },
      },
    });

    registerCatalogueRoutes(server, ctx);
    // The posts that may carry files (a question page, a document for a case) read multipart in a scope of their
    // own: the multipart plugin's hooks cost every route of their scope two promises a request, pages included.
    await server.register(async (uploads) => {
      await acceptMultipartForms(uploads, PAGE_MULTIPART_LIMITS);
      registerApplyRoutes(server, uploads, ctx);
      registerUploadRoutes(uploads, {
        db: options.db, citizen: ctx.citizen, send: ctx.send,
        ownCase: async (request, reference) => {
          const submission = await ctx.ownSubmission(request, reference);
          return { reference: submission.reference, serviceId: submission.serviceId, service: ctx.serviceOr404(submission.serviceId) };
        },
      });
    });
    registerApplicationRoutes(server, ctx);
    registerPaymentPages(server, {
      payments: options.payments, citizen: ctx.citizen, send: ctx.send,
      ownCase: async (request, reference) => {
        const submission = await ctx.ownSubmission(request, reference);
        return { reference: submission.reference, serviceId: submission.serviceId, instance: await ctx.instanceOf(submission), service: ctx.serviceOr404(submission.serviceId) };
      },
    });
    if (options.privacy) {
      registerDataUsagePages(server, {
        privacy: options.privacy,
        citizen: async (request, reply) => ctx.citizen(request, reply),
        send: async (request, reply, title, content) => ctx.send(request, reply, title, content),
        nameCase: (reference) => {
          const service = ctx.catalogue.services.find((svc) => reference.startsWith(`${svc.referencePrefix}-`));
          return service ? `${reference}: ${service.title}` : reference;
        },
      });
    }

    // Mistyped addresses under the portal's own paths get the friendly page (the API keeps its JSON 404 elsewhere).
    const notFound = async (): Promise<never> => {
      throw pageNotFound();
    };
    server.get('/services/*', notFound);
    server.get('/applications/*', notFound);
    server.get('/assets/*', notFound);
  };
}

import type { FastifyInstance } from 'fastify';
import { t } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { htmlPageEdge } from '../web/index.js';
import { registerDiscussionRoutes } from './discussion-pages.js';
import { registerModerationRoutes } from './moderation-pages.js';
import { send, type ProjectDirectory } from './participation-kit.js';
import { registerProjectDebateRoutes } from './project-debates.js';
import type { Participation } from './proposals.js';
import { registerProposalRoutes } from './proposals-pages.js';

/**
 * Serves proposals, debates and moderation (the routes of proposals-pages.ts, discussion-pages.ts,
 * project-debates.ts and moderation-pages.ts) as one Fastify plugin: one scope with the page edge (form parsing, security
 * headers, the HTML error pages). CSRF is the server-wide session hook's, as on every other form.
 */
export function createParticipationPlugin(options: { participation: Participation; logger: Logger; projects?: ProjectDirectory }): (server: FastifyInstance) => Promise<void> {
  const ctx = { participation: options.participation, ...(options.projects ? { projects: options.projects } : {}) };
  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 64 * 1024,
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, status), log: options.logger, home: { href: '/proposals', get label() { return t('participation.home'); } } },
      });
      registerProposalRoutes(scope, ctx);
      registerDiscussionRoutes(scope, ctx);
      registerProjectDebateRoutes(scope, ctx);
      registerModerationRoutes(scope, ctx);
    });
  };
}


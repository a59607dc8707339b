/** Serves "Updates to citizens" (issue 18): the public pages and feeds under /updates and the staff page /staff/updates. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../kernel/index.js';
import { createUpdates, type UpdatesOptions } from './updates.js';
import { registerUpdatesPages, type EnsureSession } from './updates-pages.js';
import { registerUpdatesStaffPage } from './updates-staff.js';

/**
 * "Updates to citizens" (issue 18) as one Fastify plugin: the public pages and feeds, the subscription pages, and
 * the staff page that publishes. Returns the model too, for the composition root and tests.
 */
export function createUpdatesPlugin(options: UpdatesOptions & { ensureSession: EnsureSession; logger: Logger }) {
  const updates = createUpdates(options);
  const pages = registerUpdatesPages({ updates, publicUrl: options.engagement.publicUrl, agencyName: options.agencyName, ensureSession: options.ensureSession, logger: options.logger });
  const staff = registerUpdatesStaffPage({ updates, logger: options.logger });
  return {
    updates,
    plugin: async (server: FastifyInstance): Promise<void> => {
      await pages(server);
      await staff(server);
    },
  };
}

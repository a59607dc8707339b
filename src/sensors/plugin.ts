/** The sensors plugin on the web edge: it serves the NGSI-LD API at /ngsi-ld/v1 and the staff's operations pages at /staff/sensors. */
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../kernel/index.js';
import { registerNgsiLdRoutes, type SensorsAuthorise } from './ngsi-ld-routes.js';
import { registerOpsPages } from './ops-pages.js';
import type { Sensors } from './sensors.js';

/** The API key scope that may store and read readings (`govflow apikey create --scope sensors`). */
export const SENSORS_SCOPE = 'sensors';

export interface SensorsPluginOptions {
  readonly sensors: Sensors;
  readonly authorise: SensorsAuthorise;
  readonly logger?: Logger;
}

export function createSensorsPlugin(options: SensorsPluginOptions): (server: FastifyInstance) => Promise<void> {
  return async (server) => {
    await registerNgsiLdRoutes(server, options.sensors, options.authorise);
    await registerOpsPages(server, options.sensors, options.logger ?? createLogger({ name: 'sensors' }));
  };
}

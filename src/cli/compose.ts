import { createApiServer } from '../api/index.js';
import { createEngine, startWorkerLoop, type Engine, type EngineOptions, type WorkerLoop } from '../engine/index.js';
import { createLogger, loadConfig, type GovflowConfig, type Logger } from '../kernel/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../catalogue/index.js';
import { createPortalPlugin } from '../portal/index.js';
import { openDatabaseFromConfig, type Database } from '../store/index.js';

/** The composition root: the one place that wires the modules together for a running govflow process. */
export interface Govflow {
  readonly config: GovflowConfig;
  readonly db: Database;
  readonly engine: Engine;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function openGovflow(options: { config?: GovflowConfig; engine?: EngineOptions } = {}): Promise<Govflow> {
  const config = options.config ?? loadConfig();
  const logger = createLogger();
  const db = await openDatabaseFromConfig(config);
  const engine = createEngine(db, { logger, ...options.engine });
  return { config, db, engine, logger, close: () => db.close() };
}

export async function startServer(govflow: Govflow): Promise<{ url: string; worker: WorkerLoop; stop(): Promise<void> }> {
  // The citizen portal (issue 5): the service catalogue in services/ (GOVFLOW_SERVICES_DIR), pages at /.
  const catalogue = await loadCatalogue(process.env['GOVFLOW_SERVICES_DIR'] ?? DEFAULT_CATALOGUE_DIR);
  const portal = createPortalPlugin({
    engine: govflow.engine, db: govflow.db, catalogue, logger: govflow.logger,
    ...(process.env['GOVFLOW_SESSION_SECRET'] ? { sessionSecret: process.env['GOVFLOW_SESSION_SECRET'] } : {}),
  });
  const { server } = await createApiServer({ engine: govflow.engine, db: govflow.db, logger: govflow.logger, plugins: [portal] });
  const worker = startWorkerLoop(govflow.engine, { logger: govflow.logger });
  const address = await server.listen({ host: govflow.config.host, port: govflow.config.port });
  return {
    url: address,
    worker,
    async stop() {
      await server.close();
      await worker.stop();
    },
  };
}

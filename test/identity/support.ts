import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApiServer } from '../../src/api/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { createIdentity, type Identity, type IdentityOptions } from '../../src/identity/index.js';
import { createPortalPlugin } from '../../src/portal/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface IdentityServer {
  readonly base: string;
  readonly db: Database;
  /** The database's URL (`memory://` for PGlite): a PostgreSQL one can be given to pg_dump. */
  readonly dbUrl: string;
  readonly engine: Engine;
  readonly identity: Identity;
  close(): Promise<void>;
}

/** A real govflow server (API + identity pages + portal wired to identity) with the demo organisation. */
export async function startIdentityServer(backend: Backend, options: Partial<IdentityOptions> = {}, port = 0, serviceOfProcess?: (processKey: string) => string | undefined, edge: { trustProxy?: boolean | number | string; departmentOfProcess?: (processKey: string) => string | undefined } = {}): Promise<IdentityServer> {
  const db = await freshDatabase(backend);
  const engine = createEngine(db);
  const identity = createIdentity({ db, masterKey: randomBytes(32), demo: true, ...options });
  const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
  const portal = createPortalPlugin({ engine, db, catalogue, identity, deployProcesses: false, processingTimeCacheMs: 0 });
  // The inverse of serviceOfProcess over the processes the tests deploy, as compose.ts derives both from the catalogue.
  const processKeysOf = (services: readonly string[]): string[] => ['inspection', 'renewal'].filter((key) => services.includes(serviceOfProcess?.(key) ?? ''));
  const { server } = await createApiServer({ engine, db, authenticate: identity.authenticate, webSession: identity, plugins: [identity.plugin, portal], ...(serviceOfProcess ? { serviceOfProcess, processKeysOf } : {}), ...edge });
  await server.listen({ host: '127.0.0.1', port });
  return {
    base: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`, db, dbUrl: db.url, engine, identity,
    async close() {
      await server.close();
      await db.close();
    },
  };
}

import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { GovflowConfig } from '../kernel/index.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { createPgliteDatabase } from './pglite-database.js';
import { createPostgresDatabase } from './postgres-database.js';

export interface OpenDatabaseOptions {
  /** `postgres://…` for a server; `memory://` for a throwaway embedded database; otherwise embedded in `dataDir`. */
  readonly url?: string | undefined;
  readonly dataDir?: string;
  readonly poolSize?: number;
  /** Apply pending migrations (default true). */
  readonly migrate?: boolean;
}

/** The factory behind every database handle: picks the backend from the URL and migrates. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  let db: Database;
  if (options.url?.startsWith('postgres://') || options.url?.startsWith('postgresql://')) {
    db = await createPostgresDatabase(options.url, options.poolSize ?? 10);
  } else if (options.url === 'memory://') {
    db = await createPgliteDatabase();
  } else {
    const dir = path.join(options.dataDir ?? 'data', 'pglite');
    await mkdir(dir, { recursive: true });
    db = await createPgliteDatabase(dir);
  }
  if (options.migrate !== false) await migrate(db);
  return db;
}

export function openDatabaseFromConfig(config: GovflowConfig, overrides: Partial<OpenDatabaseOptions> = {}): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize, ...overrides });
}

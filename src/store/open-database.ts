import path from 'node:path';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { GovflowError } from '../kernel/index.js';
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
    const release = await lockDataDir(dir);
    const inner = await createPgliteDatabase(dir).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    db = { ...inner, close: async () => {
      await inner.close();
      await release();
    } };
  }
  if (options.migrate !== false) await migrate(db);
  return db;
}

export function openDatabaseFromConfig(config: GovflowConfig, overrides: Partial<OpenDatabaseOptions> = {}): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize, ...overrides });
}

/**
 * An embedded database may be opened by one process only (PGlite has no cross-process locking); a second
 * govflow process gets a clear error instead of a corrupted data directory. A lock left by a dead process is taken over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, '..', 'govflow.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(file).catch(() => {});
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (alive) {
        throw new GovflowError('GOVFLOW_ERR_DATABASE_UNAVAILABLE', `the embedded database in ${path.dirname(dir)} is in use by govflow process ${pid}; talk to that server (--url) or stop it first`);
      }
      await unlink(file).catch(() => {});
    }
  }
  throw new GovflowError('GOVFLOW_ERR_DATABASE_UNAVAILABLE', `could not lock the embedded database in ${path.dirname(dir)}`);
}

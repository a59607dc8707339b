import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { GovflowError } from '../kernel/index.js';
import type { GovflowConfig } from '../kernel/index.js';
import type { Database } from './database.js';
import { listMigrations, migrate } from './migrate.js';
import { createPgliteDatabase } from './pglite-database.js';
import { createPostgresDatabase } from './postgres-database.js';

export interface OpenDatabaseOptions {
  /** `postgres://…` for a server; `memory://` for a throwaway embedded database; otherwise embedded in `dataDir`. */
  readonly url?: string | undefined;
  readonly dataDir?: string;
  readonly poolSize?: number;
  /** Apply pending migrations (default true). */
  readonly migrate?: boolean;
  /**
   * Only for a NEW embedded database (`memory://`, or a data directory without a database yet) with migrations on,
   * opt-in (GOVFLOW_PGLITE_SNAPSHOT_DIR; the test runner sets it): a folder where a migrated database is kept as a
   * `dumpDataDir` image, named by the migrations' checksums. The new database starts from that image instead of
   * applying every migration (seconds per database); the migrations still run afterwards, so a stale or edited
   * image is refused as any migrated database would be. An existing database is never touched by it.
   */
  readonly migratedSnapshotDir?: string;
}

/** The factory behind every database handle: picks the backend from the URL and migrates. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  let db: Database;
  if (options.url?.startsWith('postgres://') || options.url?.startsWith('postgresql://')) {
    db = await createPostgresDatabase(options.url, options.poolSize ?? 10);
  } else if (options.url === 'memory://') {
    const image = options.migratedSnapshotDir && options.migrate !== false ? await migratedImage(options.migratedSnapshotDir) : undefined;
    db = await createPgliteDatabase(undefined, image ? { loadDataDir: image } : {});
  } else {
    const dir = path.join(options.dataDir ?? 'data', 'pglite');
    await mkdir(dir, { recursive: true });
    const release = await lockDataDir(dir);
    let inner: Awaited<ReturnType<typeof createPgliteDatabase>>;
    try {
      const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
      const image = fresh && options.migratedSnapshotDir && options.migrate !== false ? await migratedImage(options.migratedSnapshotDir) : undefined;
      inner = await createPgliteDatabase(dir, image ? { loadDataDir: image } : {});
    } catch (error) {
      await release();
      throw error;
    }
    db = { ...inner, close: async () => {
      await inner.close();
      await release();
    } };
  }
  if (options.migrate !== false) await migrate(db);
  return db;
}

const images = new Map<string, Promise<Blob>>();

/** The migrated image for the current migrations: from this process, from the folder, or made once and saved there. */
async function migratedImage(dir: string): Promise<Blob> {
  const key = createHash('sha256').update((await listMigrations()).map((m) => m.checksum).join(',')).digest('hex').slice(0, 16);
  const file = path.join(dir, `pglite-migrated-${key}.tar.gz`);
  let image = images.get(file);
  if (!image) {
    image = makeImage(dir, file);
    images.set(file, image);
    image.catch(() => images.delete(file));
  }
  return image;
}

async function makeImage(dir: string, file: string): Promise<Blob> {
  const saved = await readFile(file).catch(() => undefined);
  if (saved) return new Blob([saved]);
  const db = await createPgliteDatabase();
  try {
    await migrate(db);
    const image = await db.dumpDataDir();
    await mkdir(dir, { recursive: true });
    // Written beside and renamed: processes started together never read a half-written image.
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, Buffer.from(await image.arrayBuffer()));
    await rename(partial, file);
    return image;
  } finally {
    await db.close();
  }
}

export function openDatabaseFromConfig(config: GovflowConfig, overrides: Partial<OpenDatabaseOptions> = {}): Promise<Database> {
  return openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize, ...(config.pgliteSnapshotDir ? { migratedSnapshotDir: config.pgliteSnapshotDir } : {}), ...overrides });
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

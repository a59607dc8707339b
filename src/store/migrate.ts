import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GovflowError } from '../kernel/index.js';
import type { Database } from './database.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const FILE_PATTERN = /^(\d{4})-([a-z0-9-]+)\.sql$/;
// Any constant works; all govflow processes must agree on it so only one of them migrates at a time.
const MIGRATION_LOCK_KEY = 7_482_001;

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** The numbered SQL files in `src/store/migrations`, in order. Landed files are never edited: add a new one. */
export async function listMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new GovflowError('GOVFLOW_ERR_INTERNAL', `migration file name ${file} must look like 0001-some-name.sql`);
    const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
    const id = Number(match[1]);
    if (migrations.length > 0 && migrations.at(-1)!.id !== id - 1) {
      throw new GovflowError('GOVFLOW_ERR_INTERNAL', `migration ${file} does not follow ${migrations.at(-1)!.id} without a gap`);
    }
    migrations.push({ id, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Brings the schema up to date. Each migration runs in its own transaction under an advisory lock, so many
 * processes starting at once against one server apply it exactly once. A landed migration whose file changed
 * is refused: the database would no longer match the code that describes it.
 */
export async function migrate(db: Database, options: { through?: number } = {}): Promise<{ applied: number[] }> {
  await db.exec(`create table if not exists govflow_migration (
    id integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`);
  const migrations = await listMigrations();
  const applied: number[] = [];
  for (const migration of migrations) {
    // `through` stops at a given migration: for tests that build a database as an older release left it, then
    // migrate the rest of the way.
    if (options.through !== undefined && migration.id > options.through) break;
    const didApply = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const { rows } = await tx.query<{ checksum: string }>('select checksum from govflow_migration where id = $1', [migration.id]);
      const existing = rows[0];
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new GovflowError('GOVFLOW_ERR_INTERNAL', `migration ${migration.id}-${migration.name} was edited after it was applied; add a new migration instead`);
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('insert into govflow_migration (id, name, checksum) values ($1, $2, $3)', [migration.id, migration.name, migration.checksum]);
      return true;
    });
    if (didApply) applied.push(migration.id);
  }
  return { applied };
}

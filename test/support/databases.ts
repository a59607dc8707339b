import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Backend, type Database } from '../../src/store/index.js';

/** The PostgreSQL server started by scripts/run-tests.mjs, if any. */
export const pgUrl = process.env['GOVFLOW_TEST_PG_URL'];

/**
 * PGlite test databases start from a migrated image kept in the temp folder instead of applying every migration
 * (most of a database-backed test file's start-up): scripts/run-tests.mjs and `npm run mutate` set
 * GOVFLOW_PGLITE_SNAPSHOT_DIR, which the servers a test starts (config) and spawns (environment) use too. The
 * migrations still run on top of the image; PostgreSQL databases and test/architecture/table-ownership.test.ts
 * migrate from nothing.
 */
export const migratedSnapshotDir = process.env['GOVFLOW_PGLITE_SNAPSHOT_DIR'] || undefined;

/** A fresh, migrated database of the given backend: PGlite in memory, or a new database on the test server. */
export async function freshDatabase(backend: Backend, options: { poolSize?: number; migrate?: boolean } = {}): Promise<Database & { url: string }> {
  if (backend === 'pglite') {
    const migrate = options.migrate ?? true;
    const db = await openDatabase({ url: 'memory://', migrate, ...(migratedSnapshotDir ? { migratedSnapshotDir } : {}) });
    return Object.assign(db, { url: 'memory://' });
  }
  const url = useMigratedTemplate && (options.migrate ?? true) ? await createFromMigratedTemplate() : await createServerDatabase();
  const db = await openDatabase({ url, poolSize: options.poolSize ?? 5, migrate: options.migrate ?? true });
  return Object.assign(db, { url });
}

// Mutation runs (GOVFLOW_TEST_PG_TEMPLATE=1, set by `npm run mutate -- <module> --backend postgres`) copy a migrated
// template database instead of migrating each new one: a mutant's test file then starts in a fraction of a second.
// npm test and CI never set it, so there every PostgreSQL database still migrates from nothing.
const useMigratedTemplate = process.env['GOVFLOW_TEST_PG_TEMPLATE'] === '1';

function serverUrl(name: string): string {
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new database on the test server copied from a migrated template (made once per set of migrations). */
async function createFromMigratedTemplate(): Promise<string> {
  if (!pgUrl) throw new Error('no PostgreSQL test server (GOVFLOW_TEST_PG_URL)');
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'store', 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(path.join(dir, f)));
  const template = `govflow_migrated_${hash.digest('hex').slice(0, 16)}`;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    // One process makes the template; the others wait for it here.
    await admin.query('select pg_advisory_lock(26026)');
    const { rows } = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (rows.length === 0) {
      await admin.query(`create database ${template}`);
      const db = await openDatabase({ url: serverUrl(template), poolSize: 1, migrate: true });
      await db.close();
    }
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.query('select pg_advisory_unlock(26026)').catch(() => undefined);
    await admin.end();
  }
  return serverUrl(name);
}

/** Creates an empty database on the test server and returns its URL. */
export async function createServerDatabase(): Promise<string> {
  if (!pgUrl) throw new Error('no PostgreSQL test server (GOVFLOW_TEST_PG_URL)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs the same suite against every backend (a contract test, after Hono's router suites). Without a server the
 * PostgreSQL half is skipped locally and fails under CI (GOVFLOW_REQUIRE_PG). `skip`: a reason to skip both halves
 * (e.g. from skipWithoutSharedData). `backends`: fewer than both, for a suite whose subject is one backend (a
 * PostgreSQL deployment's operations) and too slow to run twice.
 */
// A mutation run may choose one backend (npm run mutate -- ledger --backend postgres): a mutant then costs a new
// database on a running server instead of a PGlite start-up. Never set by npm test or CI, which run both.
const onlyBackends = process.env['GOVFLOW_TEST_BACKENDS']?.split(',').map((b) => b.trim()).filter(Boolean);

export function describeEachBackend(name: string, suite: (backend: Backend) => void, options: { skip?: string | false; backends?: readonly Backend[] } = {}): void {
  for (const backend of options.backends ?? (['pglite', 'postgres'] as const)) {
    if (onlyBackends && !onlyBackends.includes(backend)) {
      describe(`${name} [${backend}]`, { skip: `not among GOVFLOW_TEST_BACKENDS (${onlyBackends.join(', ')})` }, () => undefined);
      continue;
    }
    const unavailable = backend === 'postgres' && !pgUrl;
    if (unavailable && process.env['GOVFLOW_REQUIRE_PG'] === '1') {
      throw new Error('PostgreSQL test server required (CI=true) but GOVFLOW_TEST_PG_URL is not set');
    }
    describe(`${name} [${backend}]`, { skip: options.skip || (unavailable ? 'no PostgreSQL test server' : false) }, () => suite(backend));
  }
}

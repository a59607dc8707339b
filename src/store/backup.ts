/**
 * Backups of the system of record, one file each: the embedded database as PGlite's own dump of its data
 * directory (a gzipped tar, `dumpDataDir`), a PostgreSQL server's database as `pg_dump --format=custom`. Restore
 * writes into an empty target only (or, with `force`, sets the old one aside / cleans it first). Whether the
 * restored data is whole is for the caller to judge (the CLI verifies the ledger); this file only moves bytes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { GovflowError } from '../kernel/index.js';
import type { Database } from './database.js';
import { lockDataDir, openDatabase } from './open-database.js';
import { createPgliteDatabase } from './pglite-database.js';

export type BackupFormat = 'pglite' | 'pg_dump';

/** Where the data lives: a server URL, else the embedded database in `<dataDir>/pglite`. */
export interface BackupTarget {
  readonly url?: string | undefined;
  readonly dataDir: string;
}

const isServer = (target: BackupTarget): target is BackupTarget & { url: string } => /^postgres(ql)?:\/\//.test(target.url ?? '');

function backupError(message: string, cause?: unknown): GovflowError {
  return new GovflowError('GOVFLOW_ERR_VALIDATION', message, [], cause === undefined ? {} : { cause });
}

/** A PostgreSQL client tool: GOVFLOW_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (pg_dump must not be older than the server), else PATH. */
function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  const configured = process.env['GOVFLOW_PG_BIN'];
  if (configured) return path.join(configured, name);
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', name))).sort((a, b) => Number(b) - Number(a)) : [];
  return versions[0] ? path.join(base, versions[0], 'bin', name) : name;
}

function runTool(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? backupError(`${path.basename(tool)} not found (${tool}): install PostgreSQL's client tools or set GOVFLOW_PG_BIN to their directory`) : error);
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new GovflowError('GOVFLOW_ERR_DATABASE_UNAVAILABLE', `${path.basename(tool)} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * Writes a backup of the target to `file` (refuses to overwrite one); returns its format, size and what `inspect`
 * found in the database just before (on the embedded database, through the same handle that is then dumped).
 */
export async function backupDatabase<T>(target: BackupTarget, file: string, inspect: (db: Database) => Promise<T>): Promise<{ format: BackupFormat; bytes: number; inspected: T }> {
  if (existsSync(file)) throw backupError(`${file} exists already: choose another --out (a backup is never overwritten)`);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  try {
    let format: BackupFormat;
    let inspected: T;
    if (isServer(target)) {
      format = 'pg_dump';
      const db = await openDatabase({ url: target.url, poolSize: 1, migrate: false });
      try {
        inspected = await inspect(db);
      } finally {
        await db.close();
      }
      await runTool(pgTool('pg_dump'), ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${target.url}`]);
    } else {
      format = 'pglite';
      const dir = path.join(target.dataDir, 'pglite');
      if (!existsSync(path.join(dir, 'PG_VERSION'))) throw backupError(`no embedded database in ${target.dataDir} to back up (set GOVFLOW_DATA_DIR, or GOVFLOW_DATABASE_URL for a server)`);
      // The lock of `govflow serve`: an embedded database is copied only while no other process has it open.
      const release = await lockDataDir(dir);
      try {
        const db = await createPgliteDatabase(dir);
        try {
          inspected = await inspect(db);
          const dump = await db.dumpDataDir();
          await writeFile(partial, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
        } finally {
          await db.close();
        }
      } finally {
        await release();
      }
    }
    await rename(partial, file);
    return { format, bytes: (await stat(file)).size, inspected };
  } finally {
    await rm(partial, { force: true });
  }
}

/** What a backup file is, by its first bytes: pg_dump's custom format starts "PGDMP", PGlite's dump is gzip. */
export async function backupFormatOf(file: string): Promise<BackupFormat> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      head = Buffer.alloc(5);
      await handle.read(head, 0, 5, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw backupError(`cannot read the backup ${file}`, error);
  }
  if (head.toString('latin1') === 'PGDMP') return 'pg_dump';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'pglite';
  throw backupError(`${file} is not a govflow backup (neither a PGlite dump nor a pg_dump custom-format file)`);
}

async function serverHasTables(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from pg_tables where schemaname = 'public'`);
    return Number(rows[0]?.n ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/**
 * Restores `file` into the target. The target must be empty: an embedded data directory that does not exist yet,
 * or a server database without tables. `force` sets an embedded directory aside (renamed, never deleted) or
 * drops the server database's objects first (pg_restore --clean). Returns where an old embedded directory went.
 */
export async function restoreDatabase(target: BackupTarget, file: string, options: { force?: boolean } = {}): Promise<{ format: BackupFormat; setAside?: string }> {
  const format = await backupFormatOf(file);
  if (isServer(target)) {
    if (format !== 'pg_dump') throw backupError(`${file} is a dump of an embedded (PGlite) database; restore it with GOVFLOW_DATABASE_URL unset and GOVFLOW_DATA_DIR set`);
    const clean = await serverHasTables(target.url);
    if (clean && !options.force) throw backupError(`the database ${shown(target.url)} is not empty: restore into an empty database, or pass --force to replace what is there`);
    await runTool(pgTool('pg_restore'), ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', ...(clean ? ['--clean', '--if-exists'] : []), `--dbname=${target.url}`, file]);
    return { format };
  }
  if (format !== 'pglite') throw backupError(`${file} is a pg_dump of a PostgreSQL server; restore it with GOVFLOW_DATABASE_URL pointing at an empty database`);
  const dir = path.join(target.dataDir, 'pglite');
  await mkdir(target.dataDir, { recursive: true });
  const occupied = existsSync(dir) && (await readdir(dir)).length > 0;
  if (occupied && !options.force) throw backupError(`an embedded database exists already in ${dir}: restore into an empty GOVFLOW_DATA_DIR, or pass --force to set the current one aside`);
  const release = await lockDataDir(dir);
  const staging = `${dir}.restoring-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    // PGlite unpacks its own dump into an empty directory; it is swapped in only once that has worked.
    const db = await createPgliteDatabase(staging, { loadDataDir: new Blob([await readFile(file)]) }).catch((error: unknown) => {
      throw backupError(`${file} could not be unpacked as a PGlite database: ${error instanceof Error ? error.message : String(error)}`, error);
    });
    await db.close();
    let setAside: string | undefined;
    if (existsSync(dir)) {
      if (occupied) {
        setAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(dir, setAside);
      } else {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await rename(staging, dir);
    return { format, ...(setAside ? { setAside } : {}) };
  } finally {
    await rm(staging, { recursive: true, force: true });
    await release();
  }
}

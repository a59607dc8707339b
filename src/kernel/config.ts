import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GovflowError } from './errors.js';

export interface GovflowConfig {
  /** `postgres://…` for a server; undefined means the embedded PGlite database in {@link dataDir}. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Connections to a PostgreSQL server held by one govflow process. */
  readonly poolSize: number;
  /** GOVFLOW_MASTER_KEY: encrypts secrets at rest (signing keys, TOTP secrets, data keys). See {@link resolveMasterKey}. */
  readonly masterKey: string | undefined;
  /** GOVFLOW_MASTER_KEY_FILE: a file holding the master key, the same file (or copy) for every process. */
  readonly masterKeyFile: string | undefined;
  /** GOVFLOW_PUBLIC_URL: the address citizens use (verification links and QR codes, e-mails, OIDC redirects). */
  readonly publicUrl: string | undefined;
  /**
   * GOVFLOW_PGLITE_SNAPSHOT_DIR: a folder of migrated embedded-database images; a NEW embedded database starts from
   * the image of the current migrations instead of applying each one (the test runner sets it: hundreds of throwaway
   * databases). Never used for an existing database or a server.
   */
  readonly pgliteSnapshotDir?: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GovflowConfig {
  const port = Number(env['GOVFLOW_PORT'] ?? env['PORT'] ?? 3000);
  return {
    databaseUrl: env['GOVFLOW_DATABASE_URL'] || undefined,
    dataDir: path.resolve(env['GOVFLOW_DATA_DIR'] ?? 'data'),
    host: env['GOVFLOW_HOST'] ?? '127.0.0.1',
    port: Number.isInteger(port) && port >= 0 ? port : 3000,
    poolSize: Math.max(1, Number(env['GOVFLOW_DB_POOL'] ?? 10) || 10),
    masterKey: env['GOVFLOW_MASTER_KEY'] || undefined,
    masterKeyFile: env['GOVFLOW_MASTER_KEY_FILE'] ? path.resolve(env['GOVFLOW_MASTER_KEY_FILE']) : undefined,
    publicUrl: env['GOVFLOW_PUBLIC_URL'] || undefined,
    pgliteSnapshotDir: env['GOVFLOW_PGLITE_SNAPSHOT_DIR'] ? path.resolve(env['GOVFLOW_PGLITE_SNAPSHOT_DIR']) : undefined,
  };
}

/** Reads a master key file (its first line, trimmed); a missing or empty file is a setting to fix, named. */
export function readMasterKeyFile(file: string, setting = 'GOVFLOW_MASTER_KEY_FILE'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new GovflowError('GOVFLOW_ERR_CONFIG', `${setting}=${file} cannot be read (${(error as { code?: string }).code ?? 'error'})`);
  }
  const key = text.split('\n')[0]!.trim();
  if (key.length < 16) throw new GovflowError('GOVFLOW_ERR_CONFIG', `${setting}=${file} holds no key of at least 16 characters`);
  return key;
}

/**
 * The master key: GOVFLOW_MASTER_KEY or the file GOVFLOW_MASTER_KEY_FILE (one of them is required when several
 * processes share a PostgreSQL server, and in production mode with a server; see {@link masterKeyRefusal}), else a
 * random key kept in `<dataDir>/master.key` (created with mode 0600 on first use), so the embedded demo needs no
 * setup and keeps working across restarts.
 */
export function resolveMasterKey(config: GovflowConfig): string {
  if (config.masterKey && config.masterKeyFile) throw new GovflowError('GOVFLOW_ERR_CONFIG', 'GOVFLOW_MASTER_KEY and GOVFLOW_MASTER_KEY_FILE are both set: keep one');
  if (config.masterKey) return config.masterKey;
  if (config.masterKeyFile) return readMasterKeyFile(config.masterKeyFile);
  const file = path.join(config.dataDir, 'master.key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const key = randomBytes(32).toString('base64url');
    try {
      writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      return readFileSync(file, 'utf8').trim(); // another process created it first
    }
  }
}

/**
 * Why production mode must not start with this master key setting, or null: with a PostgreSQL server several
 * processes share the database, and a key each process invented in its own data directory would seal secrets the
 * others cannot open. The key must come from GOVFLOW_MASTER_KEY_FILE (preferred: not in the process environment)
 * or GOVFLOW_MASTER_KEY.
 */
export function masterKeyRefusal(config: GovflowConfig, production: boolean): string | null {
  if (!production || !config.databaseUrl || config.masterKey || config.masterKeyFile) return null;
  return 'production mode with a PostgreSQL server needs the shared master key: set GOVFLOW_MASTER_KEY_FILE (or GOVFLOW_MASTER_KEY)';
}

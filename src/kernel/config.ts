import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
  /** GOVFLOW_PUBLIC_URL: the address citizens use (verification links and QR codes, e-mails, OIDC redirects). */
  readonly publicUrl: string | undefined;
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
    publicUrl: env['GOVFLOW_PUBLIC_URL'] || undefined,
  };
}

/**
 * The master key: GOVFLOW_MASTER_KEY when set (required when several processes share a PostgreSQL server), else a
 * random key kept in `<dataDir>/master.key` (created with mode 0600 on first use), so the embedded demo needs no
 * setup and keeps working across restarts.
 */
export function resolveMasterKey(config: GovflowConfig): string {
  if (config.masterKey) return config.masterKey;
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

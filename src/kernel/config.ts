import path from 'node:path';

export interface GovflowConfig {
  /** `postgres://…` for a server; undefined means the embedded PGlite database in {@link dataDir}. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Connections to a PostgreSQL server held by one govflow process. */
  readonly poolSize: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GovflowConfig {
  const port = Number(env['GOVFLOW_PORT'] ?? env['PORT'] ?? 3000);
  return {
    databaseUrl: env['GOVFLOW_DATABASE_URL'] || undefined,
    dataDir: path.resolve(env['GOVFLOW_DATA_DIR'] ?? 'data'),
    host: env['GOVFLOW_HOST'] ?? '127.0.0.1',
    port: Number.isInteger(port) && port >= 0 ? port : 3000,
    poolSize: Math.max(1, Number(env['GOVFLOW_DB_POOL'] ?? 10) || 10),
  };
}

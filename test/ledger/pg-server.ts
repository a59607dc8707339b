/** A throwaway PostgreSQL server of the tests' own, so restarting it cannot disturb other test files. */
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../src/store/index.js';

export const pgBin = process.env['GOVFLOW_TEST_PG_BIN'];

export type OwnServer = ThrowawayPostgres;

export async function startOwnServer(): Promise<OwnServer> {
  if (!pgBin) throw new Error('GOVFLOW_TEST_PG_BIN not set');
  const server = await startThrowawayPostgres({ bin: pgBin, prefix: 'govflow-ledger-pg-', settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 100 } });
  if (!server) throw new Error('could not start a PostgreSQL server');
  return server;
}

import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult, Queryable } from './database.js';

const INT8_OID = 20;

function wrap(inner: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await inner.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await inner.exec(sql);
    },
  };
}

/**
 * Embedded Postgres (WASM). One connection: transactions run one at a time, which is why the engine keeps
 * each transaction short. `dataDir` undefined means in memory (tests).
 */
export async function createPgliteDatabase(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<Database & { dumpDataDir(): Promise<Blob> }> {
  const pg = await PGlite.create(dataDir ?? 'memory://', { parsers: { [INT8_OID]: (value: string) => Number(value) }, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
  const base = wrap(pg);
  return {
    backend: 'pglite',
    concurrency: 1,
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onNotify) {
      const unlisten = await pg.listen(channel, onNotify);
      return async () => unlisten();
    },
    close: () => pg.close(),
    // `govflow backup`: the data directory as a gzipped tar, which `loadDataDir` above unpacks again.
    dumpDataDir: () => pg.dumpDataDir('gzip'),
  };
}

import pg from 'pg';
import type { Database, QueryOptions, QueryResult, Queryable } from './database.js';

const INT8_OID = 20;

// Per-pool type parsers (not pg's process-wide registry): int8 as a JS number, as PGlite is configured too.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * One statement through pg's callback form. Its promise form costs four promises a statement on a pool (pg-pool's
 * wrapper and its `then`, the client's promise and the `catch` that rewrites a failure's stack) against one here;
 * an API read of a case runs four statements, and each promise is also an async resource that the i18n layer's
 * AsyncLocalStorage hooks run for.
 */
function run(client: pg.Pool | pg.PoolClient, config: pg.QueryConfig): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    client.query(config, (error: Error | undefined, result: pg.QueryResult) => (error ? reject(error) : resolve(result)));
  });
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
      let result: pg.QueryResult;
      try {
        result = await run(client, options?.name ? { name: options.name, text: sql, values: params as unknown[] } : { text: sql, values: params as unknown[] });
      } catch (error) {
        // As pg's promise form does: the stack leads back to the statement's caller (these async frames), not to
        // the socket read that delivered the failure.
        if (error instanceof Error) Error.captureStackTrace(error);
        throw error;
      }
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/** A PostgreSQL server through a connection pool; LISTEN runs on one dedicated connection. */
export async function createPostgresDatabase(connectionString: string, poolSize = 10): Promise<Database> {
  // min = max: a connection is kept once opened, never closed for being idle. pg-pool otherwise arms an idle timer
  // (a setTimeout, cleared on the next checkout) each time a query gives its connection back: four timers per API
  // read of a case, each also an async resource that the i18n layer's AsyncLocalStorage hooks are called for. An idle
  // connection does not keep the process alive (allowExitOnIdle), as the idle timer's closing used to let it end.
  const pool = new pg.Pool({ connectionString, max: poolSize, min: poolSize, allowExitOnIdle: true, types });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  await pool.query('select 1');
  const base = wrap(pool);
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();

  async function listenerClient(): Promise<pg.Client> {
    if (listener) return listener;
    const client = new pg.Client({ connectionString, types });
    client.on('error', () => {
      listener = undefined;
    });
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    await client.connect();
    listener = client;
    return client;
  }

  return {
    backend: 'postgres',
    concurrency: poolSize,
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      // A connection that dies between two statements (server restart) emits 'error' on the client; without a
      // listener that is an uncaught exception. Catch it, fail this transaction, and discard the client.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!broken) await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken ?? false);
      }
    },
    async listen(channel, onNotify) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
      const client = await listenerClient();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await client.query(`LISTEN ${channel}`);
      }
      set.add(onNotify);
      return async () => {
        set.delete(onNotify);
      };
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

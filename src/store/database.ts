/**
 * The one interface every module uses to reach the system of record. Two implementations stand behind it —
 * embedded PGlite and a PostgreSQL server — and run the same SQL, so only this folder knows which one is in use.
 */
export interface QueryResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted by the statement (0 for a SELECT on PGlite). */
  readonly rowCount: number;
}

export interface QueryOptions {
  readonly name?: string;
}

export interface Queryable {
  /**
   * One statement, with `$1`-style parameters. `options.name` makes it a named prepared statement on a server
   * (parsed and planned once per connection, then reused); give each distinct SQL text its own name. PGlite
   * ignores it.
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export type Backend = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly backend: Backend;
  /** How many transactions can run at once (1 for PGlite, the pool size on a server). */
  readonly concurrency: number;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to `NOTIFY channel`; resolves to an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Postgres error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryableDatabaseError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && RETRYABLE.has(String((error as { code: unknown }).code));
}

/** Runs a transaction again (with jitter) when Postgres reports a serialization failure or deadlock. */
export async function transactionWithRetry<T>(db: Database, fn: (tx: Queryable) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (error) {
      if (attempt >= attempts || !isRetryableDatabaseError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

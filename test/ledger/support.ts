/** Shared set-up of the ledger tests. */
import type { Database } from '../../src/store/index.js';

/** Inserts `n` synthetic events (with personal data, so erasure has something to erase). */
export async function insertEvents(db: Database, n: number, label = 'e'): Promise<void> {
  await db.query(
    `insert into event_log (type, element_id, actor, occurred_at, data)
     select 'test.' || $2, 'el' || g, 'clerk-' || (g % 3), timestamptz '2026-01-01T00:00:00Z' + g * interval '1.5 seconds',
            jsonb_build_object('citizen', 'Person ' || g, 'nationalId', '3900101' || lpad(g::text, 4, '0'), 'ok', g % 2 = 0)
     from generate_series(1, $1::int) g`,
    [n, label],
  );
}

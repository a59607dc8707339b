/**
 * A govflow process under load for faults.test.ts: 4 writers (two events per transaction) and a background sealer,
 * for `argv[3]` ms. Prints `ack <id>` for every committed transaction, so the parent knows what must survive.
 */
import { openDatabase } from '../../src/store/index.js';
import { createSealer } from '../../src/ledger/index.js';

const url = process.argv[2]!;
const duration = Number(process.argv[3] ?? 1500);
const insert = `insert into event_log (type, occurred_at, data) values ('load', now(), jsonb_build_object('n', $1::int)) returning id::text`;
const db = await openDatabase({ url, poolSize: 6 });
const sealer = createSealer(db, { intervalMs: 5, batchSize: 200 });
sealer.start();
const until = Date.now() + duration;
await Promise.all(
  Array.from({ length: 4 }, async (_, w) => {
    for (let n = 0; Date.now() < until; n++) {
      try {
        const id = await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ id: string }>(insert, [w * 100000 + n]);
          await tx.query(insert, [w * 100000 + n]);
          return rows[0]!.id;
        });
        process.stdout.write(`ack ${id}\n`);
      } catch {
        // The server is restarting: not acknowledged, so the parent expects nothing of it.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }),
);
await sealer.stop();
await db.close();

/**
 * Migration 0012 (leaves packed in blocks of 16) run on a ledger that the earlier sealer filled, one ledger_leaf row
 * per event. The old state is written here from the leaf format's definition (docs/ledger.md), not with govflow's
 * own code: salts, digests, leaf bytes and stored subtree nodes, and a sealer stopped in the middle of a transaction.
 * After migrating, the tree must be the same tree (the independent RFC 9162 root over the same leaves), the new
 * sealer must carry on without sealing anything twice, and verification must still find an altered old event.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { migrate, type Database } from '../../src/store/index.js';
import { eraseEventData, generateSigner, getConsistencyProof, getInclusionProof, publishTreeHead, sealPending, verifyLedger } from '../../src/ledger/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { leafHash, mth, verifyConsistency, verifyInclusion } from './rfc9162.js';

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

interface EventRow {
  id: string;
  tx: string;
  instance_id: string | null;
  seq: number | null;
  type: string;
  element_id: string | null;
  element_instance: string | null;
  actor: string | null;
  occurred_at: Date;
  data: string;
}

/** The leaf bytes of format govflow-event/1 (docs/ledger.md), rendered here independently of src/ledger. */
function leafBytes(e: EventRow, digest: Buffer): Buffer {
  const ts = e.occurred_at.toISOString().replace('Z', '000Z'); // the test's timestamps are whole milliseconds
  const fields = ['govflow-event/1', Number(e.id), e.instance_id === null ? null : Number(e.instance_id), e.seq, e.type, e.element_id, e.element_instance, e.actor, ts, digest.toString('hex')];
  return Buffer.from(`[${fields.map((f) => JSON.stringify(f)).join(', ')}]`, 'utf8');
}

async function insertEvents(db: Database, n: number, label: string): Promise<void> {
  await db.query(
    `insert into event_log (type, element_id, actor, occurred_at, data)
     select 'test.' || $2, 'el' || g, 'clerk-' || (g % 3), timestamptz '2026-03-01T08:00:00Z' + g * interval '2.25 seconds',
            jsonb_build_object('citizen', 'Person ' || g, 'nationalId', '3900101' || lpad(g::text, 4, '0'))
     from generate_series(1, $1::int) g`,
    [n, label],
  );
}

async function eventsInSealOrder(db: Database): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(
    `select id::text, tx_id::text as tx, instance_id::text, seq, type, element_id, element_instance, actor, occurred_at, data::text as data
     from event_log order by tx_id, id`,
  );
  return rows;
}

describeEachBackend('ledger migration 0012 (packed leaves) on a populated ledger', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend, { migrate: false });
    await migrate(db, { through: 11 });
  });
  after(async () => {
    await db.close();
  });

  it('keeps the same tree, lets the new sealer carry on from a transaction sealed halfway, and still catches tampering', async () => {
    await insertEvents(db, 37, 'a'); // one transaction
    await insertEvents(db, 30, 'b'); // another
    const events = await eventsInSealOrder(db);
    assert.equal(events.length, 67);
    const txB = events[37]!.tx;
    assert.notEqual(txB, events[0]!.tx);

    // The old sealer's rows for all of transaction a and the first 11 events of b: it stopped at its batch limit,
    // inside b, leaving its horizon at b (everything below b sealed).
    const sealedBefore = 48;
    const leaves: Buffer[] = [];
    for (const [i, e] of events.entries()) {
      const salt = randomBytes(16);
      const digest = sha256(salt, Buffer.from(e.data, 'utf8'));
      const leaf = leafBytes(e, digest);
      if (i >= sealedBefore) continue;
      leaves.push(leaf);
      await db.query(
        'insert into ledger_leaf (leaf_index, event_id, tx_id, data_salt, data_digest, leaf_hash) values ($1, $2, $3::xid8, $4, $5, $6)',
        [i, e.id, e.tx, salt, digest, leafHash(leaf)],
      );
    }
    // Every complete aligned subtree from level 1 up, as the earliest sealer stored them (later ones from level 4).
    for (let level = 1; 2 ** level <= sealedBefore; level++) {
      for (let idx = 0; (idx + 1) * 2 ** level <= sealedBefore; idx++) {
        await db.query('insert into ledger_node (level, idx, hash) values ($1, $2, $3)', [level, idx, mth(leaves.slice(idx * 2 ** level, (idx + 1) * 2 ** level))]);
      }
    }
    await db.query('update ledger_state set tree_size = $1, horizon = $2::xid8', [sealedBefore, txB]);

    await migrate(db);
    const { rows: tables } = await db.query<{ kind: string }>(`select relkind::text as kind from pg_class where relname = 'ledger_leaf'`);
    assert.equal(tables[0]?.kind, 'v', 'ledger_leaf is a view over ledger_block after the migration');

    const signer = generateSigner();
    const headBefore = await publishTreeHead(db, signer);
    assert.equal(headBefore.treeSize, sealedBefore);
    assert.deepEqual(headBefore.rootHash, mth(leaves.slice(0, sealedBefore)), 'the migrated tree has the same root');
    assert.equal((await verifyLedger(db)).ok, true);

    // The new sealer seals exactly the rest of b, in order, nothing twice.
    const result = await sealPending(db, { batchSize: 7, waitMs: 10_000 });
    assert.equal(result.treeSize, 67);
    // The new leaves, rendered here from the salts the new sealer chose (read back through the ledger_leaf view).
    const { rows: salts } = await db.query<{ leaf_index: string; event_id: string; data_salt: Buffer | Uint8Array }>(
      'select leaf_index::text, event_id::text, data_salt from ledger_leaf where leaf_index >= $1 order by leaf_index',
      [sealedBefore],
    );
    assert.deepEqual(salts.map((r) => r.event_id), events.slice(sealedBefore).map((e) => e.id));
    for (const r of salts) {
      const e = events[Number(r.leaf_index)]!;
      leaves[Number(r.leaf_index)] = leafBytes(e, sha256(Buffer.from(r.data_salt), Buffer.from(e.data, 'utf8')));
    }
    const headAfter = await publishTreeHead(db, signer);
    assert.deepEqual(headAfter.rootHash, mth(leaves));
    const consistency = await getConsistencyProof(db, sealedBefore, 67);
    assert.ok(verifyConsistency(sealedBefore, 67, headBefore.rootHash, headAfter.rootHash, consistency.path.map(hex)));
    for (const i of [0, 15, 16, 36, 37, 47, 48, 66]) {
      const proof = await getInclusionProof(db, Number(events[i]!.id));
      assert.equal(proof.leafIndex, i);
      assert.ok(verifyInclusion(i, 67, Buffer.from(proof.leaf, 'utf8'), proof.path.map(hex), headAfter.rootHash), `inclusion of leaf ${i}`);
    }
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.pending, 0);

    // An old event can still be lawfully erased, and verification still names an altered old one.
    await eraseEventData(db, Number(events[3]!.id), 'retention');
    assert.equal((await verifyLedger(db)).ok, true);
    await db.query(`update event_log set actor = 'someone else' where id = $1`, [events[20]!.id]);
    const bad = await verifyLedger(db);
    assert.equal(bad.ok, false);
    assert.equal(bad.firstBad?.leafIndex, 20);
    assert.equal(bad.firstBad?.eventId, Number(events[20]!.id));
  });
});

/**
 * What verifyLedger reports besides ok, through src/ledger/index.ts: an empty ledger, events committed after the last
 * seal, the steps' timings, and its chunked fetching at the edges — a tree of exactly four packed blocks (a size
 * that is a multiple of every leaf chunk), chunks of one and two stored nodes, through a pool on PostgreSQL (the
 * steps and chunk queries at once) and one connection on PGlite, with an altered or a missing stored node in a chunk
 * other than the first (and the proofs that need the missing node). The scenario files verify 37 to 41 leaves in one
 * chunk, where none of this shows.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateSigner, getConsistencyProof, getInclusionProof, publishTreeHead, sealPending, verifyLedger, type VerifyReport } from '../../src/ledger/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { insertEvents } from './support.js';

describeEachBackend('ledger verify', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend);
  });
  after(async () => {
    await db.close();
  });

  const expectOk = (report: VerifyReport, fields: Partial<VerifyReport>): void => {
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(report.firstBad, undefined);
    for (const [name, value] of Object.entries(fields)) assert.equal(report[name as keyof VerifyReport], value, name);
  };

  it('verifies an empty ledger', async () => {
    expectOk(await verifyLedger(db), { treeSize: 0, pending: 0, erased: 0, treeHeads: 0 });
    expectOk(await verifyLedger(db, { chunk: 1 }), { treeSize: 0 });
  });

  it('times each of its four steps within the whole, in seconds', async () => {
    await insertEvents(db, 20);
    await sealPending(db, { batchSize: 16, waitMs: 10_000 });
    const started = performance.now();
    const report = await verifyLedger(db);
    const wall = (performance.now() - started) / 1000;
    expectOk(report, { treeSize: 20 });
    assert.ok(report.seconds > 0 && report.seconds <= wall, `${report.seconds} s reported, ${wall} s measured`);
    // What bench-ledger prints: the steps by name. They may overlap (through a pool), but none outlasts the whole
    // (toFixed(3) rounds each up by at most half a millisecond).
    assert.deepEqual(Object.keys(report.phases).sort(), ['leaves', 'shape', 'tree', 'unsealed']);
    for (const [name, seconds] of Object.entries(report.phases)) {
      assert.ok(seconds >= 0 && seconds <= report.seconds + 0.0005, `${name}: ${seconds} s of ${report.seconds} s`);
    }
  });

  it('counts events committed after the last seal as pending, not as a fault', async () => {
    await insertEvents(db, 3, 'late');
    expectOk(await verifyLedger(db), { treeSize: 20, pending: 3 });
    await sealPending(db, { batchSize: 16, waitMs: 10_000 });
    expectOk(await verifyLedger(db), { treeSize: 23, pending: 0 });
  });

  it('verifies four whole packed blocks a stored node or two per chunk, and names a node altered or missing in a later chunk', async () => {
    await insertEvents(db, 64 - 23, 'more');
    await sealPending(db, { batchSize: 16, waitMs: 10_000 });
    await publishTreeHead(db, generateSigner());
    for (const chunk of [undefined, 1, 2, 3, 16]) expectOk(await verifyLedger(db, chunk === undefined ? {} : { chunk }), { treeSize: 64, treeHeads: 1 });
    // Stored: the complete aligned subtrees of 16 leaves and up, once each (docs/ledger.md, "Storage"); the levels
    // below are rebuilt from the leaf hashes.
    const { rows: perLevel } = await db.query<{ level: number; n: number }>('select level::int, count(*)::int as n from ledger_node group by level order by level');
    assert.deepEqual(perLevel.map((r) => [r.level, r.n]), [[4, 4], [5, 2], [6, 1]]);
    const { rows: nodes } = await db.query<{ idx: number; hash: Buffer }>('select idx::int, hash from ledger_node where level = 4 order by idx');
    assert.deepEqual(nodes.map((n) => n.idx), [0, 1, 2, 3]);
    const restore = async (): Promise<void> => {
      await db.query('delete from ledger_node where level = 4');
      for (const n of nodes) await db.query('insert into ledger_node (level, idx, hash) values (4, $1, $2)', [n.idx, n.hash]);
      expectOk(await verifyLedger(db, { chunk: 1 }), { treeSize: 64 });
    };
    const expectNode = async (chunk: number, idx: number): Promise<void> => {
      const report = await verifyLedger(db, { chunk });
      assert.equal(report.ok, false);
      assert.equal(report.firstBad?.leafIndex, idx * 16, `chunk ${chunk}: ${JSON.stringify(report.firstBad)}`);
      assert.match(report.firstBad?.reason ?? '', new RegExp(`^stored tree node 4/${idx} \\(leaves ${idx * 16}–${idx * 16 + 15}\\) does not match`));
    };
    // Node 4/1 is the second chunk of one node; 4/3 the second place of the second chunk of two.
    await db.query('update ledger_node set hash = sha256(hash) where level = 4 and idx = 1');
    await expectNode(1, 1);
    await expectNode(3, 1);
    await restore();
    await db.query('update ledger_node set hash = sha256(hash) where level = 4 and idx = 3');
    await expectNode(2, 3);
    await expectNode(1, 3);
    await restore();
    // A missing node: its chunk of one comes back empty.
    await db.query('delete from ledger_node where level = 4 and idx = 2');
    await expectNode(1, 2);
    await expectNode(2, 2);
    // Proofs that need the missing node name it too, rather than failing on the hash of nothing: an inclusion proof
    // for a leaf of the fourth block (its sibling at level 4 is 4/2), a consistency proof from 48 (its path holds 4/2).
    const { rows: fourth } = await db.query<{ id: string }>('select event_ids[1]::text as id from ledger_block where first_leaf >= 48 order by first_leaf limit 1');
    const missing = /^ledger tree node 4\/2 is missing$/;
    await assert.rejects(getInclusionProof(db, Number(fourth[0]!.id), { treeSize: 64 }), (error: Error) => error instanceof GovflowError && error.code === 'GOVFLOW_ERR_LEDGER_DAMAGED' && missing.test(error.message));
    await assert.rejects(getConsistencyProof(db, 48, 64), (error: Error) => missing.test(error.message));
    await restore();
  });

  it('after an xid regression still finds an event sealed twice, and names it rather than an event waiting to be sealed', async () => {
    const restored = await freshDatabase(backend);
    try {
      await insertEvents(restored, 20, 'before-restore');
      await sealPending(restored, { waitMs: 10_000 });
      // As after a restore into a younger cluster: the stored horizon far above every new xid, and new events below it
      // that wait to be sealed.
      await restored.query(`update ledger_state set horizon = '900000000000'::xid8`);
      await insertEvents(restored, 3, 'after-restore');
      expectOk(await verifyLedger(restored), { treeSize: 20, pending: 3 });
      // Leaf 5 copied whole to the end of the tree, as a sealer that sealed it twice would leave it (its block's id range
      // widened to take it): leaves 0–19 and their stored nodes are untouched.
      await restored.query(
        `update ledger_block b
         set event_ids = b.event_ids || s.event_id, data_salts = b.data_salts || s.data_salt, data_digests = b.data_digests || s.data_digest,
             leaf_hashes = b.leaf_hashes || s.leaf_hash, id_range = int8range(least(lower(b.id_range), s.event_id), upper(b.id_range))
         from ledger_leaf s where b.first_leaf = 16 and s.leaf_index = 5`,
      );
      await restored.query('update ledger_state set tree_size = 21');
      const { rows } = await restored.query<{ event_id: string }>('select event_id::text from ledger_leaf where leaf_index = 5');
      const report = await verifyLedger(restored);
      assert.equal(report.ok, false);
      assert.deepEqual(report.firstBad, { leafIndex: 20, eventId: Number(rows[0]!.event_id), reason: 'the event is sealed more than once' });
      assert.equal(report.pending, 3);
    } finally {
      await restored.close();
    }
  });
});

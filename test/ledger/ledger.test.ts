import assert from 'node:assert/strict';
import { createPublicKey, createHash, verify as edVerify } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { Database, Queryable } from '../../src/store/index.js';
import {
  assertLedgerCurrent,
  createSealer,
  eraseEventData,
  exportCheckpoint,
  generateSigner,
  getConsistencyProof,
  getInclusionProof,
  ledgerHealth,
  publishTreeHead,
  sealPending,
  verifyLedger,
  type LedgerSigner,
} from '../../src/ledger/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { mth, verifyConsistency, verifyInclusion } from './rfc9162.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

async function insertEvents(db: Database, n: number, label = 'e'): Promise<void> {
  await db.query(
    `insert into event_log (type, element_id, actor, occurred_at, data)
     select 'test.' || $2, 'el' || g, 'clerk-' || (g % 3), timestamptz '2026-01-01T00:00:00Z' + g * interval '1.5 seconds',
            jsonb_build_object('citizen', 'Person ' || g, 'nationalId', '3900101' || lpad(g::text, 4, '0'), 'ok', g % 2 = 0)
     from generate_series(1, $1::int) g`,
    [n, label],
  );
}

/** Independent check of a checkpoint note: parse it, then check the Ed25519 signature with node:crypto directly. */
function checkNote(note: string, rawPublicKey: Buffer): { size: number; root: Buffer } {
  const [body, sigLine] = note.split('\n\n');
  assert.ok(body && sigLine);
  const [origin, size, root] = body.split('\n');
  const m = /^\u2014 (\S+) (\S+)\n$/.exec(sigLine);
  assert.ok(m && m[1] === origin);
  const blob = Buffer.from(m[2]!, 'base64');
  const keyHash = createHash('sha256').update(`${origin}\n`).update(Buffer.from([1])).update(rawPublicKey).digest().subarray(0, 4);
  assert.deepEqual(blob.subarray(0, 4), keyHash);
  const key = createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), rawPublicKey]), format: 'der', type: 'spki' });
  assert.ok(edVerify(null, Buffer.from(`${body}\n`), key, blob.subarray(4)), 'checkpoint signature');
  return { size: Number(size), root: Buffer.from(root!, 'base64') };
}

describeEachBackend('ledger', (backend) => {
  let db: Database;
  let signer: LedgerSigner;
  before(async () => {
    db = await freshDatabase(backend);
    signer = generateSigner();
  });
  after(async () => {
    await db.close();
  });

  it('seals every event, and proofs verify with an independent RFC 9162 verifier against signed checkpoints', async () => {
    await insertEvents(db, 13, 'a');
    await sealPending(db, { batchSize: 5, waitMs: 10_000 });
    await publishTreeHead(db, signer);
    const note1 = checkNote((await exportCheckpoint(db))!, signer.publicKey);
    await insertEvents(db, 24, 'b');
    await sealPending(db, { batchSize: 7, waitMs: 10_000 });
    await publishTreeHead(db, signer);
    const note2 = checkNote((await exportCheckpoint(db))!, signer.publicKey);
    assert.equal(note1.size, 13);
    assert.equal(note2.size, 37);

    const { rows } = await db.query<{ id: string }>('select id::text from event_log order by tx_id, event_log.id');
    assert.equal(rows.length, 37);
    const leaves: Buffer[] = [];
    for (const [i, row] of rows.entries()) {
      const proof = await getInclusionProof(db, Number(row.id));
      assert.equal(proof.leafIndex, i);
      const leaf = Buffer.from(proof.leaf, 'utf8');
      // The leaf commits to the data only through a salted digest: no personal data in hashed content.
      assert.doesNotMatch(proof.leaf, /Person|3900101/);
      assert.ok(verifyInclusion(i, 37, leaf, proof.path.map(hex), note2.root), `inclusion of leaf ${i}`);
      leaves.push(leaf);
    }
    assert.deepEqual(mth(leaves), note2.root);
    assert.deepEqual(mth(leaves.slice(0, 13)), note1.root);
    for (let m = 0; m <= 37; m++) {
      for (const n of [m, Math.min(37, m + 1), 37, Math.min(37, m + 8)]) {
        const p = await getConsistencyProof(db, m, n);
        assert.deepEqual(hex(p.firstRoot), mth(leaves.slice(0, m)));
        if (m > 0) assert.ok(verifyConsistency(m, n, hex(p.firstRoot), hex(p.secondRoot), p.path.map(hex)), `consistency ${m}→${n}`);
      }
    }
    // Inclusion of every leaf in every tree size: the right edge and the leaf's own block of 16 are rebuilt from leaf
    // hashes (subtrees below 16 leaves are not stored), so every size and position exercises a different mix.
    for (let n = 1; n <= 37; n++) {
      for (let m = 0; m < n; m++) {
        const p = await getInclusionProof(db, Number(rows[m]!.id), { treeSize: n });
        assert.ok(verifyInclusion(m, n, leaves[m]!, p.path.map(hex), mth(leaves.slice(0, n))), `inclusion of leaf ${m} in ${n}`);
      }
    }
    const consistency = await getConsistencyProof(db, 13, 37);
    assert.ok(verifyConsistency(13, 37, note1.root, note2.root, consistency.path.map(hex)));
    // Inclusion against an older size still verifies.
    const old = await getInclusionProof(db, Number(rows[4]!.id), { treeSize: 13 });
    assert.ok(verifyInclusion(4, 13, leaves[4]!, old.path.map(hex), note1.root));

    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.treeSize, 37);
    assert.equal(report.treeHeads, 2);
  });

  it('erasing personal data leaves verification and earlier proofs valid; altering an erased row does not', async () => {
    const { rows } = await db.query<{ id: string }>('select id::text from event_log order by id limit 3');
    const [a, b] = rows.map((r) => Number(r.id));
    const before = await getInclusionProof(db, a!);
    await eraseEventData(db, a!, 'retention: 5 years');
    const { rows: data } = await db.query<{ data: unknown }>('select data from event_log where id = $1', [a]);
    assert.deepEqual(data[0]!.data, { 'govflow:erased': true });
    const afterErasure = await getInclusionProof(db, a!);
    assert.equal(afterErasure.leaf, before.leaf);
    assert.ok(verifyInclusion(afterErasure.leafIndex, afterErasure.treeSize, Buffer.from(afterErasure.leaf), afterErasure.path.map(hex), hex(before.rootHash)));
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.erased, 1);
    // Pretending an unerased row was erased (replacing its data with the marker, no erasure record) is caught.
    await db.query(`update event_log set data = '{"govflow:erased": true}' where id = $1`, [b]);
    const bad = await verifyLedger(db);
    assert.equal(bad.ok, false);
    assert.equal(bad.firstBad?.eventId, b);
    assert.match(bad.firstBad?.reason ?? '', /data differs/);
  });

  it('reports sealing lag and refuses writes when behind the configured limit', async () => {
    const db2 = await freshDatabase(backend);
    try {
      await insertEvents(db2, 30);
      const health = await ledgerHealth(db2, { maxUnsealed: 10 });
      assert.equal(health.unsealed, 30);
      assert.equal(health.behind, true);
      await assert.rejects(assertLedgerCurrent(db2, { maxUnsealed: 10 }), { code: 'GOVFLOW_ERR_LEDGER_BEHIND' });
      const sealer = createSealer(db2, { intervalMs: 20, signer, headIntervalMs: 0 });
      sealer.start();
      for (let i = 0; i < 200 && (await ledgerHealth(db2)).unsealed > 0; i++) await new Promise((r) => setTimeout(r, 25));
      await sealer.stop();
      const caughtUp = await ledgerHealth(db2, { maxUnsealed: 10 });
      assert.equal(caughtUp.unsealed, 0);
      assert.equal(caughtUp.behind, false);
      assert.equal(caughtUp.treeSize, 30);
      await assertLedgerCurrent(db2, { maxUnsealed: 10 });
      const report = await verifyLedger(db2);
      assert.ok(report.ok && report.treeHeads >= 1, JSON.stringify(report));
    } finally {
      await db2.close();
    }
  });

  it('names a back-dated insert when verifying through a connection pool (steps run in parallel)', async () => {
    const db4 = await freshDatabase(backend);
    try {
      await insertEvents(db4, 10);
      await sealPending(db4, { waitMs: 10_000 });
      await publishTreeHead(db4, signer);
      assert.equal((await verifyLedger(db4)).ok, true);
      const { rows } = await db4.query<{ id: string }>(
        `insert into event_log (type, occurred_at, data, tx_id) select 'test.forged', occurred_at, '{}', tx_id from event_log order by id limit 1 returning id::text`,
      );
      const report = await verifyLedger(db4);
      assert.equal(report.ok, false);
      assert.equal(report.firstBad?.eventId, Number(rows[0]!.id), JSON.stringify(report));
    } finally {
      await db4.close();
    }
  });

  it('verifies in many small chunks (fetched at once through a pool) and names an altered stored node', async () => {
    const db5 = await freshDatabase(backend);
    try {
      await insertEvents(db5, 37);
      await sealPending(db5, { waitMs: 10_000 });
      await publishTreeHead(db5, signer);
      // 37 leaves in chunks of 3: a chunk copied to the wrong offset would rebuild nodes unlike the stored ones.
      const clean = await verifyLedger(db5, { chunk: 3 });
      assert.ok(clean.ok && clean.treeSize === 37, JSON.stringify(clean));
      await db5.query(`update ledger_node set hash = sha256(hash) where level = 4 and idx = 1`);
      const report = await verifyLedger(db5, { chunk: 3 });
      assert.equal(report.ok, false);
      assert.equal(report.firstBad?.leafIndex, 16, JSON.stringify(report));
    } finally {
      await db5.close();
    }
  });

  it('recovers when the xid counter is below the stored horizon (database restored into another cluster)', async () => {
    const db3 = await freshDatabase(backend);
    try {
      await insertEvents(db3, 5);
      await sealPending(db3, { waitMs: 10_000 });
      // What a restore into a younger cluster looks like to the sealer: its horizon is far above any new xid.
      await db3.query(`update ledger_state set horizon = '900000000000'::xid8`);
      await insertEvents(db3, 6);
      const waiting = await verifyLedger(db3);
      assert.ok(waiting.ok && waiting.pending === 6, JSON.stringify(waiting));
      const result = await sealPending(db3, { waitMs: 10_000 });
      assert.equal(result.treeSize, 11);
      await insertEvents(db3, 2);
      assert.equal((await sealPending(db3, { waitMs: 10_000 })).treeSize, 13);
      await publishTreeHead(db3, signer);
      const report = await verifyLedger(db3);
      assert.ok(report.ok, JSON.stringify(report));
    } finally {
      await db3.close();
    }
  });

  it('seals rows carrying xids above the server (restored from elsewhere) at once, and nothing twice as xids catch up', async () => {
    const db6 = await freshDatabase(backend);
    const counts = async (): Promise<{ events: string; leaves: string; distinct: string; probing: boolean }> =>
      (
        await db6.query<{ events: string; leaves: string; distinct: string; probing: boolean }>(
          `select (select count(*) from event_log)::text as events, (select count(*) from ledger_leaf)::text as leaves,
                  (select count(distinct event_id) from ledger_leaf)::text as distinct, (select probing from ledger_state)`,
        )
      ).rows[0]!;
    try {
      await insertEvents(db6, 5);
      await sealPending(db6, { waitMs: 10_000 });
      // A committed, visible row whose tx_id is above every xid this server has handed out (as after a restore into a
      // younger cluster), with a small id: it is sealed at once, out of (tx_id, id) order, and the sealer starts probing.
      await db6.query(
        `insert into event_log (type, occurred_at, data, tx_id) values ('test.restored', now(), '{}', (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 6)::text::xid8)`,
      );
      await insertEvents(db6, 3);
      await sealPending(db6, { waitMs: 10_000 });
      const probing = await counts();
      assert.deepEqual(probing, { events: '9', leaves: '9', distinct: '9', probing: true });
      // New transactions walk the xids past the restored row's, each sealed once; then plain cursor rounds resume.
      for (let i = 0; i < 8; i++) await insertEvents(db6, 2);
      await sealPending(db6, { batchSize: 3, waitMs: 10_000 });
      await insertEvents(db6, 2);
      await sealPending(db6, { waitMs: 10_000 });
      assert.deepEqual(await counts(), { events: '27', leaves: '27', distinct: '27', probing: false });
      await publishTreeHead(db6, signer);
      const report = await verifyLedger(db6);
      assert.ok(report.ok && report.treeSize === 27 && report.pending === 0, JSON.stringify(report));
    } finally {
      await db6.close();
    }
  });

});

describeEachBackend('ledger tamper', (backend) => {
  const getSigner = generateSigner;
  // One sealed, signed ledger of 40 events; each case tampers inside a transaction, verifies there, and rolls back.
  let db: Database;
  let ids: number[] = [];
  before(async () => {
    db = await freshDatabase(backend);
    await insertEvents(db, 40);
    await sealPending(db, { batchSize: 16, waitMs: 10_000 });
    await publishTreeHead(db, getSigner());
    assert.equal((await verifyLedger(db)).ok, true);
    const { rows } = await db.query<{ event_id: string }>('select event_id::text from ledger_leaf order by leaf_index');
    ids = rows.map((r) => Number(r.event_id));
  });
  after(async () => {
    await db.close();
  });

  // Changes an event and rewrites its sealed leaf hash to match (the leaf format spelled out here, not imported).
  const rewriteLeaf = async (db: Queryable, eventId: number): Promise<void> => {
    await db.query(`update event_log set type = 'test.rewritten' where id = $1`, [eventId]);
    await db.query(
      `update ledger_block b set leaf_hashes = overlay(b.leaf_hashes placing sha256('\\x00'::bytea || convert_to(json_build_array('govflow-event/1', e.id, e.instance_id, e.seq, e.type, e.element_id, e.element_instance, e.actor, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), encode(substring(b.data_digests from (p.pos - 1) * 32 + 1 for 32), 'hex'))::text, 'UTF8')) from (p.pos - 1) * 32 + 1 for 32)
       from event_log e, ledger_block b2 cross join lateral (select array_position(b2.event_ids, $1::bigint) as pos) p
       where e.id = $1 and b2.first_leaf = b.first_leaf and p.pos is not null`,
      [eventId],
    );
  };
  const cases: Array<{ name: string; tamper: (db: Queryable, ids: number[]) => Promise<void>; expect: (ids: number[]) => { leafIndex?: number; eventId?: number; reason?: string } }> = [
    {
      name: 'changing a column of event 17',
      tamper: (db, ids) => db.query(`update event_log set actor = 'someone-else' where id = $1`, [ids[17]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 17, eventId: ids[17]! }),
    },
    {
      name: 'changing the data of event 9',
      tamper: (db, ids) => db.query(`update event_log set data = jsonb_set(data, '{ok}', '"tampered"') where id = $1`, [ids[9]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 9, eventId: ids[9]! }),
    },
    {
      name: 'deleting event 23',
      tamper: (db, ids) => db.query('delete from event_log where id = $1', [ids[23]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 23, eventId: ids[23]! }),
    },
    {
      name: 'reordering events 30 and 12 (swapping their ids)',
      tamper: async (db, ids) => {
        await db.query('update event_log set id = -1 where id = $1', [ids[30]]);
        await db.query('update event_log set id = $2 where id = $1', [ids[12], ids[30]]);
        await db.query('update event_log set id = $1 where id = -1', [ids[12]]);
      },
      expect: (ids) => ({ leafIndex: 12, eventId: ids[12]! }),
    },
    {
      name: 'reordering by swapping the timestamps of events 5 and 6',
      tamper: (db, ids) =>
        db.query(`update event_log e set occurred_at = o.occurred_at from event_log o where (e.id, o.id) in (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`, [ids[5], ids[6]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 5, eventId: ids[5]! }),
    },
    {
      name: 'inserting a back-dated event among sealed ones',
      tamper: async (db, ids) => {
        await db.query(
          `insert into event_log (type, occurred_at, data, tx_id) select 'test.forged', occurred_at, '{}', tx_id from event_log where id = $1`,
          [ids[20]],
        );
      },
      expect: () => ({}),
    },
    {
      // Leaf 20 is under the stored node 4/1 (leaves 16–31): that node no longer matches.
      name: 'rewriting a leaf hash (leaf 20) to match a changed event',
      tamper: async (db, ids) => rewriteLeaf(db, ids[20]!),
      expect: () => ({ leafIndex: 16, reason: 'stored tree node 4/1 (leaves 16–31)' }),
    },
    {
      // Leaves 32–39 are newer than every stored node (the block of 16 is not complete): only the signed head,
      // which covers all 40, catches the rewrite, and the report says which leaves are suspect.
      name: 'rewriting a leaf hash (leaf 33) to match a changed event',
      tamper: async (db, ids) => rewriteLeaf(db, ids[33]!),
      expect: () => ({ leafIndex: 0, reason: 'the change is in leaves 32–39' }),
    },
    // The edges of the tree: leaf 0, the last leaf (39), and both sides of each boundary between packed blocks of
    // 16 (15 | 16 and 31 | 32; leaves 32–39 are the incomplete block no stored node covers yet). A verifier that
    // skips the first or last leaf of the tree or of a block, or is off by one at a boundary, misses one of these.
    ...[0, 15, 16, 31, 32, 39].flatMap((leaf) => [
      {
        name: `changing a column of event ${leaf}`,
        tamper: (db: Queryable, ids: number[]) => db.query(`update event_log set element_id = 'moved' where id = $1`, [ids[leaf]]).then(() => undefined),
        expect: (ids: number[]) => ({ leafIndex: leaf, eventId: ids[leaf]!, reason: 'columns differ' }),
      },
      {
        name: `changing the data of event ${leaf}`,
        tamper: (db: Queryable, ids: number[]) => db.query(`update event_log set data = data || '{"extra": 1}' where id = $1`, [ids[leaf]]).then(() => undefined),
        expect: (ids: number[]) => ({ leafIndex: leaf, eventId: ids[leaf]!, reason: 'data differs' }),
      },
      {
        name: `rewriting a leaf hash (leaf ${leaf}) to match a changed event`,
        tamper: (db: Queryable, ids: number[]) => rewriteLeaf(db, ids[leaf]!),
        expect: () => (leaf < 32
          ? { leafIndex: leaf < 16 ? 0 : 16, reason: `stored tree node 4/${leaf < 16 ? 0 : 1} (leaves ${leaf < 16 ? '0–15' : '16–31'})` }
          : { leafIndex: 0, reason: 'the change is in leaves 32–39' }),
      },
    ]),
    {
      name: 'deleting the last event (39)',
      tamper: (db, ids) => db.query('delete from event_log where id = $1', [ids[39]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 39, eventId: ids[39]!, reason: 'deleted' }),
    },
    {
      name: 'deleting the first event (0)',
      tamper: (db, ids) => db.query('delete from event_log where id = $1', [ids[0]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 0, eventId: ids[0]!, reason: 'deleted' }),
    },
  ];

  for (const c of cases) {
    it(`tamper: ${c.name} makes verify fail and names the first affected entry`, async () => {
      const rollback = new Error('rollback');
      await db
        .transaction(async (tx) => {
          await c.tamper(tx, ids);
          const report = await verifyLedger(tx);
          assert.equal(report.ok, false);
          const want = c.expect(ids);
          if (want.leafIndex !== undefined) assert.equal(report.firstBad?.leafIndex, want.leafIndex, JSON.stringify(report.firstBad));
          if (want.eventId !== undefined) assert.equal(report.firstBad?.eventId, want.eventId, JSON.stringify(report.firstBad));
          if (want.reason !== undefined) assert.ok(report.firstBad?.reason.includes(want.reason), JSON.stringify(report.firstBad));
          if (c.name.startsWith('inserting')) {
            const { rows } = await tx.query<{ id: string }>(`select id::text from event_log where type = 'test.forged'`);
            assert.equal(report.firstBad?.eventId, Number(rows[0]!.id), JSON.stringify(report.firstBad));
          }
          throw rollback;
        })
        .catch((error: unknown) => {
          if (error !== rollback) throw error;
        });
      assert.equal((await verifyLedger(db)).ok, true, 'the rollback restored the ledger');
    });
  }
});

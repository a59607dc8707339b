/**
 * Tampering with a sealed, signed ledger of 40 events (packed blocks 0–15, 16–31 and the incomplete 32–39): every
 * kind of change, at the edges of the tree and of its blocks as well as inside them, makes verification fail and
 * names the first affected entry. Its own file so that mutation testing of the ledger (npm run mutate -- ledger)
 * runs these fast cases first.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { checkpointBody, generateSigner, getRootHash, publishTreeHead, sealPending, verifyLedger, type LedgerSigner, type VerifyOptions } from '../../src/ledger/index.js';
import type { Database, Queryable } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { insertEvents } from './support.js';

describeEachBackend('ledger tamper', (backend) => {
  const getSigner = generateSigner;
  // One sealed, signed ledger of 40 events; each case tampers inside a transaction, verifies there, and rolls back.
  let db: Database;
  let ids: number[] = [];
  let signer: LedgerSigner;
  before(async () => {
    db = await freshDatabase(backend);
    await insertEvents(db, 40);
    await sealPending(db, { batchSize: 16, waitMs: 10_000 });
    signer = getSigner();
    await publishTreeHead(db, signer);
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
  // Stores a head for `size` with `root`, genuinely signed by the ledger's key: what someone holding the key (or a
  // bug in publishing) could leave behind. Its time is later than every real head's.
  const signedHead = async (db: Queryable, size: number, root: Buffer): Promise<void> => {
    const head = { origin: 'govflow/ledger', treeSize: size, rootHash: root, signedAt: new Date(Date.now() + 60_000).toISOString() };
    await db.query(
      `insert into ledger_tree_head (origin, tree_size, root_hash, signed_at, key_id, signature) values ($1, $2, $3, $4, $5, $6)`,
      [head.origin, size, root, head.signedAt, signer.keyId, signer.sign(Buffer.from(checkpointBody(head)))],
    );
  };
  // Copies leaf `from` whole into the block starting at `block`: at its 1-based place `at`, or appended.
  const copyLeaf = async (db: Queryable, from: number, block: number, at?: number): Promise<void> => {
    const put = (column: string, leaf: string, size: number): string =>
      at === undefined ? `b.${column} || s.${leaf}` : `overlay(b.${column} placing s.${leaf} from ${(at - 1) * size + 1} for ${size})`;
    await db.query(
      `update ledger_block b
       set event_ids = ${at === undefined ? 'b.event_ids || s.event_id' : `b.event_ids[:${at - 1}] || s.event_id || b.event_ids[${at + 1}:]`},
           data_salts = ${put('data_salts', 'data_salt', 16)}, data_digests = ${put('data_digests', 'data_digest', 32)},
           leaf_hashes = ${put('leaf_hashes', 'leaf_hash', 32)},
           id_range = int8range(least(lower(b.id_range), s.event_id), upper(b.id_range))
       from ledger_leaf s where b.first_leaf = $1 and s.leaf_index = $2`,
      [block, from],
    );
  };
  const heads = '(select id from ledger_tree_head order by id limit 1)';
  const cases: Array<{
    name: string;
    tamper: (db: Queryable, ids: number[]) => Promise<void>;
    expect: (ids: number[]) => { leafIndex?: number; eventId?: number; reason?: string; reasonIs?: string };
    options?: () => VerifyOptions;
  }> = [
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
      expect: () => ({
        leafIndex: 0,
        reasonIs: 'the tree no longer matches the signed tree head for size 40 (the stored nodes match leaves 0–31: unless they were rewritten too, the change is in leaves 32–39)',
      }),
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
    {
      // An erasure record lets an event's data differ from its digest, but only as the erasure marker: other data
      // under an erasure record is its own finding, not 'data differs' (mutation testing found no test of it).
      name: 'recording event 7 as erased while its data is something else than the marker',
      tamper: async (db, ids) => {
        await db.query(`insert into ledger_erasure (event_id, reason) values ($1, 'test')`, [ids[7]]);
        await db.query(`update event_log set data = '{"not": "the marker"}' where id = $1`, [ids[7]]);
      },
      expect: (ids) => ({ leafIndex: 7, eventId: ids[7]!, reason: 'recorded as erased but its data is not the erasure marker' }),
    },
    {
      // A block's id_range narrowed so that it no longer covers its last event (leaf 15): every leaf still matches
      // its event through event_ids, only the fast pass (which finds events through the range) sees it. Verify must
      // fail when either pass does, and the precise pass then names the leaf outside its block's range.
      name: "narrowing block 0's id range so that it misses event 15",
      tamper: (db, ids) => db.query('update ledger_block set id_range = int8range($1, $2) where first_leaf = 0', [ids[0], ids[15]]).then(() => undefined),
      expect: (ids) => ({ leafIndex: 15, eventId: ids[15]!, reason: "outside its block's recorded id range" }),
    },
    // An event sealed twice: the leaf copied whole (event id, salt, digest, leaf hash) into another place, the
    // receiving block's id range widened to take it, so every leaf still matches its event in both passes.
    {
      // Leaves 0–39 and the head for 40 are untouched: only the count of sealed events against the event log tells.
      name: 'appending a copy of leaf 5 as leaf 40 (tree size 41)',
      tamper: async (db) => {
        await copyLeaf(db, 5, 32);
        await db.query('update ledger_state set tree_size = 41');
      },
      expect: (ids) => ({ leafIndex: 40, eventId: ids[5]!, reasonIs: 'the event is sealed more than once' }),
    },
    {
      // As many leaves as events, so only the sum over the sealed ids differs: the event whose leaf was overwritten
      // is named, not the stored tree (leaf 33's hash changed too, which the head for 40 would catch).
      name: 'overwriting leaf 33 with a copy of leaf 5',
      tamper: (db) => copyLeaf(db, 5, 32, 2),
      expect: (ids) => ({ eventId: ids[33]!, reasonIs: 'an event older than the sealing horizon is not in the ledger (inserted after sealing?)' }),
    },
    {
      // Twice in one block: the fast pass finds an event once per block, the precise pass finds every leaf intact,
      // and no event lies outside its block's range. Still a failure, without a position.
      name: 'appending a copy of leaf 35 to its own block as leaf 40 (tree size 41)',
      tamper: async (db) => {
        await copyLeaf(db, 35, 32);
        await db.query('update ledger_state set tree_size = 41');
      },
      expect: () => ({ reasonIs: 'the fast check of the leaves failed but no single leaf could be named' }),
    },
    // The shape of the packed blocks (step 1): the leaves must tile 0 … tree size − 1 in well-formed blocks.
    {
      name: 'raising the recorded tree size past the leaves (40 → 41)',
      tamper: (db) => db.query('update ledger_state set tree_size = 41').then(() => undefined),
      expect: () => ({ leafIndex: 40, reason: 'not a gap-free sequence matching the recorded tree size' }),
    },
    {
      name: 'deleting the packed block of leaves 16–31',
      tamper: (db) => db.query('delete from ledger_block where first_leaf = 16').then(() => undefined),
      expect: () => ({ leafIndex: 16, reason: 'not a gap-free sequence matching the recorded tree size' }),
    },
    {
      name: 'truncating the salts of the block of leaves 16–31 (a malformed block, leaf count unchanged)',
      tamper: (db) => db.query('update ledger_block set data_salts = substring(data_salts from 1 for 16) where first_leaf = 16').then(() => undefined),
      expect: () => ({ leafIndex: 16, reason: 'not a gap-free sequence matching the recorded tree size' }),
    },
    {
      // Leaves 32–47 are not all sealed: no stored node may cover them yet.
      name: 'adding a stored tree node beyond the tree (4/2, leaves 32–47)',
      tamper: (db) => db.query(`insert into ledger_node (level, idx, hash) values (4, 2, sha256('forged'::bytea))`).then(() => undefined),
      expect: () => ({ leafIndex: 40, reasonIs: 'the stored tree has nodes beyond its size' }),
    },
    // Signed tree heads (step 6). The first head covers all 40; a bad later one can only be placed after it.
    {
      name: "altering the signed head's size (40 → 39)",
      tamper: (db) => db.query(`update ledger_tree_head set tree_size = 39`).then(() => undefined),
      expect: () => ({ leafIndex: 0, reason: 'the signed tree head for size 39 has no valid signature by a trusted key' }),
    },
    {
      name: 'adding a copy of the signed head with its size altered (40 → 39)',
      tamper: (db) =>
        db.query(`insert into ledger_tree_head (origin, tree_size, root_hash, signed_at, key_id, signature) select origin, 39, root_hash, signed_at, key_id, signature from ledger_tree_head`).then(() => undefined),
      expect: () => ({ leafIndex: 38, reason: 'the signed tree head for size 39 has no valid signature by a trusted key' }),
    },
    {
      name: 'verifying with trusted keys that do not include the signing key',
      tamper: async () => undefined,
      options: () => ({ trustedKeys: new Map([['0000000000000000', generateSigner().publicKey]]) }),
      expect: () => ({ leafIndex: 0, reasonIs: `the signed tree head for size 40 has no valid signature by a trusted key (${signer.keyId})` }),
    },
    {
      name: 'a genuinely signed head for more entries (41) than the ledger holds',
      tamper: async (db) => signedHead(db, 41, await getRootHash(db, 40)),
      expect: () => ({ leafIndex: 40, reasonIs: 'a signed tree head covers 41 entries but only 40 are in the ledger (entries were removed)' }),
    },
    {
      // Leaves 0–31 are under stored nodes, so no hint about the newest leaves applies to a head for 32.
      name: 'the only signed head, for 32, with another root',
      tamper: async (db) => {
        await db.query(`delete from ledger_tree_head`);
        await signedHead(db, 32, Buffer.alloc(32, 7));
      },
      expect: () => ({ leafIndex: 0, reasonIs: 'the tree no longer matches the signed tree head for size 32' }),
    },
    {
      // The head for 32 matched, so the stored nodes (leaves 0–31) say nothing new about where the change is.
      name: 'a matching head for 32 and then one for 40 with another root',
      tamper: async (db) => {
        await db.query(`delete from ledger_tree_head where id = ${heads}`);
        await signedHead(db, 32, await getRootHash(db, 32));
        await signedHead(db, 40, Buffer.alloc(32, 7));
      },
      expect: () => ({ leafIndex: 32, reasonIs: 'the tree no longer matches the signed tree head for size 40' }),
    },
    {
      name: 'the signed head for 40 and then another for 40 with another root',
      tamper: async (db) => signedHead(db, 40, Buffer.alloc(32, 7)),
      expect: () => ({ leafIndex: 40, reasonIs: 'the tree no longer matches the signed tree head for size 40' }),
    },
  ];

  for (const c of cases) {
    it(`tamper: ${c.name} makes verify fail and names the first affected entry`, async () => {
      const rollback = new Error('rollback');
      await db
        .transaction(async (tx) => {
          await c.tamper(tx, ids);
          const report = await verifyLedger(tx, c.options?.());
          assert.equal(report.ok, false);
          const want = c.expect(ids);
          if (want.leafIndex !== undefined) assert.equal(report.firstBad?.leafIndex, want.leafIndex, JSON.stringify(report.firstBad));
          if (want.eventId !== undefined) assert.equal(report.firstBad?.eventId, want.eventId, JSON.stringify(report.firstBad));
          if (want.reason !== undefined) assert.ok(report.firstBad?.reason.includes(want.reason), JSON.stringify(report.firstBad));
          if (want.reasonIs !== undefined) assert.equal(report.firstBad?.reason, want.reasonIs);
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

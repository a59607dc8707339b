import assert from 'node:assert/strict';
import { createPublicKey, createHash, verify as edVerify } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { Database } from '../../src/store/index.js';
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
import { insertEvents } from './support.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

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

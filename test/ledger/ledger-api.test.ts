/**
 * What the ledger's API returns, field by field, through src/ledger/index.ts on one database: sealing health and
 * the write guard at their limits, inclusion and consistency proofs and root hashes at several sizes (checked with
 * the independent RFC 9162 verifier in rfc9162.ts), every refusal and its error code, signed tree heads and
 * checkpoints, key rotation, and erasure. The other ledger files reach most of this only through HTTP or a whole
 * scenario; this file pins it in seconds, so mutation testing of the ledger (npm run mutate -- ledger) runs it early.
 * The steps share one ledger and run in order: 37 events, sealed, a head, 3 more sealed, one left unsealed.
 */
import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import {
  DEFAULT_ORIGIN,
  ERASED_DATA,
  assertLedgerCurrent,
  checkpointBody,
  checkpointsSince,
  createSealer,
  createWriteGuard,
  eraseEventData,
  exportCheckpoint,
  formatCheckpoint,
  generateSigner,
  getConsistencyProof,
  getInclusionProof,
  getRootHash,
  installNextSigner,
  keyIdOf,
  latestTreeHead,
  ledgerHealth,
  loadOrCreateSigner,
  nextSignerFile,
  prepareNextSigner,
  publicKeys,
  publishTreeHead,
  sealPending,
  verifyLedger,
  verifyTreeHead,
  type LedgerSigner,
  type TreeHead,
} from '../../src/ledger/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { mth, verifyConsistency, verifyInclusion } from './rfc9162.js';
import { insertEvents } from './support.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const proofError = (message: RegExp): { code: string; message: RegExp } => ({ code: 'GOVFLOW_ERR_LEDGER_PROOF', message });
const seal = (db: Database): Promise<unknown> => sealPending(db, { batchSize: 16, waitMs: 10_000 });
// Background work here ticks every 10–250 ms: 15 s is ample even on a crowded machine, and a mutant that stops the
// sealer or a guard fails the file in 15 s, not at the helper's default minute (a mutation run pays it per mutant).
const soon = { timeoutMs: 15_000 };

describeEachBackend('ledger API', (backend) => {
  let db: Database;
  let dir: string;
  let signer: LedgerSigner;
  let ids: number[] = [];
  /** The leaf bytes of every sealed event, by leaf index, as the inclusion proofs hand them out. */
  const leaves: Buffer[] = [];
  before(async () => {
    // Fresh for each run of the file: the mutation runner runs these tests again in one process.
    ids = [];
    leaves.length = 0;
    db = await freshDatabase(backend);
    dir = await mkdtemp(path.join(tmpdir(), 'govflow-ledger-api-'));
    signer = generateSigner();
  });
  after(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  /** The sealed events, by leaf index. */
  const sealedIds = async (): Promise<number[]> => {
    const { rows } = await db.query<{ event_id: string }>('select event_id::text from ledger_leaf order by leaf_index');
    return rows.map((r) => Number(r.event_id));
  };

  it('reports an empty ledger as current, with the default limits', async () => {
    const health = await ledgerHealth(db);
    assert.deepEqual(health, { treeSize: 0, unsealed: 0, lagSeconds: 0, behind: false, limits: { maxUnsealed: 100_000, maxLagSeconds: 60 } });
    // Limits given are kept as given, each on its own.
    assert.deepEqual((await ledgerHealth(db, { maxUnsealed: 5 })).limits, { maxUnsealed: 5, maxLagSeconds: 60 });
    assert.deepEqual((await ledgerHealth(db, { maxLagSeconds: 7 })).limits, { maxUnsealed: 100_000, maxLagSeconds: 7 });
    // Nothing waiting: no lag, and limits of zero are not exceeded.
    assert.equal((await ledgerHealth(db, { maxUnsealed: 0, maxLagSeconds: 0 })).behind, false);
    await assertLedgerCurrent(db, { maxUnsealed: 0, maxLagSeconds: 0 });
    assert.equal(await latestTreeHead(db), undefined);
    assert.equal(await exportCheckpoint(db), undefined);
    assert.deepEqual(await checkpointsSince(db), []);
  });

  it('counts unsealed events and their lag, and is behind only beyond a limit', async () => {
    await insertEvents(db, 37);
    // The lag is counted from the last time the sealer caught up (here: when the database, or its image, was made).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const health = await ledgerHealth(db, { maxUnsealed: 37, maxLagSeconds: 1e9 });
    assert.equal(health.treeSize, 0);
    assert.equal(health.unsealed, 37);
    assert.ok(health.lagSeconds > 0, `lag ${health.lagSeconds}`);
    assert.equal(health.behind, false, 'at the limit is not beyond it');
    assert.equal((await ledgerHealth(db, { maxUnsealed: 36, maxLagSeconds: 1e9 })).behind, true);
    assert.equal((await ledgerHealth(db, { maxUnsealed: 37, maxLagSeconds: 0 })).behind, true);
    await assertLedgerCurrent(db, { maxUnsealed: 37, maxLagSeconds: 1e9 });
    await assert.rejects(assertLedgerCurrent(db, { maxUnsealed: 36, maxLagSeconds: 1e9 }), (error: Error & { code?: string; details?: Array<{ where: string; message: string }> }) => {
      assert.equal(error.code, 'GOVFLOW_ERR_LEDGER_BEHIND');
      assert.match(error.message, /^the ledger is 37 events \/ \d+ s behind/);
      assert.equal(error.details?.length, 1);
      assert.equal(error.details[0]!.where, 'ledger');
      assert.match(error.details[0]!.message, /^unsealed 37 \(limit 36\), lag \d+\.\d s \(limit 1000000000 s\)$/);
      return true;
    });
  });

  it('has a write guard that refuses writes from its last reading, unless told to only report', async () => {
    const refusing = createWriteGuard(db, { maxUnsealed: 36, refreshMs: 20 });
    const reporting = createWriteGuard(db, { maxUnsealed: 36, refreshMs: 20, refuseWrites: false });
    const current = createWriteGuard(db, { maxUnsealed: 37, maxLagSeconds: 1e9, refreshMs: 20 });
    try {
      // Before its first reading a guard lets writes through.
      const fresh = createWriteGuard(db, { maxUnsealed: 0 });
      fresh.stop();
      assert.equal(fresh.last, undefined);
      fresh.check();
      await eventually('a first reading by each guard', async () => refusing.last && reporting.last && current.last, soon);
      assert.equal(refusing.last?.unsealed, 37);
      assert.deepEqual(refusing.last?.limits, { maxUnsealed: 36, maxLagSeconds: 60 });
      assert.throws(() => refusing.check(), { code: 'GOVFLOW_ERR_LEDGER_BEHIND', message: /37 events/ });
      reporting.check();
      assert.equal(reporting.last?.behind, true);
      current.check();
      // A stopped guard keeps its last reading; a running one follows the sealer.
      refusing.stop();
      await seal(db);
      await eventually('the running guard to see the sealed ledger', async () => reporting.last?.unsealed === 0, soon);
      reporting.check();
      assert.equal(refusing.last?.unsealed, 37);
    } finally {
      refusing.stop();
      reporting.stop();
      current.stop();
    }
    const health = await ledgerHealth(db, { maxUnsealed: 0, maxLagSeconds: 0 });
    assert.deepEqual({ ...health, limits: undefined }, { treeSize: 37, unsealed: 0, lagSeconds: 0, behind: false, limits: undefined });
  });

  it('gives no proof without a signed head unless a size is named', async () => {
    ids = await sealedIds();
    await assert.rejects(getInclusionProof(db, ids[3]!), proofError(new RegExp(`^event ${ids[3]} is sealed but no signed tree head covers it yet$`)));
    const proof = await getInclusionProof(db, ids[3]!, { treeSize: 37 });
    assert.equal(proof.treeHead, undefined);
    assert.equal(proof.treeSize, 37);
  });

  it('serves inclusion proofs that verify by RFC 9162 at every leaf and several sizes', async () => {
    for (const id of ids) leaves.push(Buffer.from((await getInclusionProof(db, id, { treeSize: 37 })).leaf, 'utf8'));
    for (const size of [1, 2, 15, 16, 17, 32, 33, 37]) {
      const root = mth(leaves.slice(0, size));
      assert.ok((await getRootHash(db, size)).equals(root), `root of ${size}`);
      for (const index of new Set([0, 1, size >> 1, size - 2, size - 1].filter((i) => i >= 0 && i < size))) {
        const proof = await getInclusionProof(db, ids[index]!, { treeSize: size });
        assert.equal(proof.eventId, ids[index]);
        assert.equal(proof.leafIndex, index);
        assert.equal(proof.treeSize, size);
        assert.equal(proof.rootHash, root.toString('hex'));
        assert.equal(proof.leafHash, createHash('sha256').update(Buffer.from([0])).update(leaves[index]!).digest('hex'));
        assert.ok(verifyInclusion(index, size, leaves[index]!, proof.path.map(hex), root), `leaf ${index} of ${size}`);
      }
    }
    assert.ok((await getRootHash(db, 0)).equals(createHash('sha256').digest()));
  });

  it('refuses inclusion proofs outside the tree', async () => {
    await assert.rejects(getInclusionProof(db, ids[10]!, { treeSize: 10 }), proofError(new RegExp(`^event ${ids[10]} \\(leaf 10\\) is not in a tree of size 10$`)));
    await assert.rejects(getInclusionProof(db, ids[0]!, { treeSize: 38 }), proofError(/^the tree has not reached size 38$/));
    await assert.rejects(getInclusionProof(db, ids[36]! + 1000, { treeSize: 37 }), {
      ...proofError(new RegExp(`^event ${ids[36]! + 1000} is not sealed yet$`)),
      details: [{ where: `event ${ids[36]! + 1000}`, message: 'not in the ledger' }],
    });
  });

  it('serves consistency proofs that verify by RFC 9162, and refuses impossible ones', async () => {
    for (const [m, n] of [[1, 37], [7, 16], [16, 17], [15, 33], [32, 37], [37, 37], [0, 5]] as const) {
      const proof = await getConsistencyProof(db, m, n);
      assert.deepEqual({ m: proof.firstSize, n: proof.secondSize }, { m, n });
      assert.equal(proof.firstRoot, mth(leaves.slice(0, m)).toString('hex'));
      assert.equal(proof.secondRoot, mth(leaves.slice(0, n)).toString('hex'));
      if (m > 0) assert.ok(verifyConsistency(m, n, hex(proof.firstRoot), hex(proof.secondRoot), proof.path.map(hex)), `${m} → ${n}`);
    }
    for (const [m, n] of [[5, 3], [-1, 3], [1.5, 3], [1, 2.5]] as const) {
      await assert.rejects(getConsistencyProof(db, m, n), proofError(new RegExp(`^no consistency proof from ${m} to ${n}$`)));
    }
    await assert.rejects(getConsistencyProof(db, 1, 38), proofError(/^the tree has not reached size 38$/));
    await assert.rejects(getRootHash(db, 38), proofError(/^the tree has not reached size 38$/));
  });

  let head: TreeHead;
  it('signs tree heads that verify with their key only, as checkpoints others can check', async () => {
    head = await publishTreeHead(db, signer);
    assert.equal(DEFAULT_ORIGIN, 'govflow/ledger');
    assert.equal(head.origin, 'govflow/ledger');
    assert.equal(head.treeSize, 37);
    assert.ok(head.rootHash.equals(mth(leaves)));
    assert.equal(head.keyId, createHash('sha256').update(signer.publicKey).digest('hex').slice(0, 16));
    assert.equal(keyIdOf(signer.publicKey), head.keyId);
    assert.deepEqual(await latestTreeHead(db), head);
    const body = `${DEFAULT_ORIGIN}\n37\n${mth(leaves).toString('base64')}\ntime ${head.signedAt}\n`;
    assert.equal(checkpointBody(head), body);
    assert.ok(verify(null, Buffer.from(body), { key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), signer.publicKey]), format: 'der', type: 'spki' }, head.signature));
    assert.equal(verifyTreeHead(head, signer.publicKey), true);
    assert.equal(verifyTreeHead(head, generateSigner().publicKey), false, 'another key');
    assert.equal(verifyTreeHead({ ...head, treeSize: 36 }, signer.publicKey), false, 'another size');
    assert.equal(verifyTreeHead({ ...head, rootHash: mth(leaves.slice(0, 36)) }, signer.publicKey), false, 'another root');
    assert.equal(verifyTreeHead({ ...head, signedAt: new Date(0).toISOString() }, signer.publicKey), false, 'another time');
    assert.equal(verifyTreeHead({ ...head, origin: 'elsewhere' }, signer.publicKey), false, 'another origin');
    // The signed note: the body, a blank line, and "— origin base64(key hash[0:4] || signature)".
    const note = formatCheckpoint(head, signer.publicKey);
    const keyHash = createHash('sha256').update(`${DEFAULT_ORIGIN}\n`).update(Buffer.from([1])).update(signer.publicKey).digest().subarray(0, 4);
    assert.equal(note, `${body}\n\u2014 ${DEFAULT_ORIGIN} ${Buffer.concat([keyHash, head.signature]).toString('base64')}\n`);
    assert.equal(await exportCheckpoint(db), note);
    assert.ok((await publicKeys(db)).get(head.keyId)?.equals(signer.publicKey));
    const other = await publishTreeHead(db, signer, { origin: 'example.org/ledger' });
    assert.equal(other.origin, 'example.org/ledger');
    assert.equal(verifyTreeHead(other, signer.publicKey), true);
  });

  it('proves inclusion against the latest signed head, which it names', async () => {
    await insertEvents(db, 3, 'more');
    await seal(db);
    ids = await sealedIds();
    const proof = await getInclusionProof(db, ids[5]!);
    assert.equal(proof.treeSize, 37);
    assert.deepEqual(proof.treeHead, await latestTreeHead(db));
    assert.equal(proof.rootHash, mth(leaves).toString('hex'));
    // Sealed after the latest head: no proof until a head covers it.
    await assert.rejects(getInclusionProof(db, ids[38]!), proofError(new RegExp(`^event ${ids[38]} is sealed but no signed tree head covers it yet$`)));
    const named = await getInclusionProof(db, ids[38]!, { treeSize: 40 });
    assert.equal(named.leafIndex, 38);
    assert.equal(named.treeHead, undefined, 'a named size is not the latest head');
    assert.equal((await getInclusionProof(db, ids[5]!, { treeSize: 37 })).treeHead, undefined);
    assert.equal((await getConsistencyProof(db, 37, 40)).firstRoot, mth(leaves).toString('hex'));
    const since = await checkpointsSince(db, 37);
    assert.equal(since.length, 2);
    assert.equal(since[0], formatCheckpoint(head, signer.publicKey));
    await publishTreeHead(db, signer);
    assert.equal((await checkpointsSince(db, 38)).length, 1);
    assert.equal((await checkpointsSince(db, 0, 2)).length, 2);
  });

  it('rotates the signing key in steps a rerun can repeat, and old heads keep verifying', async () => {
    const file = path.join(dir, 'keys', 'ledger.pem');
    assert.equal(nextSignerFile(file), `${file}.next`);
    const current = await loadOrCreateSigner(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await loadOrCreateSigner(file)).keyId, current.keyId, 'the file is reused');
    await publishTreeHead(db, current);
    const next = await prepareNextSigner(file);
    assert.notEqual(next.keyId, current.keyId);
    assert.equal((await prepareNextSigner(file)).keyId, next.keyId, 'a rerun reuses the prepared key');
    assert.equal((await loadOrCreateSigner(file)).keyId, current.keyId, 'preparing does not switch');
    await installNextSigner(db, file, next);
    assert.equal((await loadOrCreateSigner(file)).keyId, next.keyId);
    await assert.rejects(stat(nextSignerFile(file)), { code: 'ENOENT' });
    const latest = await latestTreeHead(db);
    assert.equal(latest?.keyId, next.keyId);
    assert.equal(verifyTreeHead(latest!, next.publicKey), true);
    const keys = await publicKeys(db);
    assert.ok(keys.get(current.keyId)?.equals(current.publicKey));
    assert.ok(keys.get(next.keyId)?.equals(next.publicKey));
    // Installed already: a rerun only signs another head.
    await installNextSigner(db, file, next);
    assert.equal((await loadOrCreateSigner(file)).keyId, next.keyId);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(report.treeHeads, 6);
    // A key file that cannot be read is an error, never silently replaced.
    await assert.rejects(loadOrCreateSigner(dir), { code: 'EISDIR' });
    const broken = path.join(dir, 'broken.pem');
    await writeFile(broken, 'not a key');
    await assert.rejects(loadOrCreateSigner(broken));
    assert.equal(await readFile(broken, 'utf8'), 'not a key');
    // A key file that cannot be created is that error, not a reread's ENOENT (sysfs refuses new files, even to root).
    if (process.platform === 'linux') {
      await assert.rejects(loadOrCreateSigner('/sys/govflow-ledger-test.pem'), (error: NodeJS.ErrnoException) => ['EACCES', 'EPERM', 'EROFS'].includes(error.code ?? ''));
    }
    // Processes starting at once all end up with the one key that reached the file first.
    const shared = path.join(dir, 'shared.pem');
    const started = await Promise.all([loadOrCreateSigner(shared), loadOrCreateSigner(shared), loadOrCreateSigner(shared)]);
    const onFile = await loadOrCreateSigner(shared);
    assert.deepEqual(started.map((s) => s.keyId), [onFile.keyId, onFile.keyId, onFile.keyId]);
  });

  it('erases an event’s data and salt but keeps its leaf, and erases unsealed events too', async () => {
    const before = await getInclusionProof(db, ids[5]!, { treeSize: 40 });
    const dataOf = async (id: number): Promise<unknown> => (await db.query<{ data: unknown }>('select data from event_log where id = $1', [id])).rows[0]?.data;
    const neighbour = await dataOf(ids[6]!);
    await eraseEventData(db, ids[5]!, 'retention: 5 years');
    assert.deepEqual(await dataOf(ids[5]!), ERASED_DATA);
    assert.deepEqual(await dataOf(ids[6]!), neighbour);
    assert.match(JSON.stringify(neighbour), /Person/);
    const { rows: salts } = await db.query<{ salt: string; next: string }>(
      `select encode(substring(data_salts from (array_position(event_ids, $1::bigint) - 1) * 16 + 1 for 16), 'hex') as salt,
              encode(substring(data_salts from array_position(event_ids, $1::bigint) * 16 + 1 for 16), 'hex') as next
       from ledger_block where $1::bigint = any(event_ids)`,
      [ids[5]],
    );
    assert.equal(salts[0]!.salt, '0'.repeat(32));
    assert.notEqual(salts[0]!.next, '0'.repeat(32));
    assert.deepEqual(await getInclusionProof(db, ids[5]!, { treeSize: 40 }), before);
    // A sealed event its block's id range no longer covers would keep its salt: refused, the data kept.
    const { rows: ranges } = await db.query<{ first_leaf: string; id_range: string }>('select first_leaf::text, id_range::text from ledger_block where $1::bigint = any(event_ids)', [ids[20]]);
    await db.query('update ledger_block set id_range = int8range(lower(id_range), $2::bigint) where first_leaf = $1', [ranges[0]!.first_leaf, ids[20]]);
    const kept = await dataOf(ids[20]!);
    await assert.rejects(eraseEventData(db, ids[20]!, 'retention'), { message: `ledger: the block holding event ${ids[20]} was not found by its id range; data not erased` });
    assert.deepEqual(await dataOf(ids[20]!), kept);
    await db.query('update ledger_block set id_range = $2::int8range where first_leaf = $1', [ranges[0]!.first_leaf, ranges[0]!.id_range]);
    await assert.rejects(eraseEventData(db, ids[39]! + 1000, 'no such event'), { code: 'GOVFLOW_ERR_NOT_FOUND', message: `no event ${ids[39]! + 1000}` });

    await insertEvents(db, 1, 'late');
    const late = Number((await db.query<{ id: string }>('select max(id)::text as id from event_log')).rows[0]!.id);
    await assert.rejects(getInclusionProof(db, late, { treeSize: 40 }), proofError(new RegExp(`^event ${late} is not sealed yet$`)));
    await eraseEventData(db, late, 'entered by mistake');
    await seal(db);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(report.treeSize, 41);
    assert.equal(report.erased, 2);
  });

  it('seals in rounds of a batch, and the background sealer publishes heads only when the tree grew and the interval passed', async () => {
    const headCount = async (): Promise<number> => Number((await db.query<{ n: string }>('select count(*)::text as n from ledger_tree_head')).rows[0]!.n);
    const sizeOf = async (): Promise<number> => (await ledgerHealth(db)).treeSize;
    const start = await sizeOf();
    await insertEvents(db, 10, 'rounds');
    // On a PostgreSQL server shared with other test files, another file's transaction (a database being created) can
    // hold xmin below the inserting transaction for a while; a round without a wait would then seal none of it.
    const { rows: inserted } = await db.query<{ tx_id: string }>(`select max(tx_id)::text as tx_id from event_log where type = 'test.rounds'`);
    await eventually('the inserting transaction below xmin', async () =>
      (await db.query<{ ok: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 as ok', [inserted[0]!.tx_id])).rows[0]!.ok, soon,
    );
    const one = await sealPending(db, { batchSize: 4, maxRounds: 1 });
    assert.deepEqual({ sealed: one.sealed, treeSize: one.treeSize, caughtUp: one.caughtUp }, { sealed: 4, treeSize: start + 4, caughtUp: false });
    // Stopped inside the inserting transaction: the rest of it is still unsealed.
    assert.equal((await ledgerHealth(db)).unsealed, 6);
    const two = await sealPending(db, { batchSize: 4, maxRounds: 2 });
    assert.deepEqual({ sealed: two.sealed, treeSize: two.treeSize }, { sealed: 6, treeSize: start + 10 });

    // Without a signer: seals, publishes nothing, and publishNow is a no-op.
    const unsigned = createSealer(db, { intervalMs: 10 });
    await insertEvents(db, 2, 'unsigned');
    const heads = await headCount();
    assert.equal((await unsigned.sealNow()).sealed, 2);
    await unsigned.publishNow();
    assert.equal(await headCount(), heads);

    // A long head interval: the first tick publishes (none yet from this sealer), later growth waits for the interval.
    const signed = createSealer(db, { intervalMs: 10, batchSize: 3, signer, headIntervalMs: 60_000 });
    await insertEvents(db, 5, 'ticks');
    signed.start();
    signed.start();
    await eventually('the sealer to seal and publish', async () => (await headCount()) === heads + 1 && (await ledgerHealth(db)).unsealed === 0, soon);
    // The first tick seals what it can and publishes: usually all 17. On a PostgreSQL server shared with other test
    // files, another file's open transaction can hold the sealing back (the horizon is the server's), so that head
    // may cover fewer of the 5 new events; it covers at least one (a head needs growth), and later growth waits.
    const first = (await latestTreeHead(db))?.treeSize ?? 0;
    assert.ok(first > start + 12 && first <= start + 17, `the first head covers some of the new events: ${first - start - 12} of 5`);
    await insertEvents(db, 2, 'grown');
    await eventually('the sealer to seal the growth', async () => (await ledgerHealth(db)).unsealed === 0, soon);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await headCount(), heads + 1, 'no head before the interval has passed');
    await signed.stop();
    await insertEvents(db, 3, 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await ledgerHealth(db)).unsealed, 3, 'a stopped sealer seals nothing');
    await signed.publishNow();
    assert.equal(await headCount(), heads + 2);
    assert.equal((await latestTreeHead(db))?.treeSize, start + 22);

    // No head interval: a head as soon as the tree grew, and none while it does not.
    const eager = createSealer(db, { intervalMs: 10, signer, headIntervalMs: 0 });
    await insertEvents(db, 1, 'eager');
    eager.start();
    try {
      await eventually('the eager sealer to publish', async () => (await latestTreeHead(db))?.treeSize === start + 23, soon);
      const count = await headCount();
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(await headCount(), count, 'no new head without growth');
    } finally {
      await eager.stop();
    }
    // The defaults (a tick every 250 ms, a head at most every minute: the first tick's) and a named origin.
    const defaults = createSealer(db, { signer, origin: 'example.org/ledger' });
    await insertEvents(db, 1, 'defaults');
    defaults.start();
    try {
      await eventually('the default sealer to publish', async () => (await latestTreeHead(db))?.treeSize === start + 24, soon);
      assert.equal((await latestTreeHead(db))?.origin, 'example.org/ledger');
    } finally {
      await defaults.stop();
    }
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });

  it('refreshes a write guard every second unless given an interval', async (t) => {
    const delays: unknown[] = [];
    for (const options of [{}, { refreshMs: 40 }]) {
      const timers = t.mock.method(globalThis, 'setInterval');
      const guard = createWriteGuard(db, options);
      timers.mock.restore();
      guard.stop();
      delays.push(timers.mock.calls.at(-1)?.arguments[1]);
      // Its first reading, started at once, is not left running past the test.
      await eventually('the first reading', async () => guard.last !== undefined, soon);
    }
    assert.deepEqual(delays, [1000, 40]);
  });

  it('records the next signing key before it becomes current, so a rotation whose first head fails leaves it trusted', async () => {
    const file = path.join(dir, 'keys', 'first-head-fails.pem');
    const current = await loadOrCreateSigner(file);
    const next = await prepareNextSigner(file);
    // The crash injected: the first head by the new key cannot be stored.
    await db.query(`create function govflow_test_refuse_head() returns trigger language plpgsql as $$ begin raise exception 'no head today'; end $$`);
    await db.query('create trigger govflow_test_refuse_head before insert on ledger_tree_head for each row execute function govflow_test_refuse_head()');
    try {
      await assert.rejects(installNextSigner(db, file, next), /no head today/);
    } finally {
      await db.query('drop trigger govflow_test_refuse_head on ledger_tree_head');
      await db.query('drop function govflow_test_refuse_head()');
    }
    // The new key is the current one on disk, and its public half is already recorded: heads it signs from now on verify.
    assert.equal((await loadOrCreateSigner(file)).keyId, next.keyId);
    assert.notEqual(next.keyId, current.keyId);
    assert.ok((await publicKeys(db)).get(next.keyId)?.equals(next.publicKey));
  });

  it('names a missing leaf of a block split between two rounds when a proof needs it, rather than failing on the hash of nothing', async () => {
    const split = await freshDatabase(backend);
    try {
      // Two rounds: leaves 0–4, then 5–19, so the first aligned block of 16 leaves is two rows.
      await insertEvents(split, 5, 'first-round');
      await seal(split);
      await insertEvents(split, 15, 'second-round');
      await sealPending(split, { waitMs: 10_000 });
      const { rows } = await split.query<{ first_leaf: string; id: string }>('select b.first_leaf::text, b.event_ids[1]::text as id from ledger_block b order by b.first_leaf');
      assert.deepEqual(rows.map((r) => r.first_leaf), ['0', '5', '16']);
      await split.query('delete from ledger_block where first_leaf = 5');
      // Leaf 0's path and the proof from size 4 both need node 2/1 (leaves 4–7): leaf 4 is there, leaf 5 is gone.
      const missing = (error: Error): boolean => error instanceof GovflowError && error.code === 'GOVFLOW_ERR_LEDGER_DAMAGED' && /^ledger tree node \d+\/\d+ is missing$/.test(error.message);
      await assert.rejects(getInclusionProof(split, Number(rows[0]!.id), { treeSize: 20 }), missing);
      await assert.rejects(getConsistencyProof(split, 4, 20), missing);
    } finally {
      await split.close();
    }
  });
});

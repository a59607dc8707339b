/**
 * The sealer's rounds and its background loop at their edges, through src/ledger/index.ts: waiting for a transaction
 * still in flight when sealing starts, a tree of one leaf (the first head), a tick that fails (logged, retried), a
 * sealer stopped in the middle of a tick or before its first (or started twice), the cursor of rounds that probe (as
 * after a restore) and the health count while probing, a wait that runs out, sealNow/publishNow waiting, cursor rounds
 * that stop at their batch limit, and a tick's cap of 20 rounds. ledger-api.test.ts covers the usual rounds; these
 * are the cases it cannot reach with every event committed before sealing.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { pino } from 'pino';
import { createSealer, generateSigner, latestTreeHead, ledgerHealth, sealPending, verifyLedger } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertEvents } from './support.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeEachBackend('ledger sealer', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend);
  });
  after(async () => {
    await db.close();
  });

  it('publishes the first head of a tree of one leaf at once', async () => {
    await insertEvents(db, 1);
    const sealer = createSealer(db, { intervalMs: 10, signer: generateSigner(), headIntervalMs: 0 });
    sealer.start();
    try {
      // A short wait: a sealer that never publishes fails here, not at the helper's minute (mutation runs pay it per mutant).
      await eventually('the first head', async () => (await latestTreeHead(db))?.treeSize === 1, { timeoutMs: 15_000 });
    } finally {
      await sealer.stop();
    }
  });

  it('waits for a transaction in flight when asked, and seals its events once it commits', async (t) => {
    if (backend === 'pglite') return t.skip('one connection: no transaction can be in flight beside the sealer');
    let inserted!: () => void;
    let release!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const inFlight = db.transaction(async (tx) => {
      await tx.query(`insert into event_log (type, occurred_at, data) values ('test.in-flight', now(), '{}')`);
      inserted();
      await held;
    });
    await insertedYet;
    // A later transaction that completes: the snapshot's xmax moves past the one in flight, which is what the sealer
    // waits for (xmax is one past the newest completed xid, so the newest transaction of all is not waited for).
    await insertEvents(db, 1, 'after');
    const started = Date.now();
    const sealing = sealPending(db, { waitMs: 30_000 });
    await pause(200);
    release();
    await inFlight;
    const result = await sealing;
    assert.equal(result.treeSize, 3, JSON.stringify(result));
    assert.equal((await ledgerHealth(db)).unsealed, 0);
    // It returns once caught up with what was in flight, not at the end of its wait.
    assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
  });

  it('stops for good even when stopped in the middle of a tick', async () => {
    const sealer = createSealer(db, { intervalMs: 1 });
    sealer.start();
    await insertEvents(db, 2, 'ticking');
    await eventually('the sealer to seal', async () => (await ledgerHealth(db)).unsealed === 0);
    // With a tick every millisecond, the sealer is nearly always in one when stopped: it must not schedule the next.
    await sealer.stop();
    await insertEvents(db, 1, 'after-stop');
    await pause(150);
    assert.equal((await ledgerHealth(db)).unsealed, 1, 'a stopped sealer seals nothing');
    await sealPending(db, { waitMs: 10_000 });
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });

  it('moves the horizon of a probing round that stops at its batch limit up to the last transaction it sealed', async () => {
    // Six transactions; then the state a restore leaves behind (sealed events may lie above the cursor: probe).
    for (let i = 0; i < 6; i++) await insertEvents(db, 1, 'probe');
    await db.query('update ledger_state set probing = true');
    const { rows } = await db.query<{ tx_id: string }>(`select tx_id::text from event_log where type = 'test.probe' order by tx_id, id`);
    // Every one of them finished for every snapshot (another test's transaction on the server could hold xmin back).
    await eventually('the six transactions below xmin', async () =>
      (await db.query<{ ok: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 as ok', [rows[5]!.tx_id])).rows[0]!.ok,
    );
    const round = await sealPending(db, { batchSize: 4, maxRounds: 1 });
    assert.deepEqual({ sealed: round.sealed, caughtUp: round.caughtUp }, { sealed: 4, caughtUp: false });
    // Everything before the fourth transaction is sealed, so the next probing round need not walk it again.
    assert.equal(round.horizon, rows[3]!.tx_id);
    const rest = await sealPending(db, { batchSize: 4, waitMs: 10_000 });
    assert.equal(rest.caughtUp, true);
    assert.equal((await ledgerHealth(db)).unsealed, 0);
    // Caught up above every sealed transaction: back to plain cursor rounds.
    assert.equal((await db.query<{ probing: boolean }>('select probing from ledger_state')).rows[0]!.probing, false);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });

  it('logs a failed tick as a warning with its error, through the logger it was given', async () => {
    const broken = await freshDatabase(backend);
    const lines: Array<{ level: number; msg: string; err?: { message?: string } }> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
          done();
        },
      }),
    );
    const sealer = createSealer(broken, { intervalMs: 10, logger });
    // A database that is gone: every tick fails.
    await broken.close();
    sealer.start();
    try {
      await eventually('a warning', async () => lines.length >= 2, { timeoutMs: 15_000 });
    } finally {
      await sealer.stop();
    }
    assert.equal(lines[0]!.level, 40);
    assert.equal(lines[0]!.msg, 'ledger sealing failed; will retry');
    assert.ok(lines[0]!.err?.message, JSON.stringify(lines[0]));
  });

  it('stopped before its first tick, or started twice, seals nothing once stopped', async () => {
    await sealPending(db, { waitMs: 10_000 });
    await insertEvents(db, 1, 'never-ticked');
    const sealer = createSealer(db, { intervalMs: 100 });
    // A second start must not add a second timer, which stop would leave running; stop must clear the pending tick.
    sealer.start();
    sealer.start();
    await sealer.stop();
    // Long enough for a tick left running to have sealed, even on a loaded machine.
    await pause(1500);
    assert.equal((await ledgerHealth(db)).unsealed, 1, 'a stopped sealer seals nothing');
    await sealPending(db, { waitMs: 10_000 });
  });

  it('counts the unsealed events of a probing ledger by probing its blocks, not by the cursor', async () => {
    await sealPending(db, { waitMs: 10_000 });
    // As after a restore into another cluster: the cursor says nothing, every event is tested against its block.
    await db.query(`update ledger_state set probing = true, horizon = '0'::xid8, horizon_id = null`);
    assert.equal((await ledgerHealth(db)).unsealed, 0);
    await insertEvents(db, 2, 'probed');
    assert.equal((await ledgerHealth(db)).unsealed, 2);
    await sealPending(db, { waitMs: 10_000 });
    assert.equal((await ledgerHealth(db)).unsealed, 0);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  });

  /** A transaction that inserts an event and stays open until released; a later one commits meanwhile. */
  const holdTransaction = async (): Promise<{ release: () => void; done: Promise<void> }> => {
    let inserted!: () => void;
    let release!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const done = db.transaction(async (tx) => {
      await tx.query(`insert into event_log (type, occurred_at, data) values ('test.held', now(), '{}')`);
      inserted();
      await held;
    });
    await insertedYet;
    await insertEvents(db, 1, 'after-held');
    return { release, done };
  };

  it('gives up waiting for a transaction in flight when its wait runs out', async (t) => {
    if (backend === 'pglite') return t.skip('one connection: no transaction can be in flight beside the sealer');
    await sealPending(db, { waitMs: 10_000 });
    const before = (await ledgerHealth(db)).treeSize;
    const held = await holdTransaction();
    // Released in any case, so that a sealer that never gives up fails on the time below instead of hanging.
    const safety = setTimeout(held.release, 20_000);
    const started = Date.now();
    try {
      const result = await sealPending(db, { waitMs: 300 });
      assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
      // Nothing sealed: the event committed after the one in flight has a later tx_id, so it waits behind it (and
      // is the only one health sees: the other is not committed).
      assert.equal(result.treeSize, before);
      assert.equal((await ledgerHealth(db)).unsealed, 1);
    } finally {
      clearTimeout(safety);
      held.release();
      await held.done;
    }
    await sealPending(db, { waitMs: 10_000 });
  });

  it('seals and publishes on demand what was in flight when asked', async (t) => {
    if (backend === 'pglite') return t.skip('one connection: no transaction can be in flight beside the sealer');
    await sealPending(db, { waitMs: 10_000 });
    const sealer = createSealer(db, { signer: generateSigner() });
    for (const demand of ['sealNow', 'publishNow'] as const) {
      const before = (await ledgerHealth(db)).treeSize;
      const held = await holdTransaction();
      try {
        const size: Promise<number | undefined> =
          demand === 'sealNow' ? sealer.sealNow().then((r) => r.treeSize) : sealer.publishNow().then(async () => (await latestTreeHead(db))?.treeSize);
        await pause(200);
        held.release();
        await held.done;
        assert.equal(await size, before + 2, `${demand}: the event in flight is sealed too`);
      } finally {
        // A failure above must not leave the transaction open (closing the database would wait for it).
        held.release();
        await held.done;
      }
    }
  });

  it('keeps cursor rounds stopped at their batch limit as cursor rounds, and caps a tick at 20 rounds', async () => {
    await sealPending(db, { waitMs: 10_000 });
    const sealed = (await ledgerHealth(db)).treeSize;
    await insertEvents(db, 25, 'capped');
    const { rows } = await db.query<{ tx_id: string }>(`select max(tx_id)::text as tx_id from event_log where type = 'test.capped'`);
    await eventually('the transaction below xmin', async () =>
      (await db.query<{ ok: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 as ok', [rows[0]!.tx_id])).rows[0]!.ok,
    );
    const round = await sealPending(db, { batchSize: 2, maxRounds: 1 });
    assert.deepEqual({ sealed: round.sealed, caughtUp: round.caughtUp }, { sealed: 2, caughtUp: false });
    // An unrestored ledger: the cursor moves inside the transaction, and nothing switches the sealer to probing.
    const { rows: state } = await db.query<{ probing: boolean; horizon_id: string | null }>('select probing, horizon_id::text from ledger_state');
    assert.deepEqual({ probing: state[0]!.probing, cursorInside: state[0]!.horizon_id !== null }, { probing: false, cursorInside: true });
    // A background tick seals at most 20 rounds of its batch size before it publishes: the first head covers 20 more.
    const signer = generateSigner();
    const sealer = createSealer(db, { intervalMs: 10, batchSize: 1, signer, headIntervalMs: 0 });
    sealer.start();
    try {
      await eventually('a head by the new key', async () => (await latestTreeHead(db))?.keyId === signer.keyId, { timeoutMs: 15_000 });
    } finally {
      await sealer.stop();
    }
    const heads = await db.query<{ tree_size: string }>('select tree_size::text from ledger_tree_head where key_id = $1 order by id', [signer.keyId]);
    assert.equal(Number(heads.rows[0]!.tree_size), sealed + 2 + 20);
    await sealPending(db, { waitMs: 10_000 });
  });
});

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
import { createSealer, generateSigner, latestTreeHead, ledgerHealth, sealPending, verifyLedger, type SealResult } from '../../src/ledger/index.js';
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

  /** Events, leaves and distinct sealed events, and whether the sealer probes. */
  const ledgerCounts = async (target: Database): Promise<{ events: string; leaves: string; distinct: string; probing: boolean }> =>
    (
      await target.query<{ events: string; leaves: string; distinct: string; probing: boolean }>(
        `select (select count(*) from event_log)::text as events, (select count(*) from ledger_leaf)::text as leaves,
                (select count(distinct event_id) from ledger_leaf)::text as distinct, (select probing from ledger_state)`,
      )
    ).rows[0]!;
  /** `n` committed rows carrying the given xids, as a restore from a cluster whose xid counter is ahead leaves them. */
  const insertRestored = async (target: Database, n: number, firstXid: string): Promise<void> => {
    await target.query(
      `insert into event_log (type, occurred_at, data, tx_id)
       select 'test.restored', now(), '{}', ($2::numeric + g - 1)::text::xid8 from generate_series(1, $1::int) g`,
      [n, firstXid],
    );
  };
  const xmaxOf = async (target: Database): Promise<bigint> =>
    BigInt((await target.query<{ xmax: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as xmax')).rows[0]!.xmax);

  it('seals restored rows above xmax once, a backlog larger than a batch too, and keeps probing while they lie above xmin', async () => {
    const restored = await freshDatabase(backend);
    try {
      await insertEvents(restored, 3, 'before-restore');
      await sealPending(restored, { waitMs: 10_000 });
      // Far above every xid the server hands out during this test.
      await insertRestored(restored, 5, String((await xmaxOf(restored)) + 1_000_000n));
      // Rounds of 2: the second probes and seals restored rows only, none below xmin whose xid the horizon could take.
      const backlog = await sealPending(restored, { batchSize: 2, waitMs: 10_000 });
      assert.equal(backlog.treeSize, 8);
      // Rounds that seal newer events, then rounds with nothing to seal: the sealed restored rows still lie above the
      // cursor, so every round must keep testing candidates against the blocks, or a cursor round seals them again.
      for (let i = 0; i < 3; i++) {
        await insertEvents(restored, 2, 'after-restore');
        await sealPending(restored, { waitMs: 10_000 });
        await sealPending(restored, { waitMs: 10_000 });
      }
      assert.deepEqual(await ledgerCounts(restored), { events: '14', leaves: '14', distinct: '14', probing: true });
      const report = await verifyLedger(restored);
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    } finally {
      await restored.close();
    }
  });

  /**
   * One sealing round whose snapshot's xmin is exactly `xid`, the next xid the server hands out; undefined when another
   * transaction took it first. On PGlite (one connection) the round's own transaction takes it (a snapshot's xmin
   * counts its own xid); on PostgreSQL a transaction held open takes it, and the round waits until it is the oldest.
   */
  const sealAtXmin = async (target: Database, xid: bigint): Promise<SealResult | undefined> => {
    const nextXid = async (): Promise<bigint> => BigInt((await target.query<{ x: string }>('select pg_current_xact_id()::text as x')).rows[0]!.x);
    let last = await nextXid();
    while (last < xid - 1n) last = await nextXid();
    if (last !== xid - 1n) return undefined;
    const round = async (): Promise<SealResult | undefined> => {
      const result = await sealPending(target, { maxRounds: 1 });
      return result.horizon === String(xid) ? result : undefined;
    };
    if (backend === 'pglite') return round();
    let took!: (x: string) => void;
    let release!: () => void;
    const taken = new Promise<string>((resolve) => (took = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const done = target.transaction(async (tx) => {
      took((await tx.query<{ x: string }>('select pg_current_xact_id()::text as x')).rows[0]!.x);
      await held;
    });
    try {
      if ((await taken) !== String(xid)) return undefined;
      await eventually('the held transaction to be the oldest', async () =>
        (await target.query<{ x: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as x')).rows[0]!.x === String(xid),
      );
      return await round();
    } finally {
      release();
      await done;
    }
  };

  it('keeps probing through a caught-up round whose xmin is exactly the highest sealed xid', async () => {
    const edge = await freshDatabase(backend);
    try {
      let hit: SealResult | undefined;
      // Another connection may take the xid first (a server shared with other test files): then again, with a new row.
      for (let attempt = 0; attempt < 10 && !hit; attempt++) {
        const xid = (await xmaxOf(edge)) + 50n;
        await insertRestored(edge, 1, String(xid));
        // Sealed above xmax: the sealer probes from now on, and the highest sealed xid is the row's.
        await sealPending(edge, { maxRounds: 1 });
        hit = await sealAtXmin(edge, xid);
      }
      assert.ok(hit, 'no round ran with xmin at the restored row\'s xid: other transactions took it every time');
      assert.equal(hit.caughtUp, true);
      // That transaction had not finished for that round, so the row still lay above its cursor: rounds after it must
      // not seal it again.
      await sealPending(edge, { waitMs: 10_000 });
      await sealPending(edge, { waitMs: 10_000 });
      const counts = await ledgerCounts(edge);
      assert.deepEqual([counts.leaves, counts.distinct], [counts.events, counts.events]);
      const report = await verifyLedger(edge);
      assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    } finally {
      await edge.close();
    }
  });

  it('without a wait, returns after its first caught-up round even with a transaction in flight and the clock standing still', async (t) => {
    if (backend === 'pglite') return t.skip('one connection: no transaction can be in flight beside the sealer');
    await sealPending(db, { waitMs: 10_000 });
    const before = (await ledgerHealth(db)).treeSize;
    const held = await holdTransaction();
    // Released in any case, so that a sealer that waits for it fails on the count below instead of hanging.
    const safety = setTimeout(held.release, 3000);
    try {
      // A round can finish within the millisecond it started in: that must not turn the call into a wait.
      const now = Date.now();
      t.mock.method(Date, 'now', () => now);
      const result = await sealPending(db);
      t.mock.restoreAll();
      // Neither the event in flight nor the one committed after it.
      assert.equal(result.treeSize, before);
    } finally {
      t.mock.restoreAll();
      clearTimeout(safety);
      held.release();
      await held.done;
    }
    await sealPending(db, { waitMs: 10_000 });
  });

  it('ticks every 250 ms unless given an interval', async (t) => {
    const firstDelay = async (options: { intervalMs?: number }): Promise<unknown> => {
      const sealer = createSealer(db, options);
      const timers = t.mock.method(globalThis, 'setTimeout');
      sealer.start();
      timers.mock.restore();
      await sealer.stop();
      return timers.mock.calls.at(-1)?.arguments[1];
    };
    assert.equal(await firstDelay({}), 250);
    assert.equal(await firstDelay({ intervalMs: 40 }), 40);
  });

  it('logs a failed tick through a logger named ledger when given none', async (t) => {
    const broken = await freshDatabase(backend, { migrate: false });
    await broken.close();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    // pino writes through process.stdout once its write has been replaced, so what the default logger prints is caught.
    t.mock.method(process.stdout, 'write', (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      if (typeof chunk === 'string' && chunk.startsWith('{')) {
        lines.push(chunk);
        return true;
      }
      return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    });
    // Silent under tests unless told otherwise; read when the logger is made.
    const level = process.env['GOVFLOW_LOG_LEVEL'];
    process.env['GOVFLOW_LOG_LEVEL'] = 'warn';
    let sealer: ReturnType<typeof createSealer>;
    try {
      sealer = createSealer(broken, { intervalMs: 10 });
    } finally {
      if (level === undefined) delete process.env['GOVFLOW_LOG_LEVEL'];
      else process.env['GOVFLOW_LOG_LEVEL'] = level;
    }
    sealer.start();
    try {
      await eventually('a warning', async () => lines.length >= 1, { timeoutMs: 15_000 });
    } finally {
      await sealer.stop();
      t.mock.restoreAll();
    }
    const warning = JSON.parse(lines[0]!) as { name?: string; msg?: string; level?: number };
    assert.deepEqual({ name: warning.name, msg: warning.msg, level: warning.level }, { name: 'ledger', msg: 'ledger sealing failed; will retry', level: 40 });
  });
});

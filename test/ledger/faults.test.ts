/**
 * Fault and concurrency tests on PostgreSQL: writers in parallel transactions while sealing, the server restarted
 * mid-load, sealer processes SIGKILLed mid-seal, and a pg_dump/pg_restore round trip into another cluster.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/index.js';
import { createSealer, generateSigner, ledgerHealth, publishTreeHead, sealPending, verifyLedger } from '../../src/ledger/index.js';
import { createServerDatabase, freshDatabase, pgUrl } from '../support/databases.js';
import { pgBin, startOwnServer, type OwnServer } from './pg-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const insertOne = `insert into event_log (type, occurred_at, data) values ('load', now(), jsonb_build_object('n', $1::int)) returning id::text`;

/** Every event is sealed exactly once, in (tx_id, id) order, and the ledger verifies. */
async function assertCompleteAndValid(db: Database): Promise<void> {
  const { rows } = await db.query<{ events: string; leaves: string; distinct_events: string; out_of_order: string }>(
    `select (select count(*) from event_log)::text as events,
            (select count(*) from ledger_leaf)::text as leaves,
            (select count(distinct event_id) from ledger_leaf)::text as distinct_events,
            (select count(*) from (select l.leaf_index, row_number() over (order by e.tx_id, e.id) - 1 as expected
                                   from ledger_leaf l join event_log e on e.id = l.event_id) x
             where x.leaf_index <> x.expected)::text as out_of_order`,
  );
  const r = rows[0]!;
  assert.equal(r.leaves, r.events, 'every event is sealed');
  assert.equal(r.distinct_events, r.leaves, 'no event is sealed twice');
  assert.equal(r.out_of_order, '0', 'leaves are in (tx_id, id) order');
  const report = await verifyLedger(db);
  assert.equal(report.ok, true, JSON.stringify(report));
}

/** After a server restart the first use of a pooled connection may fail; a caller retries, and so does the test. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(100);
    }
  }
}

async function createOwnDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

const skip = !pgUrl || !pgBin ? 'no PostgreSQL test server' : false;

describe('ledger under concurrency and faults [postgres]', { skip }, () => {
  let server: OwnServer;
  const signer = generateSigner();
  before(async () => {
    server = await startOwnServer();
  });
  after(() => {
    server?.stop();
  });

  it('seals in commit order without skipping a lower id that commits later, while parallel writers run', async () => {
    const db = await freshDatabase('postgres', { poolSize: 12 });
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    try {
      await a.query('begin');
      const { rows: ra } = await a.query<{ id: string }>(insertOne, [1]);
      const { rows: rb } = await db.query<{ id: string }>(insertOne, [2]);
      assert.ok(Number(ra[0]!.id) < Number(rb[0]!.id));
      // The lower id is still uncommitted: the later, committed one must wait rather than be sealed past it.
      const first = await sealPending(db);
      assert.equal(first.treeSize, 0);
      assert.equal((await ledgerHealth(db)).unsealed, 1);
      await a.query('commit');
      const second = await sealPending(db, { waitMs: 10_000 });
      assert.equal(second.treeSize, 2);
      const { rows: order } = await db.query<{ event_id: string }>('select event_id::text from ledger_leaf order by leaf_index');
      assert.deepEqual(order.map((r) => r.event_id), [ra[0]!.id, rb[0]!.id]);

      // Now 8 writers, each many small transactions with pauses inside them, while a sealer runs continuously.
      const sealer = createSealer(db, { intervalMs: 2, batchSize: 50, signer, headIntervalMs: 50 });
      sealer.start();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let t = 0; t < 25; t++) {
            await db.transaction(async (tx) => {
              for (let k = 0; k < 1 + ((w + t) % 3); k++) {
                await tx.query(insertOne, [w * 1000 + t]);
                if ((w + t + k) % 4 === 0) await sleep(Math.random() * 6);
              }
            });
          }
        }),
      );
      await sealer.publishNow();
      await sealer.stop();
      await assertCompleteAndValid(db);
    } finally {
      await a.end();
      await db.close();
    }
  });

  let killDbUrl = '';

  let loadChildExit: { code: number | null; signal: string | null } | undefined;

  it('loses nothing and seals nothing twice when the server restarts mid-load', async () => {
    const url = await createOwnDatabase(server.url, 'ledger_load');
    await (await openDatabase({ url, poolSize: 1 })).close();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'load-child.ts'), url, '1600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acknowledged.push(line.slice(4));
    });
    child.stderr!.resume();
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    for (let i = 0; i < 400 && acknowledged.length < 50; i++) await sleep(25);
    const beforeRestart = acknowledged.length;
    server.restart();
    loadChildExit = await exited;
    assert.ok(beforeRestart > 0, 'writes before the restart');
    const db = await openDatabase({ url, poolSize: 3 });
    try {
      await sealPending(db, { waitMs: 10_000 });
      await publishTreeHead(db, signer);
      const { rows } = await db.query<{ missing: string }>(
        `select count(*)::text as missing from unnest($1::bigint[]) a(id) where not exists (select 1 from ledger_leaf l where l.event_id = a.id)`,
        [acknowledged],
      );
      assert.equal(rows[0]!.missing, '0', 'every acknowledged write is sealed');
      await assertCompleteAndValid(db);
    } finally {
      await db.close();
    }
  });

  // A server restart can catch a connection between two statements of a transaction; the store discards that
  // client and fails the transaction instead of crashing the process.
  it('the govflow process under load survives the server restart', () => {
    assert.deepEqual(loadChildExit, { code: 0, signal: null });
  });

  it('loses nothing and seals nothing twice when sealer processes are SIGKILLed mid-seal', async () => {
    killDbUrl = await createOwnDatabase(server.url, 'ledger_kill');
    const db = await openDatabase({ url: killDbUrl, poolSize: 4 });
    await db.query(`insert into event_log (type, occurred_at, data) select 'early', now(), '{}' from generate_series(1, 100) g`);
    const sealedBefore = (await sealPending(db, { waitMs: 10_000 })).treeSize;
    await db.query(`insert into event_log (type, occurred_at, data) select 'bulk', now(), jsonb_build_object('g', g) from generate_series(1, 12000) g`);
    const spawnSealer = (): { child: ChildProcess; rounds: () => number } => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'sealer-child.ts'), killDbUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
      let rounds = 0;
      child.stdout!.on('data', (chunk: Buffer) => {
        rounds += chunk.toString().split('\n').filter((l) => l.startsWith('sealed ') && !l.startsWith('sealed 0 ')).length;
      });
      return { child, rounds: () => rounds };
    };
    const exited = (child: ChildProcess): Promise<void> => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    // Two sealer processes compete for the state-row lock; the first is killed once it has sealed a few rounds.
    const one = spawnSealer();
    const two = spawnSealer();
    for (let i = 0; i < 600 && one.rounds() + two.rounds() < 4; i++) await sleep(25);
    assert.ok(one.rounds() + two.rounds() >= 4, 'the sealer processes made progress');
    const victim = one.rounds() >= two.rounds() ? one : two;
    const survivor = victim === one ? two : one;
    await sleep(Math.random() * 30);
    victim.child.kill('SIGKILL');
    await exited(victim.child);
    // A round is one transaction: whatever the killed process was doing is rolled back, never half-applied.
    for (let i = 0; i < 800; i++) {
      if ((await ledgerHealth(db)).unsealed === 0) break;
      await sleep(25);
    }
    survivor.child.kill('SIGKILL');
    await exited(survivor.child);
    const mid = await db.query<{ tree_size: string }>('select tree_size::text from ledger_state');
    assert.ok(Number(mid.rows[0]!.tree_size) > sealedBefore);
    await sealPending(db, { waitMs: 10_000 });
    await publishTreeHead(db, signer);
    await assertCompleteAndValid(db);
    await db.close();
  });

  it('verifies after a pg_dump / pg_restore round trip into another cluster, and keeps sealing there', async () => {
    assert.ok(killDbUrl && pgBin, 'runs after the SIGKILL test');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'govflow-ledger-dump-'));
    try {
      const file = path.join(dir, 'ledger.dump');
      execFileSync(path.join(pgBin, 'pg_dump'), ['-Fc', '-f', file, killDbUrl], { stdio: ['ignore', 'ignore', 'inherit'] });
      const target = await createServerDatabase();
      execFileSync(path.join(pgBin, 'pg_restore'), ['--no-owner', '-d', target, file], { stdio: ['ignore', 'ignore', 'inherit'] });
      const db = await openDatabase({ url: target, poolSize: 3 });
      try {
        const restored = await verifyLedger(db);
        assert.equal(restored.ok, true, JSON.stringify(restored));
        assert.ok(restored.treeSize > 12000);
        await db.query(`insert into event_log (type, occurred_at, data) select 'after-restore', now(), '{}' from generate_series(1, 50)`);
        await sealPending(db, { waitMs: 10_000 });
        await publishTreeHead(db, signer);
        const report = await verifyLedger(db);
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.treeSize, restored.treeSize + 50);
        assert.equal(report.pending, 0);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

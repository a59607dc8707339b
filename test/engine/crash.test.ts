/**
 * Acceptance 4: three govflow worker processes on one PostgreSQL database run many instances of a process with
 * five external-worker service tasks and a parallel gateway; one worker is killed with SIGKILL mid-run and
 * restarted. Every instance completes, each job's side effect is recorded exactly once per idempotency key, and
 * every instance's event log is numbered 1..n without gaps and ends with process.completed.
 *
 * CRASH_INSTANCES overrides the instance count (default 2,000). PostgreSQL only: skipped without a test server,
 * a failure under CI (GOVFLOW_REQUIRE_PG=1).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { createSideEffectTables, exited, sleep, startWorker as startCrashWorker } from './crash-workers.js';
import { bpmn, job } from './bpmn.js';

const INSTANCES = Number(process.env['CRASH_INSTANCES'] ?? 2000);
const LOCK_MS = 2000;

if (!pgUrl && process.env['GOVFLOW_REQUIRE_PG'] === '1') {
  throw new Error('PostgreSQL test server required (CI=true) but GOVFLOW_TEST_PG_URL is not set');
}

const MODEL = bpmn('crash',
  `<startEvent id="start"/>${job('a', 'crash.a')}<parallelGateway id="fork"/>${job('b', 'crash.b')}${job('c', 'crash.c')}${job('d', 'crash.d')}<parallelGateway id="join"/>${job('e', 'crash.e')}<endEvent id="end"/>`,
  'start->a; a->fork; fork->b; fork->c; fork->d; b->join; c->join; d->join; join->e; e->end');

const startWorker = (url: string, workerId: string): ChildProcess => startCrashWorker(url, workerId, { CRASH_LOCK_MS: String(LOCK_MS) });

describe('crash: three worker processes, one killed with SIGKILL and restarted', { skip: pgUrl ? false : 'no PostgreSQL test server', timeout: 240_000 }, () => {
  let db: Database;
  let engine: Engine;
  let url: string;
  const workers = new Map<string, ChildProcess>();

  before(async () => {
    url = await createServerDatabase();
    db = await openDatabase({ url, poolSize: 8 });
    engine = createEngine(db);
    await createSideEffectTables(db);
    await engine.deploy([{ name: 'crash.bpmn', content: MODEL }]);
  });

  after(async () => {
    for (const child of workers.values()) child.kill('SIGKILL');
    await Promise.all([...workers.values()].map(exited));
    await db?.close();
  });

  it(`runs ${INSTANCES} instances to completion with exactly-once side effects and gap-free event logs`, async () => {
    const t0 = Date.now();
    for (const id of ['worker-1', 'worker-2', 'worker-3']) workers.set(id, startWorker(url, id));

    // Start the instances while the workers already run, eight at a time.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < INSTANCES) {
        next++;
        await engine.startInstance('crash', { variables: { n: next } });
      }
    }));
    const completed = async () => Number((await db.query<{ n: number }>("select count(*)::int as n from process_instance where state = 'completed'")).rows[0]!.n);

    // Kill worker-1 mid-run: once it has done some work and much remains.
    const killAt = Math.floor(INSTANCES * 0.3);
    for (let waited = 0; (await completed()) < killAt; waited += 50) {
      assert.ok(waited < 60_000, 'the workers made no progress before the kill');
      await sleep(50);
    }
    const attemptsBeforeKill = Number((await db.query<{ n: number }>("select count(*)::int as n from job_attempt where worker = 'worker-1'")).rows[0]!.n);
    assert.ok(attemptsBeforeKill > 0, 'worker-1 did work before it was killed');
    const victim = workers.get('worker-1')!;
    victim.kill('SIGKILL');
    await exited(victim);
    assert.equal(victim.signalCode, 'SIGKILL');
    const completedAtKill = await completed();
    await sleep(300);
    workers.set('worker-1', startWorker(url, 'worker-1'));

    for (let waited = 0; (await completed()) < INSTANCES; waited += 100) {
      assert.ok(waited < 150_000, `only ${await completed()} of ${INSTANCES} instances completed`);
      await sleep(100);
    }
    const elapsed = Date.now() - t0;

    // Every instance completed, nothing left behind.
    const states = await db.query<{ state: string; n: number }>('select state, count(*)::int as n from process_instance group by state');
    assert.deepEqual(states.rows, [{ state: 'completed', n: INSTANCES }]);
    assert.equal((await db.query('select 1 from job')).rows.length, 0, 'no job left');
    assert.equal((await db.query('select 1 from incident')).rows.length, 0, 'no incident');

    // Exactly one side effect per job idempotency key: the keys of the side effects are exactly the keys of the
    // jobs the engine created (5 per instance), each once.
    const expected = await db.query<{ key: string }>(
      "select instance_id || '-' || element_instance || '-' || element_id as key from event_log where type = 'job.created' order by 1");
    assert.equal(expected.rows.length, INSTANCES * 5);
    const effects = await db.query<{ key: string }>('select idempotency_key as key from side_effect order by 1');
    assert.deepEqual(effects.rows.map((r) => r.key), expected.rows.map((r) => r.key));
    const perInstance = await db.query<{ n: number }>('select count(*)::int as n from side_effect group by instance_id having count(*) <> 5');
    assert.equal(perInstance.rows.length, 0, 'five side effects per instance');
    const attempts = await db.query<{ attempts: number; keys: number }>('select count(*)::int as attempts, count(distinct idempotency_key)::int as keys from job_attempt');
    assert.equal(attempts.rows[0]!.keys, INSTANCES * 5);

    // Gap-free event logs: seq 1..n, n = last_seq, the last event is process.completed.
    const gaps = await db.query<{ id: number }>(
      `select i.id from process_instance i join (select instance_id, count(*) as n, min(seq) as lo, max(seq) as hi from event_log where instance_id is not null group by instance_id) e on e.instance_id = i.id
       where e.lo <> 1 or e.hi <> e.n or e.hi <> i.last_seq`);
    assert.deepEqual(gaps.rows, []);
    const logged = await db.query<{ n: number }>('select count(distinct instance_id)::int as n from event_log where instance_id is not null');
    assert.equal(logged.rows[0]!.n, INSTANCES);
    const last = await db.query<{ type: string; n: number }>(
      `select e.type, count(*)::int as n from process_instance i join event_log e on e.instance_id = i.id and e.seq = i.last_seq group by e.type`);
    assert.deepEqual(last.rows, [{ type: 'process.completed', n: INSTANCES }]);

    console.log(`# crash: ${INSTANCES} instances in ${(elapsed / 1000).toFixed(1)} s; killed worker-1 at ${completedAtKill} completed; ${attempts.rows[0]!.attempts - attempts.rows[0]!.keys} job attempts repeated after the kill`);
  });
});

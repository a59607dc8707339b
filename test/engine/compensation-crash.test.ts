/**
 * Issue 16 acceptance 2 (compensation): two govflow worker processes on one PostgreSQL database work instances
 * whose compensation end event undoes three completed activities. One worker is killed with SIGKILL while it holds
 * a compensation handler's job (its side effect written, the job not yet completed) and is restarted. Every
 * instance completes; the engine created each handler's job exactly once, each handler's side effect happened
 * once per idempotency key, and every instance undid its activities in reverse order of completion, one at a time.
 *
 * COMP_CRASH_INSTANCES overrides the instance count (default 60). PostgreSQL only, like crash.test.ts.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { createSideEffectTables, exited, sleep, startWorker as startCrashWorker } from './crash-workers.js';
import { bpmn, compensateEnd, compensation, job } from './bpmn.js';

const INSTANCES = Number(process.env['COMP_CRASH_INSTANCES'] ?? 60);
const LOCK_MS = 1500;
const HANDLERS = ['undoA', 'undoB', 'undoC'];
const JOB_TYPES = ['doA', 'doB', 'doC', ...HANDLERS];

const MODEL = bpmn('compcrash',
  `<startEvent id="s"/>${job('a', 'doA')}${compensation('a', 'undoA')}${job('b', 'doB')}${compensation('b', 'undoB')}${job('c', 'doC')}${compensation('c', 'undoC')}${compensateEnd('undo')}`,
  's -> a; a -> b; b -> c; c -> undo');

const startWorker = (url: string, workerId: string): ChildProcess => startCrashWorker(url, workerId, { CRASH_LOCK_MS: String(LOCK_MS), CRASH_JOB_TYPES: JOB_TYPES.join(','), CRASH_PAUSE_MS: '150', CRASH_PAUSE_TYPES: HANDLERS.join(',') });

describe('crash: SIGKILL while a compensation handler runs', { skip: pgUrl ? false : 'no PostgreSQL test server', timeout: 240_000 }, () => {
  let db: Database;
  let engine: Engine;
  let url: string;
  const workers = new Map<string, ChildProcess>();

  before(async () => {
    url = await createServerDatabase();
    db = await openDatabase({ url, poolSize: 4 });
    engine = createEngine(db);
    await createSideEffectTables(db);
    await engine.deploy([{ name: 'compcrash.bpmn', content: MODEL }]);
  });

  after(async () => {
    for (const child of workers.values()) child.kill('SIGKILL');
    await Promise.all([...workers.values()].map(exited));
    await db?.close();
  });

  it(`undoes ${INSTANCES} instances exactly once each, in reverse order of completion, across the kill`, async () => {
    for (const id of ['worker-1', 'worker-2']) workers.set(id, startWorker(url, id));
    for (let n = 1; n <= INSTANCES; n++) await engine.startInstance('compcrash', { variables: { n } });
    const count = async (sql: string) => Number((await db.query<{ n: number }>(sql)).rows[0]!.n);
    const completed = () => count("select count(*)::int as n from process_instance where state = 'completed'");

    // Kill worker-1 at a moment it holds a handler job whose side effect it has already written.
    const inFlight = `select count(*)::int as n from job j join side_effect s on s.idempotency_key = j.idempotency_key
      where j.state = 'locked' and j.lock_owner = 'worker-1' and j.type in ('undoA', 'undoB', 'undoC')`;
    // The job may complete between the look and the kill; then worker-1 is restarted and killed again, until the
    // dead worker is seen to have left a handler job in flight.
    let heldAtKill = 0;
    for (let attempt = 1; heldAtKill === 0; attempt++) {
      assert.ok(attempt <= 5, 'five kills never caught a compensation handler job in flight');
      for (let waited = 0; (await count(inFlight)) === 0; waited += 5) {
        assert.ok(waited < 120_000 && (await completed()) < INSTANCES, 'worker-1 never held a compensation handler job in flight');
        await sleep(5);
      }
      const victim = workers.get('worker-1')!;
      victim.kill('SIGKILL');
      await exited(victim);
      assert.equal(victim.signalCode, 'SIGKILL');
      heldAtKill = await count(inFlight);
      if (heldAtKill === 0) workers.set('worker-1', startWorker(url, 'worker-1'));
    }
    const completedAtKill = await completed();
    assert.ok(completedAtKill < INSTANCES, 'the kill came while work remained');
    await sleep(200);
    workers.set('worker-1', startWorker(url, 'worker-1'));

    for (let waited = 0; (await completed()) < INSTANCES; waited += 100) {
      assert.ok(waited < 180_000, `only ${await completed()} of ${INSTANCES} instances completed`);
      await sleep(100);
    }

    assert.deepEqual((await db.query('select state, count(*)::int as n from process_instance group by state')).rows, [{ state: 'completed', n: INSTANCES }]);
    assert.equal((await db.query('select 1 from job')).rows.length, 0, 'no job left');
    assert.equal((await db.query('select 1 from incident')).rows.length, 0, 'no incident');

    // Each handler's job was created once per instance, and its side effect happened once per job key.
    const handlerJobs = await db.query<{ key: string }>(
      `select instance_id || '-' || element_instance || '-' || element_id as key from event_log where type = 'job.created' and element_id in ('undoA', 'undoB', 'undoC') order by 1`);
    assert.equal(handlerJobs.rows.length, INSTANCES * 3);
    const perHandler = await db.query<{ n: number }>(
      `select count(*)::int as n from event_log where type = 'job.created' and element_id in ('undoA', 'undoB', 'undoC') group by instance_id, element_id having count(*) <> 1`);
    assert.deepEqual(perHandler.rows, [], 'each handler ran once per instance');
    const effects = await db.query<{ key: string }>("select idempotency_key as key from side_effect where element_id in ('undoA', 'undoB', 'undoC') order by 1");
    assert.deepEqual(effects.rows.map((r) => r.key), handlerJobs.rows.map((r) => r.key));
    const repeated = await count(`select count(*)::int as n from (select idempotency_key from job_attempt a join side_effect s using (idempotency_key)
      where s.element_id in ('undoA', 'undoB', 'undoC') group by idempotency_key having count(*) > 1) r`);
    assert.ok(repeated >= 1, 'the handler job held by the killed worker was worked again by a live one (and its side effect kept once)');

    // Reverse order of completion, in the log and in the side effects' own clock.
    const logOrder = await db.query<{ instance_id: number; handlers: string[] }>(
      `select instance_id, array_agg(element_id order by seq) as handlers from event_log where type = 'element.completed' and element_id in ('undoA', 'undoB', 'undoC') group by instance_id`);
    assert.equal(logOrder.rows.length, INSTANCES);
    for (const row of logOrder.rows) assert.deepEqual(row.handlers, ['undoC', 'undoB', 'undoA'], `instance ${row.instance_id}`);
    const effectOrder = await db.query<{ instance_id: number; handlers: string[] }>(
      "select instance_id, array_agg(element_id order by at) as handlers from side_effect where element_id in ('undoA', 'undoB', 'undoC') group by instance_id");
    for (const row of effectOrder.rows) assert.deepEqual(row.handlers, ['undoC', 'undoB', 'undoA'], `side effects of instance ${row.instance_id}`);

    const gaps = await db.query<{ id: number }>(
      `select i.id from process_instance i join (select instance_id, count(*) as n, min(seq) as lo, max(seq) as hi from event_log where instance_id is not null group by instance_id) e on e.instance_id = i.id
       where e.lo <> 1 or e.hi <> e.n or e.hi <> i.last_seq`);
    assert.deepEqual(gaps.rows, []);
    console.log(`# compensation crash: ${INSTANCES} instances; killed worker-1 at ${completedAtKill} completed holding ${heldAtKill} handler job(s); ${repeated} handler job(s) worked again after the kill`);
  });
});

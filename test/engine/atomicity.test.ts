/**
 * Every step is all or nothing: a fault injected while a step is being written (a trigger that raises on the job
 * insert, the step's last write) leaves no instance, event, job, task or subscription behind, on every path a step
 * takes — the one-statement fast start, the general start, a task completion, a message, a timer (intermediate and
 * start event), and a job completion both optimistic (one statement) and locking. A step that committed its
 * instance and events in one statement and its jobs in another would leave a half-written instance here.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, job, message, messageRef, timer, userTask } from './bpmn.js';
import { MINUTE, HOUR, assertCompleted, completeJobs, deploy, oneJob, tasksOf, useEngine, type Harness } from './harness.js';

const FAULT = /injected fault on job insert/;

/** Everything a step can write, as text: instances with their state, the event count, jobs, tasks, waits. */
async function snapshot(h: Harness): Promise<Record<string, string>> {
  const { rows } = await h.db.query<Record<string, string>>(
    `select (select coalesce(json_agg(json_build_array(id, state, last_seq, execution, variables) order by id), '[]') from process_instance)::text as instances,
            (select count(*) from event_log)::text as events,
            (select coalesce(json_agg(json_build_array(id, element_id, kind, type, state, lock_owner, due_at) order by id), '[]') from job)::text as jobs,
            (select coalesce(json_agg(json_build_array(id, element_id, state) order by id), '[]') from user_task)::text as tasks,
            (select count(*) from event_subscription)::text as subscriptions,
            (select count(*) from message_buffer)::text as messages`,
  );
  return rows[0]!;
}

async function arm(h: Harness, on: boolean): Promise<void> {
  await h.db.query(on ? 'insert into test_fault values (true) on conflict do nothing' : 'delete from test_fault');
}

/** Runs `step` with the fault armed: it must fail with the injected error and leave the database as it was. */
async function assertAtomic(h: Harness, step: () => Promise<unknown>): Promise<void> {
  const before = await snapshot(h);
  await arm(h, true);
  try {
    await assert.rejects(step(), FAULT);
  } finally {
    await arm(h, false);
  }
  assert.deepEqual(await snapshot(h), before, 'the failed step left something behind');
}

describeEachBackend('engine: a failed step writes nothing', (backend) => {
  const h = useEngine(backend);
  before(async () => {
    await h.db.exec(`create table test_fault (armed boolean primary key);
      create function test_fault_raise() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from test_fault) then raise exception 'injected fault on job insert (%)', new.element_id; end if;
        return new;
      end $$;
      create trigger test_fault_job before insert on job for each row execute function test_fault_raise()`);
  });

  it('the one-statement fast start and the general start', async () => {
    await deploy(h, bpmn('atomic_start', `<startEvent id="s"/>${job('work', 'atomic.work')}<endEvent id="e"/>`, 's -> work; work -> e'));
    // The first start of a key takes the general path and caches the definition; later ones take the fast path.
    await h.engine.startInstance('atomic_start');
    await assertAtomic(h, () => h.engine.startInstance('atomic_start', { variables: { n: 1 } }));
    // A pinned version always takes the general path (one transaction).
    await assertAtomic(h, () => h.engine.startInstance('atomic_start', { version: 1 }));
    // Disarmed, the same start goes through: the fault, not the model, made it fail.
    const { id } = await h.engine.startInstance('atomic_start', { variables: { n: 2 } });
    assert.equal((await h.engine.getInstance(id)).state, 'active');
  });

  it('completing a user task, and correlating a message', async () => {
    await deploy(h, bpmn('atomic_step', `<startEvent id="s"/>${userTask('review')}<intermediateCatchEvent id="wait">${messageRef('m')}</intermediateCatchEvent>${job('after', 'atomic.after')}<endEvent id="e"/>`,
      's -> review; review -> wait; wait -> after; after -> e', message('m', 'atomic-go', '=ref')));
    const { id } = await h.engine.startInstance('atomic_step', { variables: { ref: 'r1' } });
    // Completing the task reaches the message wait: no job yet, so fault the subscription's step another way below.
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertAtomic(h, () => h.engine.publishMessage({ name: 'atomic-go', correlationKey: 'r1', variables: { answer: 42 } }));
    const again = await h.engine.publishMessage({ name: 'atomic-go', correlationKey: 'r1' });
    assert.deepEqual(again.correlatedInstances, [id]);
    await completeJobs(h, 'atomic.after', {}, id);
    await assertCompleted(h, id);

    await deploy(h, bpmn('atomic_task', `<startEvent id="s"/>${userTask('check')}${job('next', 'atomic.next')}<endEvent id="e"/>`, 's -> check; check -> next; next -> e'));
    const second = await h.engine.startInstance('atomic_task');
    const [check] = await tasksOf(h, second.id);
    await assertAtomic(h, () => h.engine.completeTask(check!.id, { variables: { ok: true } }));
    await h.engine.completeTask(check!.id, { variables: { ok: true } });
    assert.deepEqual((await h.engine.getInstance(second.id)).activeElements.map((a) => a.elementId), ['next']);
  });

  it('completing a job, by the optimistic one-statement path and by the locking path', async () => {
    // Optimistic: the next step only creates a job.
    await deploy(h, bpmn('atomic_job', `<startEvent id="s"/>${job('first', 'atomic.first')}${job('second', 'atomic.second')}<endEvent id="e"/>`, 's -> first; first -> second; second -> e'));
    const { id } = await h.engine.startInstance('atomic_job');
    const first = await oneJob(h, 'atomic.first');
    await assertAtomic(h, () => h.engine.completeJob(first.id, { worker: 'w', variables: { x: 1 } }));
    await h.engine.completeJob(first.id, { worker: 'w', variables: { x: 1 } });
    assert.deepEqual((await h.engine.getInstance(id)).activeElements.map((a) => a.elementId), ['second']);

    // Locking: the next step also creates a user task, which the one-statement path leaves to the general one.
    await deploy(h, bpmn('atomic_job_locking', `<startEvent id="s"/>${job('first', 'atomic.first2')}<parallelGateway id="fork"/>${userTask('t')}${job('second', 'atomic.second2')}<endEvent id="e1"/><endEvent id="e2"/>`,
      's -> first; first -> fork; fork -> t; fork -> second; t -> e1; second -> e2'));
    const locking = await h.engine.startInstance('atomic_job_locking');
    const first2 = await oneJob(h, 'atomic.first2');
    await assertAtomic(h, () => h.engine.completeJob(first2.id, { worker: 'w' }));
    await h.engine.completeJob(first2.id, { worker: 'w' });
    assert.deepEqual((await h.engine.getInstance(locking.id)).activeElements.map((a) => a.elementId).sort(), ['second', 't']);
  });

  it('a timer firing: a timer start event and an intermediate timer event', async () => {
    await deploy(h, bpmn('atomic_timer_start', `<startEvent id="s">${timer('timeCycle', 'R1/PT1H')}</startEvent>${job('first', 'atomic.timed')}<endEvent id="e"/>`, 's -> first; first -> e'));
    h.clock.advance(HOUR + MINUTE);
    await assertAtomic(h, () => h.engine.runDueTimers(10));
    assert.equal(await h.engine.runDueTimers(10), 1);
    assert.equal((await h.engine.listInstances({ processKey: 'atomic_timer_start' })).length, 1);

    await deploy(h, bpmn('atomic_timer', `<startEvent id="s"/><intermediateCatchEvent id="wait">${timer('timeDuration', 'PT10M')}</intermediateCatchEvent>${job('late', 'atomic.late')}<endEvent id="e"/>`,
      's -> wait; wait -> late; late -> e'));
    const { id } = await h.engine.startInstance('atomic_timer');
    h.clock.advance(11 * MINUTE);
    await assertAtomic(h, () => h.engine.runDueTimers(10));
    assert.equal(await h.engine.runDueTimers(10), 1, 'the timer is still there and fires once the fault is gone');
    assert.deepEqual((await h.engine.getInstance(id)).activeElements.map((a) => a.elementId), ['late']);
  });
});

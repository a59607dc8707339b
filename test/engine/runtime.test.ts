/**
 * Acceptance 2 (engine behaviour around the elements): message buffering with a time to live, versioning, timers
 * under clock jumps and in bulk, and deploy-time refusal of unsupported elements (nothing written).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, job, message, messageRef, timer, userTask } from './bpmn.js';
import {
  HOUR, MINUTE, activeElements, advance, assertCompleted, assertInOrder, count, deploy, instance, rejection, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

describeEachBackend('engine: message buffering', (backend) => {
  const h = useEngine(backend);
  const model = bpmn('buffered', `<startEvent id="s"/>${userTask('prepare')}<intermediateCatchEvent id="wait">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`,
    's -> prepare; prepare -> wait; wait -> e', message('m', 'buf.docs', '=caseId'));

  it('a message published before anyone waits is buffered and delivered when the catch event is reached', async () => {
    await deploy(h, model);
    const { id } = await h.engine.startInstance('buffered', { variables: { caseId: 'K1' } });
    const published = await h.engine.publishMessage({ name: 'buf.docs', correlationKey: 'K1', variables: { pages: 12 }, timeToLiveMs: 10 * MINUTE });
    assert.deepEqual(published, { correlatedInstances: [], startedInstances: [], buffered: true });
    assert.equal(await rowCount(h, "select 1 from message_buffer where name = 'buf.docs'"), 1);
    h.clock.advance(5 * MINUTE);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['pages'], 12);
    assertInOrder(await traceOf(h, id), ['task.completed:prepare', 'element.activated:wait', 'message.correlated:wait', 'element.completed:wait', 'process.completed']);
    assert.equal(await rowCount(h, "select 1 from message_buffer where name = 'buf.docs'"), 0, 'a buffered message is delivered once');
  });

  it('a buffered message whose time to live has passed is not delivered', async () => {
    const { id } = await h.engine.startInstance('buffered', { variables: { caseId: 'K2' } });
    await h.engine.publishMessage({ name: 'buf.docs', correlationKey: 'K2', variables: { pages: 1 }, timeToLiveMs: MINUTE });
    h.clock.advance(2 * MINUTE);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.activeElements.map((a) => [a.elementId, a.waitingFor]), [['wait', 'message']]);
    assert.equal(view.variables['pages'], undefined);
    // A fresh message is still delivered.
    await h.engine.publishMessage({ name: 'buf.docs', correlationKey: 'K2', variables: { pages: 2 } });
    assert.equal((await assertCompleted(h, id)).variables['pages'], 2);
  });

  it('a buffered message goes only to the instance with its correlation key', async () => {
    await h.engine.publishMessage({ name: 'buf.docs', correlationKey: 'K3', variables: { pages: 3 }, timeToLiveMs: HOUR });
    const other = await h.engine.startInstance('buffered', { variables: { caseId: 'K4' } });
    const mine = await h.engine.startInstance('buffered', { variables: { caseId: 'K3' } });
    for (const i of [other.id, mine.id]) {
      const [task] = await tasksOf(h, i);
      await h.engine.completeTask(task!.id);
    }
    assert.deepEqual(await activeElements(h, other.id), ['wait']);
    assert.equal((await assertCompleted(h, mine.id)).variables['pages'], 3);
    await h.engine.cancelInstance(other.id);
  });

  it('a message without a waiter and without a time to live is refused, not silently dropped', async () => {
    const error = await rejection(() => h.engine.publishMessage({ name: 'buf.nobody', correlationKey: 'x', timeToLiveMs: 0 }));
    assert.equal(error.code, 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED');
    assert.equal(error.status, 404);
  });
});

describeEachBackend('engine: versioning', (backend) => {
  const h = useEngine(backend);
  const v1 = bpmn('permit', `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e');
  const v2 = bpmn('permit', `<startEvent id="s"/>${userTask('review')}${job('archive', 'permit.archive')}<endEvent id="e"/>`, 's -> review; review -> archive; archive -> e');

  it('deploying a changed model makes a new version; a running instance finishes on its own version', async () => {
    const first = await deploy(h, v1, 'permit.bpmn');
    assert.deepEqual(first.processes.map((p) => [p.key, p.version, p.isNew]), [['permit', 1, true]]);
    const old = await h.engine.startInstance('permit');
    assert.equal(old.version, 1);
    const second = await deploy(h, v2, 'permit.bpmn');
    assert.deepEqual(second.processes.map((p) => [p.key, p.version, p.isNew]), [['permit', 2, true]]);
    const fresh = await h.engine.startInstance('permit');
    assert.equal(fresh.version, 2);
    assert.notEqual(fresh.definitionId, old.definitionId);
    const pinned = await h.engine.startInstance('permit', { version: 1 });
    assert.equal(pinned.version, 1);
    for (const i of [old.id, fresh.id, pinned.id]) {
      const [task] = await tasksOf(h, i);
      await h.engine.completeTask(task!.id);
    }
    // v1 instances end after the review; the v2 instance goes on to the archive job.
    await assertCompleted(h, old.id);
    await assertCompleted(h, pinned.id);
    assert.ok(!(await traceOf(h, old.id)).includes('element.activated:archive'));
    assert.deepEqual(await activeElements(h, fresh.id), ['archive']);
    const jobs = await h.engine.activateJobs({ type: 'permit.archive', worker: 'w' });
    assert.deepEqual(jobs.map((j) => j.instanceId), [fresh.id]);
    await h.engine.completeJob(jobs[0]!.id, { worker: 'w' });
    await assertCompleted(h, fresh.id);
  });

  it('redeploying an identical model keeps the latest version', async () => {
    const again = await deploy(h, v2, 'permit.bpmn');
    assert.deepEqual(again.processes.map((p) => [p.key, p.version, p.isNew]), [['permit', 2, false]]);
    assert.equal(await rowCount(h, "select 1 from process_definition where key = 'permit'"), 2);
    assert.equal((await h.engine.startInstance('permit')).version, 2);
  });
});

describeEachBackend('engine: timers and the clock', (backend) => {
  const h = useEngine(backend);
  const model = bpmn('tick', `<startEvent id="s"/><intermediateCatchEvent id="wait">${timer('timeDuration', 'PT1H')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e');

  it('a clock set backwards fires nothing early, and a jump forwards fires the due timer exactly once', async () => {
    await deploy(h, model);
    const start = h.clock.now();
    const { id } = await h.engine.startInstance('tick');
    h.clock.set(new Date(start.getTime() - 24 * HOUR));
    assert.equal(await h.engine.runDueTimers(), 0);
    assert.equal(await advance(h, 24 * HOUR + 59 * MINUTE), 0);
    assert.equal((await instance(h, id)).state, 'active');
    h.clock.set(new Date(start.getTime() + 7 * 24 * HOUR));
    assert.equal(await h.engine.runDueTimers(), 1);
    assert.equal(await h.engine.runDueTimers(), 0);
    h.clock.set(start);
    assert.equal(await h.engine.runDueTimers(), 0);
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'timer.fired:wait'), 1);
    h.clock.set(new Date(start.getTime() + 7 * 24 * HOUR));
  });

  it('many timers coming due at once all fire, each exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await h.engine.startInstance('tick', { variables: { i } })).id);
    assert.equal(await rowCount(h, "select 1 from job where kind = 'timer'"), 40);
    // Two pollers at once (as two govflow processes would run them): SKIP LOCKED keeps them apart.
    h.clock.advance(3 * HOUR);
    const [a, b] = await Promise.all([h.engine.runDueTimers(1000), h.engine.runDueTimers(1000)]);
    assert.equal(a + b, 40);
    assert.equal(await h.engine.runDueTimers(1000), 0);
    for (const id of ids) {
      await assertCompleted(h, id);
      assert.equal(count(await traceOf(h, id), 'timer.fired:wait'), 1);
    }
    assert.equal(await rowCount(h, "select 1 from job where kind = 'timer'"), 0);
  });

  it('a batch limit leaves the rest of the due timers for the next run', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.engine.startInstance('tick')).id);
    h.clock.advance(2 * HOUR);
    assert.equal(await h.engine.runDueTimers(3), 3);
    assert.equal(await h.engine.runDueTimers(3), 2);
    for (const id of ids) await assertCompleted(h, id);
  });

  it('the next due time of the timers is reported for a poller to sleep until then', async () => {
    const { id } = await h.engine.startInstance('tick');
    assert.equal((await h.engine.nextTimerDue())?.toISOString(), new Date(h.clock.now().getTime() + HOUR).toISOString());
    await h.engine.cancelInstance(id);
    assert.equal(await h.engine.nextTimerDue(), null);
  });
});

describeEachBackend('engine: unsupported elements are refused at deploy time', (backend) => {
  const h = useEngine(backend);
  const cases: { name: string; id: string; type: RegExp; xml: string }[] = [
    {
      name: 'a complex gateway', id: 'cx', type: /ComplexGateway/,
      xml: bpmn('unsupported_cx', '<startEvent id="s"/>\n<complexGateway id="cx"/>\n<endEvent id="e"/>', 's -> cx; cx -> e'),
    },
    {
      name: 'a conditional event written in JUEL', id: 'cond', type: /JUEL/,
      xml: bpmn('unsupported_cond', '<startEvent id="s"/>\n\n<intermediateCatchEvent id="cond"><conditionalEventDefinition><condition xsi:type="tFormalExpression">${x &gt; 1}</condition></conditionalEventDefinition></intermediateCatchEvent>\n<endEvent id="e"/>', 's -> cond; cond -> e'),
    },
    {
      name: 'a JavaScript script task', id: 'js', type: /javascript/i,
      xml: bpmn('unsupported_js', '<startEvent id="s"/>\n<scriptTask id="js" scriptFormat="javascript"><script>process.exit(1)</script></scriptTask>\n<endEvent id="e"/>', 's -> js; js -> e'),
    },
    {
      name: 'a compensation event sub-process', id: 'comp', type: /compensation event sub-processes are not supported/i,
      xml: bpmn('unsupported_comp', `<startEvent id="s"/>${userTask('t')}\n<subProcess id="undo" triggeredByEvent="true">\n<startEvent id="comp"><compensateEventDefinition/></startEvent><endEvent id="ue"/><sequenceFlow id="uf" sourceRef="comp" targetRef="ue"/></subProcess>\n<endEvent id="e"/>`, 's -> t; t -> e'),
    },
  ];

  for (const c of cases) {
    it(`${c.name} is refused with its id, type and line, and nothing is written`, async () => {
      const before = {
        deployments: await rowCount(h, 'select 1 from deployment'),
        definitions: await rowCount(h, 'select 1 from process_definition'),
        resources: await rowCount(h, 'select 1 from deployment_resource'),
      };
      const error = await rejection(() => deploy(h, c.xml, `${c.id}.bpmn`));
      assert.equal(error.code, 'GOVFLOW_ERR_BPMN_UNSUPPORTED');
      assert.equal(error.status, 422);
      const detail = error.details.find((d) => d.where === c.id);
      assert.ok(detail, `a detail names ${c.id}: ${JSON.stringify(error.details)}`);
      const expectedLine = c.xml.split('\n').findIndex((l) => l.includes(`id="${c.id}"`)) + 1;
      assert.equal(detail.line, expectedLine);
      assert.match(detail.message, c.type);
      assert.match(error.message, new RegExp(c.id));
      assert.deepEqual({
        deployments: await rowCount(h, 'select 1 from deployment'),
        definitions: await rowCount(h, 'select 1 from process_definition'),
        resources: await rowCount(h, 'select 1 from deployment_resource'),
      }, before);
    });
  }

  it('a deployment with one bad file among good ones writes nothing at all', async () => {
    const before = await rowCount(h, 'select 1 from process_definition');
    const error = await rejection(() => h.engine.deploy([
      { name: 'good.bpmn', content: bpmn('good_one', '<startEvent id="s"/><endEvent id="e"/>', 's -> e') },
      { name: 'bad.bpmn', content: cases[0]!.xml },
    ]));
    assert.equal(error.code, 'GOVFLOW_ERR_BPMN_UNSUPPORTED');
    assert.equal(await rowCount(h, 'select 1 from process_definition'), before);
    assert.equal((await rejection(() => h.engine.startInstance('good_one'))).code, 'GOVFLOW_ERR_PROCESS_NOT_FOUND');
  });
});

/**
 * Issue 16 (Camunda 8 complete: compensation; transactions): compensation boundary events with their handlers,
 * compensation throw and end events (all of a scope, or one activity by activityRef), handlers of completed
 * embedded sub-processes and of each completed multi-instance instance, run one at a time in reverse order of
 * completion while the throw event waits; a cancel end event in a transaction compensates it and leaves through
 * the cancel boundary. And what is refused at deploy.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, compensateEnd, compensateThrow, compensation, error, errorRef, job, subProcess } from './bpmn.js';
import { activeElements, assertCompleted, assertInOrder, count, deploy, oneJob, rejection, traceOf, useEngine, type Harness } from './harness.js';

async function readyJobs(h: Harness, types: readonly string[]) {
  const jobs = [];
  for (const type of types) jobs.push(...(await h.engine.activateJobs({ type, worker: 'w', maxJobs: 100 })));
  return jobs;
}

/** Works the one ready job of each type in turn, asserting that no other handler job is ready at the same time. */
async function workOneAtATime(h: Harness, types: readonly string[], instanceId: number): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < 20; i++) {
    const ready = (await readyJobs(h, types)).filter((j) => j.instanceId === instanceId);
    if (ready.length === 0) break;
    assert.equal(ready.length, 1, `handlers run one at a time, got ${ready.map((j) => j.type).join(', ')}`);
    order.push(ready[0]!.type);
    await h.engine.completeJob(ready[0]!.id, { worker: 'w', variables: { [`undone_${ready[0]!.elementId}`]: true } });
  }
  return order;
}

async function complete(h: Harness, type: string, variables: Record<string, unknown> = {}): Promise<void> {
  const j = await oneJob(h, type);
  await h.engine.completeJob(j.id, { worker: 'w', variables });
}

describeEachBackend('engine: compensation and transactions', (backend) => {
  const h = useEngine(backend);

  it('a compensation throw event runs the handlers of the completed activities in reverse order, one at a time, and waits for them', async () => {
    await deploy(h, bpmn('comp_all',
      `<startEvent id="s"/>${job('book', 'c1.book')}${compensation('book', 'c1.unbook')}${job('charge', 'c1.charge')}${compensation('charge', 'c1.refund')}
       ${compensateThrow('undo')}${job('after', 'c1.after')}<endEvent id="e"/>`,
      's -> book; book -> charge; charge -> undo; undo -> after; after -> e'));
    const { id } = await h.engine.startInstance('comp_all', { variables: { order: 7 } });
    await complete(h, 'c1.book', { booked: true });
    await complete(h, 'c1.charge', { charged: 20 });
    assert.deepEqual(await activeElements(h, id), ['c1.refund', 'undo'], 'the throw event waits while the last completed activity is undone first');
    const refund = await oneJob(h, 'c1.refund');
    assert.equal(refund.variables['charged'], 20, 'a handler sees the case variables');
    await h.engine.completeJob(refund.id, { worker: 'w', variables: { refunded: true } });
    assert.deepEqual(await workOneAtATime(h, ['c1.unbook', 'c1.refund', 'c1.after'], id), ['c1.unbook', 'c1.after']);
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['refunded'], true);
    const log = await traceOf(h, id);
    assertInOrder(log, [
      'element.completed:book', 'element.completed:charge', 'element.activated:undo', 'compensation.thrown:undo',
      'element.activated:c1.refund', 'element.completed:c1.refund', 'element.activated:c1.unbook', 'element.completed:c1.unbook', 'element.completed:undo', 'element.activated:after',
    ]);
    assert.equal(count(log, 'element.activated:c1.refund'), 1);
    assert.equal(count(log, 'element.activated:c1.unbook'), 1);
  });

  it('activityRef compensates only that activity; an activity is compensated once, and again only if it completed again', async () => {
    await deploy(h, bpmn('comp_ref',
      `<startEvent id="s"/>${job('a', 'c2.a')}${compensation('a', 'c2.undoA')}${job('b', 'c2.b')}${compensation('b', 'c2.undoB')}
       ${compensateThrow('undoB', 'b')}<exclusiveGateway id="again"/>${compensateEnd('undoAll')}`,
      's -> a; a -> b; b -> undoB; undoB -> again; again -> b [= round < 2]; again -> undoAll (default)'));
    const { id } = await h.engine.startInstance('comp_ref', { variables: { round: 1 } });
    await complete(h, 'c2.a');
    await complete(h, 'c2.b');
    assert.deepEqual(await workOneAtATime(h, ['c2.undoA', 'c2.undoB'], id), ['c2.undoB'], 'only b is compensated');
    await complete(h, 'c2.b', { round: 2 });
    // b completed once more since its last compensation: undoB by ref, then the end event undoes a (b is done).
    assert.deepEqual(await workOneAtATime(h, ['c2.undoA', 'c2.undoB'], id), ['c2.undoB', 'c2.undoA']);
    await assertCompleted(h, id);
  });

  it('compensation reaches into a completed embedded sub-process; one thrown inside a sub-process stays in it', async () => {
    await deploy(h, bpmn('comp_sub',
      `<startEvent id="s"/>
       ${subProcess('reserve', `<startEvent id="rs"/>${job('hotel', 'c3.hotel')}${compensation('hotel', 'c3.cancelHotel')}${job('flight', 'c3.flight')}${compensation('flight', 'c3.cancelFlight')}<endEvent id="re"/>`, 'rs -> hotel; hotel -> flight; flight -> re')}
       ${subProcess('pay', `<startEvent id="ps"/>${job('card', 'c3.card')}${compensation('card', 'c3.refund')}${compensateThrow('payUndo')}<endEvent id="pe"/>`, 'ps -> card; card -> payUndo; payUndo -> pe')}
       ${job('car', 'c3.car')}${compensation('car', 'c3.cancelCar')}${compensateEnd('undo')}`,
      's -> reserve; reserve -> pay; pay -> car; car -> undo'));
    const { id } = await h.engine.startInstance('comp_sub');
    await complete(h, 'c3.hotel');
    await complete(h, 'c3.flight');
    await complete(h, 'c3.card');
    assert.deepEqual(await workOneAtATime(h, ['c3.cancelHotel', 'c3.cancelFlight', 'c3.refund', 'c3.cancelCar'], id), ['c3.refund'], 'the throw inside pay compensates pay only');
    await complete(h, 'c3.car');
    assert.deepEqual(await workOneAtATime(h, ['c3.cancelHotel', 'c3.cancelFlight', 'c3.refund', 'c3.cancelCar'], id), ['c3.cancelCar', 'c3.cancelFlight', 'c3.cancelHotel']);
    await assertCompleted(h, id);
  });

  it('each completed instance of a multi-instance activity is compensated, in reverse order of completion, with its own item', async () => {
    await deploy(h, bpmn('comp_mi',
      `<startEvent id="s"/><serviceTask id="send"><extensionElements><zeebe:taskDefinition type="c4.send"/></extensionElements>
         <multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=letters" inputElement="letter"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>
       ${compensation('send', 'c4.recall', '<zeebe:ioMapping><zeebe:input source="=letter" target="recalled"/></zeebe:ioMapping>')}${compensateEnd('undo')}`,
      's -> send; send -> undo'));
    const { id } = await h.engine.startInstance('comp_mi', { variables: { letters: ['x', 'y', 'z'] } });
    const sends = await h.engine.activateJobs({ type: 'c4.send', worker: 'w', maxJobs: 10 });
    const byLetter = new Map(sends.map((j) => [String(j.variables['letter']), j]));
    for (const letter of ['y', 'z', 'x']) await h.engine.completeJob(byLetter.get(letter)!.id, { worker: 'w' });
    const recalled: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const jobs = await h.engine.activateJobs({ type: 'c4.recall', worker: 'w', maxJobs: 10 });
      if (jobs.length === 0) break;
      assert.equal(jobs.length, 1);
      recalled.push(jobs[0]!.variables['letter']);
      await h.engine.completeJob(jobs[0]!.id, { worker: 'w' });
    }
    assert.deepEqual(recalled, ['x', 'z', 'y']);
    await assertCompleted(h, id);
  });

  it('each instance of a multi-instance sub-process is compensated from outside, its handlers seeing that instance\'s item', async () => {
    await deploy(h, bpmn('comp_misub',
      `<startEvent id="s"/><subProcess id="perRoom"><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="=rooms" inputElement="room"/></extensionElements></multiInstanceLoopCharacteristics>
         <startEvent id="rs"/>${job('hold', 'c6.hold')}${compensation('hold', 'c6.release')}${job('clean', 'c6.clean')}${compensation('clean', 'c6.unclean')}<endEvent id="re"/>
         <sequenceFlow id="rf1" sourceRef="rs" targetRef="hold"/><sequenceFlow id="rf2" sourceRef="hold" targetRef="clean"/><sequenceFlow id="rf3" sourceRef="clean" targetRef="re"/></subProcess>
       ${compensateThrow('undo', 'perRoom')}<endEvent id="e"/>`,
      's -> perRoom; perRoom -> undo; undo -> e'));
    const { id } = await h.engine.startInstance('comp_misub', { variables: { rooms: [101, 102] } });
    for (let i = 0; i < 2; i++) {
      await complete(h, 'c6.hold');
      await complete(h, 'c6.clean');
    }
    const undone: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ready = (await readyJobs(h, ['c6.release', 'c6.unclean'])).filter((j) => j.instanceId === id);
      if (ready.length === 0) break;
      assert.equal(ready.length, 1);
      undone.push(`${ready[0]!.type}:${String(ready[0]!.variables['room'])}`);
      await h.engine.completeJob(ready[0]!.id, { worker: 'w' });
    }
    assert.deepEqual(undone, ['c6.unclean:102', 'c6.release:102', 'c6.unclean:101', 'c6.release:101']);
    await assertCompleted(h, id);
  });

  it('a compensation throw in an error event sub-process compensates the scope it interrupted; unfinished work is not compensated', async () => {
    await deploy(h, bpmn('comp_esp',
      `<startEvent id="s"/>${job('reserve', 'c5.reserve')}${compensation('reserve', 'c5.release')}<parallelGateway id="fork"/>
       ${job('check', 'c5.check')}${job('notify', 'c5.notify')}${compensation('notify', 'c5.unnotify')}<parallelGateway id="join"/><endEvent id="e"/>
       ${subProcess('failed', `<startEvent id="fs">${errorRef('Rejected')}</startEvent>${compensateThrow('undo')}<endEvent id="fe"/>`, 'fs -> undo; undo -> fe', 'triggeredByEvent="true"')}`,
      's -> reserve; reserve -> fork; fork -> check; fork -> notify; check -> join; notify -> join; join -> e', error('Rejected', 'REJECTED')));
    const { id } = await h.engine.startInstance('comp_esp');
    await complete(h, 'c5.reserve');
    const check = await oneJob(h, 'c5.check');
    await h.engine.throwJobError(check.id, { worker: 'w', errorCode: 'REJECTED' });
    assert.deepEqual(await workOneAtATime(h, ['c5.release', 'c5.unnotify', 'c5.notify'], id), ['c5.release'], 'notify never completed: only reserve is undone');
    await assertCompleted(h, id);
  });

  it('what completed inside a sub-process that was then interrupted is never compensated', async () => {
    await deploy(h, bpmn('comp_cut',
      `<startEvent id="s"/>${job('open', 'c7.open')}${compensation('open', 'c7.close')}
       ${subProcess('work', `<startEvent id="ws"/>${job('draft', 'c7.draft')}${compensation('draft', 'c7.shred')}${job('review', 'c7.review')}<endEvent id="we"/>`, 'ws -> draft; draft -> review; review -> we')}
       <boundaryEvent id="stop" attachedToRef="work">${errorRef('Stop')}</boundaryEvent>${compensateEnd('undo')}<endEvent id="e"/>`,
      's -> open; open -> work; work -> e; stop -> undo', error('Stop', 'STOP')));
    const { id } = await h.engine.startInstance('comp_cut');
    await complete(h, 'c7.open');
    await complete(h, 'c7.draft');
    const review = await oneJob(h, 'c7.review');
    await h.engine.throwJobError(review.id, { worker: 'w', errorCode: 'STOP' });
    assert.deepEqual(await workOneAtATime(h, ['c7.close', 'c7.shred'], id), ['c7.close'], 'draft completed, but inside the interrupted sub-process');
    await assertCompleted(h, id);
  });

  it('a cancel end event in a transaction compensates it in reverse order and leaves through the cancel boundary', async () => {
    await deploy(h, bpmn('txn',
      `<startEvent id="s"/>
       <transaction id="booking"><startEvent id="ts"/>${job('seat', 't.seat')}${compensation('seat', 't.freeSeat')}${job('pay', 't.pay')}${compensation('pay', 't.refund')}
         <exclusiveGateway id="ok"/><endEvent id="te"/><endEvent id="abort"><cancelEventDefinition/></endEvent>
         <sequenceFlow id="tf1" sourceRef="ts" targetRef="seat"/><sequenceFlow id="tf2" sourceRef="seat" targetRef="pay"/><sequenceFlow id="tf3" sourceRef="pay" targetRef="ok"/>
         <sequenceFlow id="tf4" sourceRef="ok" targetRef="abort"><conditionExpression xsi:type="tFormalExpression">=paid = false</conditionExpression></sequenceFlow><sequenceFlow id="tf5" sourceRef="ok" targetRef="te"/>
       </transaction>
       <boundaryEvent id="cancelled" attachedToRef="booking"><cancelEventDefinition/></boundaryEvent>
       ${job('apologise', 't.apologise')}<endEvent id="e"/><endEvent id="ce"/>`,
      's -> booking; booking -> e; cancelled -> apologise; apologise -> ce').replace('<exclusiveGateway id="ok"/>', '<exclusiveGateway id="ok" default="tf5"/>'));
    const { id } = await h.engine.startInstance('txn');
    await complete(h, 't.seat');
    await complete(h, 't.pay', { paid: false });
    assert.deepEqual(await workOneAtATime(h, ['t.freeSeat', 't.refund', 't.apologise'], id), ['t.refund', 't.freeSeat', 't.apologise']);
    const log = await traceOf(h, id);
    assertInOrder(log, ['transaction.cancelled:abort', 'element.completed:t.refund', 'element.completed:t.freeSeat', 'element.terminated:booking', 'element.activated:cancelled', 'element.completed:apologise']);
    assert.ok(!log.includes('element.activated:e'), 'the transaction is left through the cancel boundary only');
    await assertCompleted(h, id);

    // A transaction that ends normally compensates nothing.
    const ok = await h.engine.startInstance('txn');
    await complete(h, 't.seat');
    await complete(h, 't.pay', { paid: true });
    await assertCompleted(h, ok.id);
    assert.equal((await readyJobs(h, ['t.freeSeat', 't.refund', 't.apologise'])).length, 0);
  });

  it('refuses at deploy what it cannot run, with the element and what to do', async () => {
    const cases: [string, string, RegExp][] = [
      ['compensation event sub-process', `<startEvent id="s"/><endEvent id="e"/>${subProcess('undoAll', `<startEvent id="us"><compensateEventDefinition/></startEvent><endEvent id="ue"/>`, 'us -> ue', 'triggeredByEvent="true"')}`, /compensation event sub-processes are not supported/],
      ['handler without boundary', `<startEvent id="s"/><endEvent id="e"/><serviceTask id="lonely" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="x"/></extensionElements></serviceTask>`, /lonely is not associated with any compensation boundary event/],
      ['boundary without handler', `<startEvent id="s"/>${job('a', 'a')}<boundaryEvent id="b" attachedToRef="a"><compensateEventDefinition/></boundaryEvent><endEvent id="e"/>`, /needs exactly one associated compensation handler/],
      ['no wait', `<startEvent id="s"/>${job('a', 'a')}${compensation('a', 'undoA')}<intermediateThrowEvent id="t"><compensateEventDefinition waitForCompletion="false"/></intermediateThrowEvent><endEvent id="e"/>`, /waitForCompletion="false" is not supported/],
      ['cancel outside a transaction', `<startEvent id="s"/><endEvent id="e"><cancelEventDefinition/></endEvent>`, /must be inside a transaction sub-process/],
      ['activityRef to nothing', `<startEvent id="s"/>${compensateThrow('t', 'nowhere')}<endEvent id="e"/>`, /names activity 'nowhere', which does not exist/],
      ['activityRef into a sub-process', `<startEvent id="s"/>${subProcess('sp', `<startEvent id="ss"/>${job('inner', 'inner')}${compensation('inner', 'undoInner')}<endEvent id="se"/>`, 'ss -> inner; inner -> se')}${compensateThrow('t', 'inner')}<endEvent id="e"/>`, /names activity 'inner', which is not an activity of its own scope/],
      ['handler with a flow', `<startEvent id="s"/>${job('a', 'a')}${compensation('a', 'undoA')}<endEvent id="e"/><sequenceFlow id="bad" sourceRef="undoA" targetRef="e"/>`, /handler undoA must not have sequence flows/],
    ];
    for (const [name, body, why] of cases) {
      const flows = body.includes('id="sp"') ? 's -> sp; sp -> t; t -> e' : body.includes('id="t"') ? 's -> t; t -> e' : body.includes('id="a"') ? 's -> a; a -> e' : 's -> e';
      const refused = await rejection(() => deploy(h, bpmn('refused', body, flows)).then(() => assert.fail(`${name} was deployed`)));
      assert.ok(refused.details, refused.message);
      assert.match(refused.details.map((d) => d.message).join('\n'), why, name);
      assert.ok(refused.details.every((d) => d.where), `${name}: every problem names its element`);
    }
  });
});

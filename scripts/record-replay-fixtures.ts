/**
 * Records the replay fixtures of test/engine/replay.test.ts: runs a handful of representative processes to
 * completion on an in-memory database with a manual clock, then writes, per finished instance, the model XML and
 * its full event history to test/engine/fixtures/replay/<scenario>-<processKey>-<n>.json.
 *
 *   node --import tsx scripts/record-replay-fixtures.ts [--out dir] [scenario…]
 *
 * A fixture is never edited: a file that exists is left as it is (the script says so), and an intended behaviour
 * change adds a new scenario, recorded with its name. Recording every scenario into an empty directory and
 * comparing it with the checked-in fixtures shows whether the engine still behaves as recorded.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, createManualClock, type Engine, type ManualClock } from '../src/engine/index.js';
import { openDatabase, type Database } from '../src/store/index.js';
import { bpmn, compensateEnd, compensateThrow, compensation, conditional, job, subProcess, userTask } from '../test/engine/bpmn.js';
import { awardDmn } from '../test/engine/decision-models.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = path.resolve(outAt >= 0 ? args[outAt + 1] ?? '.' : path.join(root, 'test/engine/fixtures/replay'));
const only = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
const START = '2026-03-02T08:00:00.000Z';

export interface ReplayFixture {
  readonly scenario: string;
  readonly processKey: string;
  readonly hasParent: boolean;
  readonly status: string;
  /** The instance's variables when it finished. */
  readonly variables: Record<string, unknown>;
  readonly xml: string;
  /**
   * The decisions the instance was bound to (by business-rule task element id), with their DMN files: all a
   * replay needs, whatever is deployed when it runs.
   */
  readonly decisions?: Record<string, { decisionKey: string; decisionDefinitionId: number; version: number; versionTag: string | null; dmnName: string; dmn: string }>;
  readonly events: { seq: number; type: string; elementId: string | null; elementInstance: string | null; actor: string | null; occurredAt: string; data: Record<string, unknown> }[];
}

interface Scenario {
  readonly name: string;
  /** BPMN files; each may hold several processes. */
  readonly files: Record<string, string>;
  run(engine: Engine, clock: ManualClock): Promise<void>;
}

const minute = 60_000;

async function workAll(engine: Engine, clock: ManualClock, type: string, variables: (vars: Record<string, unknown>) => Record<string, unknown> = () => ({})): Promise<number> {
  const jobs = await engine.activateJobs({ type, worker: 'recorder', maxJobs: 100 });
  for (const j of jobs) {
    clock.advance(minute);
    await engine.completeJob(j.id, { worker: 'recorder', variables: variables(j.variables) });
  }
  return jobs.length;
}

const SCENARIOS: Scenario[] = [
  {
    // User task with candidate group, claim (an appended event), completion with variables, exclusive gateway,
    // an external job and an inline handler.
    name: 'approval',
    files: {
      'approval.bpmn': bpmn('approval',
        `<startEvent id="submitted"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="clerks"/><zeebe:taskSchedule dueDate="=today() + duration(&quot;P3D&quot;)"/>')}
         <exclusiveGateway id="decision"/>${job('notify', 'notify', '<zeebe:taskHeaders><zeebe:header key="template" value="approved"/></zeebe:taskHeaders>')}
         <serviceTask id="archive"><extensionElements><zeebe:taskDefinition type="govflow:set"/><zeebe:taskHeaders><zeebe:header key="archived" value="yes"/></zeebe:taskHeaders></extensionElements></serviceTask>
         <scriptTask id="fee"><extensionElements><zeebe:script expression="=amount * 2" resultVariable="fee"/></extensionElements></scriptTask>
         <endEvent id="approved"/><endEvent id="rejected"/>`,
        'submitted->review; review->decision; decision->notify [= approved = true]; decision->fee (default); notify->archive; archive->approved; fee->rejected'),
    },
    async run(engine, clock) {
      for (const approved of [true, false]) {
        await engine.startInstance('approval', { variables: { applicant: 'ann', amount: 120 }, businessKey: `A-${approved}`, actor: 'portal' });
        clock.advance(minute);
        const [task] = await engine.listTasks({ candidateGroups: ['clerks'] });
        await engine.claimTask(task!.id, 'bob');
        clock.advance(minute);
        await engine.completeTask(task!.id, { actor: 'bob', variables: { approved, comment: approved ? 'fine' : 'missing papers' } });
        await workAll(engine, clock, 'notify', () => ({ notifiedAt: clock.now().toISOString() }));
      }
    },
  },
  {
    // Parallel split/join of external jobs, one of which fails once and is retried (job.failed is appended).
    name: 'parallel-jobs',
    files: {
      'parallel.bpmn': bpmn('parallel',
        `<startEvent id="s"/><parallelGateway id="fork"/>${job('registry', 'registry')}${job('tax', 'tax')}${job('police', 'police')}<parallelGateway id="join"/>
         <inclusiveGateway id="extra"/>${job('audit', 'audit')}<serviceTask id="noop"><extensionElements><zeebe:taskDefinition type="govflow:noop"/></extensionElements></serviceTask><inclusiveGateway id="extraJoin"/><endEvent id="e"/>`,
        's->fork; fork->registry; fork->tax; fork->police; registry->join; tax->join; police->join; join->extra; extra->audit [= risk > 5]; extra->noop (default); audit->extraJoin; noop->extraJoin; extraJoin->e'),
    },
    async run(engine, clock) {
      await engine.startInstance('parallel', { variables: { risk: 7 } });
      const [tax] = await engine.activateJobs({ type: 'tax', worker: 'recorder' });
      clock.advance(minute);
      await engine.failJob(tax!.id, { worker: 'recorder', errorMessage: 'tax office offline', backoffMs: 0 });
      await workAll(engine, clock, 'police', () => ({ record: 'clean' }));
      await workAll(engine, clock, 'tax', () => ({ taxDebt: 0 }));
      await workAll(engine, clock, 'registry', () => ({ registered: true }));
      await workAll(engine, clock, 'audit', () => ({ audited: true }));
    },
  },
  {
    // Timers on a manual clock: an interrupting timer boundary on a user task and an intermediate timer catch.
    name: 'timers',
    files: {
      'timers.bpmn': bpmn('timers',
        `<startEvent id="s"/><intermediateCatchEvent id="cooling"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">PT2H</timeDuration></timerEventDefinition></intermediateCatchEvent>
         ${userTask('decide', '<zeebe:assignmentDefinition assignee="carol"/>')}
         <boundaryEvent id="late" attachedToRef="decide"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">P1D</timeDuration></timerEventDefinition></boundaryEvent>
         ${job('escalate', 'escalate')}<endEvent id="done"/><endEvent id="escalated"/>`,
        's->cooling; cooling->decide; decide->done; late->escalate; escalate->escalated'),
    },
    async run(engine, clock) {
      await engine.startInstance('timers', { variables: { case: 1 } });
      clock.advance(2 * 60 * minute);
      await engine.runDueTimers();
      clock.advance(25 * 60 * minute);
      await engine.runDueTimers();
      await workAll(engine, clock, 'escalate');
      await engine.startInstance('timers', { variables: { case: 2 } });
      clock.advance(2 * 60 * minute + 1000);
      await engine.runDueTimers();
      clock.advance(minute);
      const [task] = await engine.listTasks({ assignee: 'carol' });
      await engine.completeTask(task!.id, { actor: 'carol', variables: { decided: 'yes' } });
    },
  },
  {
    // Messages: a correlated intermediate catch, a message that arrives before its catch event (buffered), and a
    // non-interrupting message boundary on a receive-and-wait user task.
    name: 'messages',
    files: {
      'messages.bpmn': bpmn('payment',
        `<startEvent id="s"/>${job('invoice', 'invoice')}<intermediateCatchEvent id="paid"><messageEventDefinition messageRef="Paid"/></intermediateCatchEvent>
         ${userTask('ship')}<boundaryEvent id="reminder" attachedToRef="ship" cancelActivity="false"><messageEventDefinition messageRef="Remind"/></boundaryEvent>
         <serviceTask id="log"><extensionElements><zeebe:taskDefinition type="govflow:noop"/></extensionElements></serviceTask><endEvent id="logged"/><endEvent id="e"/>`,
        's->invoice; invoice->paid; paid->ship; ship->e; reminder->log; log->logged',
        `<message id="Paid" name="paid"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>
         <message id="Remind" name="remind"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>`),
    },
    async run(engine, clock) {
      await engine.startInstance('payment', { variables: { orderId: 'o-1' } });
      await engine.startInstance('payment', { variables: { orderId: 'o-2' } });
      clock.advance(minute);
      // o-2 pays before its invoice job is done: the message waits in the buffer.
      await engine.publishMessage({ name: 'paid', correlationKey: 'o-2', variables: { amount: 50 }, timeToLiveMs: 60 * minute });
      await workAll(engine, clock, 'invoice', (v) => ({ invoiceNo: `INV-${String(v['orderId'])}` }));
      clock.advance(minute);
      await engine.publishMessage({ name: 'paid', correlationKey: 'o-1', variables: { amount: 70 } });
      clock.advance(minute);
      await engine.publishMessage({ name: 'remind', correlationKey: 'o-1', variables: { reminded: true } });
      for (const task of await engine.listTasks({})) {
        clock.advance(minute);
        await engine.completeTask(task.id, { actor: 'dave' });
      }
    },
  },
  {
    // An embedded sub-process with an error boundary (BPMN error thrown by a worker), parallel and sequential
    // multi-instance with an output collection and a completion condition, and a call activity.
    name: 'structure',
    files: {
      'structure.bpmn': bpmn('structure',
        `<startEvent id="s"/>
         <subProcess id="checks"><startEvent id="cs"/>${job('risky', 'risky')}<endEvent id="ce"/>
           <sequenceFlow id="cf1" sourceRef="cs" targetRef="risky"/><sequenceFlow id="cf2" sourceRef="risky" targetRef="ce"/></subProcess>
         <boundaryEvent id="failed" attachedToRef="checks"><errorEventDefinition errorRef="Rejected"/></boundaryEvent>
         <serviceTask id="each"><extensionElements><zeebe:taskDefinition type="item"/></extensionElements>
           <multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=score"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>
         <userTask id="sign"><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="=signers" inputElement="signer"/></extensionElements>
           <completionCondition xsi:type="tFormalExpression">=count(signed) &gt;= 2</completionCondition></multiInstanceLoopCharacteristics></userTask>
         <callActivity id="call"><extensionElements><zeebe:calledElement processId="child" propagateAllChildVariables="true"/></extensionElements></callActivity>
         <endEvent id="e"/>${job('fix', 'fix')}<endEvent id="fixed"/>`,
        's->checks; checks->each; each->sign; sign->call; call->e; failed->fix; fix->fixed',
        '<error id="Rejected" errorCode="REJECTED"/>'),
      'child.bpmn': bpmn('child', `<startEvent id="cs"/>${job('childWork', 'child.work')}<endEvent id="ce"/>`, 'cs->childWork; childWork->ce'),
    },
    async run(engine, clock) {
      // One instance goes through the error boundary.
      await engine.startInstance('structure', { variables: { items: [1, 2, 3], signers: ['x', 'y', 'z'], signed: [] } });
      const [risky] = await engine.activateJobs({ type: 'risky', worker: 'recorder' });
      clock.advance(minute);
      await engine.throwJobError(risky!.id, { worker: 'recorder', errorCode: 'REJECTED', errorMessage: 'documents forged', variables: { reason: 'forged' } });
      await workAll(engine, clock, 'fix');
      // The other runs the happy path: multi-instance jobs, sequential multi-instance signing, a called process.
      await engine.startInstance('structure', { variables: { items: [1, 2, 3], signers: ['x', 'y', 'z'], signed: [] } });
      await workAll(engine, clock, 'risky', () => ({ risk: 'low' }));
      await workAll(engine, clock, 'item', (v) => ({ score: Number(v['item']) * 10 }));
      for (let i = 0; i < 3; i++) {
        const tasks = await engine.listTasks({});
        if (tasks.length === 0) break;
        clock.advance(minute);
        const signedSoFar = (await engine.getInstance(tasks[0]!.instanceId)).variables['signed'] as string[];
        await engine.completeTask(tasks[0]!.id, { actor: 'signer', variables: { signed: [...signedSoFar, `s${i}`] } });
      }
      await workAll(engine, clock, 'child.work', () => ({ childResult: 42 }));
    },
  },
  {
    // Business-rule tasks bound when the case starts (issue 14): case 1 starts on DMN v1, the table is redeployed
    // (v2) mid-case, case 2 starts on v2; each finishes with the decision it started with. One task binds to the
    // newest version, one to version tag v1, one to the version deployed with the process. The decision's
    // review date is today() + 30 days, computed from the step's clock days after the start.
    name: 'decisions',
    files: {
      'award.bpmn': bpmn('award',
        `<startEvent id="s"/>${userTask('check', '<zeebe:assignmentDefinition candidateGroups="benefits"/>')}
         <businessRuleTask id="assess"><extensionElements><zeebe:calledDecision decisionId="award" resultVariable="award"/></extensionElements></businessRuleTask>
         <businessRuleTask id="assessAsV1"><extensionElements><zeebe:calledDecision decisionId="award" resultVariable="awardV1" bindingType="versionTag" versionTag="v1"/></extensionElements></businessRuleTask>
         <businessRuleTask id="assessAsDeployed"><extensionElements><zeebe:calledDecision decisionId="award" resultVariable="awardDeployed" bindingType="deployment"/></extensionElements></businessRuleTask>
         <endEvent id="e"/>`,
        's->check; check->assess; assess->assessAsV1; assessAsV1->assessAsDeployed; assessAsDeployed->e'),
      'award.dmn': awardDmn('v1', 300, 100),
    },
    async run(engine, clock) {
      await engine.startInstance('award', { variables: { applicant: 'ann', income: 800 }, businessKey: 'HB-1', actor: 'portal' });
      clock.advance(2 * 24 * 60 * minute);
      await engine.deploy([{ name: 'award.dmn', content: awardDmn('v2', 350, 120) }], { name: 'award table 2026' });
      await engine.startInstance('award', { variables: { applicant: 'bea', income: 1500 }, businessKey: 'HB-2', actor: 'portal' });
      for (const task of await engine.listTasks({ candidateGroups: ['benefits'] })) {
        clock.advance(3 * 24 * 60 * minute);
        await engine.completeTask(task.id, { actor: 'carl', variables: { checked: true } });
      }
    },
  },
  {
    // Issue 16: a Camunda 7 call activity passes only what camunda:in / camunda:out map; a cron cycle (Madrid
    // time) reminds on a waiting user task, crossing the spring DST change.
    name: 'round2',
    files: {
      'parent.bpmn': bpmn('c7parent',
        `<startEvent id="s"/><callActivity id="call" calledElement="c7child"><extensionElements><camunda:in source="amount" target="amt"/><camunda:in sourceExpression="= amount * 2" target="doubled"/><camunda:out source="childResult" target="fromChild"/></extensionElements></callActivity>
         ${userTask('review')}<boundaryEvent id="remind" attachedToRef="review" cancelActivity="false"><timerEventDefinition><timeCycle>CRON_TZ=Europe/Madrid 0 30 2 * * ?</timeCycle></timerEventDefinition></boundaryEvent>
         <endEvent id="e"/><endEvent id="reminded"/>`,
        's->call; call->review; review->e; remind->reminded').replace('xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'),
      'child.bpmn': bpmn('c7child', `<startEvent id="s"/>${job('work', 'c7child.work')}<endEvent id="e"/>`, 's->work; work->e'),
    },
    async run(engine, clock) {
      clock.set('2026-03-27T12:00:00Z');
      await engine.startInstance('c7parent', { variables: { amount: 5, secret: 'parent only' }, businessKey: 'R2-1', actor: 'portal' });
      await workAll(engine, clock, 'c7child.work', (vars) => ({ childResult: Number(vars['doubled']) + 1, childSecret: true }));
      for (let day = 0; day < 3; day++) {
        clock.advance(24 * 60 * minute);
        await engine.runDueTimers();
      }
      for (const task of await engine.listTasks({})) await engine.completeTask(task.id, { actor: 'clerk' });
    },
  },
  {
    // Issue 16: Zeebe execution listeners as jobs. A process start listener, two start listeners (one with a FEEL
    // job type, one failing once) and an end listener on a service task, an inline (govflow:set) listener, a
    // start listener choosing a gateway's path and one computing a timer's duration, and a process end listener.
    name: 'listeners',
    files: {
      'listeners.bpmn': bpmn('listeners',
        `<startEvent id="s"/>
         <serviceTask id="check"><extensionElements><zeebe:taskDefinition type="check"/>
           <zeebe:executionListeners><zeebe:executionListener eventType="start" type="=&quot;fetch.&quot; + source"/><zeebe:executionListener eventType="start" type="flaky" retries="2"/>
           <zeebe:executionListener eventType="end" type="govflow:set"><zeebe:taskHeaders><zeebe:header key="stamped" value="yes"/></zeebe:taskHeaders></zeebe:executionListener>
           <zeebe:executionListener eventType="end" type="audit"/></zeebe:executionListeners></extensionElements></serviceTask>
         <exclusiveGateway id="route"><extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="route"/></zeebe:executionListeners></extensionElements></exclusiveGateway>
         <intermediateCatchEvent id="pause"><extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="delay"/></zeebe:executionListeners></extensionElements><timerEventDefinition><timeDuration>=delay</timeDuration></timerEventDefinition></intermediateCatchEvent>
         <endEvent id="fast"/><endEvent id="slow"/>`,
        's->check; check->route; route->fast [= lane = "fast"]; route->pause (default); pause->slow')
        .replace('<process id="listeners" isExecutable="true">', '<process id="listeners" isExecutable="true"><extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="opened"/><zeebe:executionListener eventType="end" type="closed"/></zeebe:executionListeners></extensionElements>'),
    },
    async run(engine, clock) {
      for (const lane of ['fast', 'slow']) {
        await engine.startInstance('listeners', { variables: { source: 'registry', lane }, businessKey: `L-${lane}`, actor: 'portal' });
        await workAll(engine, clock, 'opened', () => ({ openedAt: clock.now().toISOString() }));
        await workAll(engine, clock, 'fetch.registry', () => ({ fetched: 3 }));
        const [flaky] = await engine.activateJobs({ type: 'flaky', worker: 'recorder' });
        clock.advance(minute);
        await engine.failJob(flaky!.id, { worker: 'recorder', errorMessage: 'busy', backoffMs: 0 });
        await workAll(engine, clock, 'flaky', () => ({ prepared: true }));
        await workAll(engine, clock, 'check', (vars) => ({ checked: Number(vars['fetched']) * 2 }));
        await workAll(engine, clock, 'audit', (vars) => ({ audited: vars['stamped'] }));
        await workAll(engine, clock, 'route', () => ({ routed: true }));
        if (await workAll(engine, clock, 'delay', () => ({ delay: 'PT1H' })) > 0) {
          clock.advance(60 * minute);
          await engine.runDueTimers();
        }
        await workAll(engine, clock, 'closed', () => ({ closed: true }));
      }
    },
  },
  {
    // Issue 16: compensation. A booking, a multi-instance letter run inside an embedded sub-process and a charge,
    // each with a compensation handler; a throw event undoes the charge alone (activityRef), then either the case
    // is kept or a compensation end event undoes the rest in reverse order of completion (each letter with its
    // own item). And a transaction sub-process left through its cancel boundary after a cancel end event
    // compensated it, next to one that ends normally.
    name: 'compensation',
    files: {
      'compensation.bpmn': bpmn('compensation',
        `<startEvent id="s"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}
         ${subProcess('post', `<startEvent id="ps"/><serviceTask id="send"><extensionElements><zeebe:taskDefinition type="c.send"/></extensionElements>
           <multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=letters" inputElement="letter"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>
           ${compensation('send', 'c.recall')}<endEvent id="pe"/>`, 'ps -> send; send -> pe')}
         ${job('charge', 'c.charge')}${compensation('charge', 'c.refund')}${compensateThrow('undoCharge', 'charge')}<exclusiveGateway id="keep"/><endEvent id="kept"/>${compensateEnd('undoAll')}`,
        's -> book; book -> post; post -> charge; charge -> undoCharge; undoCharge -> keep; keep -> kept [= keep]; keep -> undoAll (default)'),
      'transaction.bpmn': bpmn('booking',
        `<startEvent id="s"/>
         <transaction id="txn"><startEvent id="ts"/>${job('seat', 't.seat')}${compensation('seat', 't.freeSeat')}${job('pay', 't.pay')}${compensation('pay', 't.refund')}
           <exclusiveGateway id="paid" default="tf5"/><endEvent id="te"/><endEvent id="abort"><cancelEventDefinition/></endEvent>
           <sequenceFlow id="tf1" sourceRef="ts" targetRef="seat"/><sequenceFlow id="tf2" sourceRef="seat" targetRef="pay"/><sequenceFlow id="tf3" sourceRef="pay" targetRef="paid"/>
           <sequenceFlow id="tf4" sourceRef="paid" targetRef="abort"><conditionExpression xsi:type="tFormalExpression">=ok = false</conditionExpression></sequenceFlow><sequenceFlow id="tf5" sourceRef="paid" targetRef="te"/></transaction>
         <boundaryEvent id="cancelled" attachedToRef="txn"><cancelEventDefinition/></boundaryEvent>${job('apologise', 't.apologise')}<endEvent id="e"/><endEvent id="ce"/>`,
        's -> txn; txn -> e; cancelled -> apologise; apologise -> ce'),
    },
    async run(engine, clock) {
      for (const keep of [false, true]) {
        await engine.startInstance('compensation', { variables: { letters: ['a', 'b', 'c'], keep }, businessKey: `C-${keep}`, actor: 'portal' });
        await workAll(engine, clock, 'c.book', () => ({ booking: 'B-1' }));
        await workAll(engine, clock, 'c.send', (vars) => ({ [`sent_${String(vars['letter'])}`]: true }));
        await workAll(engine, clock, 'c.charge', () => ({ charged: 25 }));
        for (let round = 0; round < 6; round++) {
          let worked = 0;
          for (const type of ['c.refund', 'c.recall', 'c.unbook']) worked += await workAll(engine, clock, type, (vars) => ({ [`undone_${type.replace('.', '_')}${vars['letter'] ? `_${String(vars['letter'])}` : ''}`]: true }));
          if (worked === 0) break;
        }
      }
      for (const ok of [false, true]) {
        await engine.startInstance('booking', { variables: {}, businessKey: `T-${ok}`, actor: 'portal' });
        await workAll(engine, clock, 't.seat', () => ({ seat: '12A' }));
        await workAll(engine, clock, 't.pay', () => ({ ok }));
        for (const type of ['t.refund', 't.freeSeat', 't.apologise']) await workAll(engine, clock, type, () => ({ [`done_${type.replace('.', '_')}`]: true }));
      }
    },
  },
  {
    // Issue 16: Zeebe user task listeners as jobs. A creating listener correcting the new task (groups, due date),
    // an assigning listener (FEEL job type) that denies one claim and corrects an assignment, and two completing
    // listeners, one failing once and one denying a completion before letting the next one through.
    name: 'task-listeners',
    files: {
      'task-listeners.bpmn': bpmn('tasklisteners',
        `<startEvent id="s"/>${userTask('review', `<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="intake"/><zeebe:taskListeners>
           <zeebe:taskListener eventType="creating" type="route"/><zeebe:taskListener eventType="assigning" type="=&quot;roster.&quot; + office"/>
           <zeebe:taskListener eventType="completing" type="stamp" retries="2"/><zeebe:taskListener eventType="completing" type="validate"/></zeebe:taskListeners>`)}
         <exclusiveGateway id="decision"/><endEvent id="granted"/><endEvent id="refused"/>`,
        's->review; review->decision; decision->granted [= approved = true]; decision->refused (default)'),
    },
    async run(engine, clock) {
      for (const approved of [true, false]) {
        await engine.startInstance('tasklisteners', { variables: { office: 'north' }, businessKey: `T-${approved}`, actor: 'portal' });
        const [route] = await engine.activateJobs({ type: 'route', worker: 'recorder' });
        clock.advance(minute);
        await engine.completeJob(route!.id, { worker: 'recorder', result: { corrections: { candidateGroups: ['clerks'], dueDate: '2026-03-09T17:00:00.000Z' } } });
        const [task] = await engine.listTasks({ candidateGroups: ['clerks'] });
        clock.advance(minute);
        await engine.claimTask(task!.id, 'bob');
        const [roster] = await engine.activateJobs({ type: 'roster.north', worker: 'recorder' });
        clock.advance(minute);
        await engine.completeJob(roster!.id, { worker: 'recorder', result: approved ? { corrections: { priority: 80 } } : { denied: true, deniedReason: 'bob is on leave' } });
        if (!approved) {
          await engine.assignTask(task!.id, { assignee: 'carol', actor: 'manager' });
          await workAll(engine, clock, 'roster.north');
        }
        const worker = approved ? 'bob' : 'carol';
        clock.advance(minute);
        await engine.completeTask(task!.id, { actor: worker, variables: { approved } });
        const [stamp] = await engine.activateJobs({ type: 'stamp', worker: 'recorder' });
        clock.advance(minute);
        await engine.failJob(stamp!.id, { worker: 'recorder', errorMessage: 'busy', backoffMs: 0 });
        await workAll(engine, clock, 'stamp');
        const [validate] = await engine.activateJobs({ type: 'validate', worker: 'recorder' });
        clock.advance(minute);
        await engine.completeJob(validate!.id, { worker: 'recorder', result: { denied: true, deniedReason: 'no reference number' } });
        clock.advance(minute);
        await engine.completeTask(task!.id, { actor: worker, variables: { approved, reference: `R-${String(approved)}` } });
        await workAll(engine, clock, 'stamp');
        await workAll(engine, clock, 'validate');
      }
    },
  },
  {
    // Issue 16: conditional events. A non-interrupting boundary on a job fires on each rise of its condition, an
    // intermediate catch event with a filter waits for the one variable it names, an interrupting event
    // sub-process ends the case when it is withdrawn; and a process started through its root conditional start.
    name: 'conditional',
    files: {
      'conditional.bpmn': bpmn('conditional',
        `<startEvent id="s"/>${job('collect', 'k.collect')}<boundaryEvent id="enough" attachedToRef="collect" cancelActivity="false">${conditional('= docs >= 3')}</boundaryEvent>
         ${job('remind', 'k.remind')}<endEvent id="re"/>
         <intermediateCatchEvent id="ready">${conditional('= approved = true', { variableNames: 'approved' })}</intermediateCatchEvent>${job('decide', 'k.decide')}<endEvent id="e"/>
         ${subProcess('withdraw', `<startEvent id="ws">${conditional('= withdrawn = true')}</startEvent>${job('close', 'k.close')}<endEvent id="we"/>`, 'ws -> close; close -> we', 'triggeredByEvent="true"')}`,
        's -> collect; collect -> ready; ready -> decide; decide -> e; enough -> remind; remind -> re'),
      'condstart.bpmn': bpmn('condstart', `<startEvent id="big">${conditional('= amount > 100')}</startEvent>${job('review', 'k.review')}<endEvent id="e"/>`, 'big -> review; review -> e'),
    },
    async run(engine, clock) {
      const kept = await engine.startInstance('conditional', { variables: { docs: 0, approved: false, withdrawn: false }, businessKey: 'K-1', actor: 'portal' });
      for (const docs of [3, 4, 1, 5]) {
        clock.advance(minute);
        await engine.setVariables(kept.id, { docs }, { actor: 'clerk' });
      }
      await workAll(engine, clock, 'k.remind', () => ({ reminded: true }));
      await workAll(engine, clock, 'k.collect', () => ({ collected: true }));
      await engine.setVariables(kept.id, { docs: 9 }, { actor: 'clerk' });
      await engine.setVariables(kept.id, { approved: true }, { actor: 'clerk' });
      await workAll(engine, clock, 'k.decide', () => ({ decision: 'granted' }));
      const withdrawn = await engine.startInstance('conditional', { variables: { docs: 0, approved: false, withdrawn: false }, businessKey: 'K-2', actor: 'portal' });
      clock.advance(minute);
      await engine.setVariables(withdrawn.id, { withdrawn: true }, { actor: 'citizen' });
      await workAll(engine, clock, 'k.close', () => ({ closed: true }));
      await engine.evaluateConditionalStarts({ variables: { amount: 50 }, actor: 'portal' });
      await engine.evaluateConditionalStarts({ variables: { amount: 500 }, actor: 'portal' });
      await workAll(engine, clock, 'k.review', () => ({ reviewed: true }));
    },
  },
];

async function record(db: Database, scenario: Scenario): Promise<ReplayFixture[]> {
  const clock = createManualClock(START);
  const engine = createEngine(db, { clock });
  await engine.deploy(Object.entries(scenario.files).map(([name, content]) => ({ name, content })));
  await scenario.run(engine, clock);
  const instances = await db.query<{ id: number; process_key: string; state: string; parent_instance_id: number | null; variables: Record<string, unknown>; decision_bindings: Record<string, { decisionKey: string; decisionDefinitionId: number; version: number; versionTag?: string | null }> }>(
    'select id, process_key, state, parent_instance_id, variables, decision_bindings from process_instance order by id');
  const fixtures: ReplayFixture[] = [];
  for (const instance of instances.rows) {
    if (instance.state === 'active') throw new Error(`${scenario.name}: instance ${instance.id} (${instance.process_key}) did not finish`);
    const xml = Object.values(scenario.files).find((content) => content.includes(`<process id="${instance.process_key}"`))!;
    const events = await engine.getEvents(instance.id);
    const decisions: NonNullable<ReplayFixture['decisions']> = {};
    for (const [elementId, b] of Object.entries(instance.decision_bindings)) {
      const { rows } = await db.query<{ name: string; content: string }>('select r.name, r.content from decision_definition d join deployment_resource r on r.id = d.resource_id where d.id = $1', [b.decisionDefinitionId]);
      decisions[elementId] = { decisionKey: b.decisionKey, decisionDefinitionId: Number(b.decisionDefinitionId), version: b.version, versionTag: b.versionTag ?? null, dmnName: rows[0]!.name, dmn: rows[0]!.content };
    }
    fixtures.push({
      scenario: scenario.name,
      processKey: instance.process_key,
      hasParent: instance.parent_instance_id !== null,
      status: instance.state,
      variables: instance.variables,
      xml,
      ...(Object.keys(decisions).length > 0 ? { decisions } : {}),
      events: events.map((e) => ({ seq: e.seq!, type: e.type, elementId: e.elementId, elementInstance: e.elementInstance, actor: e.actor, occurredAt: e.occurredAt, data: e.data })),
    });
  }
  return fixtures;
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const existing = new Set(await readdir(outDir));
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(', ')}`);
  for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
    const db = await openDatabase({ url: 'memory://' });
    try {
      const fixtures = await record(db, scenario);
      const counts = new Map<string, number>();
      for (const fixture of fixtures) {
        const n = (counts.get(fixture.processKey) ?? 0) + 1;
        counts.set(fixture.processKey, n);
        const name = `${scenario.name}-${fixture.processKey}-${n}.json`;
        const file = path.join(outDir, name);
        if (existing.has(name)) {
          console.log(`${path.relative(root, file)}: exists, left as recorded (fixtures are never edited)`);
          continue;
        }
        await writeFile(file, `${JSON.stringify(fixture, null, 1)}\n`);
        console.log(`${path.relative(root, file)}: ${fixture.events.length} events, ${fixture.status}`);
      }
    } finally {
      await db.close();
    }
  }
}

await main();

/**
 * Issue 14: business-rule tasks run the decision version their case was bound to when it started (recorded on the
 * instance), not the version deployed when the task is reached; DMN's FEEL reads the step's clock. Real DMN
 * evaluation (the engine's default decision service), on both databases.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from './bpmn.js';
import { awardDmn } from './decision-models.js';
import { assertCompleted, instance, rejection, tasksOf, useEngine } from './harness.js';

const DAY = 24 * 3_600_000;

const brt = (id: string, attrs: string, resultVariable = id) =>
  `<businessRuleTask id="${id}"><extensionElements><zeebe:calledDecision decisionId="award" resultVariable="${resultVariable}"${attrs ? ` ${attrs}` : ''}/></extensionElements></businessRuleTask>`;

/** A process that waits at a user task, then evaluates `award` through the given tasks. */
const awardProcess = (key: string, tasks: string) => {
  const ids = [...tasks.matchAll(/<businessRuleTask id="([^"]+)"/g)].map((m) => m[1]!);
  const chain = ['check', ...ids, 'e'];
  return bpmn(key, `<startEvent id="s"/>${userTask('check')}${tasks}<endEvent id="e"/>`, ['s->check', ...chain.slice(1).map((to, i) => `${chain[i]}->${to}`)].join('; '));
};

describeEachBackend('engine: decisions bound when the case starts', (backend) => {
  const h = useEngine(backend);

  async function finish(id: number): Promise<Record<string, unknown>> {
    const [task] = await tasksOf(h, id);
    assert.ok(task, `instance ${id} waits at its user task`);
    await h.engine.completeTask(task.id, { actor: 'clerk' });
    return (await assertCompleted(h, id)).variables;
  }

  it('a case started before a DMN redeploy finishes with the old decision; one started after runs the new one', async () => {
    await h.engine.deploy([{ name: 'award.dmn', content: awardDmn('v1', 300, 100) }, { name: 'latest.bpmn', content: awardProcess('latest_award', brt('assess', '')) }]);
    const before = await h.engine.startInstance('latest_award', { variables: { income: 800 } });
    const redeployed = await h.engine.deploy([{ name: 'award.dmn', content: awardDmn('v2', 350, 120) }]);
    assert.deepEqual(redeployed.decisions.map((d) => [d.key, d.version, d.isNew]), [['award', 2, true]]);
    const after = await h.engine.startInstance('latest_award', { variables: { income: 800 } });
    assert.equal(((await finish(before.id))['assess'] as { amount: number }).amount, 300);
    assert.equal(((await finish(after.id))['assess'] as { amount: number }).amount, 350);
    assert.deepEqual((await instance(h, before.id)).variables['income'], 800);
    const evaluated = (await h.engine.getEvents(before.id)).find((e) => e.type === 'decision.evaluated')!;
    assert.equal(evaluated.data['version'], 1, 'the event names the version that ran');
  });

  it('binds by version tag (Zeebe bindingType), by version number (Camunda decisionRefBinding) and to the version deployed with the process', async () => {
    const camunda = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_c" targetNamespace="http://govflow.test">
  <process id="camunda_award" isExecutable="true"><startEvent id="s"/>
    <businessRuleTask id="byNumber" camunda:decisionRef="award" camunda:decisionRefBinding="version" camunda:decisionRefVersion="3" camunda:resultVariable="byNumber"/>
    <businessRuleTask id="byTag" camunda:decisionRef="award" camunda:decisionRefBinding="versionTag" camunda:decisionRefVersionTag="tag-a" camunda:resultVariable="byTag"/>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="byNumber"/><sequenceFlow id="f2" sourceRef="byNumber" targetRef="byTag"/><sequenceFlow id="f3" sourceRef="byTag" targetRef="e"/>
  </process>
</definitions>`;
    await h.engine.deploy([{ name: 'award.dmn', content: awardDmn('tag-a', 10, 11, 'camunda') }]); // v3 (v1, v2 above)
    await h.engine.deploy([{ name: 'pinned.bpmn', content: awardProcess('pinned_award', `${brt('byTag', 'bindingType="versionTag" versionTag="v1"')}${brt('withProcess', 'bindingType="deployment"')}${brt('newest', '')}`) }]);
    await h.engine.deploy([{ name: 'award.dmn', content: awardDmn('tag-b', 20, 21) }]); // v4, after the process
    const pinned = await h.engine.startInstance('pinned_award', { variables: { income: 800 } });
    const amounts = await finish(pinned.id);
    assert.deepEqual(['byTag', 'withProcess', 'newest'].map((k) => (amounts[k] as { amount: number }).amount), [300, 10, 20]);
    await h.engine.deploy([{ name: 'camunda.bpmn', content: camunda }]);
    const c = await h.engine.startInstance('camunda_award', { variables: { income: 800 } });
    const vars = (await assertCompleted(h, c.id)).variables;
    assert.deepEqual([(vars['byNumber'] as { amount: number }).amount, (vars['byTag'] as { amount: number }).amount], [10, 10]);
  });

  it("a decision's today() is the step's date, not the machine's", async () => {
    h.clock.set('2031-07-01T10:00:00Z');
    const { id } = await h.engine.startInstance('latest_award', { variables: { income: 800 } });
    h.clock.advance(3 * DAY);
    const vars = await finish(id);
    assert.equal((vars['assess'] as { reviewBy: string }).reviewBy, '2031-08-03');
    assert.equal(((await h.engine.evaluateDecision('award', { income: 5000 })).value as { reviewBy: string }).reviewBy, '2031-08-03');
  });

  it('a binding nothing matches raises an incident naming it; a matching deployment and resolving the incident completes the case', async () => {
    await h.engine.deploy([{ name: 'future.bpmn', content: awardProcess('future_award', brt('assess', 'bindingType="versionTag" versionTag="v9"')) }]);
    const { id } = await h.engine.startInstance('future_award', { variables: { income: 800 } });
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id, { actor: 'clerk' });
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.kind, 'decision');
    assert.match(incident.message, /award.*version tag 'v9'/);
    await h.engine.deploy([{ name: 'award.dmn', content: awardDmn('v9', 99, 98) }]);
    await h.engine.resolveIncident(incident.id);
    assert.equal(((await assertCompleted(h, id)).variables['assess'] as { amount: number }).amount, 99);
  });

  it('refuses, at deploy time, a binding type it does not know and a version that is not a number', async () => {
    const bad = await rejection(() => h.engine.deploy([{ name: 'bad.bpmn', content: awardProcess('bad_award', brt('assess', 'bindingType="newest"')) }]));
    assert.equal(bad.code, 'GOVFLOW_ERR_BPMN_INVALID');
    assert.match(bad.message + JSON.stringify(bad.details), /binding type 'newest'/);
    const noTag = await rejection(() => h.engine.deploy([{ name: 'bad.bpmn', content: awardProcess('bad_award', brt('assess', 'bindingType="versionTag"')) }]));
    assert.match(noTag.message + JSON.stringify(noTag.details), /names none/);
  });
});

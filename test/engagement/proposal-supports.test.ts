// Supports of a proposal on both backends (issue 18, acceptance 3): 200 concurrent supports by 100 people count
// exactly 100, the database refusing each person's second; exactly one of them reaches the threshold and starts
// the answer case, worked by the department the topic names: "evaluating" first, then a final answer with reasons,
// each the proposal's public state. The answer's due date follows the SLA from the moment the threshold was reached.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { createParticipation, getProposal, PROPOSAL_ANSWER_PROCESS, type Participation } from '../../src/engagement/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

describeEachBackend('proposal supports', (backend) => {
  let db: Database;
  let engine: Engine;
  let participation: Participation;

  before(async () => {
    db = await freshDatabase(backend, { poolSize: 8 });
    engine = createEngine(db);
    const bpmn = await readFile(path.resolve('examples', 'proposal-answer.bpmn'), 'utf8');
    await engine.deploy([{ name: 'proposal-answer.bpmn', content: bpmn }], { actor: 'test' });
    participation = createParticipation({ db, engine, threshold: 60, answerSla: 'P30D' });
  });
  after(async () => {
    await db?.close();
  });

  it('200 concurrent supports by 100 people count 100 and start one answer case', async () => {
    const id = await participation.propose('person-proposer', { topic: 'streets', title: 'A crossing at the school', body: 'Children cross Mill Lane where cars are fast.' });
    const people = Array.from({ length: 100 }, (_, i) => `person-${i}`);
    // Each person twice, the two attempts far apart in the order, all at once.
    const attempts = [...people, ...[...people].reverse()];
    const outcomes = await Promise.all(attempts.map((person) => participation.support(id, person)));
    const kinds = outcomes.map((o) => o.kind);
    assert.equal(kinds.filter((k) => k === 'supported').length, 100);
    assert.equal(kinds.filter((k) => k === 'already').length, 100);
    assert.equal(outcomes.filter((o) => o.kind === 'supported' && o.claimed).length, 1, 'exactly one support reached the threshold');
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from engagement_support where proposal_id = $1', [id]);
    assert.equal(rows[0]!.n, 100);
    const proposal = await getProposal(db, id);
    assert.equal(proposal!.supports, 100);
    assert.equal(proposal!.state, 'awaiting-answer');
    const instances = await engine.listInstances({ businessKey: `PP-${id}` });
    assert.equal(instances.length, 1, 'one answer case, however many supports passed the threshold');
    assert.equal(instances[0]!.processKey, PROPOSAL_ANSWER_PROCESS);
    assert.equal(participation.answerDueBy(proposal!), new Date(Date.parse(proposal!.claimedAt!) + 30 * 86_400_000).toISOString().slice(0, 10));
    assert.equal(await participation.startPending(), 0, 'nothing left to start');
  });

  it('the department answers "evaluating", then accepts with reasons; each answer is the public state', async () => {
    const id = await participation.propose('person-proposer', { topic: 'planning', title: 'Allotments on the old depot', body: 'The depot site has been empty for years.' });
    for (let i = 0; i < 60; i++) await participation.support(id, `person-${i}`);
    const [instance] = await engine.listInstances({ businessKey: `PP-${id}` });
    const [task] = await engine.listTasks({ instanceId: instance!.id });
    assert.deepEqual(task!.candidateGroups, ['planning'], 'the topic\'s department answers');
    assert.ok(task!.dueAt, 'the answer task carries its SLA');
    await engine.completeTask(task!.id, { variables: { answer: 'evaluating', answerReasons: 'We are checking the soil.' }, actor: 'pat' });
    let p = await getProposal(db, id);
    assert.equal(p!.state, 'evaluating');
    assert.equal(p!.answerReasons, 'We are checking the soil.');
    const [final] = await engine.listTasks({ instanceId: instance!.id });
    assert.equal(final!.elementId, 'final-answer');
    await engine.completeTask(final!.id, { variables: { answer: 'accepted', answerReasons: 'The soil is clean; plots open in spring.' }, actor: 'pat' });
    p = await getProposal(db, id);
    assert.equal(p!.state, 'accepted');
    assert.equal(p!.answerReasons, 'The soil is clean; plots open in spring.');
    assert.equal(participation.answerDueBy(p!), null, 'answered: nothing is due');
  });
});

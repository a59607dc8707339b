/**
 * The trainee's feedback (src/training/feedback.ts), without a database: a case's SLA read at the trainee's last
 * action, the decision compared with what the service's rules call for (services/<id>/training.json), the score.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { EventView, ProcessInstanceView } from '../../src/engine/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { caseFeedback, readTrainingRules, sessionFeedback, seededRandom, syntheticAnswers, syntheticApplicant, type TrainingRules } from '../../src/training/index.js';

const SERVICE = { sla: { case: 'P30D', tasks: {}, pauseWhileWaitingForApplicant: false }, informationRequest: null, payment: null, decisions: [] };
const RULES: TrainingRules = { decisionField: 'decision', rules: [{ variable: 'eligibility.eligibility', expected: { eligible: 'approved', 'not-eligible': 'refused' } }] };
const TRAINEE = 'staff:pat';

function aCase(eligibility: string, decision: string | null, completedAt: string | null, actor = TRAINEE): [ProcessInstanceView, EventView[]] {
  const instance: ProcessInstanceView = {
    id: 1, definitionId: 1, processKey: 'housing-benefit', version: 1, businessKey: 'HB-2026-9000001', state: 'active', parentInstanceId: null,
    variables: { eligibility: { eligibility, reason: 'r' }, ...(decision ? { decision } : {}) }, startedAt: '2026-01-01T09:00:00.000Z', endedAt: null, activeElements: [],
  };
  const event = (id: number, type: EventView['type'], occurredAt: string, by: string | null): EventView => ({ id, seq: id, type, elementId: 'caseworker-review', elementInstance: null, actor: by, occurredAt, data: {} });
  return [instance, [event(1, 'task.created', '2026-01-01T09:00:00.000Z', null), ...(completedAt ? [event(2, 'task.completed', completedAt, actor)] : [])]];
}

describe('training feedback', () => {
  it('a decision against a rule is a rule missed; within the 30-day SLA or past it is read at the trainee\'s action', () => {
    const missed = caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('eligible', 'refused', '2026-01-10T12:00:00.000Z'));
    assert.equal(missed.expected, 'approved');
    assert.equal(missed.ruleMissed, true);
    assert.equal(missed.withinSla, true);
    assert.equal(missed.dueAt, '2026-01-31T09:00:00.000Z');
    const late = caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('not-eligible', 'refused', '2026-02-15T12:00:00.000Z'));
    assert.equal(late.ruleMissed, false);
    assert.equal(late.withinSla, false);
  });

  it('an edge case expects nothing (a judgement call); a case someone else worked is not the trainee\'s', () => {
    const edge = caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('edge-case', 'approved', '2026-01-05T12:00:00.000Z'));
    assert.equal(edge.expected, null);
    assert.equal(edge.ruleMissed, false);
    const other = caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('eligible', 'approved', '2026-01-05T12:00:00.000Z', 'staff:ben'));
    assert.equal(other.worked, false);
    assert.equal(other.decision, null);
    assert.equal(other.withinSla, null);
  });

  it('the score is the share of the cases offered decided within the SLA without a rule missed', () => {
    const cases = [
      caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('eligible', 'approved', '2026-01-05T12:00:00.000Z')),
      caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('eligible', 'refused', '2026-01-05T12:00:00.000Z')),
      caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('edge-case', 'approved', '2026-03-05T12:00:00.000Z')),
      caseFeedback(SERVICE, RULES, TRAINEE, ...aCase('edge-case', null, null)),
    ];
    const session = sessionFeedback(cases);
    assert.deepEqual({ offered: session.offered, worked: session.worked, withinSla: session.withinSla, rulesMissed: session.rulesMissed, score: session.score }, { offered: 4, worked: 3, withinSla: 2, rulesMissed: 1, score: 25 });
  });

  it('reads training.json next to the service, and names a malformed one', async () => {
    assert.deepEqual(await readTrainingRules({ id: 'housing-benefit', directory: path.resolve('services/housing-benefit') }), RULES);
    const dir = await mkdtemp(path.join(tmpdir(), 'govflow-training-rules-'));
    try {
      assert.deepEqual(await readTrainingRules({ id: 'none', directory: dir }), { decisionField: 'decision', rules: [] });
      await writeFile(path.join(dir, 'training.json'), JSON.stringify({ rules: [{ variable: 'route' }] }));
      await assert.rejects(readTrainingRules({ id: 'odd', directory: dir }), (e: unknown) => isGovflowError(e) && /services\/odd\/training\.json: rules\[0\] needs "variable"/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('synthetic applicants are made up, on a domain no mail reaches, and fill the service\'s forms within their rules', () => {
    const random = seededRandom(7);
    const page = { form: { id: 'f', components: [
      { type: 'textfield' as const, key: 'applicantName', label: 'Name', validate: { required: true, maxLength: 100 }, properties: {} },
      { type: 'textfield' as const, key: 'businessCode', label: 'Code', validate: { pattern: 'BR-[0-9]{6}' }, properties: {} },
      { type: 'number' as const, key: 'monthlyRent', label: 'Rent', validate: { min: 1, max: 20000 }, properties: {} },
      { type: 'radio' as const, key: 'role', label: 'Role', validate: {}, values: [{ label: 'Owner', value: 'owner' }, { label: 'Tenant', value: 'tenant' }], properties: {} },
    ] } };
    for (let i = 0; i < 20; i++) {
      const applicant = syntheticApplicant(random);
      assert.match(applicant.email, /@example\.invalid$/);
      assert.match(applicant.nationalId, /^SYN-/);
      const answers = syntheticAnswers({ pages: [page] as never }, applicant, random);
      assert.equal(answers['applicantName'], applicant.name);
      assert.match(String(answers['businessCode']), /^BR-\d{6}$/);
      assert.ok(Number(answers['monthlyRent']) >= 1 && Number(answers['monthlyRent']) <= 20000);
      assert.ok(['owner', 'tenant'].includes(String(answers['role'])));
    }
  });
});

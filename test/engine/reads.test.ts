/**
 * The engine's combined reads (an instance with its events in one statement, several instances at once) return
 * exactly what the separate reads return, on PGlite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { instanceWithEventsJson, parseInstanceWithEvents } from '../../src/engine/index.js';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from './bpmn.js';
import { deploy, useEngine } from './harness.js';

describeEachBackend('engine: combined reads', (backend) => {
  const h = useEngine(backend);

  it('getInstanceWithEvents equals getInstance + getEvents; getInstancesWithEvents keeps only the events of the given elements', async () => {
    await deploy(h, bpmn('reads', `<startEvent id="s"/>${userTask('first')}${userTask('second')}<endEvent id="e"/>`, 's -> first; first -> second; second -> e'));
    const a = await h.engine.startInstance('reads', { variables: { applicant: 'Ada', nested: { n: 1, list: ['x'] } }, businessKey: 'R-1' });
    const b = await h.engine.startInstance('reads', { variables: { applicant: 'Grace' } });
    const task = (await h.engine.listTasks({ instanceId: a.id }))[0]!;
    await h.engine.completeTask(task.id, { variables: { checked: true } });

    for (const id of [a.id, b.id]) {
      const combined = await h.engine.getInstanceWithEvents(id);
      assert.deepEqual(combined.instance, await h.engine.getInstance(id));
      assert.deepEqual(combined.events, await h.engine.getEvents(id));
    }

    // The same read as a JSON column of another module's statement (the portal's status page): the same answer.
    for (const id of [a.id, b.id]) {
      const { rows } = await h.db.query<{ found: unknown }>(`select ${instanceWithEventsJson('$1::bigint')} as found`, [id]);
      assert.deepEqual(parseInstanceWithEvents(rows[0]!.found), await h.engine.getInstanceWithEvents(id));
    }
    assert.equal(parseInstanceWithEvents((await h.db.query<{ found: unknown }>(`select ${instanceWithEventsJson('$1::bigint')} as found`, [999_999])).rows[0]!.found), null);

    const many = await h.engine.getInstancesWithEvents([a.id, b.id, a.id, 999_999], { eventsOfElements: ['first'] });
    assert.deepEqual([...many.keys()].sort((x, y) => x - y), [a.id, b.id], 'unknown ids are left out, duplicates read once');
    assert.deepEqual(many.get(a.id)!.instance, await h.engine.getInstance(a.id));
    assert.deepEqual(many.get(a.id)!.events, (await h.engine.getEvents(a.id)).filter((e) => e.elementId === 'first'));
    assert.deepEqual(many.get(a.id)!.events.map((e) => e.type), ['element.activated', 'task.created', 'task.completed', 'element.completed']);
    assert.deepEqual((await h.engine.getInstancesWithEvents([a.id])).get(a.id)!.events, [], 'no elements asked for, no events');
    assert.equal((await h.engine.getInstancesWithEvents([])).size, 0);
    await assert.rejects(h.engine.getInstanceWithEvents(999_999), (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_INSTANCE_NOT_FOUND');
  });

  it('listTaskPage counts the matching tasks on every page, also past the last one', async () => {
    await deploy(h, bpmn('paged', `<startEvent id="s"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="planning"/>')}<endEvent id="e"/>`, 's -> review; review -> e'));
    for (let i = 0; i < 5; i++) await h.engine.startInstance('paged', { businessKey: `P-${i}` });
    const all = await h.engine.listTaskPage({ candidateGroups: ['planning'], limit: 2, offset: 0 });
    assert.equal(all.total, 5);
    assert.deepEqual(all.tasks.map((t) => t.businessKey), ['P-0', 'P-1']);
    const last = await h.engine.listTaskPage({ candidateGroups: ['planning'], limit: 2, offset: 4 });
    assert.deepEqual([last.total, last.tasks.map((t) => t.businessKey)], [5, ['P-4']]);
    const beyond = await h.engine.listTaskPage({ candidateGroups: ['planning'], limit: 2, offset: 10 });
    assert.deepEqual([beyond.total, beyond.tasks.length], [5, 0]);
    const filtered = await h.engine.listTaskPage({ candidateGroups: ['planning'], businessKeyContains: 'P-3', processKeys: ['paged'], limit: 2, offset: 0 });
    assert.deepEqual([filtered.total, filtered.tasks.map((t) => t.businessKey)], [1, ['P-3']]);
    assert.equal((await h.engine.listTaskPage({ candidateGroups: ['planning'], processKeys: ['other'], limit: 2, offset: 0 })).total, 0);
    assert.equal((await h.engine.listTaskPage({ candidateGroups: ['intake'], limit: 2, offset: 0 })).total, 0);
    // Case scope: the groups of the case's open and done tasks, as listTasks gives them.
    const [one] = await h.engine.listInstances({ businessKey: 'P-0' });
    const tasksOfOne = [...await h.engine.listTasks({ instanceId: one!.id, state: 'created' }), ...await h.engine.listTasks({ instanceId: one!.id, state: 'completed' })];
    assert.deepEqual(await h.engine.caseCandidateGroups(one!.id), [...new Set(tasksOfOne.flatMap((t) => t.candidateGroups))].sort());
    assert.deepEqual(await h.engine.caseCandidateGroups(999_999), []);
  });
});

describe('engine: a timestamp read as JSON text', () => {
  // PostgreSQL writes a timestamptz into JSON with 0 to 6 fraction digits (trailing zeros trimmed) and, in UTC,
  // `+00:00`; the combined read turns that text into the view's ISO string without a Date, and must say exactly what
  // a Date says of it, for any instant.
  it('gives the string a Date gives, for any instant, fraction length and offset', () => {
    const row = { id: 1, definition_id: 1, process_key: 'p', business_key: null, state: 'active', execution: { tokens: {} }, variables: {}, parent_instance_id: null, parent_element_instance: null, last_seq: 1, version: 1 };
    fc.assert(fc.property(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }),
      fc.integer({ min: 0, max: 6 }), fc.constantFrom('+00:00', '+02:00', '-05:30', 'Z'),
      (date, micros, digits, offset) => {
        const fraction = `${date.toISOString().slice(20, 23)}${String(micros).padStart(3, '0')}`.slice(0, digits).replace(/0+$/, '');
        const text = `${date.toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}${offset}`;
        const event = { id: 1, seq: 1, type: 'process.started', element_id: null, element_instance: null, actor: null, occurred_at: text, data: {} };
        const read = parseInstanceWithEvents(JSON.stringify({ row: { ...row, started_at: text, ended_at: null }, events: [event] }));
        assert.equal(read?.events[0]?.occurredAt, new Date(text).toISOString(), text);
        assert.equal(read?.instance.startedAt, new Date(text).toISOString(), text);
      },
    ), { numRuns: 2000 });
  });
});

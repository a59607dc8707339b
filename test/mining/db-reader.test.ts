// govflow's own event log, read straight from process_event, on both backends. Rows are inserted directly so the
// test does not depend on the engine.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { analyzeLog, readEventLogFromDatabase } from '../../src/mining/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

describeEachBackend('mining: readEventLogFromDatabase', (backend) => {
  let db: Database;
  let definitionA = '';
  let definitionB = '';
  before(async () => {
    db = await freshDatabase(backend);
    const dep = await db.query<{ id: string }>("insert into deployment (name) values ('t') returning id");
    const depId = dep.rows[0]?.id;
    const def = async (key: string, version: number): Promise<string> => {
      const r = await db.query<{ id: string }>(
        `insert into process_definition (key, version, name, checksum, deployment_id, resource_name, model)
         values ($1, $2, $1, 'x', $3, 'p.bpmn', '{}') returning id`,
        [key, version, depId],
      );
      return String(r.rows[0]?.id);
    };
    definitionA = await def('permit', 1);
    definitionB = await def('permit', 2);
    const instance = async (definition: string, businessKey: string): Promise<string> => {
      const r = await db.query<{ id: string }>(
        `insert into process_instance (definition_id, process_key, business_key, state, execution, started_at)
         values ($1, 'permit', $2, 'completed', '{}', '2024-01-01T00:00:00Z') returning id`,
        [definition, businessKey],
      );
      return String(r.rows[0]?.id);
    };
    let seq = 0;
    const event = async (inst: string, type: string, element: string, name: string | null, elementType: string, at: string, actor: string | null = null): Promise<void> => {
      seq++;
      await db.query(
        `insert into event_log (instance_id, seq, type, element_id, element_instance, actor, occurred_at, data)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [inst, seq, type, element, `${element}#1`, actor, at, JSON.stringify(name === null ? { elementType } : { name, elementType })],
      );
    };
    const run = async (definition: string, key: string, day: string, approver: string): Promise<void> => {
      seq = 0;
      const i = await instance(definition, key);
      await event(i, 'instance.started', 'p', null, 'process', `${day}T08:00:00Z`);
      await event(i, 'element.activated', 'start', null, 'startEvent', `${day}T08:00:00Z`);
      await event(i, 'element.completed', 'start', null, 'startEvent', `${day}T08:00:00Z`);
      await event(i, 'element.activated', 'check', 'Check application', 'userTask', `${day}T09:00:00Z`);
      await event(i, 'task.claimed', 'check', null, 'userTask', `${day}T09:30:00Z`, approver);
      await event(i, 'task.completed', 'check', null, 'userTask', `${day}T10:00:00Z`, approver);
      await event(i, 'element.completed', 'check', 'Check application', 'userTask', `${day}T10:00:00Z`);
      await event(i, 'element.activated', 'gw', null, 'exclusiveGateway', `${day}T10:00:00Z`);
      await event(i, 'element.activated', 'notify', null, 'serviceTask', `${day}T11:00:00Z`);
      await event(i, 'element.completed', 'notify', null, 'serviceTask', `${day}T11:30:00Z`);
    };
    await run(definitionA, 'A-1', '2024-01-02', 'ann');
    await run(definitionA, 'A-2', '2024-01-03', 'bob');
    await run(definitionB, 'B-1', '2024-01-04', 'ann');
  });
  after(async () => db.close());

  it('reads activities (names, else ids) with start/complete, resources and timestamps', async () => {
    const log = await readEventLogFromDatabase(db, { processKey: 'permit' });
    assert.equal(log.caseIds.length, 3);
    const first = Array.from({ length: (log.caseStart[1] ?? 0) - (log.caseStart[0] ?? 0) }, (_, i) => log.activityNames[log.activity[i] ?? 0]);
    // Gateways and events are wiring, not work: only the two tasks, each activated and completed.
    assert.deepEqual(first, ['Check application', 'Check application', 'notify', 'notify']);
    assert.equal(log.resourceNames[log.resource[1] ?? -1], 'ann');
    assert.equal(log.timestamp[0], Date.parse('2024-01-02T09:00:00Z'));
    const summary = analyzeLog(log);
    assert.equal(summary.variants, 1);
    assert.equal(summary.events, 12);
    const service = summary.activityStats.find((a) => a.activity === 'Check application');
    assert.equal(service?.serviceMeanSeconds, 3600);
  });

  it('filters by definition (one version of a process)', async () => {
    const log = await readEventLogFromDatabase(db, { definitionId: definitionB });
    assert.equal(log.caseIds.length, 1);
    assert.equal(log.caseAttributes.get('businessKey')?.[0], 'B-1');
    const none = await readEventLogFromDatabase(db, { processKey: 'other' });
    assert.equal(none.caseIds.length, 0);
    void definitionA;
  });
});

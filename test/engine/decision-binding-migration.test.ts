/**
 * Migration 0015 binds the cases running when it lands: each business-rule task of an active instance to the newest
 * version of its decision (what it would have run next); finished cases keep no bindings.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { migrate, type Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

describeEachBackend('migration 0015 (decision bindings) on running cases', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend, { migrate: false });
    await migrate(db, { through: 14 });
  });
  after(async () => {
    await db.close();
  });

  it('binds active instances to the newest version of each decision their business-rule tasks call', async () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const { rows: [dep] } = await db.query<{ id: number }>("insert into deployment (name, created_at) values ('d', $1) returning id", [now]);
    const { rows: [res] } = await db.query<{ id: number }>("insert into deployment_resource (deployment_id, name, kind, checksum, content) values ($1, 'fee.dmn', 'dmn', 'c', '<definitions/>') returning id", [dep!.id]);
    const decisionIds: number[] = [];
    for (const version of [1, 2]) {
      const { rows } = await db.query<{ id: number }>("insert into decision_definition (key, version, name, checksum, deployment_id, resource_id, deployed_at) values ('fee', $1, 'Fee', $2, $3, $4, $5) returning id", [version, `c${version}`, dep!.id, res!.id, now]);
      decisionIds.push(Number(rows[0]!.id));
    }
    const model = { id: 'p', isExecutable: true, elements: { s: { id: 's', type: 'startEvent' }, rate: { id: 'rate', type: 'businessRuleTask', decision: { decisionId: 'fee', resultVariable: 'fee' } }, other: { id: 'other', type: 'businessRuleTask', decision: { decisionId: 'absent', resultVariable: 'x' } } }, flows: {}, triggeredStartEvents: [], eventSubProcesses: [], inclusiveJoinSources: {} };
    const { rows: [def] } = await db.query<{ id: number }>("insert into process_definition (key, version, name, checksum, deployment_id, resource_name, model, deployed_at) values ('p', 1, null, 'm', $1, 'p.bpmn', $2::jsonb, $3) returning id", [dep!.id, JSON.stringify(model), now]);
    const instance = async (state: string): Promise<number> => (await db.query<{ id: number }>(
      `insert into process_instance (definition_id, process_key, state, execution, variables, started_at) values ($1, 'p', $2, '{"nextId":1,"tokens":{},"joins":{}}', '{}', $3) returning id`, [def!.id, state, now])).rows[0]!.id;
    const active = await instance('active');
    const done = await instance('completed');
    assert.deepEqual((await migrate(db)).applied.filter((n) => n === 15), [15]);
    const bindings = async (id: number) => (await db.query<{ b: unknown }>('select decision_bindings as b from process_instance where id = $1', [id])).rows[0]!.b;
    assert.deepEqual(await bindings(active), { rate: { decisionKey: 'fee', decisionDefinitionId: decisionIds[1], version: 2, versionTag: null } });
    assert.deepEqual(await bindings(done), {});
  });
});

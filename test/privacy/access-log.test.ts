/**
 * The access log on its own (src/privacy/access-log.ts through privacy's index): what a recorded read stores, the
 * limits that pass, and the paged list. No server, one PGlite database (the SQL is the same text privacy.test.ts
 * runs on both backends). The refusals need no database and are in access-log-checks.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { listAccess, recordAccess, recordInstanceAccess, type PersonalDataHolder } from '../../src/privacy/index.js';
import type { Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { ACCESS_TEXT_FIELDS as TEXT_FIELDS, validAccess as valid } from './access-log-support.js';

describe('privacy access log: stored reads', () => {
  let db: Database;
  before(async () => {
    db = await freshDatabase('pglite');
  });
  after(async () => db.close());

  const rowCount = async (): Promise<number> => (await db.query<{ n: number }>('select count(*)::int as n from personal_data_access')).rows[0]!.n;

  it('accepts every field at its limit: 500 characters, categories of 100, an empty category list, no reference', async () => {
    const long = Object.fromEntries(TEXT_FIELDS.map((f) => [f, 'y'.repeat(500)]));
    assert.ok((await recordAccess(db, { ...valid, ...long })) > 0);
    assert.ok((await recordAccess(db, { ...valid, dataCategories: [], reference: null })) > 0);
    assert.ok((await recordAccess(db, { ...valid, dataCategories: ['c'.repeat(100)], reference: 'r'.repeat(500) })) > 0);
  });

  it('stores the row and a personal-data.accessed event with who, what and why, never more', async () => {
    const at = new Date('2026-02-03T04:05:06.789Z');
    const id = await recordAccess(db, { ...valid, subject: 'person-row', dataCategories: ['name', 'address'], reference: 'case:9', at });
    const { rows } = await db.query<Record<string, unknown>>(
      'select subject, actor, receiver_code, receiver_name, receiver_system, action, data_categories, purpose, reference, logtime, event_id from personal_data_access where id = $1', [id]);
    const row = rows[0]!;
    assert.deepEqual({ ...row, logtime: new Date(row['logtime'] as string).toISOString(), event_id: undefined }, {
      subject: 'person-row', actor: 'staff:pat', receiver_code: 'demo-municipality', receiver_name: 'Demo Municipality', receiver_system: 'govflow-workbench',
      action: 'case.viewed', data_categories: ['name', 'address'], purpose: 'case handling', reference: 'case:9', logtime: at.toISOString(), event_id: undefined,
    });
    const event = (await db.query<{ type: string; actor: string; occurred_at: Date; data: unknown }>('select type, actor, occurred_at, data from event_log where id = $1', [row['event_id']])).rows[0]!;
    assert.equal(event.type, 'personal-data.accessed');
    assert.equal(event.actor, 'staff:pat');
    assert.equal(new Date(event.occurred_at).toISOString(), at.toISOString());
    assert.deepEqual(event.data, { subject: 'person-row', action: 'case.viewed', receiverCode: 'demo-municipality', receiverSystem: 'govflow-workbench', dataCategories: ['name', 'address'], purpose: 'case handling', reference: 'case:9' });

    // Without a reference or a time: null, and the time of the call.
    const t0 = Date.now();
    await recordAccess(db, { ...valid, subject: 'person-now' });
    const [entry] = (await listAccess(db, 'person-now')).entries;
    assert.equal(entry!.reference, null);
    assert.ok(Math.abs(Date.parse(entry!.logtime) - t0) < 60_000, entry!.logtime);
    const nowEvent = (await db.query<{ data: { reference: unknown } }>(`select data from event_log where type = 'personal-data.accessed' order by id desc limit 1`)).rows[0]!;
    assert.equal(nowEvent.data.reference, null);
  });

  it('lists a person\'s reads newest first (ties by id), a page at a time, the total over all pages', async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));
    // Recorded out of order; two at the same minute.
    const actions = [['b', 2], ['a', 1], ['c', 3], ['d', 3]] as const;
    for (const [action, minute] of actions) await recordAccess(db, { ...valid, subject: 'person-list', action: `case.${action}`, at: at(minute) });
    await recordAccess(db, { ...valid, subject: 'someone-else', action: 'case.other', at: at(9) });
    const all = await listAccess(db, 'person-list');
    assert.equal(all.total, 4);
    assert.deepEqual(all.entries.map((e) => e.action), ['case.d', 'case.c', 'case.b', 'case.a']);
    const top = all.entries[0]!;
    assert.deepEqual({ ...top, id: 0 }, {
      id: 0, subject: 'person-list', actor: 'staff:pat', logtime: at(3).toISOString(), action: 'case.d', receiverCode: 'demo-municipality',
      receiverName: 'Demo Municipality', receiverSystem: 'govflow-workbench', dataCategories: ['name'], purpose: 'case handling', reference: null,
    });
    assert.equal(typeof top.id, 'number');
    const page = await listAccess(db, 'person-list', { offset: 1, limit: 2 });
    assert.equal(page.total, 4, 'the total counts every entry, not the page');
    assert.deepEqual(page.entries.map((e) => e.action), ['case.c', 'case.b']);
    assert.deepEqual((await listAccess(db, 'person-list', { offset: 4, limit: 1000 })).entries, []);
    assert.deepEqual((await listAccess(db, 'person-list', { limit: 1 })).entries.map((e) => e.action), ['case.d']);
  });

  it('records a read of a case\'s person in one statement, and nothing for a case without one', async () => {
    const engine = createEngine(db);
    await engine.deploy([{ name: 'permit.bpmn', content: bpmn('permit', `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e') }]);
    const withPerson = (await engine.startInstance('permit', { variables: { applicant: 'person-case' } })).id;
    const without = (await engine.startInstance('permit', { variables: {} })).id;
    const at = new Date('2026-03-01T10:00:00.000Z');
    const { subject: _, ...entry } = { ...valid, reference: `case:${withPerson}`, at };
    const one = await recordInstanceAccess(db, [], withPerson, entry);
    assert.equal(one?.subject, 'person-case');
    const [logged] = (await listAccess(db, 'person-case')).entries;
    assert.deepEqual(logged, { id: one!.id, subject: 'person-case', actor: 'staff:pat', logtime: at.toISOString(), action: 'case.viewed', receiverCode: 'demo-municipality', receiverName: 'Demo Municipality', receiverSystem: 'govflow-workbench', dataCategories: ['name'], purpose: 'case handling', reference: `case:${withPerson}` });
    const before = await rowCount();
    assert.equal(await recordInstanceAccess(db, [], without, entry), null);
    assert.equal(await rowCount(), before);

    // A registered holder (the portal's submissions, say) that knows the person of a case is asked first, with the
    // case's instance id; the engine's applicant variable is the fallback.
    const holder: PersonalDataHolder = {
      subjectOfCaseSql: (instanceId) => `(select 'person-from-holder' where ${instanceId} = ${without})`,
      casesOf: () => Promise.resolve([]),
      exportOf: () => Promise.resolve({}),
      eraseCases: () => Promise.resolve({}),
    };
    assert.equal((await recordInstanceAccess(db, [holder], without, entry))?.subject, 'person-from-holder');
    assert.equal((await recordInstanceAccess(db, [holder], withPerson, entry))?.subject, 'person-case', 'the holder does not know this case');
    assert.equal((await listAccess(db, 'person-from-holder')).total, 1);
  });
});

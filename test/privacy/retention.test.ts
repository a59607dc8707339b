import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { eraseEventData, sealPending, verifyLedger } from '../../src/ledger/index.js';
import { addDuration, isoPeriod as parseIsoDuration } from '../../src/kernel/index.js';
import { createPrivacy, loadRetentionRules, runRetention, type Privacy } from '../../src/privacy/index.js';
import { portalPersonalData } from '../../src/portal/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { bpmn, userTask } from '../engine/bpmn.js';

const PROCESS = bpmn('permit', `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e');
const OTHER = bpmn('other', `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e');

it('ISO durations: every well-formed period parses to its parts; anything else is a coded error naming the field', () => {
  fc.assert(fc.property(
    fc.record({ y: fc.option(fc.nat(99)), m: fc.option(fc.nat(99)), d: fc.option(fc.nat(999)), h: fc.option(fc.nat(99)) }),
    ({ y, m, d, h }) => {
      const text = `P${y === null ? '' : `${y}Y`}${m === null ? '' : `${m}M`}${d === null ? '' : `${d}D`}${h === null ? '' : `T${h}H`}`;
      if (text === 'P') { assert.throws(() => parseIsoDuration(text, 'retention.personalData'), /retention\.personalData/); return; }
      const p = parseIsoDuration(text);
      assert.deepEqual([p.years, p.months, p.days, p.hours], [y ?? 0, m ?? 0, d ?? 0, h ?? 0]);
    },
  ));
  fc.assert(fc.property(fc.string({ maxLength: 12 }), (s) => {
    if (/^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$/.test(s) && s !== 'P' && !s.endsWith('T')) return;
    assert.throws(() => parseIsoDuration(s, 'x'), (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_VALIDATION');
  }));
  assert.equal(addDuration(new Date('2024-01-31T00:00:00Z'), parseIsoDuration('P2Y')).toISOString(), '2026-01-31T00:00:00.000Z');
  assert.equal(addDuration(new Date('2024-01-01T00:00:00Z'), parseIsoDuration('P1MT1H')).toISOString(), '2024-02-01T01:00:00.000Z');
});

describeEachBackend('privacy: retention erases personal data of ended cases and the ledger still verifies', (backend) => {
  let db: Database;
  let engine: Engine;
  let privacy: Privacy;
  let dir: string;
  before(async () => {
    db = await freshDatabase(backend);
    engine = createEngine(db);
    privacy = createPrivacy({ db, masterKey: randomBytes(32) });
    await engine.deploy([{ name: 'permit.bpmn', content: PROCESS }, { name: 'other.bpmn', content: OTHER }]);
    dir = await mkdtemp(path.join(tmpdir(), 'govflow-retention-'));
    await mkdir(path.join(dir, 'permit-service'));
    await writeFile(path.join(dir, 'permit-service', 'service.json'), JSON.stringify({ id: 'permit-service', process: { key: 'permit' }, retention: { personalData: 'P2Y' } }));
    await mkdir(path.join(dir, 'no-rule'));
    await writeFile(path.join(dir, 'no-rule', 'service.json'), JSON.stringify({ id: 'no-rule', process: { key: 'other' } }));
    await mkdir(path.join(dir, 'bad-rule'));
    await writeFile(path.join(dir, 'bad-rule', 'service.json'), JSON.stringify({ id: 'bad-rule', process: { key: 'x' }, retention: { personalData: 'two years' } }));
  });
  after(async () => { await db.close(); await rm(dir, { recursive: true, force: true }); });

  it('reads rules defensively, erases only past-retention ended cases, keeps proofs valid', async () => {
    const { rules, problems } = await loadRetentionRules(dir);
    assert.deepEqual(rules.map((r) => [r.serviceId, r.processKey, r.personalData]), [['permit-service', 'permit', 'P2Y']]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /bad-rule: retention\.personalData/);

    const start = async (key: string, person: string, secret: string) => (await engine.startInstance(key, { variables: { applicant: person, applicationId: `APP-${secret.length}-${key}`, income: secret } })).id;
    const oldCase = await start('permit', 'person-alex', 'SECRET-OLD');
    const activeCase = await start('permit', 'person-kim', 'SECRET-ACTIVE');
    const otherService = await start('other', 'person-sam', 'SECRET-OTHER');
    for (const id of [oldCase, otherService]) {
      const task = (await engine.listTasks({ instanceId: id }))[0]!;
      await engine.completeTask(task.id, { variables: { decisionNote: `note-${id}` } });
    }
    // Alex's case came through the portal: a submission, an upload with it, a draft and a draft upload.
    await db.query(`insert into portal_submission (token, reference, citizen_id, service_id, process_key, instance_id, answers, form_versions)
      values ('00000000-0000-0000-0000-000000000001', 'BP-2026-000001', 'person-alex', 'permit-service', 'permit', $1, '{"income":"SECRET-OLD"}', '{}')`, [oldCase]);
    await db.query(`insert into portal_draft (citizen_id, service_id, answers) values ('person-alex', 'permit-service', '{"income":"SECRET-DRAFT"}')`);
    for (const reference of ['BP-2026-000001', null]) {
      await db.query(`insert into case_upload (reference, owner, service_id, upload_key, filename, media_type, size_bytes, sha256, content, created_at)
        values ($1, 'citizen:person-alex', 'permit-service', 'plans', 'plan.pdf', 'application/pdf', 3, $2, '\\x414243', now())`, [reference, 'a'.repeat(64)]);
    }
    // Who a case is about comes from the holders first (the portal's submission), then the applicant variable; the
    // export has the holder's sections and the case the submission links.
    const zedCase = await start('other', 'zed-applicant-variable', 'SECRET-ZED');
    await db.query(`insert into portal_submission (token, reference, citizen_id, service_id, process_key, instance_id, answers, form_versions)
      values ('00000000-0000-0000-0000-000000000002', 'BP-2026-000002', 'person-zed', 'no-rule', 'other', $1, '{}', '{}')`, [zedCase]);
    const withPortal = createPrivacy({ db, masterKey: randomBytes(32), holders: [portalPersonalData] });
    assert.equal(await withPortal.subjectOfInstance(zedCase), 'person-zed');
    assert.equal(await privacy.subjectOfInstance(zedCase), 'zed-applicant-variable', 'without the portal, the variable');
    const exported = await withPortal.exportPersonData('person-zed') as { submissions: { reference: string }[]; cases: { instanceId: number }[] };
    assert.deepEqual(exported.submissions.map((x) => x.reference), ['BP-2026-000002']);
    assert.deepEqual(exported.cases.map((c) => c.instanceId), [zedCase]);
    await db.transaction(async (tx) => {
      await privacy.vault.putIdentifier(tx, 'person-alex', 'national-id', '38001010014');
      await privacy.vault.putIdentifier(tx, 'person-kim', 'national-id', '49002020025');
    });
    await sealPending(db, { waitMs: 2000 });
    const ended = (await db.query<{ ended_at: Date }>('select ended_at from process_instance where id = $1', [oldCase])).rows[0]!.ended_at;
    const nearlyTwoYears = new Date(addDuration(new Date(ended), parseIsoDuration('P2Y')).getTime() - 60_000);
    const options = { db, vault: privacy.vault, holders: [portalPersonalData], rules, eraseEventData };

    const early = await runRetention({ ...options, now: () => nearlyTwoYears });
    assert.deepEqual(early.erasedCases, [], 'not yet past retention');

    const later = addDuration(new Date(ended), parseIsoDuration('P2YT1M'));
    const result = await runRetention({ ...options, now: () => later });
    assert.deepEqual(result.erasedCases, [oldCase]);
    assert.ok(result.erasedEvents > 0);
    const dump = async (id: number) => JSON.stringify((await db.query('select variables from process_instance where id = $1', [id])).rows) + JSON.stringify((await db.query('select data from event_log where instance_id = $1', [id])).rows);
    assert.ok(!(await dump(oldCase)).includes('SECRET-OLD'));
    assert.ok(!(await dump(oldCase)).includes('person-alex'));
    assert.ok((await dump(oldCase)).includes('APP-10-permit'), 'the application id is kept');
    assert.ok((await dump(activeCase)).includes('SECRET-ACTIVE'), 'an active case is untouched');
    assert.ok((await dump(otherService)).includes('SECRET-OTHER'), 'a service without a rule keeps its data');
    assert.equal(await privacy.vault.findPersonByIdentifier('national-id', '38001010014'), null, 'alex has no case left: identifier erased');
    const portalRows = JSON.stringify((await db.query(`select answers from portal_submission`)).rows) + JSON.stringify((await db.query(`select * from portal_draft`)).rows);
    assert.ok(!portalRows.includes('SECRET-OLD') && !portalRows.includes('SECRET-DRAFT'), portalRows);
    assert.equal((await db.query<{ n: number }>(`select count(*)::int as n from case_upload where owner = 'citizen:person-alex'`)).rows[0]!.n, 0);
    assert.equal(await privacy.vault.findPersonByIdentifier('national-id', '49002020025'), 'person-kim');
    const erasureEvents = await db.query<{ data: { instanceId: number } }>(`select data from event_log where type = 'personal-data.erased'`);
    assert.deepEqual(erasureEvents.rows.map((r) => r.data.instanceId), [oldCase]);

    assert.deepEqual((await runRetention({ ...options, now: () => later })).erasedCases, [], 'done once');
    await sealPending(db, { waitMs: 2000 });
    const report = await verifyLedger(db);
    assert.equal(report.ok, true, JSON.stringify(report.firstBad));
    assert.equal(report.erased, result.erasedEvents);
  });
});

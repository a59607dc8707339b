/** Properties of the admin's parsers: the catalogue edit form, saved form versions, deployment problems; and the merge. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deploymentProblems } from '../../src/admin/index.js';
import { daysHoursOf, DEFAULT_CATALOGUE_DIR, formChecksum, isoFromDaysHours, parseDaysHours, insertFormVersion, insertServiceVersion, loadCatalogue, loadCatalogueWithOverrides, parseFormVersion, parseServiceFields, slaTaskField } from '../../src/catalogue/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

const line = fc.string({ minLength: 1, maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ' ').trim()).filter((s) => s !== '');
const SLA = { case: 'P60D', tasks: { decide: 'P10D', 'zoning-review': 'P20D' }, pauseWhileWaitingForApplicant: true };

describe('parseServiceFields', () => {
  it('reads back any valid set of fields it is given in the form\'s shape', () => {
    fc.assert(fc.property(line, line, fc.array(line, { minLength: 1, maxLength: 5 }), fc.array(line, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 400 }), (title, fee, paragraphs, items, days) => {
      const input = {
        title, summary: title, description: paragraphs.join('\n\n'), whoCanApply: items.join('\n'), documentsNeeded: items.join('\r\n'), fee, expectedTime: fee, department: title,
        'sla-case-days': String(days), 'sla-case-hours': '', [`${slaTaskField('decide')}-days`]: '5', [`${slaTaskField('zoning-review')}-days`]: '0', [`${slaTaskField('zoning-review')}-hours`]: String(days % 24 || 1),
      };
      const { fields, errors } = parseServiceFields(input, { sla: SLA });
      assert.deepEqual(errors, []);
      assert.equal(fields!.title, title);
      assert.deepEqual(fields!.description, paragraphs);
      assert.deepEqual(fields!.whoCanApply, items);
      assert.deepEqual(fields!.documentsNeeded, items);
      assert.deepEqual(fields!.sla, { case: `P${days}D`, tasks: { decide: 'P5D', 'zoning-review': `PT${days % 24 || 1}H` }, pauseWhileWaitingForApplicant: true });
    }));
  });

  it('never throws, and names a field for every problem with arbitrary input', () => {
    const names = ['title', 'summary', 'description', 'whoCanApply', 'documentsNeeded', 'fee', 'expectedTime', 'department', 'sla-case-days', 'sla-case-hours', `${slaTaskField('decide')}-days`, `${slaTaskField('decide')}-hours`];
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string({ maxLength: 700 }), fc.array(fc.string(), { maxLength: 3 }))), (input) => {
      const { fields, errors } = parseServiceFields(input, { sla: SLA });
      assert.equal(fields === null, errors.length > 0);
      // Each duration's message sits on its days field (the group's first input).
      for (const e of errors) assert.ok((names.includes(e.field) && !e.field.endsWith('-hours')) || e.field === `${slaTaskField('zoning-review')}-days`, e.field);
    }));
  });

  it('refuses empty, over-long and multi-line text fields and durations that are not days and hours, naming each', () => {
    const { errors } = parseServiceFields({ title: '', summary: 'x'.repeat(301), description: 'd', whoCanApply: 'w', documentsNeeded: 'd', fee: 'a\nb', expectedTime: 't', department: 'd', 'sla-case-days': '60 days' }, { sla: null });
    assert.deepEqual(errors.map((e) => e.field), ['title', 'summary', 'fee', 'sla-case-days']);
    for (const [days, hours, message] of [['', '24', /between 0 and 23/], ['0', '0', /at least 1 hour/], ['-1', '', /whole number/], ['1.5', '', /whole number/]] as const) {
      const wrong = parseServiceFields({ 'sla-case-days': days, 'sla-case-hours': hours }, { sla: SLA }).errors.find((e) => e.field === 'sla-case-days');
      assert.match(wrong?.message ?? '', message, `${days} days ${hours} hours`);
    }
  });
});

describe('SLA days and hours', () => {
  it('shows any stored days-and-hours duration as the days and hours that store it again', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3650 }), fc.integer({ min: 0, max: 23 }), (days, hours) => {
      fc.pre(days + hours > 0);
      const iso = isoFromDaysHours({ days, hours });
      assert.deepEqual(daysHoursOf(iso), { days, hours });
      assert.deepEqual(parseDaysHours(String(days), String(hours), 'x'), { iso });
    }), { numRuns: 200 });
    assert.deepEqual(daysHoursOf('P2W'), { days: 14, hours: 0 });
    assert.deepEqual(daysHoursOf('PT36H'), { days: 1, hours: 12 });
    assert.equal(daysHoursOf('P1M'), null, 'a month has no fixed number of days');
    assert.equal(daysHoursOf('PT30M'), null);
  });

  it('keeps a stored duration the form cannot show while its fields are left empty', () => {
    const { fields } = parseServiceFields({ title: 't', summary: 's', description: 'd', whoCanApply: 'w', documentsNeeded: 'd', fee: 'f', expectedTime: 'e', department: 'd', [`${slaTaskField('decide')}-days`]: '2', [`${slaTaskField('zoning-review')}-days`]: '3' }, { sla: { ...SLA, case: 'P2M' } });
    assert.equal(fields?.sla?.case, 'P2M');
  });
});

describe('parseFormVersion', () => {
  it('accepts what it would store and checks the required keys', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,10}$/), { minLength: 1, maxLength: 5 }), fc.nat(), (keys, drop) => {
      const schema = { type: 'default', id: 'f', components: keys.map((key) => ({ type: 'textfield', key, label: `Label ${key}` })) };
      const ok = parseFormVersion(JSON.stringify(schema), keys);
      assert.deepEqual(ok.problems, []);
      assert.deepEqual(ok.schema!.components.map((c) => ('key' in c ? c.key : '')), keys);
      const missing = keys[drop % keys.length]!;
      const without = parseFormVersion(JSON.stringify({ ...schema, components: schema.components.filter((c) => c.key !== missing) }), keys);
      assert.equal(without.schema, null);
      assert.ok(without.problems.some((p) => p.includes(`'${missing}'`)));
    }));
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      const { schema, problems } = parseFormVersion(text);
      assert.equal(schema === null, problems.length > 0);
    }));
  });

  it('gives the portal\'s version: the first 16 hex digits of the SHA-256', () => {
    assert.match(formChecksum('{}'), /^[0-9a-f]{16}$/);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => (a === b) === (formChecksum(a) === formChecksum(b))));
  });
});

describe('deploymentProblems', () => {
  it('gives one line per detail, naming where and the line when known', () => {
    fc.assert(fc.property(fc.array(fc.record({ where: fc.option(line, { nil: undefined }), line: fc.option(fc.nat(), { nil: undefined }), message: line }), { minLength: 1, maxLength: 5 }), (details) => {
      const clean = details.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as { message: string; where?: string; line?: number });
      const out = deploymentProblems(new GovflowError('GOVFLOW_ERR_BPMN_INVALID', 'invalid', clean), 'file.bpmn');
      assert.equal(out.length, details.length);
      details.forEach((d, i) => {
        assert.ok(out[i]!.startsWith(d.where ?? 'file.bpmn'));
        assert.ok(out[i]!.endsWith(`: ${d.message}`));
        assert.equal(out[i]!.includes(`line ${d.line}`), d.line !== undefined);
      });
    }));
    assert.deepEqual(deploymentProblems(new GovflowError('GOVFLOW_ERR_BPMN_PARSE', 'not XML'), 'x.bpmn'), ['not XML']);
  });
});

describeEachBackend('loadCatalogueWithOverrides', (backend) => {
  it('lays the newest stored versions over the files and follows refresh()', async () => {
    const db = await freshDatabase(backend);
    try {
      const seed = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
      const live = await loadCatalogueWithOverrides(db, DEFAULT_CATALOGUE_DIR);
      assert.deepEqual(live.services.map((s) => [s.id, s.title]), seed.services.map((s) => [s.id, s.title]), 'no rows: the files as they are');
      const service = seed.get('housing-benefit')!;
      const fields = { title: 'T1', summary: service.summary, description: service.description, whoCanApply: service.whoCanApply, documentsNeeded: service.documentsNeeded, fee: service.fee, expectedTime: service.expectedTime, department: service.department, sla: service.sla };
      await db.transaction(async (tx) => {
        assert.equal(await insertServiceVersion(tx, 'housing-benefit', fields, 'staff:ada'), 1);
        assert.equal(await insertServiceVersion(tx, 'housing-benefit', { ...fields, title: 'T2' }, 'staff:ada'), 2);
      });
      const page = service.pages[0]!;
      const text = JSON.stringify({ ...page.form, components: page.form.components }, null, 2);
      const stored = await db.transaction((tx) => insertFormVersion(tx, 'housing-benefit', page.id, text, 'staff:ada'));
      assert.equal(live.get('housing-benefit')!.title, service.title, 'not yet refreshed');
      await live.refresh();
      assert.equal(live.get('housing-benefit')!.title, 'T2');
      assert.equal(live.services.find((s) => s.id === 'housing-benefit')!.pages[0]!.formVersion, stored.checksum);
      assert.equal(stored.checksum, formChecksum(text));
      assert.equal(live.get('building-permit')!.title, seed.get('building-permit')!.title, 'other services keep their file');
      assert.equal(live.seed.get('housing-benefit')!.title, service.title);
    } finally {
      await db.close();
    }
  });
});

/** The workbench's pure parts: SLA with pauses, task forms' rules, the diagram layout, the form references in BPMN. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BpmnModdle } from 'bpmn-moddle';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue, userTaskFormIds } from '../../src/catalogue/index.js';
import { parseFormSchema, type FormSchema } from '../../src/web/index.js';
import { applicantPauses, caseSlaState, diagramOf, readTaskForm, requiredWhenRules, slaState } from '../../src/workbench/index.js';
import { bpmn, userTask } from '../engine/bpmn.js';

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2026-03-02T09:00:00Z');

describe('SLA countdown', () => {
  it('days left round up, overdue counts days past', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    assert.deepEqual(slaState('2026-03-10T13:00:00Z', now), { overdue: false, days: 1 });
    assert.deepEqual(slaState('2026-03-13T12:00:00Z', now), { overdue: false, days: 3 });
    assert.deepEqual(slaState('2026-03-08T11:00:00Z', now), { overdue: true, days: 3 });
  });

  it('finds the pauses in an event log: activation to completion of a waiting element, an open one up to now', () => {
    const events = [
      { type: 'element.activated', elementId: 'information-received', occurredAt: iso(T0 + 1 * DAY) },
      { type: 'variables.updated', elementId: null, occurredAt: iso(T0 + 2 * DAY) },
      { type: 'element.completed', elementId: 'information-received', occurredAt: iso(T0 + 3 * DAY) },
      { type: 'element.activated', elementId: 'check-completeness', occurredAt: iso(T0 + 3 * DAY) },
      { type: 'element.activated', elementId: 'information-received', occurredAt: iso(T0 + 5 * DAY) },
    ] as const;
    assert.deepEqual(applicantPauses(events, ['information-received']), [{ from: iso(T0 + DAY), to: iso(T0 + 3 * DAY) }, { from: iso(T0 + 5 * DAY), to: null }]);
    assert.deepEqual(applicantPauses(events, ['payment-received']), []);
  });

  it('moves the deadline by the closed pauses and stands still during an open one (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 * DAY }), fc.integer({ min: 1, max: 10 * DAY })), { maxLength: 5 }),
      fc.integer({ min: 0, max: 100 * DAY }), fc.boolean(),
      (raw, nowOffset, lastOpen) => {
        // Non-overlapping pauses in order, all before now.
        const pauses: { from: string; to: string | null }[] = [];
        let cursor = T0;
        for (const [gap, length] of raw) {
          const from = cursor + gap, to = from + length;
          pauses.push({ from: iso(from), to: iso(to) });
          cursor = to;
        }
        const now = cursor + nowOffset;
        if (lastOpen && pauses.length > 0) pauses[pauses.length - 1] = { from: pauses[pauses.length - 1]!.from, to: null };
        const paused = raw.reduce((sum, [, length]) => sum + length, 0) - (lastOpen && raw.length > 0 ? raw[raw.length - 1]![1] : 0) + (lastOpen && raw.length > 0 ? now - Date.parse(pauses[pauses.length - 1]!.from) : 0);
        const sla = caseSlaState(iso(T0), 'P60D', pauses, new Date(now))!;
        assert.equal(Date.parse(sla.dueAt), T0 + 60 * DAY + paused);
        assert.equal(sla.pausedMs, paused);
        assert.equal(sla.paused, lastOpen && raw.length > 0);
        if (sla.paused) {
          // An hour later, still waiting: the same deadline distance.
          const later = caseSlaState(iso(T0), 'P60D', pauses, new Date(now + 3_600_000))!;
          assert.equal(Date.parse(later.dueAt) - (now + 3_600_000), Date.parse(sla.dueAt) - now);
        }
      }));
  });

  it('counts overlapping pauses once and stops counting when the case ended', () => {
    const pauses = [{ from: iso(T0 + DAY), to: iso(T0 + 4 * DAY) }, { from: iso(T0 + 2 * DAY), to: null }];
    const ended = caseSlaState(iso(T0), 'P5D', pauses, new Date(T0 + 30 * DAY), iso(T0 + 6 * DAY))!;
    assert.equal(ended.pausedMs, 5 * DAY, 'from day 1 to the end on day 6');
    assert.equal(ended.paused, false);
    assert.equal(caseSlaState(iso(T0), 'not a duration', [], new Date()), null);
  });
});

const decisionForm = (): FormSchema => parseFormSchema({ id: 'd', components: [
  { type: 'radio', key: 'decision', label: 'Decision', values: [{ label: 'Approve', value: 'approved' }, { label: 'Refuse', value: 'refused' }], validate: { required: true } },
  { type: 'textarea', key: 'decisionReasons', label: 'Reasons', validate: { maxLength: 50 }, properties: { requiredWhen: 'decision=refused', errorMessageRequiredWhen: 'Enter the reasons for the refusal' } },
  { type: 'radio', key: 'complete', label: 'Complete?', values: [{ label: 'Yes', value: 'true' }, { label: 'No', value: 'false' }] },
] }).schema!;

describe('task forms', () => {
  it('reasons are required exactly when the decision is a refusal; yes/no becomes a boolean (property)', () => {
    const form = decisionForm();
    fc.assert(fc.property(fc.constantFrom('approved', 'refused', '', 'maybe'), fc.oneof(fc.constant(''), fc.string({ maxLength: 60 })), fc.constantFrom('true', 'false', '', 'x'), (decision, reasons, complete) => {
      const { variables, errors } = readTaskForm(form, { decision, decisionReasons: reasons, complete });
      const keys = errors.map((e) => e.key);
      assert.equal(keys.includes('decision'), decision !== 'approved' && decision !== 'refused');
      const trimmed = reasons.trim();
      const reasonsMissing = decision === 'refused' && trimmed === '';
      assert.equal(keys.includes('decisionReasons'), reasonsMissing || [...trimmed].length > 50);
      if (reasonsMissing) assert.ok(errors.some((e) => e.message === 'Enter the reasons for the refusal'));
      assert.equal(keys.includes('complete'), complete === 'x');
      if (errors.length === 0) {
        assert.equal(variables['decision'], decision);
        assert.equal(variables['decisionReasons'], trimmed, 'empty reasons are an empty string, not a missing variable');
        assert.equal(variables['complete'], complete === '' ? undefined : complete === 'true');
      }
    }));
  });

  it('never throws on whatever a browser sends (property)', () => {
    const form = decisionForm();
    fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))), (input) => {
      const { errors } = readTaskForm(form, input);
      for (const e of errors) assert.ok(e.message.length > 0 && ['decision', 'decisionReasons', 'complete'].includes(e.key));
    }));
  });

  it('rejects requiredWhen rules it cannot read', () => {
    const schema = (rule: string): FormSchema => parseFormSchema({ id: 'x', components: [
      { type: 'textfield', key: 'a', label: 'A' }, { type: 'textarea', key: 'b', label: 'B', properties: { requiredWhen: rule } }] }).schema!;
    assert.deepEqual(requiredWhenRules(schema('a=yes')).problems, []);
    for (const bad of ['a', '=yes', 'missing=yes', 'b=self', 'a==b']) assert.equal(requiredWhenRules(schema(bad)).problems.length, 1, bad);
  });

  it('every staff task of the three services has a form from the catalogue, with the variables the processes read', async () => {
    const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const keysOf = (service: string, task: string): string[] => catalogue.get(service)!.taskForms[task]!.form.components.flatMap((c) => (c.type === 'text' ? [] : [c.key]));
    for (const s of catalogue.services) {
      const userTasks = [...s.process.bpmn!.matchAll(/<bpmn:userTask id="([^"]+)"/g)].map((m) => m[1]!);
      assert.deepEqual(Object.keys(s.taskForms).sort(), userTasks.sort(), `${s.id}: a form for every user task`);
      for (const f of Object.values(s.taskForms)) assert.deepEqual(requiredWhenRules(f.form).problems, []);
    }
    assert.deepEqual(keysOf('building-permit', 'check-completeness'), ['complete', 'informationRequested']);
    assert.deepEqual(keysOf('building-permit', 'decide'), ['decision', 'decisionReasons']);
    // The reviews that may also ask the applicant for more information (the processes read informationRequested).
    for (const [service, task] of [['business-licence-renewal', 'clerk-review'], ['housing-benefit', 'caseworker-review']] as const) {
      assert.deepEqual(keysOf(service, task), ['decision', 'informationRequested', 'decisionReasons'], `${service} ${task}`);
    }
  });
});

describe('form references in BPMN', () => {
  it('reads the formId of each user task, whatever the prefixes, attribute order and other extensions (property)', () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(id, fc.option(id, { nil: undefined }), fc.boolean()), { selector: ([t]) => t, maxLength: 6 }), (tasks) => {
      const body = tasks.map(([taskId, formId, selfClosing]) => formId === undefined && selfClosing
        ? `<userTask id="${taskId}" name="T"/>`
        : `<userTask name="T" id="${taskId}"><extensionElements><zeebe:assignmentDefinition candidateGroups="g"/>${formId === undefined ? '' : `<zeebe:formDefinition formId="${formId}" />`}</extensionElements></userTask>`).join('');
      const expected = Object.fromEntries(tasks.filter(([, f]) => f !== undefined).map(([t, f]) => [t, f]));
      assert.deepEqual(userTaskFormIds(bpmn('p', body)), expected);
      assert.deepEqual(userTaskFormIds(bpmn('p', body).replace(/<(\/?)userTask/g, '<$1bpmn:userTask')), expected);
    }));
  });
});

describe('diagram layout', () => {
  const shapes = (xml: string): Map<string, { x: number; y: number; width: number; height: number }> => new Map([...xml.matchAll(/<bpmndi:BPMNShape id="[^"]+" bpmnElement="([^"]+)"[^>]*><dc:Bounds x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"/g)].map((m) => [m[1]!, { x: Number(m[2]), y: Number(m[3]), width: Number(m[4]), height: Number(m[5]) }]));

  it('lays out the three demo processes: every node a shape, every flow an edge, and bpmn-moddle reads the result', async () => {
    for (const file of ['building-permit', 'business-licence-renewal', 'housing-benefit']) {
      const source = await readFile(`examples/${file}.bpmn`, 'utf8');
      const { xml } = await diagramOf(source);
      const nodes = [...source.matchAll(/<bpmn:(?!sequenceFlow|process|definitions|message|extensionElements|conditionExpression|timerEventDefinition|timeDuration|messageEventDefinition|error\b)\w+ id="([^"]+)"/g)].map((m) => m[1]!);
      const flows = [...source.matchAll(/<bpmn:sequenceFlow id="([^"]+)"/g)].map((m) => m[1]!);
      const laid = shapes(xml);
      for (const n of nodes) assert.ok(laid.has(n), `${file}: ${n} has a shape`);
      for (const f of flows) assert.match(xml, new RegExp(`<bpmndi:BPMNEdge id="${f}_di" bpmnElement="${f}"><di:waypoint`), `${file}: ${f} has an edge`);
      const { warnings } = (await new BpmnModdle().fromXML(xml, 'bpmn:Definitions')) as { warnings: unknown[] };
      assert.deepEqual(warnings, [], `${file}: the diagram is valid BPMN DI`);
      assert.equal((await diagramOf(xml)).xml, xml, 'a file with a diagram comes back as is');
    }
  });

  it('gives the nodes of random branching processes non-overlapping shapes (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), async (n, picks) => {
      // A chain of tasks with extra forward and backward flows between random pairs.
      const tasks = Array.from({ length: n }, (_, i) => `t${i}`);
      const flows = ['s -> t0', ...tasks.slice(1).map((t, i) => `t${i} -> ${t}`), `t${n - 1} -> e`];
      for (let i = 0; i + 1 < picks.length; i += 2) flows.push(`t${picks[i]! % n} -> t${picks[i + 1]! % n}`);
      const xml = bpmn('random', `<startEvent id="s"/>${tasks.map((t) => userTask(t, '')).join('')}<endEvent id="e"/>`, flows.join('; '));
      const laid = [...shapes((await diagramOf(xml)).xml).entries()];
      assert.equal(laid.length, n + 2);
      for (const [a, A] of laid) for (const [b, B] of laid) {
        if (a >= b) continue;
        const overlap = A.x < B.x + B.width && B.x < A.x + A.width && A.y < B.y + B.height && B.y < A.y + A.height;
        assert.ok(!overlap, `${a} and ${b} overlap`);
      }
    }), { numRuns: 40 });
  });
});

/**
 * Issue 16: Camunda 7's generated task forms (`camunda:formData`) become a Camunda Form (form-js JSON) that the
 * converted user task names by formId. Each field type and constraint is checked against what govflow's own task
 * forms make of the generated form (src/web/form-schema.ts, src/workbench/task-form.ts: what staff submit becomes the
 * task's variables), what has no exact form stays blocked with its line, and a property test generates formData.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readTaskForms } from '../../src/catalogue/index.js';
import { convertCamunda7, type ConvertResult, type FormJsComponent } from '../../src/convert/index.js';
import { compileBpmn } from '../../src/engine/index.js';
import { fields, parseFormSchema, probeFormErrors, type FormSchema, type RawInput } from '../../src/web/index.js';
import { readTaskForm } from '../../src/workbench/index.js';

/** A Camunda 7 model whose user task `task` carries `formData` (the inside of camunda:formData). */
function c7(formData: string, { taskAttrs = '', host = 'userTask' } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:${host} id="task"${taskAttrs}>
      <bpmn:extensionElements>
        <camunda:formData>
${formData}
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:${host}>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="task" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
`;
}

const lineOf = (xml: string, text: string): number => xml.slice(0, xml.indexOf(text)).split('\n').length;

/** Converts, checks the task names the one generated form and govflow reads that form; returns both. */
async function generated(formData: string): Promise<{ result: ConvertResult; components: FormJsComponent[]; schema: FormSchema }> {
  const result = convertCamunda7(c7(formData));
  assert.deepEqual(result.blocked, [], 'nothing blocked');
  assert.equal(result.forms?.length, 1, 'one generated form');
  const form = result.forms![0]!;
  assert.ok(!result.xml.includes('camunda:formData'), 'the formData is gone from the model');
  const task = (await compileBpmn(result.xml)).processes[0]!.elements['task']!;
  assert.equal(task.userTask?.formKey, form.id, 'the task names the form by its id');
  assert.equal(form.schema.id, form.id);
  const parsed = parseFormSchema(JSON.parse(JSON.stringify(form.schema)));
  assert.deepEqual(parsed.problems, [], 'govflow reads the generated form');
  return { result, components: form.schema.components, schema: parsed.schema! };
}

/** What staff submitting `input` gives the process (the workbench's task completion reads the form this way). */
function submit(schema: FormSchema, input: RawInput) {
  return readTaskForm(schema, input);
}

describe('camunda:formData: each field type', () => {
  it('string → a text field; the variable is the text', async () => {
    const { components, schema } = await generated('          <camunda:formField id="name" label="Name" type="string" defaultValue="Ann" />');
    assert.deepEqual(components.map((c) => [c.type, c.key, c.label, c.defaultValue]), [['textfield', 'name', 'Name', 'Ann']]);
    assert.deepEqual(submit(schema, { name: 'Bob' }).variables, { name: 'Bob' });
  });

  it('long → a whole number field: 42 arrives as the number 42, 4.5 and text are refused', async () => {
    const { components, schema } = await generated('          <camunda:formField id="count" type="long" defaultValue="7" />');
    assert.equal(components[0]!.type, 'number');
    assert.equal(components[0]!.label, 'count', 'no label: the id, as Camunda 7\'s Tasklist shows it');
    assert.equal(components[0]!.defaultValue, 7);
    assert.deepEqual(submit(schema, { count: '42' }), { variables: { count: 42 }, errors: [] });
    assert.deepEqual(submit(schema, { count: '-3' }).variables, { count: -3 });
    for (const wrong of ['4.5', 'many']) assert.deepEqual(submit(schema, { count: wrong }).errors.map((e) => e.key), ['count'], wrong);
    assert.match(submit(schema, { count: '4.5' }).errors[0]!.message, /^Count must be a whole number$/);
    assert.ok(probeFormErrors(schema).some((p) => p.probe === 'too many decimals' && /whole number/.test(p.message)), 'the error probes (docs/portal.md) know the rule');
  });

  it('boolean → a checkbox: ticked is true, unticked false', async () => {
    const { components, schema } = await generated('          <camunda:formField id="ok" label="OK?" type="boolean" defaultValue="true" />');
    assert.deepEqual([components[0]!.type, components[0]!.defaultValue], ['checkbox', true]);
    assert.deepEqual(submit(schema, { ok: 'true' }).variables, { ok: true });
    assert.deepEqual(submit(schema, {}).variables, { ok: false });
  });

  it('date → a date field; a dd/MM/yyyy default becomes ISO; the variable is yyyy-MM-dd text', async () => {
    const { components, schema } = await generated('          <camunda:formField id="due" label="Due" type="date" defaultValue="09/02/2021" />');
    assert.deepEqual([components[0]!.type, components[0]!.subtype, components[0]!.defaultValue], ['datetime', 'date', '2021-02-09']);
    assert.deepEqual(submit(schema, { 'due-day': '9', 'due-month': '2', 'due-year': '2021' }).variables, { due: '2021-02-09' });
    assert.deepEqual(submit(schema, { 'due-day': '30', 'due-month': '2', 'due-year': '2021' }).errors.map((e) => e.key), ['due']);
  });

  it('enum → a select of the camunda:value ids (labelled by name); the variable is the chosen id', async () => {
    const { components, schema } = await generated(`          <camunda:formField id="choice" type="enum" defaultValue="b">
            <camunda:value id="a" name="Option A" />
            <camunda:value id="b" />
          </camunda:formField>`);
    assert.deepEqual(components[0]!.values, [{ label: 'Option A', value: 'a' }, { label: 'b', value: 'b' }]);
    assert.equal(components[0]!.defaultValue, 'b');
    assert.deepEqual(submit(schema, { choice: 'a' }).variables, { choice: 'a' });
    assert.deepEqual(submit(schema, { choice: 'c' }).errors.map((e) => e.key), ['choice']);
  });

  it('camunda:properties become the component\'s properties; the report names every field', async () => {
    const { result, components } = await generated(`          <camunda:formField id="note" type="string">
            <camunda:properties><camunda:property id="width" value="10" /></camunda:properties>
          </camunda:formField>`);
    assert.deepEqual(components[0]!.properties, { width: '10' });
    const info = result.changes.find((n) => n.severity === 'info' && n.message.includes('camunda:formData'));
    assert.match(info?.message ?? '', /generated form 'p-task'.*note \(textfield\)/);
    assert.ok(result.changes.some((n) => n.severity === 'review' && n.message.includes('current value')), 'the prefill difference is to review');
  });
});

describe('camunda:formData: the generated form as a service\'s task form', () => {
  it('a service\'s forms/ folder reads it: the task gets the form, defaults of every type show on a fresh form', async () => {
    const result = convertCamunda7(c7(`          <camunda:formField id="n" type="long" defaultValue="7" />
          <camunda:formField id="d" type="date" defaultValue="09/02/2021" />
          <camunda:formField id="b" type="boolean" defaultValue="true" />
          <camunda:formField id="t" type="string" defaultValue="hi" />`));
    const form = result.forms![0]!;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-formdata-'));
    try {
      await mkdir(path.join(dir, 'forms'));
      await writeFile(path.join(dir, 'forms', `${form.id}.form`), JSON.stringify(form.schema));
      const problems: string[] = [];
      const forms = await readTaskForms(dir, result.xml, (_field, message) => problems.push(message));
      assert.deepEqual(problems, []);
      assert.equal(forms['task']?.formId, form.id);
      assert.deepEqual(forms['task']?.defaults, { n: '7', 'd-day': '9', 'd-month': '2', 'd-year': '2021', b: 'true', t: 'hi' });
      // The defaults, submitted unchanged, give the values of Camunda 7's defaults.
      assert.deepEqual(readTaskForm(forms['task']!.form, forms['task']!.defaults).variables, { n: 7, d: '2021-02-09', b: true, t: 'hi' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('govflow\'s form reader refuses a decimalDigits that is not a whole number of 0 or more', () => {
    const problems = parseFormSchema({ components: [{ type: 'number', key: 'x', label: 'X', decimalDigits: -1 }] }).problems;
    assert.deepEqual(problems.map((p) => p.where), ['components[0].decimalDigits']);
  });
});

describe('camunda:formData: constraints', () => {
  const field = (type: string, constraints: string) => `          <camunda:formField id="x" type="${type}">
            <camunda:validation>${constraints}</camunda:validation>
          </camunda:formField>`;

  it('required, minlength and maxlength on a string', async () => {
    const { components, schema } = await generated(field('string', '<camunda:constraint name="required" /><camunda:constraint name="minlength" config="2" /><camunda:constraint name="maxlength" config="4" />'));
    assert.deepEqual(components[0]!.validate, { required: true, minLength: 2, maxLength: 4 });
    assert.deepEqual(submit(schema, { x: '' }).errors.map((e) => e.key), ['x'], 'required');
    assert.deepEqual(submit(schema, { x: 'a' }).errors.map((e) => e.key), ['x'], 'too short');
    assert.deepEqual(submit(schema, { x: 'abcde' }).errors.map((e) => e.key), ['x'], 'too long');
    assert.deepEqual(submit(schema, { x: 'abc' }), { variables: { x: 'abc' }, errors: [] });
  });

  it('min and max on a long', async () => {
    const { components, schema } = await generated(field('long', '<camunda:constraint name="min" config="1" /><camunda:constraint name="max" config="10" />'));
    assert.deepEqual(components[0]!.validate, { min: 1, max: 10 });
    assert.equal(submit(schema, { x: '0' }).errors.length, 1);
    assert.equal(submit(schema, { x: '11' }).errors.length, 1);
    assert.deepEqual(submit(schema, { x: '10' }).variables, { x: 10 });
  });

  it('required on a boolean is met by an unticked box (false), as in Camunda 7: no tick is demanded', async () => {
    const { result, components, schema } = await generated(field('boolean', '<camunda:constraint name="required" />'));
    assert.equal(components[0]!.validate, undefined);
    assert.deepEqual(submit(schema, {}), { variables: { x: false }, errors: [] });
    assert.ok(result.changes.some((n) => /required on a boolean/.test(n.message)));
  });

  it('readonly, custom validators, min on text, minlength on numbers and non-numeric configs stay blocked with their line', () => {
    for (const [type, constraint, reason] of [
      ['string', '<camunda:constraint name="readonly" />', /readonly.*do not show process variables/],
      ['string', '<camunda:constraint name="validator" config="org.example.IbanValidator" />', /custom validator/],
      ['string', '<camunda:constraint name="min" config="3" />', /checks numbers only/],
      ['long', '<camunda:constraint name="maxlength" config="3" />', /checks text only/],
      ['long', '<camunda:constraint name="min" config="one" />', /whole number/],
    ] as const) {
      const xml = c7(field(type, constraint));
      const result = convertCamunda7(xml);
      assert.equal(result.blocked.length, 1, constraint);
      assert.match(result.blocked[0]!.message, reason);
      assert.equal(result.blocked[0]!.line, lineOf(xml, '<camunda:validation>'), 'the line of the constraint');
      assert.equal(result.blocked[0]!.elementId, 'task');
      assert.equal(result.forms, undefined, 'no form');
      assert.ok(result.xml.includes('<camunda:formData>'), 'the formData is left as it was');
    }
  });
});

describe('camunda:formData: what stays blocked', () => {
  const cases: [string, string, { taskAttrs?: string; host?: string } | undefined, RegExp][] = [
    ['a custom type', '          <camunda:formField id="iban" type="iban" />', undefined, /not one of Camunda 7's built-in types/],
    ['an expression as default value', '          <camunda:formField id="who" type="string" defaultValue="${initiator}" />', undefined, /is an expression/],
    ['a date default not in dd/MM/yyyy', '          <camunda:formField id="d" type="date" defaultValue="2021-02-09" />', undefined, /dd\/MM\/yyyy/],
    ['an enum default that is not a value', '          <camunda:formField id="c" type="enum" defaultValue="z"><camunda:value id="a" /></camunda:formField>', undefined, /not one of the enum's value ids/],
    ['an id that is not a variable name govflow forms carry', '          <camunda:formField id="first-name" type="string" />', undefined, /not a variable name/],
    ['a date pattern', '          <camunda:formField id="d" type="date" datePattern="yyyy-MM-dd" />', undefined, /datePattern/],
    ['formData next to a formKey', '          <camunda:formField id="a" type="string" />', { taskAttrs: ' camunda:formKey="embedded:app:forms/a.html"' }, /Keep one of them/],
    ['a start form', '          <camunda:formField id="a" type="string" />', { host: 'startEvent' }, /start form/],
  ];
  for (const [what, formData, options, reason] of cases) {
    it(what, () => {
      const xml = c7(formData, options);
      const result = convertCamunda7(xml);
      const notes = result.blocked.filter((n) => reason.test(n.message));
      assert.equal(notes.length, 1, `${what}: ${JSON.stringify(result.blocked)}`);
      assert.ok(notes[0]!.line >= lineOf(xml, '<camunda:formData>') && notes[0]!.line <= lineOf(xml, '</camunda:formData>'), 'a line inside the formData');
      assert.equal(result.forms, undefined);
    });
  }

  it('camunda:formProperty (the old form engine) stays blocked', () => {
    const xml = c7('').replace('<camunda:formData>\n\n        </camunda:formData>', '<camunda:formProperty id="amount" type="long" />');
    const result = convertCamunda7(xml);
    assert.equal(result.blocked.length, 1);
    assert.match(result.blocked[0]!.message, /camunda:formProperty.*old form engine/);
    assert.equal(result.blocked[0]!.line, lineOf(xml, '<camunda:formProperty'));
  });
});

/** Random formData within what Camunda 7 accepts and the converter converts. */
const fieldArb = fc.record({
  id: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/),
  label: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,15}$/), { nil: undefined }),
  kind: fc.constantFrom('string', 'long', 'boolean', 'date', 'enum'),
  required: fc.boolean(),
  lengths: fc.option(fc.tuple(fc.nat(5), fc.nat(20)), { nil: undefined }),
  range: fc.option(fc.tuple(fc.integer({ min: -100, max: 0 }), fc.integer({ min: 0, max: 100 })), { nil: undefined }),
  values: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), { minLength: 1, maxLength: 4 }),
  withDefault: fc.boolean(),
  date: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }),
});
type FieldSpec = typeof fieldArb extends fc.Arbitrary<infer T> ? T : never;

function fieldXml(f: FieldSpec): string {
  const constraints: string[] = [];
  if (f.required) constraints.push('<camunda:constraint name="required" />');
  if (f.kind === 'string' && f.lengths) constraints.push(`<camunda:constraint name="minlength" config="${f.lengths[0]}" /><camunda:constraint name="maxlength" config="${f.lengths[0] + 1 + f.lengths[1]}" />`);
  if (f.kind === 'long' && f.range) constraints.push(`<camunda:constraint name="min" config="${f.range[0]}" /><camunda:constraint name="max" config="${f.range[1]}" />`);
  const iso = f.date.toISOString().slice(0, 10);
  const defaults: Record<string, string> = { string: 'text', long: String(f.range?.[0] ?? 3), boolean: 'true', date: `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`, enum: f.values[0]! };
  const attrs = `id="${f.id}"${f.label ? ` label="${f.label}"` : ''} type="${f.kind}"${f.withDefault ? ` defaultValue="${defaults[f.kind]}"` : ''}`;
  const inner = [
    constraints.length ? `<camunda:validation>${constraints.join('')}</camunda:validation>` : '',
    f.kind === 'enum' ? f.values.map((v) => `<camunda:value id="${v}" name="${v.toUpperCase()}" />`).join('') : '',
  ].join('');
  return `          <camunda:formField ${attrs}${inner ? `>${inner}</camunda:formField>` : ' />'}`;
}

describe('camunda:formData: property', () => {
  it('any generated formData gives a form govflow reads, whose keys are the field ids and whose answers come back under those names with Camunda 7\'s types', async () => {
    const C7_TYPE: Record<string, (v: unknown) => boolean> = {
      string: (v) => typeof v === 'string',
      long: (v) => Number.isInteger(v),
      boolean: (v) => typeof v === 'boolean',
      date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
      enum: (v) => typeof v === 'string',
    };
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fieldArb, { minLength: 1, maxLength: 6, selector: (f) => f.id }), async (specs) => {
      const { schema } = await generated(specs.map(fieldXml).join('\n'));
      assert.deepEqual(fields(schema).map((f) => f.key), specs.map((s) => s.id), 'keys are the field ids, in order');
      // A valid answer for every field (the smallest the constraints allow), submitted as a browser would.
      const input: Record<string, string> = {};
      for (const s of specs) {
        const iso = s.date.toISOString().slice(0, 10);
        if (s.kind === 'string') input[s.id] = 'x'.repeat(Math.max(1, s.lengths?.[0] ?? 1));
        else if (s.kind === 'long') input[s.id] = String(s.range?.[1] ?? 12);
        else if (s.kind === 'boolean') input[s.id] = 'true';
        else if (s.kind === 'enum') input[s.id] = s.values.at(-1)!;
        else Object.assign(input, { [`${s.id}-day`]: iso.slice(8, 10), [`${s.id}-month`]: iso.slice(5, 7), [`${s.id}-year`]: iso.slice(0, 4) });
      }
      const { variables, errors } = submit(schema, input);
      assert.deepEqual(errors, []);
      assert.deepEqual(Object.keys(variables).sort(), specs.map((s) => s.id).sort());
      for (const s of specs) assert.ok(C7_TYPE[s.kind]!(variables[s.id]), `${s.id} (${s.kind}) = ${JSON.stringify(variables[s.id])}`);
    }), { numRuns: 60 });
  });
});

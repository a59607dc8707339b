/**
 * Issue 16, acceptance 4, for generated task forms: a converted Camunda 7 model whose user task has camunda:formData
 * (test/convert/models/dynamic-form.bpmn, written after the Utrecht ZAC's dynamic-form.bpmn; SOURCES.md) is deployed
 * with its generated form, and the task is completed the way the workbench completes it: the submitted fields are
 * read with the form (src/workbench/task-form.ts) and handed to the engine's task completion. The values are those of
 * the ZAC's own test case (test_submit_form_data_ok); the variables must arrive with the names and types Camunda 7
 * gives (String, Long, Boolean, the enum's id, a date) and the gateway after the task must take the path Camunda 7
 * takes for them. The ZAC's invalid submission (test_submit_form_data_validation_errors) completes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { convertCamunda7 } from '../../src/convert/index.js';
import { parseFormSchema, type FormSchema, type RawInput } from '../../src/web/index.js';
import { readTaskForm } from '../../src/workbench/index.js';
import { describeEachBackend } from '../support/databases.js';
import { eventLog, instance, tasksOf, useEngine, type Harness } from '../engine/harness.js';

const source = readFileSync(new URL('./models/dynamic-form.bpmn', import.meta.url), 'utf8');

function converted(): { resources: { name: string; content: string }[]; formId: string; schema: FormSchema } {
  const result = convertCamunda7(source);
  assert.deepEqual(result.blocked, [], 'converts without anything blocked');
  const [form] = result.forms ?? [];
  assert.ok(form, 'a generated form');
  // As `govflow deploy --convert` deploys it: the model and its form in one deployment.
  const content = JSON.stringify(form.schema, null, 2);
  const parsed = parseFormSchema(JSON.parse(content));
  assert.deepEqual(parsed.problems, []);
  return { resources: [{ name: 'dynamic-form.bpmn', content: result.xml }, { name: `${form.id}.form`, content }], formId: form.id, schema: parsed.schema! };
}

/** Submits the task form as the workbench does; returns the form's field errors (the task stays open on errors). */
async function submitTask(h: Harness, schema: FormSchema, instanceId: number, input: RawInput): Promise<string[]> {
  const [task] = await tasksOf(h, instanceId);
  assert.ok(task, 'the task is open');
  const { variables, errors } = readTaskForm(schema, input);
  if (errors.length > 0) return errors.map((e) => e.key);
  await h.engine.completeTask(task.id, { variables, actor: 'demo' });
  return [];
}

async function endedAt(h: Harness, id: number): Promise<string | undefined> {
  return (await eventLog(h, id)).filter((e) => e.type === 'element.completed' && e.elementId && ['accepted', 'other'].includes(e.elementId)).at(-1)?.elementId ?? undefined;
}

describeEachBackend('a converted model with a generated form runs the path Camunda 7 runs', (backend) => {
  const h = useEngine(backend);

  it('the ZAC\'s submission arrives as String, Long, Boolean, date and enum id; the gateway reads them as Camunda 7 does', async () => {
    const { resources, formId, schema } = converted();
    await h.engine.deploy(resources);
    const started = await h.engine.startInstance('dynamicForm');
    const [task] = await tasksOf(h, started.id);
    assert.equal(task?.formKey, formId, 'the task names the generated form');
    // test_submit_form_data_ok: stringField "Some string", intField 42, boolField true, dateField 2021-02-09, enumField "second".
    const errors = await submitTask(h, schema, started.id, {
      stringField: 'Some string', intField: '42', boolField: 'true', 'dateField-day': '9', 'dateField-month': '2', 'dateField-year': '2021', enumField: 'second',
    });
    assert.deepEqual(errors, []);
    const done = await instance(h, started.id);
    assert.equal(done.state, 'completed');
    const v = done.variables;
    assert.deepEqual({ stringField: v['stringField'], intField: v['intField'], boolField: v['boolField'], dateField: v['dateField'], enumField: v['enumField'] },
      { stringField: 'Some string', intField: 42, boolField: true, dateField: '2021-02-09', enumField: 'second' });
    assert.ok(Number.isInteger(v['intField']) && typeof v['boolField'] === 'boolean', 'a Long and a Boolean, not text');
    assert.equal(await endedAt(h, started.id), 'accepted', '${intField > 40 && boolField && enumField == \'second\'} is true in Camunda 7');
  });

  it('other values take the other path: an unticked box is false, an empty text is "", an empty date sets nothing', async () => {
    const { resources, schema } = converted();
    await h.engine.deploy(resources);
    const started = await h.engine.startInstance('dynamicForm');
    assert.deepEqual(await submitTask(h, schema, started.id, { intField: '42', enumField: 'second' }), []);
    const v = (await instance(h, started.id)).variables;
    assert.equal(v['boolField'], false, 'Camunda 7\'s unticked checkbox submits false');
    assert.equal(v['stringField'], '', 'an empty text field gives ""');
    assert.equal(v['dateField'], undefined, 'an empty date sets nothing (FEEL reads it as null, as Camunda 7\'s null)');
    assert.equal(await endedAt(h, started.id), 'other');
  });

  it('the ZAC\'s invalid submission is refused field by field and completes nothing', async () => {
    const { resources, schema } = converted();
    await h.engine.deploy(resources);
    const started = await h.engine.startInstance('dynamicForm');
    // test_submit_form_data_validation_errors: not an int, not a date, not one of the enum's values. (The ZAC also
    // refuses "" for stringField and "not-a-bool" for boolField; Camunda 7 does not: the field has no constraint and
    // a checkbox is true or false.)
    const errors = await submitTask(h, schema, started.id, {
      stringField: '', intField: 'not-an-int', boolField: 'not-a-bool', 'dateField-day': 'not', 'dateField-month': 'a', 'dateField-year': 'timestamp', enumField: 'third',
    });
    assert.deepEqual(errors.sort(), ['dateField', 'enumField', 'intField']);
    assert.equal((await tasksOf(h, started.id)).length, 1, 'the task is still open');
    assert.equal((await instance(h, started.id)).state, 'active');
  });
});

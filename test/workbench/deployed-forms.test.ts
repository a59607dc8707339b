/**
 * Forms deployed with a process (`govflow deploy`, `deploy --convert`): a user task whose service has no form in
 * the catalogue shows the form its `zeebe:formDefinition formId` names, with Zeebe's binding (latest at the task's
 * creation, or the process's own deployment), and completes with typed variables, as Camunda 8's Tasklist does.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import type { Govflow } from '../../src/cli/index.js';
import { convertCamunda7 } from '../../src/convert/index.js';
import { compileBpmn } from '../../src/engine/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { signInStaff, staffPages } from '../support/sign-in.js';

const formTask = (process: string, formDefinition: string) =>
  bpmn(process, `<startEvent id="s"/>${userTask('review', `<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="benefits"/>${formDefinition}`)}<endEvent id="e"/>`, 's -> review; review -> e');

const reviewForm = (id: string, floorLabel: string, extra: object[] = []) => JSON.stringify({
  id, type: 'default', components: [
    { type: 'number', key: 'floorArea', label: floorLabel, decimalDigits: 0, validate: { required: true, min: 1 } },
    { type: 'radio', key: 'approve', label: 'Approve the permit?', values: [{ label: 'Yes', value: 'true' }, { label: 'No', value: 'false' }], validate: { required: true } },
    { type: 'textfield', key: 'remarks', label: 'Remarks' },
    ...extra,
  ],
});
const formV1 = reviewForm('review-form', 'Floor area in square metres');
const formV2 = reviewForm('review-form', 'Usable floor area', [{ type: 'textfield', key: 'inspector', label: 'Inspector', validate: { required: true } }]);
const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

describeEachBackend('workbench: a form deployed with the process', (backend) => {
  let server: DemoServer;
  let govflow: Govflow;
  let base: string;
  let cookie: string;
  const { get, post } = staffPages(() => ({ base, cookie }));
  const startWithTask = async (processKey: string) => {
    const started = await govflow.engine.startInstance(processKey, {});
    const [task] = await govflow.engine.listTasks({ instanceId: started.id });
    assert.ok(task, 'the user task is open');
    return { id: started.id, task: task.id };
  };

  before(async () => {
    server = await startDemoServer('deployed-forms', { databaseUrl: backend === 'postgres' ? await createServerDatabase() : undefined });
    ({ govflow } = server);
    base = server.running.url;
    cookie = await signInStaff(base, 'ben');
  });
  after(() => server.stop());

  it('shows the deployed form, refuses invalid answers, completes with typed variables; a later form does not change an open task', async () => {
    await govflow.engine.deploy([{ name: 'permit-review.bpmn', content: formTask('permit-review', '<zeebe:formDefinition formId="review-form"/>') }, { name: 'review-form.form', content: formV1 }]);
    const first = await startWithTask('permit-review');
    await sleep(5); // the second form is deployed strictly after the first task was created
    await govflow.engine.deploy([{ name: 'review-form.form', content: formV2 }]);
    const second = await startWithTask('permit-review');

    const firstPage = await get(`/staff/cases/${first.id}`);
    assert.equal(firstPage.status, 200);
    assert.doesNotMatch(firstPage.text, /name="floorArea"/, 'the fields are shown to the assignee only');
    assert.equal((await post(`/staff/tasks/${first.task}/claim`)).status, 303);
    const claimed = (await get(`/staff/cases/${first.id}`)).text;
    assert.match(claimed, /Floor area in square metres/, 'the task keeps the form that was deployed when it was created');
    assert.match(claimed, /name="floorArea"/);
    assert.doesNotMatch(claimed, /Usable floor area|name="inspector"/);

    const refused = await post(`/staff/tasks/${first.task}/complete`, { floorArea: '12.5', remarks: 'looks fine' });
    assert.equal(refused.status, 400, 'invalid answers come back on the case page');
    assert.match(refused.text, /href="#floorArea"/, 'a whole number is asked for');
    assert.match(refused.text, /href="#approve"/, 'the yes/no answer is required');
    assert.equal((await govflow.engine.getTask(first.task)).state, 'created');

    assert.equal((await post(`/staff/tasks/${first.task}/complete`, { floorArea: '1,250', approve: 'true', remarks: 'looks fine' })).status, 303);
    const { variables } = await govflow.engine.getInstance(first.id);
    assert.deepEqual({ floorArea: variables['floorArea'], approve: variables['approve'], remarks: variables['remarks'] }, { floorArea: 1250, approve: true, remarks: 'looks fine' });
    const submitted = (await govflow.engine.getEvents(first.id)).find((e) => e.type === 'task.form-submitted');
    assert.deepEqual({ formId: submitted?.data['formId'], formVersion: submitted?.data['formVersion'] }, { formId: 'review-form', formVersion: version(formV1) });
    assert.match((await get(`/staff/cases/${first.id}`)).text, /<div id="reviewer-findings">[\s\S]*Floor area in square metres[\s\S]*1,?250/, "the reviewer's answers are shown with the form's labels");

    assert.equal((await post(`/staff/tasks/${second.task}/claim`)).status, 303);
    const secondPage = (await get(`/staff/cases/${second.id}`)).text;
    assert.match(secondPage, /Usable floor area/, 'a task created after the new form shows the new form');
    assert.match(secondPage, /name="inspector"/);
    const missing = await post(`/staff/tasks/${second.task}/complete`, { floorArea: '80', approve: 'false' });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /href="#inspector"/);
    assert.equal((await post(`/staff/tasks/${second.task}/complete`, { floorArea: '80', approve: 'false', inspector: 'Ines' })).status, 303);
    const secondDone = await govflow.engine.getInstance(second.id);
    assert.deepEqual({ approve: secondDone.variables['approve'], inspector: secondDone.variables['inspector'], remarks: secondDone.variables['remarks'] }, { approve: false, inspector: 'Ines', remarks: '' });
  });

  it('bindingType="deployment" shows the form deployed with the process version, not a newer one', async () => {
    const pinned = (label: string) => reviewForm('pinned-form', label);
    await govflow.engine.deploy([{ name: 'pinned.bpmn', content: formTask('pinned-review', '<zeebe:formDefinition formId="pinned-form" bindingType="deployment"/>') }, { name: 'pinned.form', content: pinned('Floor area as deployed') }]);
    await sleep(5);
    await govflow.engine.deploy([{ name: 'pinned.form', content: pinned('Floor area, newer form') }]);
    const started = await startWithTask('pinned-review');
    assert.equal((await post(`/staff/tasks/${started.task}/claim`)).status, 303);
    const page = (await get(`/staff/cases/${started.id}`)).text;
    assert.match(page, /Floor area as deployed/);
    assert.doesNotMatch(page, /newer form/);
    assert.equal((await post(`/staff/tasks/${started.task}/complete`, { floorArea: '40', approve: 'true' })).status, 303);
    assert.equal((await govflow.engine.getInstance(started.id)).variables['floorArea'], 40);
  });

  it('bindingType="versionTag" shows the newest form carrying that tag', async () => {
    const tagged = (label: string, versionTag: string) => JSON.stringify({ ...JSON.parse(reviewForm('tagged-form', label)) as object, versionTag });
    await govflow.engine.deploy([{ name: 'tagged.bpmn', content: formTask('tagged-review', '<zeebe:formDefinition formId="tagged-form" bindingType="versionTag" versionTag="v1"/>') }, { name: 'tagged.form', content: tagged('Floor area, first v1', 'v1') }]);
    await govflow.engine.deploy([{ name: 'tagged.form', content: tagged('Floor area, second v1', 'v1') }]);
    await govflow.engine.deploy([{ name: 'tagged.form', content: tagged('Floor area, v2', 'v2') }]);
    await sleep(5);
    const started = await startWithTask('tagged-review');
    assert.equal((await post(`/staff/tasks/${started.task}/claim`)).status, 303);
    const page = (await get(`/staff/cases/${started.id}`)).text;
    assert.match(page, /Floor area, second v1/);
    assert.doesNotMatch(page, /first v1|Floor area, v2/);
  });

  it('a Camunda 7 model with camunda:formData, deployed as deploy --convert deploys it, is completed with its generated form', async () => {
    // test/convert/models/dynamic-form.bpmn (the Utrecht ZAC's), given a candidate group so that the case is ben's.
    const source = readFileSync(new URL('../convert/models/dynamic-form.bpmn', import.meta.url), 'utf8').replace('<bpmn:userTask id="aTaskDefinitionKey" name="aName">', '<bpmn:userTask id="aTaskDefinitionKey" name="aName" camunda:candidateGroups="benefits">');
    const converted = convertCamunda7(source);
    const [form] = converted.forms ?? [];
    assert.ok(form, 'the converter generates the form');
    await govflow.engine.deploy([{ name: 'dynamic-form.bpmn', content: converted.xml }, { name: `${form.id}.form`, content: JSON.stringify(form.schema, null, 2) }]);
    const started = await startWithTask('dynamicForm');
    assert.equal((await post(`/staff/tasks/${started.task}/claim`)).status, 303);
    assert.match((await get(`/staff/cases/${started.id}`)).text, /name="intField"/);
    const invalid = await post(`/staff/tasks/${started.task}/complete`, { intField: 'not-an-int', enumField: 'third' });
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /href="#intField"/);
    assert.equal((await post(`/staff/tasks/${started.task}/complete`, { stringField: 'Some string', intField: '42', boolField: 'true', 'dateField-day': '9', 'dateField-month': '2', 'dateField-year': '2021', enumField: 'second' })).status, 303);
    const done = await govflow.engine.getInstance(started.id);
    assert.equal(done.state, 'completed');
    const v = done.variables;
    assert.deepEqual({ stringField: v['stringField'], intField: v['intField'], boolField: v['boolField'], dateField: v['dateField'], enumField: v['enumField'] },
      { stringField: 'Some string', intField: 42, boolField: true, dateField: '2021-02-09', enumField: 'second' });
  });

  it('a deployed form the workbench cannot read shows the task with the reason, and completing it is refused', async () => {
    const odd = JSON.stringify({ id: 'odd-form', type: 'default', components: [{ type: 'dynamiclist', key: 'rows', label: 'Rows', components: [] }] });
    await govflow.engine.deploy([{ name: 'odd.bpmn', content: formTask('odd-review', '<zeebe:formDefinition formId="odd-form"/>') }, { name: 'odd.form', content: odd }]);
    const started = await startWithTask('odd-review');
    assert.equal((await post(`/staff/tasks/${started.task}/claim`)).status, 303);
    const page = await get(`/staff/cases/${started.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /The form “odd-form” deployed with this process \(odd\.form\) cannot be shown: components\[0\]\.type: must be one of/);
    assert.doesNotMatch(page.text, new RegExp(`action="/staff/tasks/${started.task}/complete"`));
    const complete = await post(`/staff/tasks/${started.task}/complete`);
    assert.equal(complete.status, 409);
    assert.equal((await govflow.engine.getTask(started.task)).state, 'created');
  });
});

it('form bindings: versionTag needs a tag, other binding types are refused at deploy', async () => {
  const compiled = await compileBpmn(formTask('tagged', '<zeebe:formDefinition formId="f" bindingType="versionTag" versionTag="v2"/>'));
  assert.deepEqual(compiled.processes[0]!.elements['review']!.userTask?.formBinding, { type: 'versionTag', versionTag: 'v2' });
  for (const [attrs, message] of [['bindingType="versionTag"', /binds its form by version tag but names none/], ['bindingType="version"', /form binding type 'version'; use latest, deployment or versionTag/]] as const) {
    await assert.rejects(compileBpmn(formTask('bad', `<zeebe:formDefinition formId="f" ${attrs}/>`)), (error: unknown) => error instanceof GovflowError && message.test(error.message));
  }
});

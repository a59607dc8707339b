/**
 * Issue 16: generated task forms through the real CLI. `govflow convert -o out.bpmn` writes the form generated from
 * camunda:formData beside the model as `<form id>.form` and names it (table and JSON report); `govflow deploy
 * --convert` deploys the form with the model.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseFormSchema } from '../../src/web/index.js';
import { runGovflow } from '../support/cli-process.js';

const model = new URL('../convert/models/dynamic-form.bpmn', import.meta.url).pathname;

describe('govflow convert and deploy --convert with camunda:formData', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-convert-forms-'));
    env = { GOVFLOW_DATA_DIR: path.join(dir, 'data'), GOVFLOW_DATABASE_URL: '' };
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('convert -o writes the generated form beside the model, names it, and the model names the form by id', async () => {
    const out = path.join(dir, 'dynamic-form.c8.bpmn');
    const r = await runGovflow(['convert', model, '-o', out, '--report', path.join(dir, 'report.json')], env);
    assert.equal(r.code, 0, r.stderr);
    const formId = /formId="([^"]+)"/.exec(await readFile(out, 'utf8'))?.[1];
    assert.ok(formId, 'the converted task names a form');
    const file = path.join(dir, `${formId}.form`);
    assert.ok(r.stdout.includes(`form ${file} (generated from camunda:formData of user task aTaskDefinitionKey)`), r.stdout);
    const form = JSON.parse(await readFile(file, 'utf8')) as { id: string };
    assert.equal(form.id, formId);
    assert.deepEqual(parseFormSchema(form).problems, []);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as { forms: { id: string; userTask: string; file: string }[] };
    assert.deepEqual(report.forms, [{ id: formId, userTask: 'aTaskDefinitionKey', file }]);
  });

  it('deploy --convert deploys the model with its generated form', async () => {
    const r = await runGovflow(['deploy', '--convert', model], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { processes: { key: string }[] }).processes[0]!.key, 'dynamicForm');
    assert.match(r.stderr, /dynamic-form\.bpmn: deploying the form generated for user task aTaskDefinitionKey as dynamicForm-aTaskDefinitionKey\.form/);
  });
});

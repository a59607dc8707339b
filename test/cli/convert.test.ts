/**
 * Issue 16: the converter's commands through the real CLI. `govflow convert` writes the model and the report (table
 * or JSON) with exit code 0, or 1 when something is blocked; `govflow deploy --convert` deploys a convertible
 * Camunda 7 model and refuses one with anything blocked, naming file, element and line, deploying nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGovflow } from '../support/cli-process.js';

const models = new URL('../convert/models/', import.meta.url).pathname;


const BLOCKED_MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:scriptTask id="calc" scriptFormat="groovy"><bpmn:script>total = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="calc" />
  </bpmn:process>
</bpmn:definitions>
`;

describe('govflow convert and deploy --convert', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-convert-'));
    env = { GOVFLOW_DATA_DIR: path.join(dir, 'data'), GOVFLOW_DATABASE_URL: '' };
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('convert -o --report writes the Zeebe model and the JSON report, prints the table, exit code 0', async () => {
    const out = path.join(dir, 'loan.c8.bpmn');
    const report = path.join(dir, 'loan.json');
    const r = await runGovflow(['convert', path.join(models, 'loan-granting.bpmn'), '-o', out, '--report', report], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /loan-granting\.bpmn: converted: \d+ info, \d+ to review, 0 blocked/);
    assert.match(r.stdout, /Task_1lvjtd4 +ServiceTask +REVIEW/);
    const xml = await readFile(out, 'utf8');
    assert.match(xml, /<zeebe:taskDefinition type="creditScoreChecker" \/>/);
    assert.doesNotMatch(xml, /camunda:/);
    const json = JSON.parse(await readFile(report, 'utf8')) as { converted: boolean; rows: { line: number; severity: string }[] };
    assert.equal(json.converted, true);
    assert.ok(json.rows.length > 0 && json.rows.every((row) => row.line > 0));
  });

  it('convert of a model with a blocked construct prints the JSON report and exits 1; not BPMN exits 2 with the line', async () => {
    const file = path.join(dir, 'scripted.bpmn');
    await writeFile(file, BLOCKED_MODEL);
    const r = await runGovflow(['convert', file, '--json'], env);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as { converted: boolean; rows: { elementId: string; line: number; severity: string }[] };
    assert.equal(json.converted, false);
    assert.deepEqual(json.rows.filter((row) => row.severity === 'BLOCKED').map((row) => [row.elementId, row.line]), [['calc', 5]]);
    const notXml = path.join(dir, 'notes.bpmn');
    await writeFile(notXml, 'just some notes\n');
    const bad = await runGovflow(['convert', notXml], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not XML: the file starts with text .*\(line 1\) \[GOVFLOW_ERR_BPMN_PARSE\]/);
  });

  it('deploy --convert deploys a convertible model and refuses a blocked one, deploying nothing', async () => {
    const refused = await runGovflow(['deploy', '--convert', path.join(models, 'loan-granting.bpmn'), path.join(dir, 'scripted.bpmn')], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not deployed: 1 Camunda 7 construct could not be converted/);
    assert.match(refused.stderr, /scripted\.bpmn calc: .*groovy.*\(line 5\)/);
    const deployed = await runGovflow(['deploy', '--convert', path.join(models, 'loan-granting.bpmn')], env);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal((JSON.parse(deployed.stdout) as { processes: { key: string }[] }).processes[0]!.key, 'loan_process');
  });
});

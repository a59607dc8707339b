import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGovflow } from './support/cli-process.js';
import { bpmn, userTask } from './engine/bpmn.js';



describe('govflow CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-cli-'));
    env = { GOVFLOW_DATA_DIR: path.join(dir, 'data'), GOVFLOW_DATABASE_URL: '' };
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('--help lists the commands', async () => {
    const { code, stdout } = await runGovflow(['--help'], env);
    assert.equal(code, 0);
    for (const name of ['serve', 'deploy', 'start', 'bench']) assert.match(stdout, new RegExp(`\\n  ${name} `));
  });

  it('deploys a file and starts an instance with typed --var values on the embedded database', async () => {
    const file = path.join(dir, 'cli.bpmn');
    await writeFile(file, bpmn('cli-process', `<startEvent id="s"/>${userTask('u')}`, 's -> u'));
    const deployed = await runGovflow(['deploy', file], env);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal(JSON.parse(deployed.stdout).processes[0].key, 'cli-process');
    const started = await runGovflow(['start', 'cli-process', '--var', 'amount=42', '--var', 'name=Ada', '--var', 'ok=true'], env);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(JSON.parse(started.stdout).variables, { amount: 42, name: 'Ada', ok: true });
  });

  it('a bad model is refused with its code and the element, exit code 2', async () => {
    const file = path.join(dir, 'bad.bpmn');
    await writeFile(file, bpmn('bad', '<startEvent id="s"/><complexGateway id="cg"/>', 's -> cg'));
    const { code, stderr } = await runGovflow(['deploy', file], env);
    assert.equal(code, 2);
    assert.match(stderr, /GOVFLOW_ERR_BPMN_UNSUPPORTED/);
    assert.match(stderr, /cg.*line \d+/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });
});

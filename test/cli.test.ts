import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bpmn, userTask } from './engine/bpmn.js';

const run = promisify(execFile);
const bin = new URL('../bin/govflow.mjs', import.meta.url).pathname;

/** Runs the real CLI in a child process on its own embedded database (a first open of PGlite is slow on a busy machine). */
async function govflow(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env, GOVFLOW_PORT: '1' }, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('govflow CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-cli-'));
    env = { GOVFLOW_DATA_DIR: path.join(dir, 'data'), GOVFLOW_DATABASE_URL: '' };
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('--help lists the commands', async () => {
    const { code, stdout } = await govflow(['--help'], env);
    assert.equal(code, 0);
    for (const name of ['serve', 'deploy', 'start', 'bench']) assert.match(stdout, new RegExp(`\\n  ${name} `));
  });

  it('deploys a file and starts an instance with typed --var values on the embedded database', async () => {
    const file = path.join(dir, 'cli.bpmn');
    await writeFile(file, bpmn('cli-process', `<startEvent id="s"/>${userTask('u')}`, 's -> u'));
    const deployed = await govflow(['deploy', file], env);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal(JSON.parse(deployed.stdout).processes[0].key, 'cli-process');
    const started = await govflow(['start', 'cli-process', '--var', 'amount=42', '--var', 'name=Ada', '--var', 'ok=true'], env);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(JSON.parse(started.stdout).variables, { amount: 42, name: 'Ada', ok: true });
  });

  it('a bad model is refused with its code and the element, exit code 2', async () => {
    const file = path.join(dir, 'bad.bpmn');
    await writeFile(file, bpmn('bad', '<startEvent id="s"/><complexGateway id="cg"/>', 's -> cg'));
    const { code, stderr } = await govflow(['deploy', file], env);
    assert.equal(code, 2);
    assert.match(stderr, /GOVFLOW_ERR_BPMN_UNSUPPORTED/);
    assert.match(stderr, /cg.*line \d+/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });
});

// The data-backed suites fail under CI=true when ../shared data is missing and skip, saying why, elsewhere. Checked on
// a real suite (the DMN TCK's) run in a child process with the shared data pointed at a folder that does not exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const missing = path.join(mkdtempSync(path.join(tmpdir(), 'govflow-no-shared-')), 'data');

function runSuite(env: Record<string, string>): { status: number | null; output: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, GOVFLOW_SHARED_DATA: missing, ...env };
  // Not a subtest of this run: without this the child reports to the parent's runner instead of exiting non-zero.
  delete childEnv['NODE_TEST_CONTEXT'];
  delete childEnv['GOVFLOW_REQUIRE_SHARED_DATA'];
  if (!('CI' in env)) delete childEnv['CI'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/decisions/tck.test.ts'], { cwd: root, env: childEnv, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('data-backed suites without ../shared data', () => {
  it('fail under CI=true, naming the missing data', () => {
    const r = runSuite({ CI: 'true' });
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /CI=true and a data-backed suite cannot run: shared data not found: .*dmn-tck/);
  });

  it('skip with a message elsewhere', () => {
    const r = runSuite({});
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /# shared data not found: .*dmn-tck/);
    assert.match(r.output, /skipped 1/);
  });
});

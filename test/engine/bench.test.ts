/**
 * Smoke test of `govflow bench engine --json` (acceptance 7): a few instances per scenario on each backend; checks
 * the shape of the JSON lines, not the speed (docs/benchmarks.md has the figures).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describeEachBackend('govflow bench engine --json', (backend) => {
  it('prints one JSON object per line for both scenarios and the bpmn-engine peer', { timeout: 120_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GOVFLOW_LOG_LEVEL: 'silent' };
    if (backend === 'postgres') env['GOVFLOW_DATABASE_URL'] = await createServerDatabase();
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/govflow.mjs'), 'bench', 'engine', '--json', '--backend', backend, '--instances', '20', '--concurrency', '2'], { cwd: ROOT, env });
    const all = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const lines = all.filter((l) => l['scenario'] !== undefined);
    // The last line is the machine load before and after, so the figures can be read with it.
    const load = all.at(-1)?.['machineLoad'] as { before: { loadAverage: number[] }; after: { loadAverage: number[] } } | undefined;
    assert.equal(load?.before.loadAverage.length, 3);
    assert.equal(load?.after.loadAverage.length, 3);
    assert.deepEqual(lines.map((l) => l['scenario']).sort(), ['external-workers', 'peer-bpmn-engine', 'straight-through']);
    for (const line of lines) {
      assert.equal(line['backend'], backend);
      for (const field of ['instancesPerSecond', 'stepsPerSecond', 'p99StepMs', 'baselineCommitsPerSecond']) {
        assert.equal(typeof line[field], 'number', `${String(line['scenario'])}.${field}`);
        assert.ok((line[field] as number) >= 0);
      }
      assert.ok((line['instancesPerSecond'] as number) > 0);
    }
    const straight = lines.find((l) => l['scenario'] === 'straight-through')!;
    assert.equal(typeof straight['peer'], 'number');
    assert.equal(typeof straight['vsPeer'], 'number');
    assert.equal(straight['instances'], 20);
    assert.deepEqual(straight['sameRun'], { vsPeer: true, baselineCommitsPerSecond: true });
    // Counted from the instances' event logs: start, five tasks, gateway, end, each activated and completed, plus
    // the instance's own events; not a constant times the rate.
    assert.ok((straight['eventsPerInstance'] as number) >= 16, `eventsPerInstance ${String(straight['eventsPerInstance'])}`);
    assert.ok((straight['stepsPerSecond'] as number) > (straight['instancesPerSecond'] as number) * 7, 'eight flow nodes complete per instance');
    // The peer runs as many measured instances as govflow (and the same warm-up).
    assert.equal(lines.find((l) => l['scenario'] === 'peer-bpmn-engine')!['instances'], 20);
    assert.equal(lines.find((l) => l['scenario'] === 'external-workers')!['instances'], 20);
  });
});

// The suite runs a short `govflow bench decisions --json` to check it works; speed is measured by the bench, not
// asserted here (docs/benchmarks.md).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

describe('bench decisions', () => {
  it('prints JSON for the three scenarios with the in-run feelin baseline', () => {
    // The bench refuses to report if the compiled table and the plain-feelin baseline disagree on any of 50 inputs.
    const out = execFileSync(process.execPath, [bin, 'bench', 'decisions', '--json', '--seconds', '0.05'], { encoding: 'utf8' });
    const report = JSON.parse(out) as { results: { scenario: string; evaluations: number; evaluationsPerSecond: number; baselineEvaluationsPerSecond?: number }[] };
    assert.deepEqual(
      report.results.map((l) => l.scenario),
      ['table-F', 'table-C+', 'drg-3-level'],
    );
    for (const l of report.results) assert.ok(l.evaluations > 0 && l.evaluationsPerSecond > 0, `${l.scenario} did not run`);
    assert.ok((report.results[0]?.baselineEvaluationsPerSecond ?? 0) > 0);
  });
});

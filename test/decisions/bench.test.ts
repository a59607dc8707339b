// The suite runs a short `govflow bench decisions --json` to check it works; speed is measured by the bench, not
// asserted here (docs/benchmarks.md).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

describe('bench decisions', () => {
  it('prints JSON for the four scenarios with both feelin baselines measured in the same run, and the machine load', () => {
    // The bench refuses to report if our evaluation and either feelin baseline disagree on any of 200 inputs.
    const out = execFileSync(process.execPath, [bin, 'bench', 'decisions', '--json', '--seconds', '0.05'], { encoding: 'utf8' });
    const report = JSON.parse(out) as {
      baselines: Record<string, string>;
      machineLoad: { before: { loadAverage: number[] }; after: { loadAverage: number[] } };
      goal: { scenario: string; evaluationsPerSecond: number; measured: number; met: boolean };
      results: { scenario: string; evaluations: number; evaluationsPerSecond: number; evaluationsPerCpuSecond: number; explainedEvaluationsPerSecond: number; baselines: { name: string; evaluationsPerSecond: number; ratio: number; sameRun: boolean }[] }[];
    };
    assert.deepEqual(
      report.results.map((l) => l.scenario),
      ['table-10-F', 'table-F', 'table-C+', 'drg-3-level'],
    );
    for (const l of report.results) assert.ok(l.evaluations > 0 && l.evaluationsPerSecond > 0 && l.evaluationsPerCpuSecond > 0 && l.explainedEvaluationsPerSecond > 0, `${l.scenario} did not run`);
    // The goal line reports the 10-rule single-hit table's compiled figure against issue 24's 1,000,000/s.
    assert.equal(report.goal.scenario, 'table-10-F');
    assert.equal(report.goal.measured, report.results[0]?.evaluationsPerSecond);
    assert.equal(report.goal.met, report.goal.measured >= report.goal.evaluationsPerSecond);
    assert.deepEqual(report.results[0]?.baselines.map((b) => b.name), ['feelin-unaryTest-per-entry', 'feelin-compiled-function']);
    assert.deepEqual(report.results[3]?.baselines.map((b) => b.name), ['feelin-compiled-function']);
    for (const b of report.results.flatMap((l) => l.baselines)) {
      assert.ok(b.evaluationsPerSecond > 0 && b.ratio > 0 && b.sameRun === true, JSON.stringify(b));
      assert.match(report.baselines[b.name] ?? '', /feelin/, `${b.name} is described`);
    }
    assert.equal(report.machineLoad.before.loadAverage.length, 3);
    assert.equal(report.machineLoad.after.loadAverage.length, 3);
  });
});

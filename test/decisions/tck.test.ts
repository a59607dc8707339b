// Acceptance 1: the DMN TCK (compliance levels 2 and 3) passes at least as many test cases as docs/benchmarks.md
// records, so a change that loses TCK cases fails the suite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runTck } from '../../src/decisions/index.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';

const root = sharedPath('dmn-tck/TestCases/');
const benchmarks = new URL('../../docs/benchmarks.md', import.meta.url).pathname;

function recordedPassed(): number {
  const text = readFileSync(benchmarks, 'utf8');
  const decisions = text.slice(text.indexOf('## Decisions'));
  const m = /DMN TCK passed:\s*(\d[\d,]*)/.exec(decisions);
  assert.ok(m?.[1], 'docs/benchmarks.md has no "DMN TCK passed: N" line in its Decisions section');
  return Number(m[1].replace(/,/g, ''));
}

describe('DMN TCK', () => {
  it('passes at least the recorded number of test cases', { skip: skipWithoutSharedData('dmn-tck/TestCases/') }, () => {
    const floor = recordedPassed();
    const started = Date.now();
    const summary = runTck({ root });
    const seconds = (Date.now() - started) / 1000;
    console.log(`TCK: ${summary.passed} passed, ${summary.failed} failed, ${summary.ignored} ignored of ${summary.total} test cases (${seconds.toFixed(1)} s)`);
    assert.ok(summary.total > 3000, `only ${summary.total} test cases found: is the TCK complete?`);
    assert.equal(summary.passed + summary.failed + summary.ignored, summary.total);
    assert.ok(summary.resultNodes.total >= summary.total && summary.resultNodes.passed >= summary.passed);
    assert.ok(summary.passed >= floor, `TCK passed dropped to ${summary.passed}, below the ${floor} recorded in docs/benchmarks.md`);
    // Every row names its test file, case and result node, as the TCK results format requires.
    const first = summary.csv.split('\n')[0] ?? '';
    assert.match(first, /^"[^"]+-test-\d+\.xml","[^"]*","[^"]*","(SUCCESS|ERROR|IGNORED)",/);
  });
});

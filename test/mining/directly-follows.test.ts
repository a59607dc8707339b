// Directly-follows pairs are counted within a case, never across the boundary between two cases. The repository's
// own fixture (test/mining/fixtures), so that this holds without the ../shared data the PM4Py parity suites need.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeLog, directlyFollows, readXesFile, type DfgEdge } from '../../src/mining/index.js';

const FIXTURE = new URL('fixtures/two-cases.xes', import.meta.url).pathname;

describe('directly-follows graph', () => {
  it('a two-case log has exactly the pairs inside each case, with their waiting times', async () => {
    const log = await readXesFile(FIXTURE);
    const pairs = (edges: readonly DfgEdge[]): string[] =>
      edges.map((e) => `${e.from} → ${e.to} ×${e.count} ${e.meanSeconds}s`).sort();
    // Worked out by hand from the fixture: case 1 apply → check (10 min) → decide (30 min); case 2 receive → check
    // (20 min) → archive (100 min). In either order of the cases, no pair joins decide/archive to apply/receive.
    const expected = ['apply → check ×1 600s', 'check → archive ×1 6000s', 'check → decide ×1 1800s', 'receive → check ×1 1200s'];
    assert.deepEqual(pairs(directlyFollows(log)), expected);
    assert.deepEqual(pairs(analyzeLog(log).dfg), expected);
  });
});

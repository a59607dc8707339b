// `govflow bench mining --json` says whether PM4Py ran in the same run: without PM4PY_SRC it reports that PM4Py was
// not measured and marks its ratios as not same-run; with the PM4Py peer installed (PM4PY_SRC set) it runs it live
// and marks the ratios same-run. Shape only: speed is the bench's business (docs/benchmarks.md), not a test's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pm4pyPeer } from './pm4py-figures.js';
import { shuffledRows, toCsv } from './shuffled-log.js';

const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

interface LogReport {
  cases: number;
  events: number;
  work: { compared: string; govflow: string; pm4py: string; fullMine: string };
  govflow: { wholeProcessSeconds: number; inProcessSeconds: number; fullMine: { wholeProcessSeconds: number } };
  pm4py: { source: string; wholeProcessSeconds?: number | null };
  sameFigures?: boolean;
  ratios: { sameRun: boolean; wholeProcess: number | null; inProcess: number | null };
}

interface Report {
  pm4py: { live: boolean; reason?: string };
  machineLoad: { before: { loadAverage: number[] }; after: { loadAverage: number[] } };
  logs: LogReport[];
}

function bench(log: string, env: NodeJS.ProcessEnv): Report {
  const r = spawnSync(process.execPath, [bin, 'bench', 'mining', '--json', '--runs', '1', '--log', log], { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^machine load before: [\d. ]+ \(1\/5\/15 min\)/m);
  assert.match(r.stderr, /^machine load after: [\d. ]+ \(1\/5\/15 min\)/m);
  return JSON.parse(r.stdout) as Report;
}

describe('govflow bench mining --json', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-mining-'));
  const log = path.join(dir, 'small.csv');
  writeFileSync(log, toCsv(shuffledRows(40)));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without PM4Py: says so, and no ratio claims to be from the same run', { timeout: 300_000 }, () => {
    const env = { ...process.env };
    delete env['PM4PY_SRC'];
    const report = bench(log, env);
    assert.equal(report.pm4py.live, false);
    assert.match(report.pm4py.reason ?? '', /PM4PY_SRC/);
    assert.equal(report.machineLoad.before.loadAverage.length, 3);
    const [only] = report.logs;
    assert.ok(only);
    assert.equal(only.cases, 40);
    assert.ok(only.govflow.wholeProcessSeconds > 0 && only.govflow.inProcessSeconds > 0);
    // The ratios compare PM4Py's figures with govflow's same figures; the full `mine --json` is reported beside them.
    assert.match(only.work.govflow, /--figures pm4py/);
    assert.ok(only.govflow.fullMine.wholeProcessSeconds > 0);
    assert.equal(only.ratios.sameRun, false);
    assert.equal(only.ratios.wholeProcess, null);
    assert.match(only.pm4py.source, /not measured/);
  });

  it('with PM4Py installed: runs it live, same figures, ratios from the same run', { timeout: 600_000, skip: pm4pyPeer() ? false : 'PM4PY_SRC not set (see ../shared/peers/README.md)' }, () => {
    const report = bench(log, process.env);
    assert.equal(report.pm4py.live, true);
    const [only] = report.logs;
    assert.ok(only);
    assert.equal(only.pm4py.source, 'live, this run');
    assert.equal(only.sameFigures, true);
    assert.equal(only.ratios.sameRun, true);
    assert.ok((only.ratios.wholeProcess ?? 0) > 0 && (only.ratios.inProcess ?? 0) > 0);
  });
});

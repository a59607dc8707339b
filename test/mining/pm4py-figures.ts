// What ../shared/peers/pm4py-figures.py prints, and the one comparison every PM4Py parity test makes with it:
// counts exactly, times within 0.1 %.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MiningSummary } from '../../src/mining/index.js';

export interface Pm4pyFigures {
  cases: number;
  events: number;
  activities: number;
  variants: number;
  topVariants: { activities: string[]; count: number }[];
  startActivities: Record<string, number>;
  endActivities: Record<string, number>;
  dfg: { from: string; to: string; count: number; meanSeconds: number; medianSeconds: number }[];
  caseDuration: { meanSeconds: number; medianSeconds: number };
}

function close(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(1e-3 * Math.abs(expected), 1e-6);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs PM4Py ${expected}`);
}

export function assertMatchesPm4py(summary: MiningSummary, expected: Pm4pyFigures, label = ''): void {
  const at = (what: string): string => (label ? `${label}: ${what}` : what);
  assert.equal(summary.cases, expected.cases, at('cases'));
  assert.equal(summary.events, expected.events, at('events'));
  assert.equal(summary.activities, expected.activities, at('activities'));
  assert.equal(summary.variants, expected.variants, at('variants'));
  assert.deepEqual(summary.topVariants, expected.topVariants, at('topVariants'));
  assert.deepEqual(summary.startActivities, expected.startActivities, at('startActivities'));
  assert.deepEqual(summary.endActivities, expected.endActivities, at('endActivities'));
  assert.deepEqual(
    summary.dfg.map((e) => [e.from, e.to, e.count]),
    expected.dfg.map((e) => [e.from, e.to, e.count]),
    at('dfg edges and counts'),
  );
  expected.dfg.forEach((e, i) => {
    const mine = summary.dfg[i];
    assert.ok(mine);
    close(mine.meanSeconds, e.meanSeconds, at(`${e.from} → ${e.to} mean`));
    close(mine.medianSeconds, e.medianSeconds, at(`${e.from} → ${e.to} median`));
  });
  close(summary.caseDuration.meanSeconds, expected.caseDuration.meanSeconds, at('case duration mean'));
  close(summary.caseDuration.medianSeconds, expected.caseDuration.medianSeconds, at('case duration median'));
}

export const PM4PY_FIGURES_SCRIPT = new URL('../../../shared/peers/pm4py-figures.py', import.meta.url).pathname;

/** The PM4Py source tree named by PM4PY_SRC, when it is there with the script that drives it (see ../shared/peers). */
export function pm4pyPeer(): string | undefined {
  const src = process.env['PM4PY_SRC'];
  if (!src || !existsSync(path.join(src, 'pm4py', '__init__.py')) || !existsSync(PM4PY_FIGURES_SCRIPT)) return undefined;
  return src;
}

/** Runs PM4Py on `log` (a whole process, as a user would); throws with PM4Py's own message when it fails. */
export function runPm4pyFigures(src: string, log: string): Pm4pyFigures & { tool: string } {
  const r = spawnSync('/usr/bin/python3', [PM4PY_FIGURES_SCRIPT, log], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: src },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`PM4Py failed on ${log}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Pm4pyFigures & { tool: string };
}

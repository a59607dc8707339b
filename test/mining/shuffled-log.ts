// A log whose events are out of order within each case (timestamps kept), written as CSV, XES and OCEL JSON/XML with
// the same file order, for the "mining parity when the file is out of order" test. Deterministic (a fixed-seed
// generator), so the PM4Py figures committed in expected/ belong to exactly this log; its CSV's SHA-256 is recorded
// beside them. About a quarter of the steps take no time, so many events share a timestamp and only file order can
// break the tie: that is what makes the stable sort observable.
//
// Regenerate the expected file (needs PM4Py, see ../shared/peers/README.md; never edit it by hand):
//   PM4PY_SRC=/tmp/pm4py-src node --import tsx test/mining/shuffled-log.ts --write-expected
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pm4pyPeer, runPm4pyFigures } from './pm4py-figures.js';

export interface ShuffledRow {
  readonly caseId: string;
  readonly activity: string;
  readonly time: number;
}

export const EXPECTED_FILE = new URL('./expected/shuffled-within-cases.pm4py.json', import.meta.url).pathname;

/** mulberry32: integer arithmetic only, so every Node version draws the same numbers. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows in file order: every event of the log in one random order, so each case's events are shuffled too. */
export function shuffledRows(cases = 300): ShuffledRow[] {
  const rnd = generator(20261206);
  const rows: ShuffledRow[] = [];
  for (let c = 0; c < cases; c++) {
    const caseId = `case-${String(c + 1).padStart(3, '0')}`;
    const trace = ['register request'];
    for (;;) {
      trace.push(rnd() < 0.5 ? 'examine casually' : 'examine thoroughly', 'check ticket', 'decide');
      if (rnd() >= 0.3) break;
      trace.push('reinitiate request');
    }
    trace.push(rnd() < 0.6 ? 'pay compensation' : 'reject request');
    let t = Date.UTC(2024, 0, 1) + c * 1_800_000 + Math.floor(rnd() * 600) * 1000;
    for (const activity of trace) {
      rows.push({ caseId, activity, time: t });
      t += rnd() < 0.25 ? 0 : Math.floor(rnd() * 7200) * 1000;
    }
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as ShuffledRow, rows[i] as ShuffledRow];
  }
  return rows;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function toCsv(rows: readonly ShuffledRow[]): string {
  return 'case:concept:name,concept:name,time:timestamp\n' + rows.map((r) => `${r.caseId},${r.activity},${iso(r.time)}\n`).join('');
}

function byCase(rows: readonly ShuffledRow[]): Map<string, ShuffledRow[]> {
  const cases = new Map<string, ShuffledRow[]>();
  for (const r of rows) {
    const list = cases.get(r.caseId) ?? [];
    list.push(r);
    cases.set(r.caseId, list);
  }
  return cases;
}

/** XES with the traces in first-appearance order and each trace's events in the rows' order. */
export function toXes(rows: readonly ShuffledRow[]): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'];
  for (const [caseId, events] of byCase(rows)) {
    parts.push(`<trace><string key="concept:name" value="${esc(caseId)}"/>\n`);
    for (const e of events) {
      parts.push(`<event><string key="concept:name" value="${esc(e.activity)}"/><date key="time:timestamp" value="${iso(e.time)}"/></event>\n`);
    }
    parts.push('</trace>\n');
  }
  parts.push('</log>\n');
  return parts.join('');
}

/** OCEL 2.0 JSON: one object per case, the events in the rows' order. */
export function toOcelJson(rows: readonly ShuffledRow[]): string {
  const objects = [...byCase(rows).keys()].map((id) => ({ id, type: 'case', attributes: [], relationships: [] }));
  const events = rows.map((r, i) => ({ id: `e${i + 1}`, type: r.activity, time: iso(r.time), attributes: [], relationships: [{ objectId: r.caseId, qualifier: 'case' }] }));
  const activities = [...new Set(rows.map((r) => r.activity))].map((name) => ({ name, attributes: [] }));
  return JSON.stringify({ objectTypes: [{ name: 'case', attributes: [] }], eventTypes: activities, objects, events }, null, 1);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname && process.argv.includes('--write-expected')) {
  const src = pm4pyPeer();
  if (!src) throw new Error('PM4PY_SRC must name a PM4Py source tree (see ../shared/peers/README.md)');
  const csv = toCsv(shuffledRows());
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'shuffled-')), 'shuffled.csv');
  writeFileSync(file, csv);
  const { tool, ...figures } = runPm4pyFigures(src, file);
  const header = {
    _generatedBy: `${tool}, by ../shared/peers/pm4py-figures.py on the CSV form of test/mining/shuffled-log.ts's log (pm4py.format_dataframe: stable sort by case, timestamp, file row). Written by \`node --import tsx test/mining/shuffled-log.ts --write-expected\`, never by hand.`,
    _csvSha256: sha256(csv),
  };
  const { seconds: _seconds, ...kept } = figures as typeof figures & { seconds?: unknown };
  writeFileSync(EXPECTED_FILE, JSON.stringify({ ...header, ...kept }, null, 1) + '\n');
  console.log(`wrote ${EXPECTED_FILE}`);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTck } from '../../decisions/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const DEFAULT_ROOT = '../shared/data/dmn-tck/TestCases';

export const command: Command = {
  usage: 'govflow tck [--root <TestCases dir>] [--filter <folder text>] [--out <csv>] [--failures] [--by-folder]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { root: { type: 'string' }, out: { type: 'string' }, filter: { type: 'string' }, failures: { type: 'boolean' }, 'by-folder': { type: 'boolean' } });
    const root = path.resolve(values.root ?? process.env.GOVFLOW_TCK_ROOT ?? DEFAULT_ROOT);
    const out = path.resolve(values.out ?? 'tck/results.csv');
    const filter = values.filter;
    const summary = runTck({ root, ...(filter ? { filter } : {}) });
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, summary.csv);
    if (values.failures) {
      for (const r of summary.rows) if (r.result === 'ERROR') console.log(`${r.folder} ${r.testCase} ${r.resultNode}: ${r.detail}`);
    }
    const byFolder = new Map<string, { passed: number; total: number }>();
    for (const r of summary.rows) {
      const f = byFolder.get(r.folder) ?? { passed: 0, total: 0 };
      f.total++;
      if (r.result === 'SUCCESS') f.passed++;
      byFolder.set(r.folder, f);
    }
    if (values['by-folder']) for (const [f, s] of byFolder) if (s.passed < s.total) console.log(`${f}: ${s.passed}/${s.total}`);
    const n = summary.resultNodes;
    console.log(`results: ${path.relative(process.cwd(), out)} (result nodes: ${n.passed} passed, ${n.failed} failed, ${n.ignored} ignored of ${n.total})`);
    console.log(`TCK: ${summary.passed} passed, ${summary.failed} failed, ${summary.ignored} ignored of ${summary.total}`);
    return 0;
  },
};

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTck } from '../../decisions/index.js';
import type { Command } from '../index.js';

const DEFAULT_ROOT = '../shared/data/dmn-tck/TestCases';

export const command: Command = {
  summary: 'run the DMN TCK (compliance levels 2 and 3); writes tck/results.csv, counts test cases',
  usage: 'govflow tck [--root <TestCases dir>] [--filter <folder text>] [--out <csv>] [--failures]',
  async run(argv) {
    const opt = (name: string): string | undefined => {
      const i = argv.indexOf(name);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const root = path.resolve(opt('--root') ?? process.env.GOVFLOW_TCK_ROOT ?? DEFAULT_ROOT);
    const out = path.resolve(opt('--out') ?? 'tck/results.csv');
    const filter = opt('--filter');
    const summary = runTck({ root, ...(filter ? { filter } : {}) });
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, summary.csv);
    if (argv.includes('--failures')) {
      for (const r of summary.rows) if (r.result === 'ERROR') console.log(`${r.folder} ${r.testCase} ${r.resultNode}: ${r.detail}`);
    }
    const byFolder = new Map<string, { passed: number; total: number }>();
    for (const r of summary.rows) {
      const f = byFolder.get(r.folder) ?? { passed: 0, total: 0 };
      f.total++;
      if (r.result === 'SUCCESS') f.passed++;
      byFolder.set(r.folder, f);
    }
    if (argv.includes('--by-folder')) for (const [f, s] of byFolder) if (s.passed < s.total) console.log(`${f}: ${s.passed}/${s.total}`);
    const n = summary.resultNodes;
    console.log(`results: ${path.relative(process.cwd(), out)} (result nodes: ${n.passed} passed, ${n.failed} failed, ${n.ignored} ignored of ${n.total})`);
    console.log(`TCK: ${summary.passed} passed, ${summary.failed} failed, ${summary.ignored} ignored of ${summary.total}`);
    return 0;
  },
};

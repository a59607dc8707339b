import type { Command } from '../index.js';

// Each subject lives in its own file so the modules that own them can evolve independently.
const SUBJECTS: Record<string, () => Promise<{ runBench(argv: string[]): Promise<number> }>> = {
  engine: () => import('./bench-engine.js'),
  decisions: () => import('./bench-decisions.js'),
  mining: () => import('./bench-mining.js'),
  ledger: () => import('./bench-ledger.js'),
  web: () => import('./bench-web.js'),
};

export const command: Command = {
  summary: `measure throughput and latency (${Object.keys(SUBJECTS).join(', ')}); prints JSON`,
  usage: `govflow bench <${Object.keys(SUBJECTS).join('|')}> [--json]`,
  async run(argv) {
    const [subject, ...rest] = argv;
    const load = subject ? SUBJECTS[subject] : undefined;
    if (!load) {
      console.error(`govflow bench: choose one of ${Object.keys(SUBJECTS).join(', ')}`);
      return 2;
    }
    const { runBench } = await load();
    return runBench(rest);
  },
};

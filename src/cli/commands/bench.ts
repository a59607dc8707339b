import { GovflowError } from '../../kernel/index.js';
import type { Command } from '../command.js';

// Each subject lives in its own file so the modules that own them can evolve independently; each parses the rest
// of the command line with parseCommandArgs.
const SUBJECTS: Record<string, () => Promise<{ USAGE?: string; runBench(argv: string[]): Promise<number> }>> = {
  engine: () => import('./bench-engine.js'),
  decisions: () => import('./bench-decisions.js'),
  mining: () => import('./bench-mining.js'),
  ledger: () => import('./bench-ledger.js'),
  web: () => import('./bench-web.js'),
  transparency: () => import('./bench-transparency.js'),
  triage: () => import('./bench-triage.js'),
  engagement: () => import('./bench-engagement.js'),
  assistant: () => import('./bench-assistant.js'),
  exchange: () => import('./bench-exchange.js'),
  sensors: () => import('./bench-sensors.js'),
};

function subjectOf(subject: string | undefined): () => Promise<{ USAGE?: string; runBench(argv: string[]): Promise<number> }> {
  const load = subject !== undefined && Object.hasOwn(SUBJECTS, subject) ? SUBJECTS[subject] : undefined;
  if (!load) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${subject === undefined ? 'name what to measure' : `unknown subject '${subject}'`}: one of ${Object.keys(SUBJECTS).join(', ')}`);
  return load;
}

export const command: Command = {
  usage: `govflow bench <${Object.keys(SUBJECTS).join('|')}> [--json] (govflow bench <subject> --help for its options)`,
  async help(argv) {
    const subject = argv[0];
    return subject === undefined || subject.startsWith('-') ? `Usage: ${this.usage}` : `Usage: ${(await subjectOf(subject)()).USAGE ?? this.usage}`;
  },
  async run(argv) {
    const [subject, ...rest] = argv;
    const { runBench } = await subjectOf(subject)();
    return runBench(rest);
  },
};

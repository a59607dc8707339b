/**
 * `govflow bench triage [--json]`: the triage classifier's held-out top-1 accuracy and confusion matrix, on the
 * hand-written labelled reports (examples/triage-reports.tsv): first as it stands (the catalogue plus the corrections
 * already stored), then after staff "correct" it with `--teach N` reports of the training part, through the same
 * path as the workbench's one-click correction. With `--data-dir`, corrections persist, so a rerun starts from where
 * the last one ended; without it, a throwaway database starts from the catalogue alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTriage, DEFAULT_CATEGORIES, DEFAULT_TRIAGE_CORPUS, loadTriageCorpus, scoreTriage, type TriageScore } from '../../engagement/index.js';
import { openDatabase } from '../../store/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { withMachineLoad } from './bench-load.js';

export const USAGE = `govflow bench triage [--json] [--teach N] [--data-dir DIR] [--corpus FILE]
  --teach: how many reports of the training part staff correct between the two measurements (default: all)
  --data-dir: a PGlite directory kept between runs (default: a throwaway one, the catalogue alone)
  --corpus: the labelled reports (default examples/triage-reports.tsv)`;

/** Issue 18, acceptance 5. */
export const TRIAGE_GOAL = { accuracy: 0.85 } as const;

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, teach: { type: 'string' }, 'data-dir': { type: 'string' }, corpus: { type: 'string' } });
  const codes = DEFAULT_CATEGORIES.map((c) => c.code);
  const corpus = loadTriageCorpus(values.corpus ?? DEFAULT_TRIAGE_CORPUS, codes);
  const teach = numberFlag('--teach', values.teach, corpus.training.length, { min: 0, max: corpus.training.length, integer: true });
  const throwaway = values['data-dir'] ? null : mkdtempSync(path.join(os.tmpdir(), 'govflow-bench-triage-'));
  const db = await openDatabase({ dataDir: values['data-dir'] ?? throwaway! });
  try {
    const { result, load } = await withMachineLoad(async () => {
      const triage = createTriage({ db, categories: DEFAULT_CATEGORIES });
      const top = async (text: string): Promise<string> => (await triage.guess(text))[0]!.category;
      const before = { corrections: await triage.corrections(), ...await scoreTriage(top, corpus.heldOut, codes) };
      const started = performance.now();
      for (const r of corpus.training.slice(0, teach)) {
        await triage.correct({ text: r.text, category: r.category, guessed: await top(r.text), subject: null, staffId: 'bench' });
      }
      const teachMs = performance.now() - started;
      const after = { corrections: await triage.corrections(), ...await scoreTriage(top, corpus.heldOut, codes) };
      return { before, after, taught: teach, teachMsPerCorrection: teach === 0 ? 0 : Math.round((teachMs / teach) * 100) / 100 };
    });
    const report = { corpus: { training: corpus.training.length, heldOut: corpus.heldOut.length, categories: codes }, ...result, goal: TRIAGE_GOAL, goalMet: result.after.accuracy >= TRIAGE_GOAL.accuracy, load };
    if (values.json) console.log(JSON.stringify(report));
    else printReport(report.before, report.after, result.taught);
    return 0;
  } finally {
    await db.close();
    if (throwaway) rmSync(throwaway, { recursive: true, force: true });
  }
}

function printReport(before: TriageScore & { corrections: number }, after: TriageScore & { corrections: number }, taught: number): void {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  console.log(`held-out top-1 accuracy: ${pct(before.accuracy)} with ${before.corrections} corrections; ${pct(after.accuracy)} after ${taught} more (goal ${pct(TRIAGE_GOAL.accuracy)})`);
  const codes = Object.keys(after.confusion);
  console.log(['actual \\ guessed', ...codes].join('\t'));
  for (const a of codes) console.log([a, ...codes.map((g) => String(after.confusion[a]![g]))].join('\t'));
}

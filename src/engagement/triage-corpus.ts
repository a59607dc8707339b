/**
 * The labelled reports the triage classifier is measured on (examples/triage-reports.tsv, written by hand): one
 * report a line, its category code, a tab, its text. Every fourth report of each category is held out; the others
 * are the training part, which `govflow bench triage` feeds in as staff corrections.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GovflowError } from '../kernel/index.js';

export const DEFAULT_TRIAGE_CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'triage-reports.tsv');

export interface LabelledReport {
  readonly category: string;
  readonly text: string;
}

export interface TriageCorpus {
  readonly training: readonly LabelledReport[];
  readonly heldOut: readonly LabelledReport[];
}

/** Parses the corpus; a line that is not `category<TAB>text`, or names an unknown category, is an error naming the line. */
export function parseTriageCorpus(source: string, categories: readonly string[]): TriageCorpus {
  const training: LabelledReport[] = [];
  const heldOut: LabelledReport[] = [];
  const seen = new Map<string, number>();
  source.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [category = '', text = '', ...rest] = line.split('\t');
    if (rest.length > 0 || text.trim() === '') throw new GovflowError('GOVFLOW_ERR_VALIDATION', `triage corpus line ${index + 1}: expected a category, a tab and the text`);
    if (!categories.includes(category)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `triage corpus line ${index + 1}: unknown category '${category}'`);
    const n = seen.get(category) ?? 0;
    seen.set(category, n + 1);
    (n % 4 === 3 ? heldOut : training).push({ category, text: text.trim() });
  });
  return { training, heldOut };
}

export function loadTriageCorpus(file: string, categories: readonly string[]): TriageCorpus {
  return parseTriageCorpus(readFileSync(file, 'utf8'), categories);
}

export interface TriageScore {
  readonly total: number;
  readonly correct: number;
  /** Top-1 accuracy on the held-out reports, 0 to 1. */
  readonly accuracy: number;
  /** actual category → guessed category → how many held-out reports. */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Scores `guess` (the classifier's top category of a text) on the labelled reports. */
export async function scoreTriage(guess: (text: string) => Promise<string>, reports: readonly LabelledReport[], categories: readonly string[]): Promise<TriageScore> {
  const confusion: Record<string, Record<string, number>> = Object.fromEntries(categories.map((a) => [a, Object.fromEntries(categories.map((g) => [g, 0]))]));
  let correct = 0;
  for (const r of reports) {
    const guessed = await guess(r.text);
    const row = confusion[r.category]!;
    row[guessed] = (row[guessed] ?? 0) + 1;
    if (guessed === r.category) correct++;
  }
  return { total: reports.length, correct, accuracy: reports.length === 0 ? 0 : correct / reports.length, confusion };
}

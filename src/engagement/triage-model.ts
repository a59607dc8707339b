/**
 * The triage classifier's mathematics: a multinomial naive Bayes over features that wink-nlp (tokeniser, stop words,
 * Porter stemmer, from its English model package: nothing is fetched at run time) draws from a report's text.
 * Naive Bayes because it learns one example at a time by adding counts: a staff correction changes the next guess at
 * once, and the whole model is rebuilt from the catalogue and the stored corrections in milliseconds at start-up.
 */
import { createRequire } from 'node:module';
import type winkNLP from 'wink-nlp';
import type model from 'wink-eng-lite-web-model';

type Nlp = ReturnType<typeof winkNLP>;
let nlp: Nlp | null = null;
// Loading the model takes a few hundred milliseconds: only when a text is first classified, never at import.
// The packages themselves too (some 80 modules and the model's data): required here, not at import.
const load = createRequire(import.meta.url);
const loadNlp = (): Nlp => (nlp ??= (load('wink-nlp') as typeof winkNLP)(load('wink-eng-lite-web-model') as typeof model, []));

/** Words so common in reports that they say nothing about the kind of problem. */
const REPORT_STOP_WORDS = new Set(['please', 'hi', 'hello', 'report', 'problem', 'outsid', 'near', 'road', 'street', 'day', 'week', 'night', 'month']);

/**
 * A text's features with their weights: the stems of its content words, each pair of neighbouring stems (so "street
 * light" weighs more than "street" and "light" apart), and the character trigrams of each word at a lower weight,
 * so a misspelt "streetlite" or "grafitti" still shares most of its evidence with the word it meant.
 */
export function featuresOf(text: string): Map<string, number> {
  const { its } = loadNlp();
  const doc = loadNlp().readDoc(text.toLowerCase().slice(0, 4000));
  const tokens = doc.tokens();
  const types = tokens.out(its.type);
  const stopWords = tokens.out(its.stopWordFlag);
  const normals = tokens.out(its.normal);
  // wink-nlp's typings declare `its.stem` with the model's add-ons as a third parameter, which `out` does not accept
  // in its types; at run time `out` passes them (the model carries the stemmer), so only the type is adjusted.
  const allStems = tokens.out(its.stem as unknown as typeof its.normal);
  const stems: string[] = [];
  const words: string[] = [];
  types.forEach((type, i) => {
    const stem = allStems[i] ?? '';
    if (type !== 'word' || stopWords[i] || REPORT_STOP_WORDS.has(stem) || stem.length < 2) return;
    stems.push(stem);
    words.push(normals[i] ?? stem);
  });
  const features = new Map<string, number>();
  const add = (feature: string, weight: number): void => {
    features.set(feature, (features.get(feature) ?? 0) + weight);
  };
  stems.forEach((stem, i) => {
    add(`w:${stem}`, 1);
    if (i > 0) add(`b:${stems[i - 1]!}_${stem}`, 1);
  });
  for (const word of words) {
    const padded = `<${word}>`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.25);
  }
  return features;
}

export interface Guess {
  readonly label: string;
  /** The posterior probability the model gives this label (the labels' probabilities sum to 1). */
  readonly probability: number;
}

/** A multinomial naive Bayes with Laplace smoothing and uniform priors (every category is as likely a priori). */
export class NaiveBayes {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly totals = new Map<string, number>();
  private readonly vocabulary = new Set<string>();
  private examples = 0;

  constructor(labels: readonly string[], private readonly alpha = 0.2) {
    for (const label of labels) this.addLabel(label);
  }

  get size(): number {
    return this.examples;
  }

  learn(features: ReadonlyMap<string, number>, label: string, weight = 1): void {
    this.addLabel(label);
    const counts = this.counts.get(label)!;
    let total = this.totals.get(label)!;
    for (const [feature, value] of features) {
      counts.set(feature, (counts.get(feature) ?? 0) + value * weight);
      total += value * weight;
      this.vocabulary.add(feature);
    }
    this.totals.set(label, total);
    this.examples++;
  }

  /** Every label, most probable first. Features never seen in training are ignored (they favour no label). */
  rank(features: ReadonlyMap<string, number>): Guess[] {
    const v = this.vocabulary.size + 1;
    const scores = [...this.counts].map(([label, counts]) => {
      const denominator = Math.log((this.totals.get(label) ?? 0) + this.alpha * v);
      let score = 0;
      for (const [feature, value] of features) {
        if (!this.vocabulary.has(feature)) continue;
        score += value * (Math.log((counts.get(feature) ?? 0) + this.alpha) - denominator);
      }
      return { label, score };
    });
    const best = Math.max(...scores.map((s) => s.score));
    const sum = scores.reduce((acc, s) => acc + Math.exp(s.score - best), 0);
    return scores.map((s) => ({ label: s.label, probability: Math.exp(s.score - best) / sum }))
      .sort((a, b) => b.probability - a.probability || a.label.localeCompare(b.label));
  }

  private addLabel(label: string): void {
    if (this.counts.has(label)) return;
    this.counts.set(label, new Map());
    this.totals.set(label, 0);
  }
}

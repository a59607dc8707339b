/**
 * Triage that learns (issue 18): guesses the category, and so the department, of a free-text report or complaint.
 * Trained on the catalogue (each category's name, description and keywords) and on every staff correction, which
 * is stored (engagement_triage_correction) before it is learnt: a restart, or another server process, rebuilds the
 * same model, and a correction made in one process is read by the others at their next guess.
 */
import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import type { ProblemCategory } from './categories.js';
import { featuresOf, NaiveBayes } from './triage-model.js';

/** How much one catalogue entry weighs against one staff correction: the catalogue is short and written with care. */
const CATALOGUE_WEIGHT = 2;

export interface TriageGuess {
  readonly category: string;
  readonly name: string;
  readonly department: string;
  readonly probability: number;
}

export interface Correction {
  readonly text: string;
  readonly category: string;
  /** What the classifier had guessed, kept so its mistakes can be counted. */
  readonly guessed: string | null;
  /** What was corrected: 'report:12', or null for a text taught directly. */
  readonly subject: string | null;
  readonly staffId: string;
}

export interface Triage {
  /** Every category, most probable first. */
  guess(text: string): Promise<TriageGuess[]>;
  /** Stores the correction and learns from it: the next guess for a like text takes it into account. */
  correct(correction: Correction, tx?: Queryable): Promise<void>;
  /** How many corrections the model has learnt. */
  corrections(): Promise<number>;
}

/** The classifier in memory, trained on the catalogue: what `createTriage` keeps, and what a test can drive without a database. */
export interface TriageModel {
  learn(text: string, category: string): void;
  guess(text: string): TriageGuess[];
}

export function createTriageModel(categories: readonly ProblemCategory[]): TriageModel {
  const model = new NaiveBayes(categories.map((c) => c.code));
  for (const c of categories) model.learn(featuresOf(`${c.name}. ${c.description} ${c.keywords.join(' ')}`), c.code, CATALOGUE_WEIGHT);
  return {
    learn(text, category) {
      if (!categories.some((c) => c.code === category)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `unknown category '${category}'`);
      model.learn(featuresOf(text), category);
    },
    guess(text) {
      return model.rank(featuresOf(text)).map((g) => {
        const c = categories.find((x) => x.code === g.label)!;
        return { category: c.code, name: c.name, department: c.department, probability: g.probability };
      });
    },
  };
}

export function createTriage(options: { db: Queryable; categories: readonly ProblemCategory[] }): Triage {
  const { db, categories } = options;
  // Trained when first asked, not at start-up: the language model behind featuresOf is some 10 MB of heap that every
  // server process would otherwise carry (and its garbage collector mark) without ever classifying a report.
  let trained: TriageModel | null = null;
  const model = (): TriageModel => (trained ??= createTriageModel(categories));
  let learntUpTo = 0;
  let learnt = 0;
  let catchingUp: Promise<void> | null = null;

  // Corrections are learnt in id order, once each: from the table, so every process converges on the same model.
  const catchUp = (): Promise<void> => (catchingUp ??= (async () => {
    try {
      const { rows } = await db.query<{ id: number; text: string; category: string }>(
        'select id::float8 as id, text, category from engagement_triage_correction where id > $1 order by id', [learntUpTo]);
      for (const r of rows) {
        // A category since removed from the catalogue teaches nothing.
        if (categories.some((c) => c.code === r.category)) {
          model().learn(r.text, r.category);
          learnt++;
        }
        learntUpTo = Number(r.id);
      }
    } finally {
      catchingUp = null;
    }
  })());

  return {
    async guess(text) {
      await catchUp();
      return model().guess(text);
    },
    async correct(correction, tx = db) {
      if (!categories.some((c) => c.code === correction.category)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `unknown category '${correction.category}'`);
      if (correction.text.trim() === '' || correction.text.length > 4000) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'the corrected text must have 1 to 4,000 characters');
      await tx.query('insert into engagement_triage_correction (text, category, guessed, subject, staff_id) values ($1, $2, $3, $4, $5)',
        [correction.text, correction.category, correction.guessed, correction.subject, correction.staffId]);
      if (tx === db) await catchUp();
    },
    async corrections() {
      await catchUp();
      return learnt;
    },
  };
}

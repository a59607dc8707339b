/**
 * Computed answers: the inputs of a published decision read from a question ("a 240 m² extension", "I live alone,
 * earn 1,000 and pay 400 rent") and the decision evaluated through the decisions module, on the DMN the engine has
 * deployed. Only inputs the question states are used; what is missing is asked for, never guessed — except the
 * inputs a decision itself treats as optional (a building's features), which are said as assumed.
 */
import { createHash } from 'node:crypto';
import { evaluateDecision, parseDmn, type DmnModel } from '../decisions/index.js';

/** One decision input the assistant can read from text, keyed by the DMN input's name. */
interface InputReader {
  /** How the answer names it, and how a clarifying question asks for it. */
  readonly label: string;
  readonly ask: string;
  read(text: string): unknown;
  /** Said as an assumption when the question does not state it (the decision treats it as optional). */
  readonly assumed?: { readonly value: unknown; readonly words: string };
  show(value: unknown): string;
}

const NUMBER = String.raw`(\d{1,3}(?:[,\s]\d{3})+|\d+(?:[.,]\d+)?)`;

/** "1,000" and "1 000" are a thousand; "12.5" and "12,5" twelve and a half. */
export function parseAmount(text: string): number {
  const t = text.trim();
  if (/^\d{1,3}(?:[,\s]\d{3})+$/.test(t)) return Number(t.replace(/[,\s]/g, ''));
  return Number(t.replace(',', '.'));
}

const firstAmount = (text: string, patterns: readonly RegExp[]): number | undefined => {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) {
      const n = parseAmount(m.slice(1).find((g) => g !== undefined) ?? '');
      if (Number.isFinite(n)) return n;
    }
  }
  return undefined;
};

const MONEY = String.raw`(?:€|eur|euros?)?\s*`;
const PER_MONTH = String.raw`(?:\s*(?:€|eur|euros?))?(?:\s*(?:a|per|each|every)\s+month|\s*monthly|\s*\/\s*month)?`;
const WORDS: Readonly<Record<string, number>> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const count = (w: string): number => WORDS[w.toLowerCase()] ?? Number(w);

export const INPUT_READERS: Readonly<Record<string, InputReader>> = {
  floorArea: {
    label: 'floor area', ask: 'the floor area of the building in square metres',
    read: (text) => firstAmount(text, [new RegExp(`${NUMBER}\\s*(?:m2|m²|sq\\.?\\s*m|sqm|square\\s*met(?:re|er)s?|met(?:re|er)s?\\s*squared)(?![a-z])`, 'i')]),
    show: (v) => `${String(v)} m²`,
  },
  features: {
    label: 'rooms open to the public', ask: 'whether the building has rooms open to the public',
    read: (text) => {
      if (/\bnot\s+open\s+to\s+the\s+public|\bno\s+public\s+access|\bprivate\s+(?:house|home|use)/i.test(text)) return [];
      return /\bopen\s+to\s+(?:the\s+)?public|\bpublic\s+access|\b(?:shop|store|cafe|café|restaurant|bar|pub|office open|hotel|salon|gym|surgery|clinic|showroom|commercial)\b/i.test(text) ? ['public-access'] : undefined;
    },
    assumed: { value: [], words: 'assuming no rooms are open to the public' },
    show: (v) => (Array.isArray(v) && v.includes('public-access') ? 'yes' : 'no'),
  },
  monthlyIncome: {
    label: 'household income a month after tax', ask: 'your household’s monthly income after tax',
    read: (text) => firstAmount(text, [
      new RegExp(`\\b(?:earn(?:s|ing)?|income(?:\\s+is|\\s+of)?|salary(?:\\s+is|\\s+of)?|make|makes|wage(?:s)?(?:\\s+are|\\s+of)?|take home|paid)\\s*(?:about|around|only|just)?\\s*${MONEY}${NUMBER}`, 'i'),
      new RegExp(`${NUMBER}${PER_MONTH}\\s*(?:of\\s+)?(?:household\\s+)?(?:income|salary|wages?)`, 'i'),
    ]),
    show: (v) => `${String(v)} euros`,
  },
  monthlyRent: {
    label: 'rent a month', ask: 'your monthly rent',
    read: (text) => firstAmount(text, [
      new RegExp(`\\brent(?:\\s+is|\\s+of|\\s+costs?)?\\s*(?:about|around)?\\s*${MONEY}${NUMBER}`, 'i'),
      new RegExp(`${NUMBER}${PER_MONTH}\\s*(?:in|for|of|as)?\\s*(?:the\\s+)?rent`, 'i'),
    ]),
    show: (v) => `${String(v)} euros`,
  },
  householdSize: {
    label: 'people in the household', ask: 'how many people live in your household (you included)',
    read: (text) => {
      if (/\b(?:live|living)\s+(?:on\s+my\s+own|alone|by\s+myself)|\bsingle\s+person|\bjust\s+me\b|\bon\s+my\s+own\b/i.test(text)) return 1;
      const n = /\b(?:household|family)\s+of\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b|\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:people|persons|of us)\b/i.exec(text);
      if (n) return count((n[1] ?? n[2])!);
      if (/\b(?:my|our)\s+(?:wife|husband|partner)\b|\bwe are a couple\b/i.test(text)) {
        const kids = /\b(\d+|one|two|three|four|five|six)\s+(?:children|kids|child)\b/i.exec(text);
        return 2 + (kids ? count(kids[1]!) : /\b(?:a|one)\s+(?:child|kid|baby|son|daughter)\b/i.test(text) ? 1 : 0);
      }
      return undefined;
    },
    show: (v) => String(v),
  },
};

export interface DecisionRef {
  readonly serviceId: string;
  readonly decisionId: string;
  readonly xml: string;
}

export type Computation =
  | { readonly kind: 'none' }
  | { readonly kind: 'missing'; readonly understood: Readonly<Record<string, unknown>>; readonly missing: readonly string[] }
  | { readonly kind: 'result'; readonly decisionId: string; readonly value: unknown; readonly inputs: Readonly<Record<string, unknown>>; readonly assumed: readonly string[] };

/** What is kept of one DMN text: its input names at once, its model once a question needs it evaluated. */
interface Known { readonly names: readonly string[]; model?: DmnModel }

/** By content digest: deployed resources never change, so a text compiles once whatever string holds it. */
const byDigest = new Map<string, DmnModel>();
/**
 * By the text itself: the assistant hands in the same few strings (the catalogue's files, the cached deployed
 * versions) reply after reply, and a Map looks a string up by its hash, which V8 keeps on the string once computed,
 * where digesting the whole DMN and scanning it for its inputs cost a pass over its text per reply.
 */
const byText = new Map<string, Known>();

function knownOf(xml: string): Known {
  let known = byText.get(xml);
  if (!known) {
    known = { names: [...xml.matchAll(/<(?:\w+:)?inputData\b[^>]*\bname="([^"]+)"/g)].map((m) => m[1]!) };
    if (byText.size > 50) byText.clear();
    byText.set(xml, known);
  }
  return known;
}

/** The model of this DMN text, compiled once per content (deployed resources never change). */
export function modelOf(xml: string): DmnModel {
  const known = knownOf(xml);
  if (!known.model) {
    const key = createHash('sha256').update(xml).digest('hex');
    let model = byDigest.get(key);
    if (!model) {
      model = parseDmn(xml, 'assistant.dmn');
      if (byDigest.size > 50) byDigest.clear();
      byDigest.set(key, model);
    }
    known.model = model;
  }
  return known.model;
}

/** The names of the decision's input data (what a question must state). */
export function inputNames(xml: string): string[] {
  return [...knownOf(xml).names];
}

/**
 * Reads the decision's inputs from `text` (and those understood earlier in the conversation). `none` when the text
 * states none of them or the decision has an input the assistant cannot read; `missing` names what to ask for.
 */
export function compute(ref: DecisionRef, text: string, earlier: Readonly<Record<string, unknown>> = {}): Computation {
  const { names } = knownOf(ref.xml);
  if (names.length === 0 || names.some((n) => !INPUT_READERS[n])) return { kind: 'none' };
  const stated: Record<string, unknown> = {};
  for (const n of names) {
    const v = INPUT_READERS[n]!.read(text);
    if (v !== undefined) stated[n] = v;
  }
  if (Object.keys(stated).length === 0) return { kind: 'none' };
  const understood: Record<string, unknown> = { ...Object.fromEntries(Object.entries(earlier).filter(([k]) => names.includes(k))), ...stated };
  const missing = names.filter((n) => understood[n] === undefined && !INPUT_READERS[n]!.assumed);
  if (missing.length > 0) return { kind: 'missing', understood, missing };
  const assumed = names.filter((n) => understood[n] === undefined);
  const inputs = { ...understood, ...Object.fromEntries(assumed.map((n) => [n, INPUT_READERS[n]!.assumed!.value])) };
  const result = evaluateDecision(modelOf(ref.xml), ref.decisionId, inputs);
  return { kind: 'result', decisionId: ref.decisionId, value: result.value, inputs, assumed };
}

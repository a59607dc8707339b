/**
 * The assistant's knowledge: passages cut from the published catalogue (what a service is, who can apply, the
 * documents, the fee, the expected time, the department, how to apply), indexed with MiniSearch over stemmed terms
 * with typo tolerance. The index is rebuilt whenever the catalogue hands out a new services list (an admin's
 * published edit replaces it), so an answer never quotes text that is no longer published.
 */
import MiniSearch, { type SearchResult } from 'minisearch';
import { stemmer } from 'stemmer';

/** What the assistant reads of a catalogue service (the catalogue's `Service` fits it structurally). */
export type CatalogueEntry = Readonly<Record<'id' | 'title' | 'summary' | 'fee' | 'expectedTime' | 'department', string>>
  & Readonly<Record<'description' | 'whoCanApply' | 'documentsNeeded', readonly string[]>>
  & { readonly decisions: readonly { readonly xml: string; readonly decisionIds: readonly string[] }[] };

export type Facet = 'about' | 'who' | 'documents' | 'fee' | 'time' | 'department' | 'apply';

export interface Passage {
  readonly id: string;
  readonly serviceId: string;
  readonly facet: Facet;
  readonly text: string;
}

/**
 * Words that say which part of a service a question is about. They are indexed beside each passage (and weigh more
 * than its text), so "how long", "what does it cost" or "do I have to upload" find the right passage.
 */
const CUES: Readonly<Record<Facet, string>> = {
  about: 'what is about service use purpose explain tell information',
  who: 'who can eligible eligibility qualify entitled allowed behalf someone else claim architect agent owner tenant',
  documents: 'document documents need upload bring papers proof evidence attach required requirements provide send',
  fee: 'fee fees cost costs price how much pay payment charge charged free money euros tariff',
  time: 'how long take takes time wait waiting days weeks quick quickly soon when decision decided processing',
  department: 'department handles handle deals responsible office team unit authority who handles',
  apply: 'apply application online start form where how do i get request submit internet website',
};

/** Words too common to tell services or passages apart; question words that pick a facet ("who", "long") stay. */
const STOP = new Set('a an the and or of to in on at for by with from is are was be been am do does did i me my we our you your it its this that these those there here can could would should will shall may might have has had get got please some any about into than then so if not no yes what which'.split(' '));

/** Lower-case, stemmed terms; the stop words are dropped. British and American spellings meet ("licence", "license"). */
export function terms(text: string): string[] {
  return text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/[a-z0-9]+/g)?.filter((t) => !STOP.has(t)).map(termOf) ?? [];
}

function termOf(word: string): string {
  const spelled = word === 'license' || word === 'licenses' ? 'licence' : word === 'authorize' || word === 'authorized' ? 'authorise' : word;
  return stemmer(spelled);
}

/** Service words that name nothing in particular: "Apply for a building permit" is found by "building permit". */
const GENERIC = new Set(['apply', 'claim', 'make', 'get', 'report', 'answer'].map(termOf));

const list = (items: readonly string[]): string => items.length === 1 ? items[0]! : `${items.slice(0, -1).join('; ')}; and ${items[items.length - 1]!}`;
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

/** The passages of one service, each a complete sentence a citizen can read on its own. */
export function passagesOf(service: CatalogueEntry): Passage[] {
  const p = (facet: Facet, text: string): Passage => ({ id: `${service.id}#${facet}`, serviceId: service.id, facet, text });
  return [
    p('about', `${service.title}: ${sentence(service.summary)} ${service.description.join(' ')}`),
    p('who', `Who can use “${service.title}”: ${sentence(list(service.whoCanApply))}`),
    p('documents', `What you need for “${service.title}”: ${sentence(list(service.documentsNeeded))}`),
    p('fee', `The fee for “${service.title}”: ${sentence(service.fee)}`),
    p('time', `How long “${service.title}” takes: ${sentence(service.expectedTime)}`),
    p('department', `${service.department} handles “${service.title}”.`),
    p('apply', `Yes, you can apply online: start “${service.title}” at /services/${service.id}. ${sentence(service.summary)}`),
  ];
}

interface ServiceDoc { id: string; name: string }
interface PassageDoc { id: string; serviceId: string; facet: Facet; cues: string; text: string }

export interface Retrieval {
  /** The service the question is about, when a word of the question names one (typos allowed). */
  readonly service: CatalogueEntry | null;
  /** The best passages of that service, best first (at most two), when the question asks something of it. */
  readonly passages: readonly Passage[];
}

/** A searchable snapshot of the catalogue; build a new one when the catalogue changes. */
export class KnowledgeIndex {
  private readonly services = new Map<string, CatalogueEntry>();
  private readonly passages = new Map<string, Passage>();
  private readonly serviceIndex: MiniSearch<ServiceDoc>;
  private readonly passageIndex: MiniSearch<PassageDoc>;

  constructor(entries: readonly CatalogueEntry[]) {
    const options = { processTerm: (t: string) => terms(t)[0] ?? null, tokenize: (t: string) => t.split(/[^\p{L}\p{N}]+/u) };
    // Services are found by their name words alone, so only those are indexed: the typo-tolerant search walks every
    // indexed term, and the passages' words would multiply its work without ever changing a result.
    this.serviceIndex = new MiniSearch<ServiceDoc>({ fields: ['name'], storeFields: [], ...options });
    this.passageIndex = new MiniSearch<PassageDoc>({ fields: ['cues', 'text'], storeFields: ['serviceId', 'facet'], ...options });
    for (const s of entries) {
      this.services.set(s.id, s);
      const passages = passagesOf(s);
      for (const passage of passages) this.passages.set(passage.id, passage);
      const name = [...new Set([...s.id.split('-'), ...s.title.split(/\s+/)].filter((w) => terms(w).some((t) => !GENERIC.has(t))))].join(' ');
      this.serviceIndex.add({ id: s.id, name });
      this.passageIndex.addAll(passages.map((x) => ({ id: x.id, serviceId: s.id, facet: x.facet, cues: CUES[x.facet], text: x.text })));
    }
  }

  get size(): number {
    return this.services.size;
  }

  entries(): CatalogueEntry[] {
    return [...this.services.values()];
  }

  service(id: string): CatalogueEntry | undefined {
    return this.services.get(id);
  }

  passage(serviceId: string, facet: Facet): Passage | undefined {
    return this.passages.get(`${serviceId}#${facet}`);
  }

  /**
   * Finds the service a question names (a match in a service's name words, typos of longer words allowed) and its
   * passages that answer it. `fallback`: the service the conversation was about, for "and how long does it take?".
   */
  retrieve(question: string, fallback?: string): Retrieval {
    const fuzzy = (term: string): number | boolean => (term.length >= 5 ? 2 : term.length === 4 ? 1 : false);
    const named = this.serviceIndex.search(question, { fields: ['name'], fuzzy, prefix: (t) => t.length >= 4, combineWith: 'OR' });
    const serviceId = named[0]?.id as string | undefined ?? (fallback && this.services.has(fallback) ? fallback : undefined);
    if (serviceId === undefined) return { service: null, passages: [] };
    const hits: SearchResult[] = this.passageIndex.search(question, { fuzzy, boost: { cues: 2 }, filter: (r) => r['serviceId'] === serviceId, combineWith: 'OR' });
    const best = hits.filter((h) => h.score >= (hits[0]?.score ?? 0) * 0.85).slice(0, 2).map((h) => this.passages.get(h.id as string)!);
    return { service: this.services.get(serviceId)!, passages: best };
  }

  /** Which facet the question asks about, judged by its cue words alone (no service named). */
  facetOf(question: string): Facet | null {
    const asked = new Set(terms(question));
    let best: { facet: Facet; n: number } | null = null;
    for (const facet of Object.keys(CUES) as Facet[]) {
      const n = terms(CUES[facet]).filter((c) => asked.has(c)).length;
      if (n > 0 && (!best || n > best.n)) best = { facet, n };
    }
    return best?.facet ?? null;
  }
}

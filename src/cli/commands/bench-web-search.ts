/**
 * The `case-search` target of `govflow bench web` (issue 20, acceptance 1): the search index filled to `--search-cases`
 * cases and the searches a clerk makes on /staff/search. The building permits the bench seeds through the engine are
 * indexed by the real projector; the rest are written in bulk as the projector would have indexed them (see
 * workbench/case-search-seed.ts): seven services, every state, three years of start dates, tasks held by the
 * departments' staff, applicants' names and addresses through the vault's blind index only.
 */
import type { Catalogue } from '../../catalogue/index.js';
import { DEMO_STAFF } from '../../identity/index.js';
import type { Queryable } from '../../store/index.js';
import { analyzeCaseIndex, CASE_STATES, caseIndexTally, insertIndexedCases, type CaseState, type IndexedCase, type SearchTokens } from '../../workbench/index.js';

/** Who searches: Pat, a caseworker of planning and intake, so every search is limited to those departments' cases. */
export const SEARCHER = 'pat';

/** The services of the bulk cases, with the groups their tasks are for (as in examples/*.bpmn) and their share. */
const MIX: readonly { serviceId: string; groups: readonly (readonly string[])[]; share: number }[] = [
  { serviceId: 'building-permit', groups: [['intake'], ['intake', 'planning', 'building-control', 'fire-safety'], ['intake', 'planning', 'building-control', 'fire-safety', 'planning/manager']], share: 30 },
  { serviceId: 'housing-benefit', groups: [['benefits'], ['benefits', 'benefits/manager']], share: 20 },
  { serviceId: 'business-licence-renewal', groups: [['licensing'], ['licensing', 'licensing/manager']], share: 15 },
  { serviceId: 'problem-report', groups: [['intake'], ['intake', 'building-control']], share: 15 },
  { serviceId: 'enquiry', groups: [['planning'], ['benefits'], ['licensing']], share: 10 },
  { serviceId: 'complaint', groups: [['planning'], ['building-control'], ['benefits'], ['planning', 'planning/manager']], share: 5 },
  { serviceId: 'proposal-answer', groups: [['planning'], ['building-control']], share: 5 },
];
/** Out of 100: how many cases are in each state (most open or closed, a few waiting or withdrawn). */
const STATE_SHARE: Readonly<Record<CaseState, number>> = { open: 35, 'waiting-applicant': 10, 'waiting-payment': 5, closed: 45, withdrawn: 5 };

const GIVEN = ['Aino', 'Ben', 'Carla', 'Dmitri', 'Eva', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kaisa', 'Leo', 'Maria', 'Nils', 'Olga', 'Pablo', 'Rosa', 'Sami', 'Tiina', 'Uma'];
const FAMILY = Array.from({ length: 250 }, (_, k) => `${['Tamm', 'Garcia', 'Puig', 'Smith', 'Virtanen', 'Novak', 'Rossi', 'Kask', 'Ferrer', 'Jones'][k % 10]}${k < 10 ? '' : String.fromCharCode(97 + (k % 26)) + String.fromCharCode(97 + Math.floor(k / 26) % 26)}`);
const STREETS = ['Mill Lane', 'Harbour Street', 'Church Road', 'Station Avenue', 'Park View', 'Old Market', 'River Walk', 'Castle Hill'];

const staffOf = (group: string): string[] => {
  const [department, manager] = group.split('/');
  return DEMO_STAFF.filter((s) => s.memberships.some((m) => m.department === department && (manager ? m.role === 'manager' : m.role === 'caseworker'))).map((s) => `staff:${s.username}`);
};
/** The k-th item of a cycle of weighted choices (deterministic, so two runs seed the same cases). */
const weighted = <T>(items: readonly { item: T; share: number }[], k: number): T => {
  const total = items.reduce((a, b) => a + b.share, 0);
  let at = k % total;
  for (const x of items) {
    if (at < x.share) return x.item;
    at -= x.share;
  }
  return items[0]!.item;
};
const NAME = (i: number): string => `${GIVEN[i % GIVEN.length]!} ${FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!}`;
const ADDRESS = (i: number): string => `${1 + (i % 120)} ${STREETS[Math.floor(i / 7) % STREETS.length]!}, Demo City`;

/** Case `i` of the bulk seed (instance ids from `firstId`, so they never meet the engine's own). */
export function indexedCase(i: number, firstId: number, now: Date, catalogue: Catalogue): IndexedCase {
  const mix = weighted(MIX.map((m) => ({ item: m, share: m.share })), i * 7);
  const service = catalogue.get(mix.serviceId);
  const status = weighted(CASE_STATES.map((s) => ({ item: s, share: STATE_SHARE[s] })), i * 13);
  // Three years back from now, newest last; ended cases ended 1–60 days after they started.
  const startedAt = new Date(now.getTime() - ((i * 7919) % (3 * 365 * 86_400)) * 1000 - 86_400_000);
  const ended = status === 'closed' || status === 'withdrawn';
  const groups = mix.groups[i % mix.groups.length]!;
  const people = [...new Set(groups.flatMap(staffOf))];
  const handlers = people.length ? people.filter((_, k) => (i + k) % 3 !== 0).slice(0, 3) : [];
  return {
    instanceId: firstId + i, reference: `${service?.referencePrefix ?? 'X'}-${startedAt.getUTCFullYear()}-${900_000 + i}`,
    processKey: service?.process.key ?? mix.serviceId, status, startedAt, endedAt: ended ? new Date(startedAt.getTime() + (1 + (i % 60)) * 86_400_000) : null,
    groups, assignees: !ended && status === 'open' && handlers.length && i % 2 === 0 ? [handlers[0]!] : [], handlers,
    applicantName: NAME(i), address: ADDRESS(i),
  };
}

export interface CaseSearchSeed {
  /** Rows in the index: the engine's cases (projected) and the bulk ones. */
  indexedCases: number;
  bulkCases: number;
  byState: Record<string, number>;
  byService: Record<string, number>;
  seconds: number;
}

/** Fills the index up to `total` cases (the engine's cases count) and says what it holds. */
export async function seedCaseSearch(db: Queryable, options: { total: number; catalogue: Catalogue; tokens: SearchTokens; now: Date }): Promise<CaseSearchSeed> {
  const started = performance.now();
  const bulk = Math.max(0, options.total - (await caseIndexTally(db)).total);
  const firstId = 1_000_000_000;
  for (let from = 0; from < bulk; from += 10_000) {
    const cases = Array.from({ length: Math.min(10_000, bulk - from) }, (_, k) => indexedCase(from + k, firstId, options.now, options.catalogue));
    await insertIndexedCases(db, cases, options.tokens);
  }
  await analyzeCaseIndex(db);
  const held = await caseIndexTally(db);
  return { indexedCases: held.total, bulkCases: bulk, byState: held.byState, byService: held.byService, seconds: Math.round((performance.now() - started) / 10) / 100 };
}

/**
 * What Pat searches for, cycled by the load generator: by reference (whole and part), applicant name (whole and one
 * word), address, state (sorted and paged), a date range, an assignee, and combinations, over cases of Pat's
 * departments (the bulk cases `i` whose groups include planning or intake) and the engine's building permits.
 */
export function caseSearchPaths(options: { bulk: number; now: Date; catalogue: Catalogue; engineReferences: readonly string[] }): string[] {
  const scope = new Set(['planning', 'intake']);
  const mine: IndexedCase[] = [];
  const step = Math.max(1, Math.floor(options.bulk / 400));
  for (let i = 0; i < options.bulk && mine.length < 40; i += step) {
    const c = indexedCase(i, 0, options.now, options.catalogue);
    if (c.groups.some((g) => scope.has(g))) mine.push(c);
  }
  const q = (params: Record<string, string>): string => `/staff/search?${new URLSearchParams(params).toString()}`;
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  const paths = mine.flatMap((c, k) => {
    const from = new Date(c.startedAt.getTime() - 10 * 86_400_000);
    return [
      q({ reference: c.reference }),
      q({ reference: c.reference.slice(-5) }),
      q({ name: c.applicantName }),
      q({ name: c.applicantName.split(' ')[1]!, status: CASE_STATES[k % CASE_STATES.length]! }),
      q({ address: c.address.split(',')[0]! }),
      q({ status: CASE_STATES[k % CASE_STATES.length]!, sort: k % 2 ? 'reference' : 'started', page: String(1 + (k % 4)) }),
      q({ from: day(from), to: day(c.startedAt) }),
      q({ assignee: k % 2 ? 'staff:pat' : 'staff:mia', status: 'open' }),
      q({ service: 'building-permit', status: 'closed', from: day(from), to: day(new Date(from.getTime() + 90 * 86_400_000)) }),
    ];
  });
  // The engine's building permits (intake's first task: in Pat's scope), by reference.
  const engine = options.engineReferences.filter((_, k) => k % Math.max(1, Math.floor(options.engineReferences.length / 10)) === 0).slice(0, 10).map((reference) => q({ reference }));
  return [...paths, ...engine];
}

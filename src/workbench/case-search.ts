import type { ProjectedEvent, Projector, Queryable } from '../store/index.js';

/**
 * The case search's read model (issue 20): a projector (store/projector.ts) follows the event log into
 * `workbench_case_index`, one row per case with its reference, service, state, dates, the candidate groups its tasks
 * were for (the department scope) and who holds its open tasks; names and addresses only as the vault's blind index
 * of each word (`searchTokens`), never in plain text. `searchCases` is the one query of the search page.
 */

export const CASE_STATES = ['open', 'waiting-applicant', 'waiting-payment', 'closed', 'withdrawn'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** Where a service's cases wait for the applicant (an answer, a payment): from the catalogue, wired by compose. */
export interface SearchService {
  readonly processKey: string;
  readonly waitingForApplicant: readonly string[];
  readonly waitingForPayment: readonly string[];
}

/** The vault's blind index of each word of a name or an address (privacy's `vault.searchTokens`). */
export type SearchTokens = (kind: 'name' | 'address', text: string) => string[];

export const CASE_SEARCH_PROJECTOR = 'workbench-case-search';
export const CASE_SEARCH_TABLES = ['workbench_case_index'] as const;

/** The answers' keys that hold the applicant's name and the address (the forms' keys, see services/). */
const NAME_KEYS = ['applicantName', 'name'] as const;
const ADDRESS_KEYS = ['siteAddress', 'address'] as const;

const EVENT_TYPES = [
  'process.started', 'process.completed', 'process.terminated', 'element.activated', 'element.completed', 'element.terminated',
  'task.created', 'task.completed', 'task.claimed', 'task.unclaimed', 'task.assigned', 'task.escalated', 'variables.updated',
] as const;

interface CaseRow {
  instance_id: number;
  reference: string | null;
  process_key: string;
  status: CaseState;
  started_at: string;
  ended_at: string | null;
  groups: string[];
  handlers: string[];
  name_tokens: string[];
  address_tokens: string[];
  open_tasks: Record<string, string | null>;
  waiting: string[];
}

const textOf = (vars: Record<string, unknown>, keys: readonly string[]): string | null => {
  for (const k of keys) if (typeof vars[k] === 'string' && (vars[k] as string).trim() !== '') return vars[k] as string;
  return null;
};

export function createCaseSearchProjector(options: { services: () => readonly SearchService[]; tokens: SearchTokens }): Projector {
  return {
    name: CASE_SEARCH_PROJECTOR,
    tables: CASE_SEARCH_TABLES,
    eventTypes: EVENT_TYPES,
    apply: async (tx, events) => {
      const byProcess = new Map(options.services().map((s) => [s.processKey, s]));
      await applyBatch(tx, events, byProcess, options.tokens);
    },
  };
}

function applyEvent(row: CaseRow, e: ProjectedEvent, tokens: SearchTokens): void {
  const data = e.data;
  const element = e.elementId ?? '';
  switch (e.type) {
    case 'process.completed': case 'process.terminated':
      row.ended_at = e.occurredAt.toISOString();
      row.status = e.type === 'process.completed' ? 'closed' : 'withdrawn';
      row.open_tasks = {};
      row.waiting = [];
      return;
    case 'element.activated':
      if (!row.waiting.includes(element)) row.waiting.push(element);
      return;
    case 'element.completed': case 'element.terminated': case 'task.completed':
      row.waiting = row.waiting.filter((w) => w !== element);
      delete row.open_tasks[element];
      return;
    case 'task.created': {
      const groups = Array.isArray(data['candidateGroups']) ? data['candidateGroups'].filter((g): g is string => typeof g === 'string') : [];
      row.groups = [...new Set([...row.groups, ...groups])];
      row.open_tasks[element] = typeof data['assignee'] === 'string' ? data['assignee'] : null;
      if (typeof data['assignee'] === 'string' && !row.handlers.includes(data['assignee'])) row.handlers.push(data['assignee']);
      return;
    }
    case 'task.claimed': case 'task.assigned':
      row.open_tasks[element] = typeof data['assignee'] === 'string' ? data['assignee'] : null;
      if (typeof data['assignee'] === 'string' && !row.handlers.includes(data['assignee'])) row.handlers.push(data['assignee']);
      return;
    case 'task.unclaimed':
      row.open_tasks[element] = null;
      return;
    case 'task.escalated': {
      const to = Array.isArray(data['to']) ? data['to'].filter((g): g is string => typeof g === 'string') : [];
      row.groups = [...new Set([...row.groups, ...to])];
      row.open_tasks[element] = null;
      return;
    }
    case 'variables.updated': {
      const vars = (data['variables'] ?? {}) as Record<string, unknown>;
      const name = textOf(vars, NAME_KEYS);
      const address = textOf(vars, ADDRESS_KEYS);
      if (name) row.name_tokens = tokens('name', name);
      if (address) row.address_tokens = tokens('address', address);
      return;
    }
    default:
  }
}

function stateOf(row: CaseRow, service: SearchService | undefined): CaseState {
  if (row.ended_at) return row.status;
  if (service && row.waiting.some((w) => service.waitingForPayment.includes(w))) return 'waiting-payment';
  if (service && row.waiting.some((w) => service.waitingForApplicant.includes(w))) return 'waiting-applicant';
  return 'open';
}

async function applyBatch(tx: Queryable, events: readonly ProjectedEvent[], byProcess: ReadonlyMap<string, SearchService>, tokens: SearchTokens): Promise<void> {
  const ids = [...new Set(events.map((e) => e.instanceId).filter((id): id is number => id !== null))];
  if (ids.length === 0) return;
  const { rows } = await tx.query<Omit<CaseRow, 'instance_id' | 'started_at' | 'ended_at'> & { instance_id: string; started_at: Date | string; ended_at: Date | string | null }>(
    `select instance_id::text, reference, process_key, status, started_at, ended_at, groups, handlers, name_tokens, address_tokens, open_tasks, waiting
     from workbench_case_index where instance_id = any($1::bigint[])`, [ids],
  );
  const iso = (d: Date | string): string => new Date(d).toISOString();
  const cases = new Map<number, CaseRow>(rows.map((r) => [Number(r.instance_id), { ...r, instance_id: Number(r.instance_id), started_at: iso(r.started_at), ended_at: r.ended_at === null ? null : iso(r.ended_at) }]));
  const touched = new Set<number>();
  for (const e of events) {
    if (e.instanceId === null) continue;
    let row = cases.get(e.instanceId);
    if (e.type === 'process.started') {
      if (row) continue;
      const vars = (e.data['variables'] ?? {}) as Record<string, unknown>;
      const name = textOf(vars, NAME_KEYS);
      const address = textOf(vars, ADDRESS_KEYS);
      row = {
        instance_id: e.instanceId, reference: e.businessKey, process_key: e.processKey ?? '', status: 'open', started_at: e.occurredAt.toISOString(), ended_at: null,
        groups: [], handlers: [], name_tokens: name ? tokens('name', name) : [], address_tokens: address ? tokens('address', address) : [], open_tasks: {}, waiting: [],
      };
      cases.set(e.instanceId, row);
    }
    if (!row) continue; // a case started before the projector existed is filled by a rebuild
    applyEvent(row, e, tokens);
    touched.add(e.instanceId);
  }
  const changed = [...touched].map((id) => cases.get(id)!).map((r) => {
    // Only the elements where the service waits for the applicant are kept: the rest come and go with the steps.
    const service = byProcess.get(r.process_key);
    const waiting = service ? r.waiting.filter((w) => service.waitingForApplicant.includes(w) || service.waitingForPayment.includes(w)) : [];
    const row = { ...r, waiting };
    const assignees = [...new Set(Object.values(r.open_tasks).filter((a): a is string => !!a))];
    return { ...row, status: stateOf(row, service), assignees, handlers: [...new Set([...r.handlers, ...assignees])] };
  });
  if (changed.length === 0) return;
  await tx.query(
    `insert into workbench_case_index (instance_id, reference, process_key, status, started_at, ended_at, groups, assignees, handlers, name_tokens, address_tokens, open_tasks, waiting)
     select instance_id, reference, process_key, status, started_at, ended_at, groups, assignees, handlers, name_tokens, address_tokens, open_tasks, waiting
     from jsonb_to_recordset($1::jsonb) as r(instance_id bigint, reference text, process_key text, status text, started_at timestamptz, ended_at timestamptz,
       groups text[], assignees text[], handlers text[], name_tokens text[], address_tokens text[], open_tasks jsonb, waiting text[])
     on conflict (instance_id) do update set status = excluded.status, ended_at = excluded.ended_at, groups = excluded.groups, assignees = excluded.assignees, handlers = excluded.handlers,
       name_tokens = excluded.name_tokens, address_tokens = excluded.address_tokens, open_tasks = excluded.open_tasks, waiting = excluded.waiting`,
    [JSON.stringify(changed)],
  );
}

export const SEARCH_SORTS = ['started', 'reference', 'status'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** A search as the page reads it from the query string (validated there); every criterion is optional. */
export interface CaseQuery {
  readonly reference?: string;
  readonly name?: string;
  readonly address?: string;
  readonly processKeys?: readonly string[];
  readonly statuses?: readonly CaseState[];
  /** Started on or after this day (YYYY-MM-DD, UTC). */
  readonly from?: string;
  /** Started on or before this day (YYYY-MM-DD, UTC). */
  readonly to?: string;
  /** Someone who holds or held a task of the case. */
  readonly assignee?: string;
  readonly sort: SearchSort;
  readonly descending: boolean;
  readonly limit: number;
  readonly offset: number;
}

export interface FoundCase {
  readonly instanceId: number;
  readonly reference: string | null;
  readonly processKey: string;
  readonly status: CaseState;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly assignees: readonly string[];
}

const ORDER: Readonly<Record<SearchSort, string>> = { started: 'started_at', reference: 'reference', status: 'status' };

/** A count stops here: beyond it the page says "more than 1,000 cases", and counting every match costs every row. */
export const COUNT_CAP = 1000;

/**
 * A reference as the index keeps it (`reference_key`, migration 0033): letters and digits only, in capitals, so
 * "bp 2026/900123" finds BP-2026-900123.
 */
const referenceKey = (reference: string): string => reference.replace(/[^A-Za-z0-9]+/g, '').toUpperCase();

const WHERE = `where ($1::text[] is null or groups && $1::text[])
       and ($2::text is null or reference_key like $2::text or reverse(reference_key) like $3::text)
       and ($4::text[] is null or name_tokens @> $4::text[])
       and ($5::text[] is null or address_tokens @> $5::text[])
       and ($6::text[] is null or process_key = any($6::text[]))
       and ($7::text[] is null or status = any($7::text[]))
       and ($11::text is null or status = $11::text)
       and ($8::timestamptz is null or started_at >= $8::timestamptz)
       and ($9::timestamptz is null or started_at < $9::timestamptz)
       and ($10::text is null or handlers @> array[$10::text])`;

/**
 * The cases matching every criterion given, within `scope` (candidate groups; null: every case, for admins and
 * auditors), one page in the order asked for, with the count of the matches up to `COUNT_CAP` (or the page's end,
 * when further) and whether there are more: counting every match of a broad search read every matching row. A
 * reference matches by its beginning or its end (migration 0033 says why). A name or address matches when the
 * case's blind index holds every word's token: the words are turned into HMACs before they reach the database.
 */
export async function searchCases(q: Queryable, query: CaseQuery, scope: readonly string[] | null, tokens: SearchTokens): Promise<{ cases: FoundCase[]; total: number; more: boolean }> {
  const nameTokens = query.name ? tokens('name', query.name) : null;
  const addressTokens = query.address ? tokens('address', query.address) : null;
  const reference = query.reference ? referenceKey(query.reference) : null;
  // A name or reference of only punctuation has no words: it matches nothing rather than everything.
  if ((nameTokens && nameTokens.length === 0) || (addressTokens && addressTokens.length === 0) || reference === '') return { cases: [], total: 0, more: false };
  const to = query.to ? new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000).toISOString() : null;
  const direction = query.descending ? 'desc' : 'asc';
  // The key holds letters and digits only, so the patterns need no escaping. One state is compared with `=`, not
  // `= any(…)`: only then does the planner read the (status, started_at) or (status, reference) index in order.
  const params = [scope ? [...scope] : null, reference === null ? null : `${reference}%`, reference === null ? null : `${[...reference].reverse().join('')}%`,
    nameTokens, addressTokens, query.processKeys?.length ? [...query.processKeys] : null, (query.statuses?.length ?? 0) > 1 ? [...query.statuses!] : null,
    query.from ? `${query.from}T00:00:00Z` : null, to, query.assignee || null, query.statuses?.length === 1 ? query.statuses[0] : null];
  const cap = Math.max(COUNT_CAP, query.offset + query.limit);
  // One statement: the page, and the matches counted up to the cap (the count stops at the first match past it). A
  // page that is empty still yields one row, with the count.
  const { rows } = await q.query<{ id: string | null; reference: string | null; process_key: string; status: CaseState; started_at: Date | string; ended_at: Date | string | null; assignees: string[]; n: string }>(
    `with page as (
       select instance_id, reference, process_key, status, started_at, ended_at, assignees
       from workbench_case_index
       ${WHERE}
       order by ${ORDER[query.sort]} ${direction}, instance_id ${direction}
       limit $12 offset $13),
     counted as (select count(*) as n from (select 1 from workbench_case_index ${WHERE} limit $14) as m)
     select page.instance_id::text as id, page.reference, page.process_key, page.status, page.started_at, page.ended_at, page.assignees, counted.n::text as n
     from counted left join page on true
     order by page.${ORDER[query.sort]} ${direction}, page.instance_id ${direction}`,
    [...params, query.limit, query.offset, cap + 1],
  );
  const n = Number(rows[0]?.n ?? 0);
  const iso = (d: Date | string): string => new Date(d).toISOString();
  return {
    total: Math.min(n, cap), more: n > cap,
    cases: rows.filter((r) => r.id !== null).map((r) => ({ instanceId: Number(r.id), reference: r.reference, processKey: r.process_key, status: r.status, startedAt: iso(r.started_at), endedAt: r.ended_at === null ? null : iso(r.ended_at), assignees: r.assignees })),
  };
}

/** A staff member's saved searches (query strings without names or addresses: those are never kept). */
export async function listSavedFilters(q: Queryable, actor: string): Promise<{ id: number; name: string; query: string }[]> {
  const { rows } = await q.query<{ id: string; name: string; query: string }>('select id::text, name, query from workbench_saved_filter where actor = $1 order by name', [actor]);
  return rows.map((r) => ({ id: Number(r.id), name: r.name, query: r.query }));
}

export async function saveFilter(q: Queryable, actor: string, name: string, query: string): Promise<void> {
  await q.query('insert into workbench_saved_filter (actor, name, query) values ($1, $2, $3) on conflict (actor, name) do update set query = excluded.query, created_at = now()', [actor, name, query]);
}

export async function deleteFilter(q: Queryable, actor: string, id: number): Promise<boolean> {
  const { rowCount } = await q.query('delete from workbench_saved_filter where actor = $1 and id = $2', [actor, id]);
  return rowCount > 0;
}

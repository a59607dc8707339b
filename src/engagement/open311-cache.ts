/**
 * Rendered pages of Open311 `GET requests` lists, kept while nothing a report shows has changed, so a busy list is
 * one trivial query per batch of requests instead of a list query and its rendering each.
 *
 * Never stale after a write, whichever process made it: every change a list shows is an event in the event log
 * (a problem-report case's own events, and `engagement.report.*` events written in the same statement or
 * transaction as any change to a report row; report-store.ts). The cache belongs to a generation with a database
 * snapshot; before answering, a request waits for a check whose statement started after the request arrived
 * (requests arriving together share one) and which asks whether any such event committed that the generation's
 * snapshot does not see. If one did, the generation and its pages are dropped and pages render afresh. So a
 * response reflects every write committed before its request arrived, as an uncached read would.
 *
 * A page whose window ends "now" (no `end_date`) also moves with the clock: it is kept at most `windowTtlMs`.
 */
import type { Logger } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { reportsChangedSince } from './report-store.js';

export interface RenderedPage { readonly type: string; readonly body: string }

export interface ListCache {
  /** The page for `key`, cached or rendered by `render` (whose reads happen after this call). */
  page(key: string, nowRelative: boolean, render: () => Promise<RenderedPage>): Promise<RenderedPage>;
}

interface Entry { readonly page: RenderedPage; readonly at: number; readonly nowRelative: boolean }
interface Generation { readonly id: number; snapshot: string; checkedAt: number; readonly entries: Map<string, Entry>; readonly pending: Map<string, Promise<RenderedPage>> }

export interface ListCacheOptions {
  readonly db: Queryable;
  /** The process whose cases' events change reports (engagement's problem-report process). */
  readonly processKey: string;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly maxEntries?: number;
  readonly windowTtlMs?: number;
}

const IDLE_RESTART_MS = 30_000;

export function createListCache(options: ListCacheOptions): ListCache {
  const { db, processKey } = options;
  const maxEntries = options.maxEntries ?? 2000;
  const windowTtlMs = options.windowTtlMs ?? 5000;
  let generation: Generation | null = null;
  let generations = 0;
  let checking = false;
  let waiting: (() => void)[] = [];

  const check = async (): Promise<void> => {
    try {
      // A check scans the events written since the last one: after a quiet spell, starting afresh is cheaper.
      const recent = generation && performance.now() - generation.checkedAt < IDLE_RESTART_MS ? generation : null;
      const r = await reportsChangedSince(db, recent?.snapshot ?? null, processKey);
      // Unchanged: every page is as true at this snapshot as at the old one, and later checks scan fewer events.
      if (!r.changed && recent) Object.assign(recent, { snapshot: r.snapshot, checkedAt: performance.now() });
      else generation = { id: ++generations, snapshot: r.snapshot, checkedAt: performance.now(), entries: new Map(), pending: new Map() };
    } catch (error) {
      // Without a check nothing cached can be trusted: render afresh until one succeeds.
      generation = null;
      options.logger.warn({ err: (error as Error).message }, 'the Open311 list cache could not check for changes; lists render uncached');
    }
  };

  /** Resolves after a check whose statement was sent after this call. */
  const checked = (): Promise<void> => new Promise((resolve) => {
    waiting.push(resolve);
    if (checking) return;
    checking = true;
    void (async () => {
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        await check();
        for (const done of batch) done();
      }
      checking = false;
    })();
  });

  const fresh = (e: Entry): boolean => {
    if (!e.nowRelative) return true;
    const age = options.now().getTime() - e.at;
    return age >= 0 && age < windowTtlMs;
  };

  return {
    async page(key, nowRelative, render) {
      await checked();
      const gen = generation;
      if (!gen) return render();
      const hit = gen.entries.get(key);
      if (hit && fresh(hit)) return hit.page;
      // Requests for the same page after the same check share one rendering (it reads after all of them arrived).
      const pending = gen.pending.get(key);
      if (pending) return pending;
      const at = options.now().getTime();
      const rendering = render();
      gen.pending.set(key, rendering);
      try {
        const page = await rendering;
        // Kept only if no change was seen meanwhile (a new generation would not be checked against its reads).
        if (generation === gen) {
          if (gen.entries.size >= maxEntries) gen.entries.delete(gen.entries.keys().next().value!);
          gen.entries.set(key, { page, at, nowRelative });
        }
        return page;
      } finally {
        gen.pending.delete(key);
      }
    },
  };
}

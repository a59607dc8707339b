/**
 * `govflow bench transparency` (issue 17 acceptance 5; its throwaway server serves a plain `GET /` baseline), on PostgreSQL (GOVFLOW_DATABASE_URL or a throwaway server):
 *
 * 1. the engine's straight-through event rate (bench engine's model and driver), then
 * 2. lag under that same load: the straight-through run again while a follower projects; every 100 ms the newest
 *    committed event the projector reads is noted, and its lag is the time until the projector's cursor passes it;
 * 3. `--events` events (default 1,000,000: five per case, approvals, refusals and a task each) seeded in bulk SQL,
 *    and the projector rebuilt over the whole log: its throughput in log events per second, against 1.;
 * 4. the dashboard pages over those figures (the production plugin, its 30 s figure cache) loaded by autocannon in
 *    a child process, with a plain `GET /` (the same layout, no database) on the same server as the baseline, and
 *    the uncached figure read timed on its own.
 * All in one run; `sameRun` says which ratios compare figures measured together. Machine load before and after.
 */
import Fastify from 'fastify';
import { createEngine } from '../../engine/index.js';
import { openDatabase, projectorPosition, projectPending, rebuildProjector, startThrowawayPostgres, type Database } from '../../store/index.js';
import { createTransparencyPlugin, createTransparencyProjector, readFigures, TRANSPARENCY_PROJECTOR, type PublishedService } from '../../transparency/index.js';
import { html, page } from '../../web/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { STRAIGHT_THROUGH_XML, straightThrough, type Options as EngineOptions } from './bench-engine.js';
import { withMachineLoad } from './bench-load.js';
import { generateLoad } from './bench-web.js';

export const USAGE = 'govflow bench transparency [--json] [--events N (1000000)] [--instances N (2000)] [--seconds S (10)] [--connections C (10)]';

const SERVICE: PublishedService = { id: 'bench-service', title: 'Bench service', processKey: 'bench-straight', department: 'Bench department', sla: 'P5D' };
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const CHUNK_CASES = 20_000;
/** bench engine's straight-through driver, for `instances` instances. */
const straightRun = (instances: number): EngineOptions => ({ json: false, instances, concurrency: undefined, workers: 0, backends: ['postgres'], durationMs: undefined, peer: false });

async function maxEventId(db: Database): Promise<number> {
  const { rows } = await db.query<{ id: string | null }>("select max(id)::text as id from process_event where type in ('process.started', 'process.completed')");
  return Number(rows[0]?.id ?? 0);
}

/** Five events a case (started, task created and completed, decision, completed) in one statement per chunk. */
async function seedEvents(db: Database, definitionId: number, events: number): Promise<number> {
  const cases = Math.ceil(events / 5);
  for (let from = 1; from <= cases; from += CHUNK_CASES) {
    await db.query(
      `with inst as (
         insert into process_instance (definition_id, process_key, business_key, state, execution, last_seq, started_at, ended_at)
         select $1, 'bench-straight', 'BENCH-' || g, 'completed', '{}'::jsonb, 5, timestamptz '2025-01-01' + g * interval '2 minutes', timestamptz '2025-01-01' + g * interval '2 minutes' + (g % 9) * interval '1 day'
         from generate_series($2::int, $3::int) g returning id, started_at, ended_at)
       insert into event_log (instance_id, seq, type, occurred_at, data)
       select i.id, s.seq, (array['process.started', 'task.created', 'task.completed', 'decision.issued', 'process.completed'])[s.seq],
              case when s.seq = 1 then i.started_at when s.seq = 2 then i.started_at + interval '1 hour' else i.ended_at end,
              case when s.seq = 4 then jsonb_build_object('outcome', case when i.id % 4 = 0 then 'refused' else 'approved' end) else '{}'::jsonb end
       from inst i cross join generate_series(1, 5) s(seq)`,
      [definitionId, from, Math.min(cases, from + CHUNK_CASES - 1)],
    );
  }
  return cases * 5;
}

/** The straight-through load again, with a follower projecting; lag = commit seen → applied by the projector. */
async function lagUnderLoad(db: Database, run: () => Promise<unknown>): Promise<{ samples: number; p50Ms: number; p99Ms: number; maxMs: number; catchUpMs: number }> {
  const projector = createTransparencyProjector([SERVICE]);
  const pending: { id: number; at: number }[] = [];
  const lags: number[] = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      pending.push({ id: await maxEventId(db), at: performance.now() });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const follower = (async () => {
    for (;;) {
      const stillLoading = loading;
      await projectPending(db, projector, 2000);
      const applied = (await projectorPosition(db, TRANSPARENCY_PROJECTOR))?.lastEventId ?? 0;
      while (pending.length > 0 && pending[0]!.id <= applied) lags.push(performance.now() - pending.shift()!.at);
      if (!stillLoading && pending.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await run();
  loading = false;
  const ended = performance.now();
  await sampler;
  await follower;
  const sorted = lags.sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0);
  return { samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(sorted.at(-1) ?? 0), catchUpMs: round(performance.now() - ended) };
}

async function pages(db: Database, connections: number, seconds: number) {
  const server = Fastify();
  server.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page({ title: 'Services', content: html`<h1 class="govuk-heading-xl">Services</h1><p class="govuk-body">A plain page: the layout, no database.</p>` }).toString()));
  await server.register(createTransparencyPlugin({ db, services: () => [SERVICE] }));
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const spec = { url, connections, warmupSeconds: 2, durationSeconds: seconds, headers: {} };
    const paths = ['/performance', '/performance/services/bench-service', '/performance/departments/bench-department'];
    // The first reader of a server waits for the first snapshot of figures (uncachedFiguresMs, reported on its own);
    // a running server has one. Prime it, so the page rate measures the steady state readers meet.
    for (const path of paths) await (await fetch(new URL(path, url))).arrayBuffer();
    const dashboard = await generateLoad('baseline', { ...spec, paths });
    const baseline = await generateLoad('baseline', { ...spec, paths: ['/'] });
    return { dashboard, baseline };
  } finally {
    await server.close();
  }
}

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, events: { type: 'string' }, instances: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' } }, 0);
  const events = numberFlag('--events', values['events'], 1_000_000, { min: 100, integer: true });
  const instances = numberFlag('--instances', values['instances'], 2000, { min: 10, integer: true });
  const seconds = numberFlag('--seconds', values['seconds'], 10, { min: 1, integer: true });
  const connections = numberFlag('--connections', values['connections'], 10, { min: 1, integer: true });
  const configured = process.env['GOVFLOW_DATABASE_URL'];
  const pg = configured ? { url: configured, stop() {} } : await startThrowawayPostgres({ prefix: 'govflow-bench-pg-' });
  if (!pg) {
    console.error('govflow bench transparency: no PostgreSQL (set GOVFLOW_DATABASE_URL or install postgresql)');
    return 1;
  }
  const { result, load } = await withMachineLoad(async () => {
    const concurrency = 8;
    const db = await openDatabase({ url: pg.url, poolSize: concurrency + 4 });
    try {
      const engine = createEngine(db);
      await engine.deploy([{ name: 'bench-straight.bpmn', content: STRAIGHT_THROUGH_XML }]);
      const { definitionId } = await engine.startInstance('bench-straight', { variables: { amount: 1, n: 0 } });
      await straightThrough(engine, straightRun(200), concurrency);
      const countSince = async (id: number) => Number((await db.query<{ n: string }>('select count(*)::text as n from process_event where id > $1', [id])).rows[0]!.n);
      const startId = Number((await db.query<{ id: string | null }>('select max(id)::text as id from process_event')).rows[0]!.id ?? 0);
      const straight = await straightThrough(engine, straightRun(instances), concurrency);
      const engineEventsPerSecond = (await countSince(startId)) / straight.seconds;
      // The follower starts from the start of the log, as a server's would after a deploy: it catches up first.
      await rebuildProjector(db, createTransparencyProjector([SERVICE]));
      const lag = await lagUnderLoad(db, () => straightThrough(engine, straightRun(instances), concurrency));

      const seedStarted = performance.now();
      const seeded = await seedEvents(db, definitionId, events);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const logEvents = Number((await db.query<{ n: string }>('select count(*)::text as n from process_event')).rows[0]!.n);
      const rebuildStarted = performance.now();
      const applied = await rebuildProjector(db, createTransparencyProjector([SERVICE]), 5000);
      const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
      // A million rows just written wake autovacuum, which would otherwise share the two cores with the page load
      // below (measured: the dashboard phase got a fraction of the samples the baseline phase got). A production
      // database has been vacuumed; so is this one, before anything is timed.
      await db.query('vacuum analyze');
      const figuresStarted = performance.now();
      await readFigures(db, { services: [SERVICE] });
      const uncachedFiguresMs = performance.now() - figuresStarted;
      const { dashboard, baseline } = await pages(db, connections, seconds);
      return {
        bench: 'transparency', backend: 'postgres',
        engine: { instances: straight.instances, seconds: round(straight.seconds, 2), eventsPerSecond: round(engineEventsPerSecond), concurrency },
        projector: {
          logEvents, seededEvents: seeded, seedSeconds: round(seedSeconds, 1), eventsApplied: applied, rebuildSeconds: round(rebuildSeconds, 2),
          logEventsPerSecond: round(logEvents / rebuildSeconds), appliedEventsPerSecond: round(applied / rebuildSeconds),
          vsEngineEventRate: round(logEvents / rebuildSeconds / engineEventsPerSecond, 2),
        },
        lagUnderEngineLoad: lag,
        pages: {
          dashboard: { paths: dashboard.path, pagesPerSecond: dashboard.requestsPerSecond, p50Ms: dashboard.p50Ms, p99Ms: dashboard.p99Ms, non2xx: dashboard.non2xx, errors: dashboard.errors },
          baseline: { path: '/', pagesPerSecond: baseline.requestsPerSecond, p50Ms: baseline.p50Ms, p99Ms: baseline.p99Ms },
          vsBaseline: round(dashboard.requestsPerSecond / Math.max(1, baseline.requestsPerSecond), 2),
          uncachedFiguresMs: round(uncachedFiguresMs), connections, seconds, figureCacheSeconds: 30,
        },
        sameRun: { vsEngineEventRate: true, lagUnderEngineLoad: true, vsBaseline: true },
      };
    } finally {
      await db.close();
    }
  });
  pg.stop();
  const out = { ...result, machineLoad: load };
  if (values['json'] === true) console.log(JSON.stringify(out));
  else {
    console.log(`engine straight-through: ${out.engine.eventsPerSecond} events/s; projector rebuild over ${out.projector.logEvents} events: ${out.projector.logEventsPerSecond} events/s (×${out.projector.vsEngineEventRate} the engine's rate)`);
    console.log(`lag under the engine's load: p50 ${out.lagUnderEngineLoad.p50Ms} ms, p99 ${out.lagUnderEngineLoad.p99Ms} ms, max ${out.lagUnderEngineLoad.maxMs} ms`);
    console.log(`dashboard: ${out.pages.dashboard.pagesPerSecond} pages/s, p99 ${out.pages.dashboard.p99Ms} ms; GET / baseline ${out.pages.baseline.pagesPerSecond} pages/s, p99 ${out.pages.baseline.p99Ms} ms; uncached figures ${out.pages.uncachedFiguresMs} ms`);
  }
  return 0;
}

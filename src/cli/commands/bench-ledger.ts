/**
 * `govflow bench ledger`: sealing throughput, full verification time and proof latency over N events
 * (default 1,000,000 on PostgreSQL). PostgreSQL is GOVFLOW_DATABASE_URL (a database is created on it), else a
 * throwaway server started here (initdb/pg_ctl in a temp dir, default durability settings).
 * The engine's straight-through rate with sealing on vs off needs the engine bench with `createSealer` running
 * alongside; that figure is measured by the engine bench, not here.
 */
import pg from 'pg';
import { openDatabase, startThrowawayPostgres, type Database, type ThrowawayPostgres } from '../../store/index.js';
import { createEngine } from '../../engine/index.js';
import { STRAIGHT_THROUGH_XML, straightThrough } from './bench-engine.js';
import { createSealer, generateSigner, getConsistencyProof, getInclusionProof, publishTreeHead, sealPending, verifyLedger } from '../../ledger/index.js';

const USAGE = 'govflow bench ledger [--json] [--backend postgres|pglite] [--events N] [--proofs N] [--instances N (engine straight-through, sealing on vs off; postgres only)]';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function throwawayServer(): Promise<ThrowawayPostgres> {
  const server = await startThrowawayPostgres({ prefix: 'govflow-bench-ledger-', settings: { max_connections: 50, shared_buffers: '512MB', max_wal_size: '4GB' } });
  if (!server) throw new Error('no PostgreSQL installation found; set GOVFLOW_DATABASE_URL');
  return server;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * The engine's straight-through rate with the sealer off and on, in the same run on a fresh database: the same
 * workload as `bench engine` (its code, reused), 8 concurrent starters; "on" = a sealer on its own connections
 * running concurrently as in production (every 250 ms). Off/on alternate three times so drift of the shared
 * machine hits both; the best and the median of each are reported, with each run's rate and the sealer's backlog
 * when an "on" run ended (events it still had to seal).
 */
async function sealingOnVsOff(url: string, instances: number): Promise<Record<string, number | string>> {
  const concurrency = 8;
  const db = await openDatabase({ url, poolSize: concurrency + 2 });
  const sealerDb = await openDatabase({ url, poolSize: 2, migrate: false });
  try {
    const engine = createEngine(db);
    await engine.deploy([{ name: 'bench-straight.bpmn', content: STRAIGHT_THROUGH_XML }]);
    const options = { json: true, instances, concurrency, workers: 0, backends: [], durationMs: undefined, peer: false };
    await straightThrough(engine, { ...options, instances: 300 }, concurrency); // warm-up
    await sealPending(sealerDb, { waitMs: 10_000 });
    const rates = { off: [] as number[], on: [] as number[] };
    // What the sealer had not yet sealed when an "on" run ended: a sealer that merely fell behind would make "on"
    // look cheaper than it is, so the backlog is reported next to the ratio.
    const backlogAfterOn: number[] = [];
    for (const mode of ['off', 'on', 'off', 'on', 'off', 'on'] as const) {
      const sealer = mode === 'on' ? createSealer(sealerDb, { signer: generateSigner(), headIntervalMs: 1000 }) : undefined;
      sealer?.start();
      const run = await straightThrough(engine, options, concurrency);
      await sealer?.stop();
      // Catch up between runs so "off" never pays for the previous "on" run's backlog.
      const caughtUp = await sealPending(sealerDb, { waitMs: 10_000 });
      if (mode === 'on') backlogAfterOn.push(caughtUp.sealed);
      rates[mode].push(run.instances / run.seconds);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const off = Math.max(...rates.off);
    const on = Math.max(...rates.on);
    return {
      straightThroughInstances: instances,
      straightThroughPerSecondSealingOff: Math.round(off),
      straightThroughPerSecondSealingOn: Math.round(on),
      sealingOnVsOffRatio: Math.round((on / off) * 1000) / 1000,
      sealingOnVsOffRatioMedian: Math.round((median(rates.on) / median(rates.off)) * 1000) / 1000,
      straightThroughRunsOff: rates.off.map(Math.round).join(' '),
      straightThroughRunsOn: rates.on.map(Math.round).join(' '),
      sealerBacklogAfterOnRuns: backlogAfterOn.join(' '),
    };
  } finally {
    await sealerDb.close();
    await db.close();
  }
}

async function measure(db: Database, events: number, proofs: number): Promise<Record<string, number | string>> {
  // Events shaped like the engine's: an instance-less row per event, a small jsonb payload with personal-looking data.
  const loadStart = performance.now();
  for (let from = 0; from < events; from += 100_000) {
    await db.query(
      `insert into event_log (type, element_id, element_instance, actor, occurred_at, data)
       select 'element.completed', 'task_' || (g % 7), 'ei-' || g, 'clerk-' || (g % 13), now(),
              jsonb_build_object('applicant', 'Person ' || g, 'amount', g % 1000, 'approved', g % 2 = 0)
       from generate_series($1::int, $2::int) g`,
      [from + 1, Math.min(events, from + 100_000)],
    );
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const sealStart = performance.now();
  const sealed = await sealPending(db, { batchSize: 10_000, waitMs: 60_000 });
  const sealSeconds = (performance.now() - sealStart) / 1000;
  await publishTreeHead(db, generateSigner());

  const report = await verifyLedger(db);
  if (!report.ok) throw new Error(`verification failed: ${JSON.stringify(report.firstBad)}`);

  const { rows } = await db.query<{ min: string; max: string }>('select min(event_id)::text as min, max(event_id)::text as max from ledger_leaf');
  const min = Number(rows[0]!.min);
  const span = Number(rows[0]!.max) - min + 1;
  for (let i = 0; i < 50; i++) await getInclusionProof(db, min + Math.floor(Math.random() * span));
  const latencies: number[] = [];
  for (let i = 0; i < proofs; i++) {
    const id = min + Math.floor(Math.random() * span);
    const t = performance.now();
    await getInclusionProof(db, id);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  const consistency: number[] = [];
  for (let i = 0; i < Math.min(proofs, 500); i++) {
    const m = 1 + Math.floor(Math.random() * (sealed.treeSize - 1));
    const t = performance.now();
    await getConsistencyProof(db, m, sealed.treeSize);
    consistency.push(performance.now() - t);
  }
  consistency.sort((a, b) => a - b);
  return {
    events: sealed.treeSize,
    loadSeconds: Number(loadSeconds.toFixed(2)),
    sealSeconds: Number(sealSeconds.toFixed(2)),
    sealEventsPerSecond: Math.round(sealed.treeSize / sealSeconds),
    verifySeconds: Number(report.seconds.toFixed(2)),
    verifyPhases: Object.entries(report.phases).map(([k, v]) => `${k} ${v}s`).join(', '),
    inclusionProofMsP50: Number(percentile(latencies, 50).toFixed(3)),
    inclusionProofMsP99: Number(percentile(latencies, 99).toFixed(3)),
    inclusionProofMsMean: Number((latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(3)),
    consistencyProofMsP50: Number(percentile(consistency, 50).toFixed(3)),
  };
}

export async function runBench(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const backend = flag(argv, 'backend') ?? 'postgres';
  const events = Number(flag(argv, 'events') ?? (backend === 'pglite' ? 100_000 : 1_000_000));
  const proofs = Number(flag(argv, 'proofs') ?? 2000);
  const instances = Number(flag(argv, 'instances') ?? 3000);
  let engineUrl: string | undefined;
  let stop = (): void => {};
  let db: Database;
  if (backend === 'pglite') {
    db = await openDatabase({ url: 'memory://' });
  } else {
    let serverUrl = process.env['GOVFLOW_DATABASE_URL'];
    if (!serverUrl) {
      const server = await throwawayServer();
      serverUrl = server.url;
      stop = () => server.stop();
    }
    const name = `bench_ledger_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = await openDatabase({ url: url.toString(), poolSize: 4 });
    const admin2 = new pg.Client({ connectionString: serverUrl });
    await admin2.connect();
    await admin2.query(`create database ${name}_engine`);
    await admin2.end();
    url.pathname = `/${name}_engine`;
    engineUrl = url.toString();
  }
  try {
    const result = { subject: 'ledger', backend, ...(await measure(db, events, proofs)),
      ...(engineUrl ? await sealingOnVsOff(engineUrl, instances) : {}),
      goals: 'verify 1,000,000 ≤ 5 s; inclusion proof ≤ 1 ms; straight-through with sealing on ≥ 0.9 × off' };
    console.log(argv.includes('--json') ? JSON.stringify(result) : result);
    return 0;
  } finally {
    await db.close();
    stop();
  }
}

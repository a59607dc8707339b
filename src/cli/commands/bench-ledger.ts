/**
 * `govflow bench ledger`: sealing throughput, full verification time and proof latency over N events
 * (default 1,000,000 on PostgreSQL), and the engine's straight-through rate with sealing on vs off in the same run.
 * PostgreSQL is GOVFLOW_DATABASE_URL (a database is created on it), else a throwaway server started here
 * (initdb/pg_ctl in a temp dir, default durability settings).
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, startThrowawayPostgres, type Database, type ThrowawayPostgres } from '../../store/index.js';
import { createEngine } from '../../engine/index.js';
import { STRAIGHT_THROUGH_XML, straightThrough } from './bench-engine.js';
import { choiceFlag, numberFlag, parseCommandArgs, usageError } from '../args.js';
import { printMachineLoad } from './bench-load.js';
import { createSealer, generateSigner, getConsistencyProof, getInclusionProof, publishTreeHead, sealPending, verifyLedger } from '../../ledger/index.js';

export const USAGE = `govflow bench ledger [--json] [--backend postgres|pglite] [--events N] [--proofs N]
  [--only events,onoff] (default both: the N-event seal/verify/proof part, the engine sealing on vs off part)
  [--instances N] [--rounds R] (on vs off: R alternating off/on pairs of N straight-through instances; postgres only)
  [--sealer-interval MS] (the sealer's tick during "on" runs; default the server's)`;


async function throwawayServer(): Promise<ThrowawayPostgres> {
  const server = await startThrowawayPostgres({ prefix: 'govflow-bench-ledger-', settings: { max_connections: 50, shared_buffers: '512MB', max_wal_size: '4GB' } });
  if (!server) throw new Error('no PostgreSQL installation found; set GOVFLOW_DATABASE_URL');
  return server;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * CPU seconds used so far by a PostgreSQL server (postmaster, its live backends and, through cutime, the backends
 * that have exited), from /proc. Lets the bench say where the sealer's cost goes (database or Node), which is far
 * less noisy on a shared machine than wall-clock rates. Undefined when the server is not local (no data dir).
 */
function serverCpuSeconds(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const tick = 100; // USER_HZ on Linux
    const stat = (pid: string): string[] | undefined => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return text.slice(text.lastIndexOf(')') + 2).split(' ');
      } catch {
        return undefined; // exited meanwhile
      }
    };
    // Fields after "(comm) ": [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.
    let ticks = 0;
    const own = stat(String(postmaster));
    if (!own) return undefined;
    ticks += Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const f = stat(pid);
      if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks / tick;
  } catch {
    return undefined;
  }
}

interface OnOffOptions {
  readonly instances: number;
  readonly rounds: number;
  readonly sealerIntervalMs: number | undefined;
  readonly dataDir: string | undefined;
}

/**
 * The engine's straight-through rate with the sealer off and on, in the same run on a fresh database: the same
 * workload as `bench engine` (its code, reused), 8 concurrent starters; "on" = a sealer on its own connections
 * running concurrently as in a server process (default tick, a signed head every second). Off/on alternate
 * `rounds` times so drift of the shared machine hits both; the best and the median of each are reported, with each
 * run's rate, the sealer's backlog when an "on" run ended (events it still had to seal: a sealer that merely fell
 * behind would flatter "on"), and the CPU time per instance of the Node process and of the PostgreSQL server in
 * each mode (the sealer's catch-up after an "on" run is counted in "on"; nothing is left to seal after "off" runs'
 * measurement ends, their catch-up is excluded).
 */
async function sealingOnVsOff(url: string, options: OnOffOptions): Promise<Record<string, number | string>> {
  const concurrency = 8;
  const db = await openDatabase({ url, poolSize: concurrency + 2 });
  const sealerDb = await openDatabase({ url, poolSize: 2, migrate: false });
  try {
    const engine = createEngine(db);
    await engine.deploy([{ name: 'bench-straight.bpmn', content: STRAIGHT_THROUGH_XML }]);
    const engineOptions = { json: true, instances: options.instances, concurrency, workers: 0, backends: [], durationMs: undefined, peer: false };
    await straightThrough(engine, { ...engineOptions, instances: 300 }, concurrency); // warm-up
    await sealPending(sealerDb, { waitMs: 10_000 });
    const rates = { off: [] as number[], on: [] as number[] };
    // "On" rates counting the time the sealer then needed to catch up: the rate at which events were both written
    // and sealed, so a sealer that fell behind during the run does not flatter it.
    const sealedRatesOn: number[] = [];
    const cpu = { off: { node: 0, server: 0, instances: 0 }, on: { node: 0, server: 0, instances: 0 } };
    const backlogAfterOn: number[] = [];
    const { rows: before } = await db.query<{ n: string }>('select count(*)::text as n from event_log');
    const modes = Array.from({ length: options.rounds }, () => ['off', 'on'] as const).flat();
    for (const mode of modes) {
      const sealer = mode === 'on'
        ? createSealer(sealerDb, { signer: generateSigner(), headIntervalMs: 1000, ...(options.sealerIntervalMs ? { intervalMs: options.sealerIntervalMs } : {}) })
        : undefined;
      const node0 = process.cpuUsage();
      const server0 = serverCpuSeconds(options.dataDir);
      sealer?.start();
      const run = await straightThrough(engine, engineOptions, concurrency);
      await sealer?.stop();
      // "on" owes what its sealer left behind: it is sealed here, inside the CPU measurement; "off" stops measuring
      // first, then catches up (so "off" never pays for sealing, and the next run starts with nothing pending).
      const catchUpStart = performance.now();
      const leftBehind = mode === 'on' ? await sealPending(sealerDb, { waitMs: 10_000 }) : undefined;
      if (mode === 'on') sealedRatesOn.push(run.instances / (run.seconds + (performance.now() - catchUpStart) / 1000));
      const nodeUsed = process.cpuUsage(node0);
      const server1 = serverCpuSeconds(options.dataDir);
      if (mode === 'off') await sealPending(sealerDb, { waitMs: 10_000 });
      if (leftBehind) backlogAfterOn.push(leftBehind.sealed);
      rates[mode].push(run.instances / run.seconds);
      cpu[mode].node += (nodeUsed.user + nodeUsed.system) / 1e6;
      cpu[mode].server += server0 !== undefined && server1 !== undefined ? server1 - server0 : Number.NaN;
      cpu[mode].instances += run.instances;
    }
    const { rows: after } = await db.query<{ n: string }>('select count(*)::text as n from event_log');
    const eventsPerInstance = (Number(after[0]!.n) - Number(before[0]!.n)) / (cpu.on.instances + cpu.off.instances);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const micro = (seconds: number, n: number): number => Math.round((seconds / n) * 1e6);
    const off = Math.max(...rates.off);
    const on = Math.max(...rates.on);
    const cpuOn = cpu.on.node + cpu.on.server;
    const cpuOff = cpu.off.node + cpu.off.server;
    return {
      straightThroughInstances: options.instances,
      straightThroughRounds: options.rounds,
      straightThroughEventsPerInstance: Number(eventsPerInstance.toFixed(1)),
      straightThroughPerSecondSealingOff: Math.round(off),
      straightThroughPerSecondSealingOn: Math.round(on),
      sealingOnVsOffRatio: Math.round((on / off) * 1000) / 1000,
      sealingOnVsOffRatioMedian: Math.round((median(rates.on) / median(rates.off)) * 1000) / 1000,
      sealingOnIncludingCatchUpVsOffRatioMedian: Math.round((median(sealedRatesOn) / median(rates.off)) * 1000) / 1000,
      straightThroughRunsOff: rates.off.map(Math.round).join(' '),
      straightThroughRunsOn: rates.on.map(Math.round).join(' '),
      sealerBacklogAfterOnRuns: backlogAfterOn.join(' '),
      straightThroughRunsOnIncludingCatchUp: sealedRatesOn.map(Math.round).join(' '),
      cpuMicrosPerInstanceOff: `node ${micro(cpu.off.node, cpu.off.instances)} + postgres ${micro(cpu.off.server, cpu.off.instances)}`,
      cpuMicrosPerInstanceOn: `node ${micro(cpu.on.node, cpu.on.instances)} + postgres ${micro(cpu.on.server, cpu.on.instances)}`,
      // Total CPU per instance, off ÷ on: what the rate ratio tends to on a machine the workload saturates.
      cpuRatioOffOverOn: Math.round(((cpuOff / cpu.off.instances) / (cpuOn / cpu.on.instances)) * 1000) / 1000,
      sealerCpuMicrosPerEvent: Math.round(((cpuOn / cpu.on.instances - cpuOff / cpu.off.instances) / eventsPerInstance) * 1e6 * 10) / 10,
      sameRun: 'sealingOnVsOff* and cpuRatioOffOverOn compare off and on runs alternated within this bench run',
    };
  } finally {
    await sealerDb.close();
    await db.close();
  }
}

async function measure(db: Database, events: number, proofs: number, dataDir: string | undefined): Promise<Record<string, number | string>> {
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
  const sealNode0 = process.cpuUsage();
  const sealServer0 = serverCpuSeconds(dataDir);
  const sealed = await sealPending(db, { batchSize: 10_000, waitMs: 60_000 });
  const sealNode = process.cpuUsage(sealNode0);
  const sealServer1 = serverCpuSeconds(dataDir);
  const sealSeconds = (performance.now() - sealStart) / 1000;
  const perEvent = (seconds: number): string => ((seconds / Math.max(1, sealed.treeSize)) * 1e6).toFixed(1);
  await publishTreeHead(db, generateSigner());
  // What autovacuum does within a minute of a bulk load, done now: otherwise it starts on the million new rows at
  // some moment during verification, and the figure says more about that moment than about verification (runs of
  // the same code differed by 1.5 s).
  await db.exec('vacuum analyze event_log, ledger_block, ledger_node');

  // CPU time of verification as well as its wall time: on a shared machine the wall time mostly measures the
  // other sessions, the CPU seconds (Node + PostgreSQL) what verification itself needs. Three runs: the first after
  // a bulk load also pulls the tables into shared buffers (≈ 1 s more at a million events); all are reported, and
  // the median is the figure.
  const runs: { report: Awaited<ReturnType<typeof verifyLedger>>; node: number; server: number | undefined }[] = [];
  for (let i = 0; i < 3; i++) {
    const node0 = process.cpuUsage();
    const server0 = serverCpuSeconds(dataDir);
    const run = await verifyLedger(db);
    const nodeUsed = process.cpuUsage(node0);
    const server1 = serverCpuSeconds(dataDir);
    runs.push({ report: run, node: (nodeUsed.user + nodeUsed.system) / 1e6, server: server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined });
  }
  const median = [...runs].sort((a, b) => a.report.seconds - b.report.seconds)[1]!;
  const report = median.report;
  const failed = runs.find((r) => !r.report.ok);
  if (failed) throw new Error(`verification failed: ${JSON.stringify(failed.report.firstBad)}`);

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
    sealCpuMicrosPerEvent: `node ${perEvent((sealNode.user + sealNode.system) / 1e6)} + postgres ${sealServer0 !== undefined && sealServer1 !== undefined ? perEvent(sealServer1 - sealServer0) : '?'}`,
    verifySeconds: Number(report.seconds.toFixed(2)),
    verifySecondsRuns: runs.map((r) => r.report.seconds.toFixed(2)).join(' '),
    verifyCpuSeconds: `node ${median.node.toFixed(2)} + postgres ${median.server !== undefined ? median.server.toFixed(2) : '?'}`,
    verifyPhases: Object.entries(report.phases).map(([k, v]) => `${k} ${v}s`).join(', '),
    inclusionProofMsP50: Number(percentile(latencies, 50).toFixed(3)),
    inclusionProofMsP99: Number(percentile(latencies, 99).toFixed(3)),
    inclusionProofMsMean: Number((latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(3)),
    consistencyProofMsP50: Number(percentile(consistency, 50).toFixed(3)),
  };
}

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    json: { type: 'boolean' }, backend: { type: 'string' }, events: { type: 'string' }, proofs: { type: 'string' }, only: { type: 'string' },
    instances: { type: 'string' }, rounds: { type: 'string' }, 'sealer-interval': { type: 'string' },
  });
  const positive = { min: 1, integer: true };
  const backend = choiceFlag('--backend', values.backend, ['postgres', 'pglite'], 'postgres');
  const events = numberFlag('--events', values.events, backend === 'pglite' ? 100_000 : 1_000_000, positive);
  const proofs = numberFlag('--proofs', values.proofs, 2000, positive);
  const only = new Set((values.only ?? 'events,onoff').split(','));
  const onOff = {
    instances: numberFlag('--instances', values.instances, 3000, positive),
    rounds: numberFlag('--rounds', values.rounds, 3, positive),
    sealerIntervalMs: values['sealer-interval'] === undefined ? undefined : numberFlag('--sealer-interval', values['sealer-interval'], 0, positive),
  };
  if ([...only].some((part) => part !== 'events' && part !== 'onoff')) throw usageError('--only takes events and/or onoff');
  let engineUrl: string | undefined;
  let dataDir: string | undefined;
  let stop = (): void => {};
  let db: Database;
  if (backend === 'pglite') {
    db = await openDatabase({ url: 'memory://' });
  } else {
    let serverUrl = process.env['GOVFLOW_DATABASE_URL'];
    if (!serverUrl) {
      const server = await throwawayServer();
      serverUrl = server.url;
      dataDir = path.join(server.dir, 'data');
      stop = () => server.stop();
    }
    const name = `bench_ledger_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.query(`create database ${name}_engine`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = await openDatabase({ url: url.toString(), poolSize: 4 });
    url.pathname = `/${name}_engine`;
    engineUrl = url.toString();
  }
  printMachineLoad('before');
  try {
    const result = {
      subject: 'ledger', backend, date: new Date().toISOString(), loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))).join(' '),
      ...(only.has('events') ? await measure(db, events, proofs, dataDir) : {}),
      ...(engineUrl && only.has('onoff') ? await sealingOnVsOff(engineUrl, { ...onOff, dataDir }) : {}),
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))).join(' '),
      goals: 'verify 1,000,000 ≤ 5 s; inclusion proof ≤ 1 ms; straight-through with sealing on ≥ 0.9 × off',
    };
    printMachineLoad('after');
    console.log(values.json ? JSON.stringify(result) : result);
    return 0;
  } finally {
    await db.close();
    stop();
  }
}

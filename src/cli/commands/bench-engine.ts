/**
 * `govflow bench engine [--json]`: engine throughput and latency on PGlite and on PostgreSQL, next to two
 * references measured in the same run on the same database and connection count:
 *
 * - `baselineCommitsPerSecond`: plain single-row INSERT commits per second (the floor of any durable engine);
 * - `peer-bpmn-engine`: the npm package bpmn-engine running the same straight-through model, its state saved
 *   (`getState()` after every `activity.end`, UPSERT of the JSON) to the same database, as its users make it durable;
 *   its best case: the model is parsed once. Its rate is also the `peer` field of the straight-through line.
 *
 * Scenarios: `straight-through` (start, five internal service tasks `govflow:noop`, exclusive gateway, end: one
 * transaction per instance) and `external-workers` (five external-worker jobs in sequence, completed by an
 * in-process pool of concurrent workers). Definitions: `stepsPerSecond` is the number of flow-node executions
 * counted in the measured instances' event logs (element.completed events) over the measured seconds, and
 * `eventsPerInstance` the events those logs hold per instance (counted, not assumed); the peer's steps are its
 * `activity.end` events, the same notion. `p99StepMs` is the 99th percentile latency of one engine transaction
 * (starting an instance, or completing a job, with everything it sets off).
 *
 * Fairness: govflow and the peer get the same warm-up (the same number of unmeasured instances of their model
 * first) and the same number of measured instances (or the same duration with --duration). `vsPeer` is a ratio of
 * two rates measured in this run; `sameRun` in each line says so. The machine load is printed before and after
 * and emitted as the last JSON line.
 *
 * For PostgreSQL the bench uses GOVFLOW_DATABASE_URL, else starts a throwaway server (initdb/pg_ctl, temp dir,
 * free port, default durability settings: fsync and synchronous_commit on) and stops it afterwards.
 */
import { createEngine, type Engine } from '../../engine/index.js';
import { openDatabase, startThrowawayPostgres, type Backend, type Database } from '../../store/index.js';
// Types only (erased): the package is a devDependency, loaded with import() when present.
import type * as BpmnEngineNs from 'bpmn-engine';
import { choiceFlag, numberFlag, parseCommandArgs } from '../args.js';
import { withMachineLoad } from './bench-load.js';

type BpmnEngineModule = typeof BpmnEngineNs;

export interface Options {
  json: boolean;
  instances: number;
  concurrency: number | undefined;
  workers: number;
  backends: Backend[];
  durationMs: number | undefined;
  peer: boolean;
}

export interface BenchLine {
  backend: Backend;
  scenario: 'straight-through' | 'external-workers' | 'peer-bpmn-engine';
  instances: number;
  concurrency: number;
  seconds: number;
  instancesPerSecond: number;
  stepsPerSecond: number;
  p99StepMs: number;
  p50StepMs: number;
  baselineCommitsPerSecond: number;
  peer?: number;
  vsPeer?: number;
  workers?: number;
  eventsPerInstance?: number;
  /** Which ratios in this line compare figures measured in this same run (all of them, by construction). */
  sameRun?: { vsPeer?: true; baselineCommitsPerSecond: true };
}

/** Warm-up instances (JIT, definition cache, connections) run by govflow and by the peer before measuring. */
const WARM_UP = 300;

export const USAGE = `govflow bench engine [--json] [--backend pglite|postgres|both] [--instances N] [--concurrency C] [--workers W] [--duration SECONDS] [--no-peer]`;

function parseOptions(argv: string[]): Options {
  const { values } = parseCommandArgs(argv, {
    json: { type: 'boolean' }, instances: { type: 'string' }, concurrency: { type: 'string' }, workers: { type: 'string' },
    duration: { type: 'string' }, 'no-peer': { type: 'boolean' }, backend: { type: 'string' },
  });
  const backend = choiceFlag('--backend', values.backend, ['pglite', 'postgres', 'both'], 'both');
  return {
    json: values.json === true,
    instances: numberFlag('--instances', values.instances, 2000, { min: 1, integer: true }),
    concurrency: values.concurrency === undefined ? undefined : numberFlag('--concurrency', values.concurrency, 1, { min: 1, integer: true }),
    workers: numberFlag('--workers', values.workers, 0, { min: 1, integer: true }),
    backends: backend === 'both' ? ['pglite', 'postgres'] : [backend],
    durationMs: values.duration === undefined ? undefined : numberFlag('--duration', values.duration, 0, { min: Number.MIN_VALUE }) * 1000,
    peer: values['no-peer'] !== true,
  };
}

// ---------------------------------------------------------------------------- models

const DEFS = (body: string, extraNs = '') => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${extraNs} id="bench" targetNamespace="http://govflow.bench">
${body}
</definitions>`;
const ZEEBE_NS = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

function chain(ids: string[]): string {
  return ids.slice(1).map((to, i) => `<sequenceFlow id="f${i}_${ids[i]}_${to}" sourceRef="${ids[i]}" targetRef="${to}"/>`).join('');
}

/** start, five internal service tasks, exclusive gateway (amount > 10), two end events. */
export const STRAIGHT_THROUGH_XML = DEFS(`<process id="bench-straight" isExecutable="true"><startEvent id="s"/>
${[1, 2, 3, 4, 5].map((i) => `<serviceTask id="t${i}"><extensionElements><zeebe:taskDefinition type="govflow:noop"/></extensionElements></serviceTask>`).join('')}
<exclusiveGateway id="x" default="fn"/><endEvent id="big"/><endEvent id="small"/>
${chain(['s', 't1', 't2', 't3', 't4', 't5', 'x'])}
<sequenceFlow id="fy" sourceRef="x" targetRef="big"><conditionExpression xsi:type="tFormalExpression">= amount &gt; 10</conditionExpression></sequenceFlow>
<sequenceFlow id="fn" sourceRef="x" targetRef="small"/></process>`, ZEEBE_NS);

const EXTERNAL_TYPES = [1, 2, 3, 4, 5].map((i) => `bench.job${i}`);
/** start, five external-worker service tasks in sequence, end. */
export const EXTERNAL_XML = DEFS(`<process id="bench-external" isExecutable="true"><startEvent id="s"/>
${EXTERNAL_TYPES.map((type, i) => `<serviceTask id="j${i + 1}"><extensionElements><zeebe:taskDefinition type="${type}"/></extensionElements></serviceTask>`).join('')}
<endEvent id="e"/>${chain(['s', 'j1', 'j2', 'j3', 'j4', 'j5', 'e'])}</process>`, ZEEBE_NS);

/** The straight-through model for bpmn-engine: same elements, services instead of govflow's inline handler. */
export const PEER_XML = DEFS(`<process id="bench-peer" isExecutable="true"><startEvent id="s"/>
${[1, 2, 3, 4, 5].map((i) => `<serviceTask id="t${i}" implementation="\${environment.services.noop}"/>`).join('')}
<exclusiveGateway id="x" default="fn"/><endEvent id="big"/><endEvent id="small"/>
${chain(['s', 't1', 't2', 't3', 't4', 't5', 'x'])}
<sequenceFlow id="fy" sourceRef="x" targetRef="big"><conditionExpression xsi:type="tFormalExpression">\${environment.services.isBig(environment.variables.amount)}</conditionExpression></sequenceFlow>
<sequenceFlow id="fn" sourceRef="x" targetRef="small"/></process>`);

// ---------------------------------------------------------------------------- measurement helpers

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs `concurrency` loops that each call `op` until `count` ops ran (or the deadline passed); returns timings. */
async function drive(count: number, concurrency: number, deadline: number | undefined, op: (i: number) => Promise<void>): Promise<{ done: number; seconds: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      if (deadline !== undefined ? performance.now() >= deadline : next >= count) return;
      const i = next++;
      const started = performance.now();
      await op(i);
      latencies.push(performance.now() - started);
    }
  }));
  return { done: latencies.length, seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function baselineCommits(db: Database, options: Options, concurrency: number): Promise<number> {
  await db.exec('drop table if exists bench_baseline; create table bench_baseline (id bigserial primary key, v text not null, at timestamptz not null default now())');
  const count = Math.max(options.instances * 2, 100);
  const deadline = options.durationMs !== undefined ? performance.now() + options.durationMs : undefined;
  const run = await drive(count, concurrency, deadline, async (i) => {
    await db.query('insert into bench_baseline (v) values ($1)', [`row ${i}`]);
  });
  await db.exec('drop table bench_baseline');
  return run.done / run.seconds;
}

export async function straightThrough(engine: Engine, options: Options, concurrency: number): Promise<{ instances: number; seconds: number; latencies: number[]; ids: number[] }> {
  const deadline = options.durationMs !== undefined ? performance.now() + options.durationMs : undefined;
  const ids: number[] = [];
  const run = await drive(options.instances, concurrency, deadline, async (i) => {
    ids.push((await engine.startInstance('bench-straight', { variables: { amount: i % 20, n: i } })).id);
  });
  return { instances: run.done, seconds: run.seconds, latencies: run.latencies, ids };
}

/** Steps (element.completed) and all events in the measured instances' event logs: counted, after the clock stops. */
async function countFromEventLog(engine: Engine, ids: readonly number[]): Promise<{ steps: number; events: number }> {
  let steps = 0;
  let events = 0;
  for (const id of ids) {
    const log = await engine.getEvents(id);
    events += log.length;
    for (const e of log) if (e.type === 'element.completed') steps++;
  }
  return { steps, events };
}

/**
 * Starters create instances while a worker pool works the jobs: one activator per job type locks batches of up
 * to 64 jobs (`activateJobs`, woken by the engine's job notifications) into a shared queue, and `workers`
 * concurrent workers complete them (`completeJob`). Ends when every started instance has completed its last job.
 */
async function externalWorkers(engine: Engine, options: Options, concurrency: number): Promise<{ instances: number; seconds: number; latencies: number[]; ids: number[] }> {
  const latencies: number[] = [];
  const ids: number[] = [];
  const queue: { id: number; type: string; elementId: string }[] = [];
  let finished = 0;
  let started = 0;
  let startingDone = false;
  const done = () => startingDone && finished >= started;
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const w of [...wakers]) w();
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const waker = () => {
      clearTimeout(timer);
      wakers.delete(waker);
      resolve();
    };
    const timer = setTimeout(waker, ms);
    wakers.add(waker);
  });
  const unlisten = await engine.onJobsAvailable(wakeAll);
  const t0 = performance.now();
  const deadline = options.durationMs !== undefined ? t0 + options.durationMs : undefined;
  const starters = Promise.all(Array.from({ length: Math.max(1, Math.floor(concurrency / 4)) }, async () => {
    for (;;) {
      if (deadline !== undefined ? performance.now() >= deadline : started >= options.instances) return;
      started++;
      const s = performance.now();
      ids.push((await engine.startInstance('bench-external', { variables: { n: started } })).id);
      latencies.push(performance.now() - s);
    }
  })).then(() => {
    startingDone = true;
  });
  const activators = EXTERNAL_TYPES.map(async (type) => {
    while (!done()) {
      if (queue.length >= options.workers * 4) {
        await sleep(1);
        continue;
      }
      const jobs = await engine.activateJobs({ type, worker: `bench-activator-${type}`, maxJobs: 64, lockMs: 60_000 });
      for (const job of jobs) queue.push({ id: job.id, type, elementId: job.elementId });
      if (jobs.length > 0) wakeAll();
      else await sleep(20);
    }
  });
  const workers = Array.from({ length: options.workers }, async () => {
    while (!done()) {
      const job = queue.shift();
      if (!job) {
        await sleep(5);
        continue;
      }
      const s = performance.now();
      await engine.completeJob(job.id, { worker: `bench-activator-${job.type}`, variables: { [`r${job.elementId}`]: true } });
      latencies.push(performance.now() - s);
      if (job.type === EXTERNAL_TYPES.at(-1)) finished++;
    }
    wakeAll();
  });
  await Promise.all([starters, ...activators, ...workers]);
  await unlisten();
  return { instances: finished, seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b), ids };
}

/** bpmn-engine, made durable as its users do: after every activity.end, getState() and UPSERT the JSON state. */
async function peerBpmnEngine(db: Database, options: Options, concurrency: number): Promise<{ instances: number; seconds: number; latencies: number[]; steps: number } | undefined> {
  let mod: BpmnEngineModule;
  try {
    mod = await import('bpmn-engine');
  } catch {
    return undefined; // a production install without devDependencies
  }
  const { EventEmitter } = await import('node:events');
  await db.exec('drop table if exists bench_peer_state; create table bench_peer_state (id text primary key, state jsonb not null, updated_at timestamptz not null default now())');
  const services = { noop: (_ctx: unknown, next: (err: Error | null) => void) => next(null), isBig: (amount: number) => amount > 10 };
  // The peer's best case: the model is parsed once and the parsed context reused for every instance.
  const { BpmnModdle } = await import('bpmn-moddle');
  const moddleContext = await new BpmnModdle().fromXML(PEER_XML);
  let steps = 0;
  let stepLatencies: number[] = [];
  const runOne = async (id: string, i: number): Promise<void> => {
    const engine = new mod.Engine({ name: id, moddleContext: moddleContext as BpmnEngineNs.BpmnEngineOptions['moddleContext'], variables: { amount: i % 20, n: i }, services });
    const listener = new EventEmitter();
    let saves: Promise<void> = Promise.resolve();
    listener.on('activity.end', () => {
      steps++;
      const state = engine.getState();
      saves = saves.then(async () => {
        const s = performance.now();
        await db.query('insert into bench_peer_state (id, state) values ($1, $2::jsonb) on conflict (id) do update set state = excluded.state, updated_at = now()', [id, JSON.stringify(await state)]);
        stepLatencies.push(performance.now() - s);
      });
    });
    await new Promise<void>((resolve, reject) => {
      engine.once('end', () => resolve());
      engine.once('error', reject);
      engine.execute({ listener }).catch(reject);
    });
    await saves;
  };
  // The same warm-up govflow gets, then the same number of measured instances (or the same duration).
  await drive(Math.min(WARM_UP, options.instances), concurrency, undefined, (i) => runOne(`peer-warm-${i}`, i));
  steps = 0;
  stepLatencies = [];
  const deadline = options.durationMs !== undefined ? performance.now() + options.durationMs : undefined;
  const run = await drive(options.instances, concurrency, deadline, (i) => runOne(`peer-${i}`, i));
  await db.exec('drop table bench_peer_state');
  return { instances: run.done, seconds: run.seconds, latencies: stepLatencies.sort((a, b) => a - b), steps };
}

// ---------------------------------------------------------------------------- throwaway PostgreSQL

// Default durability (fsync, synchronous_commit, full_page_writes on); only connections are raised.
const throwawayPostgres = () => startThrowawayPostgres({ prefix: 'govflow-bench-pg-' });

// ---------------------------------------------------------------------------- the command

async function benchBackend(backend: Backend, url: string, options: Options, emit: (line: BenchLine) => void): Promise<void> {
  // PGlite has one connection; on a 2-core machine 8 connections saturate both the server and this process.
  const concurrency = backend === 'pglite' ? options.concurrency ?? 4 : options.concurrency ?? 8;
  const db = await openDatabase({ url, poolSize: concurrency + 2 });
  try {
    const engine = createEngine(db);
    await engine.deploy([{ name: 'bench-straight.bpmn', content: STRAIGHT_THROUGH_XML }, { name: 'bench-external.bpmn', content: EXTERNAL_XML }]);
    // Warm up: JIT, definition cache, connections (the peer gets the same number of warm-up instances).
    await straightThrough(engine, { ...options, instances: Math.min(WARM_UP, options.instances), durationMs: undefined }, concurrency);
    const baseline = round(await baselineCommits(db, options, concurrency));
    const peer = options.peer ? await peerBpmnEngine(db, options, concurrency) : undefined;
    const peerRate = peer ? round(peer.instances / peer.seconds) : undefined;

    const straight = await straightThrough(engine, options, concurrency);
    const straightRate = straight.instances / straight.seconds;
    const straightLog = await countFromEventLog(engine, straight.ids);
    emit({
      backend, scenario: 'straight-through', instances: straight.instances, concurrency, seconds: round(straight.seconds, 2),
      instancesPerSecond: round(straightRate), stepsPerSecond: round(straightLog.steps / straight.seconds), p99StepMs: round(percentile(straight.latencies, 99), 2), p50StepMs: round(percentile(straight.latencies, 50), 2),
      baselineCommitsPerSecond: baseline, eventsPerInstance: round(straightLog.events / Math.max(1, straight.instances), 2),
      ...(peerRate !== undefined ? { peer: peerRate, vsPeer: round(straightRate / peerRate, 1) } : {}),
      sameRun: { ...(peerRate !== undefined ? { vsPeer: true as const } : {}), baselineCommitsPerSecond: true },
    });

    const workers = options.workers || concurrency;
    const external = await externalWorkers(engine, { ...options, workers }, concurrency);
    const externalRate = external.instances / external.seconds;
    const externalLog = await countFromEventLog(engine, external.ids);
    emit({
      backend, scenario: 'external-workers', instances: external.instances, concurrency, workers, seconds: round(external.seconds, 2),
      instancesPerSecond: round(externalRate), stepsPerSecond: round(externalLog.steps / external.seconds), p99StepMs: round(percentile(external.latencies, 99), 2), p50StepMs: round(percentile(external.latencies, 50), 2),
      baselineCommitsPerSecond: baseline, eventsPerInstance: round(externalLog.events / Math.max(1, external.ids.length), 2),
      sameRun: { baselineCommitsPerSecond: true },
    });

    if (peer && peerRate !== undefined) {
      emit({
        backend, scenario: 'peer-bpmn-engine', instances: peer.instances, concurrency, seconds: round(peer.seconds, 2),
        instancesPerSecond: peerRate, stepsPerSecond: round(peer.steps / peer.seconds), p99StepMs: round(percentile(peer.latencies, 99), 2), p50StepMs: round(percentile(peer.latencies, 50), 2),
        baselineCommitsPerSecond: baseline, sameRun: { baselineCommitsPerSecond: true },
      });
    }
  } finally {
    await db.close();
  }
}

export async function runBench(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const emit = (line: BenchLine) => {
    if (options.json) console.log(JSON.stringify(line));
    else {
      console.log(`${line.backend.padEnd(8)} ${line.scenario.padEnd(17)} ${String(line.instancesPerSecond).padStart(8)} inst/s ${String(line.stepsPerSecond).padStart(9)} steps/s  p99 ${line.p99StepMs} ms  baseline ${line.baselineCommitsPerSecond} commits/s${line.peer !== undefined ? `  peer ${line.peer} inst/s (×${line.vsPeer})` : ''}`);
    }
  };
  const { result: status, load } = await withMachineLoad(async () => {
    for (const backend of options.backends) {
      if (backend === 'pglite') {
        await benchBackend('pglite', 'memory://', options, emit);
        continue;
      }
      const configured = process.env['GOVFLOW_DATABASE_URL'];
      const server = configured ? { url: configured, stop() {} } : await throwawayPostgres();
      if (!server) {
        console.error('govflow bench engine: no PostgreSQL (set GOVFLOW_DATABASE_URL or install postgresql); skipping the postgres backend');
        if (options.backends.length === 1) return 1;
        continue;
      }
      try {
        await benchBackend('postgres', server.url, options, emit);
      } finally {
        server.stop();
      }
    }
    return 0;
  });
  if (options.json) console.log(JSON.stringify({ machineLoad: load }));
  return status;
}

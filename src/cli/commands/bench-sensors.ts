/**
 * `govflow bench sensors [--json]` (issue 22, acceptance 5): the composed server as `govflow serve` runs it (demo
 * municipality, background loops, the embedded MQTT broker, the sensor rules on) on PostgreSQL (a throwaway server,
 * `--database-url`, or `--db pglite`), measured in one run:
 * - `mqtt`: sustained ingest over MQTT, QoS 1, several publishing clients in a process of their own, each message a
 *   burst of entities; a PUBACK comes only once the readings are committed and the rules have run;
 * - `ngsiLd`: the same through `POST /ngsi-ld/v1/entityOperations/upsert` over HTTP, several connections;
 * - `publishToCase`: a container over its threshold published over MQTT, until its sensor-alarm case exists;
 * - `seriesRead`: `--observations N` readings seeded in bulk SQL, then a 24-hour series of one asset read through
 *   `GET /ngsi-ld/v1/temporal/entities/…` by autocannon, with `GET /` on the same server as the baseline.
 * What the ingest children say was acknowledged is checked against what was stored (each reading once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { issueApiKey } from '../../identity/index.js';
import { loadConfig } from '../../kernel/index.js';
import { casesOf, MODEL_TYPES, MQTT_TOPIC, seedSeries, sensorCounts } from '../../sensors/index.js';
import { startThrowawayPostgres, type Database } from '../../store/index.js';
import { choiceFlag, numberFlag, parseCommandArgs, usageError } from '../args.js';
import { openGovflow, startServer } from '../compose.js';
import { load } from './bench-engagement.js';
import { withMachineLoad } from './bench-load.js';
import { runLoadChild } from './load-child.js';

export const USAGE = `govflow bench sensors [--json] [--db postgres|pglite] [--database-url postgres://…] [--observations N] [--seconds S] [--warmup S]
                     [--clients C] [--batch B] [--connections C] [--assets N] [--samples N]
  --observations: readings seeded for the series read (default 10,000,000; 100,000 for a quick check)
  --seconds: measured seconds of each ingest and of the series read (default 10); --warmup before each (default 2)
  --clients: MQTT publishing clients, also the HTTP connections of the batch upserts (default 8)
  --batch: entities per MQTT message and per upsert batch (default 25)
  --connections: autocannon connections of the series read (default 4)
  --assets: assets the ingest writes to (default 1,000); --samples: publish-to-case samples (default 50)`;

/** Issue 22, acceptance 5. */
export const SENSORS_GOAL = { ingestPerSecond: 10_000, seriesReadP99Ms: 50 } as const;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const percentile = (sorted: readonly number[], p: number): number => round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0, 2);

/** The ingest's assets: the five models in turn, apart per transport so each transport's readings are counted alone. */
const ingestIds = (transport: string, assets: number): string[] => Array.from({ length: assets }, (_, i) => `urn:ngsi-ld:${MODEL_TYPES[i % MODEL_TYPES.length]}:bench-${transport}-${i}`);

/**
 * Runs in a child `node` process: `clients` publishers (MQTT clients or HTTP connections), each owning a slice of
 * the assets, send bursts of readings in the key-values form with a time of their own (strictly increasing per
 * client, so no two readings share a key) and values within every rule's limits. Prints one JSON line.
 */
const INGEST_GENERATOR = `
const spec = JSON.parse(process.env.GOVFLOW_BENCH_SPEC);
const types = spec.types;
const idOf = (i) => 'urn:ngsi-ld:' + types[i % types.length] + ':bench-' + spec.transport + '-' + i;
const v = (min, max) => Math.round((min + Math.random() * (max - min)) * 1000) / 1000;
function entity(i, at) {
  const base = { id: idOf(i), type: types[i % types.length], dateObserved: at };
  switch (base.type) {
    case 'WasteContainer': return { ...base, fillingLevel: v(0.05, 0.7), temperature: v(10, 25), status: 'ok' };
    case 'Streetlight': return { ...base, status: 'ok', powerState: 'on', powerConsumption: v(96, 104) };
    case 'TrafficFlowObserved': return { ...base, occupancy: v(0.05, 0.7), intensity: Math.round(v(40, 700)), averageVehicleSpeed: v(20, 60) };
    case 'AirQualityObserved': return { ...base, no2: v(10, 120), pm10: v(5, 40), temperature: v(10, 25) };
    default: return { ...base, status: 'free' };
  }
}
const readingsOf = (e) => Object.keys(e).length - 3;
let mqtt;
if (spec.transport === 'mqtt') mqtt = (await import(spec.mqttModule)).default;
const senders = [];
for (let c = 0; c < spec.clients; c++) {
  if (spec.transport === 'mqtt') {
    const client = await mqtt.connectAsync(spec.url, { clientId: 'bench-' + process.pid + '-' + c, username: 'bench', password: spec.key, clean: true, reconnectPeriod: 0 });
    senders.push({ send: (body) => client.publishAsync(spec.topic, body, { qos: 1 }), end: () => client.endAsync() });
  } else {
    const url = spec.url + '/ngsi-ld/v1/entityOperations/upsert?options=update,keyValues';
    senders.push({ send: async (body) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + spec.key }, body });
      const text = await res.text();
      if (res.status !== 201 && res.status !== 204) throw new Error('HTTP ' + res.status + ': ' + text.slice(0, 300));
    }, end: async () => {} });
  }
}
const started = performance.now();
const measureFrom = started + spec.warmupSeconds * 1000;
const measureTo = measureFrom + spec.seconds * 1000;
let inWindow = 0, total = 0, messages = 0, errors = 0, firstError;
const latencies = [];
await Promise.all(senders.map(async (sender, c) => {
  const mine = [];
  for (let i = c; i < spec.assets; i += spec.clients) mine.push(i);
  let cursor = 0, last = 0;
  while (performance.now() < measureTo) {
    const now = Math.max(Date.now(), last + 1);
    last = now;
    const at = new Date(now).toISOString();
    const batch = [];
    for (let k = 0; k < Math.min(spec.batch, mine.length); k++) { batch.push(entity(mine[cursor], at)); cursor = (cursor + 1) % mine.length; }
    const readings = batch.reduce((n, e) => n + readingsOf(e), 0);
    const t = performance.now();
    try {
      await sender.send(JSON.stringify(batch));
    } catch (error) {
      errors++;
      firstError ??= String(error && error.message || error);
      continue;
    }
    const done = performance.now();
    total += readings;
    messages++;
    if (done >= measureFrom && done <= measureTo) { inWindow += readings; latencies.push(done - t); }
  }
  await sender.end();
}));
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? 0;
process.stdout.write(JSON.stringify({ inWindow, total, messages, errors, firstError, seconds: spec.seconds, p50: at(0.5), p99: at(0.99) }) + '\\n');
`;

interface IngestResult {
  readonly transport: string;
  readonly observationsPerSecond: number;
  /** Readings acknowledged (PUBACK or 201/204) in all, and stored for those assets: equal means each once. */
  readonly acknowledged: number;
  readonly stored: number;
  readonly messages: number;
  readonly errors: number;
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
}

async function ingest(db: Database, transport: 'mqtt' | 'ngsi-ld', spec: { url: string; key: string; clients: number; batch: number; assets: number; warmupSeconds: number; seconds: number }): Promise<IngestResult> {
  const mqttModule = pathToFileURL(createRequire(import.meta.url).resolve('mqtt')).href;
  const line = await runLoadChild(`${transport} ingest`, INGEST_GENERATOR, { ...spec, transport, types: MODEL_TYPES, mqttModule, topic: `${MQTT_TOPIC}/keyValues` });
  const r = JSON.parse(line) as { inWindow: number; total: number; messages: number; errors: number; firstError?: string; seconds: number; p50: number; p99: number };
  if (r.errors > 0) throw new Error(`${transport} ingest: ${r.errors} sends failed, the first: ${r.firstError}`);
  const { observations } = await sensorCounts(db, ingestIds(transport, spec.assets));
  return {
    transport, observationsPerSecond: round(r.inWindow / r.seconds), acknowledged: r.total, stored: observations, messages: r.messages, errors: r.errors,
    ackP50Ms: round(r.p50, 2), ackP99Ms: round(r.p99, 2),
  };
}

/** A container over 80 % published over MQTT (QoS 1), then its case looked for until it exists with its process. */
async function publishToCase(db: Database, url: string, key: string, samples: number): Promise<{ samples: number; casesOpened: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-alarm-${process.pid}`, username: 'bench', password: key, clean: true, reconnectPeriod: 0 });
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const id = `urn:ngsi-ld:WasteContainer:bench-alarm-${i}`;
      const started = performance.now();
      await client.publishAsync(`${MQTT_TOPIC}/keyValues`, JSON.stringify({ id, type: 'WasteContainer', fillingLevel: 0.93, dateObserved: new Date().toISOString() }), { qos: 1 });
      for (;;) {
        if ((await casesOf(db, { entityId: id, open: true })).some((c) => c.instanceId !== null)) break;
        if (performance.now() - started > 30_000) throw new Error(`no case was opened for ${id} within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      times.push(performance.now() - started);
    }
  } finally {
    await client.endAsync();
  }
  times.sort((a, b) => a - b);
  const { cases } = await sensorCounts(db, Array.from({ length: samples }, (_, i) => `urn:ngsi-ld:WasteContainer:bench-alarm-${i}`));
  return { samples, casesOpened: cases, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: round(times.at(-1) ?? 0, 2) };
}

const freePort = async (): Promise<number> => new Promise((resolve, reject) => {
  const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});

function parseOptions(argv: string[]) {
  const { values } = parseCommandArgs(argv, {
    json: { type: 'boolean' }, db: { type: 'string' }, 'database-url': { type: 'string' }, observations: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' },
    clients: { type: 'string' }, batch: { type: 'string' }, connections: { type: 'string' }, assets: { type: 'string' }, samples: { type: 'string' },
  });
  const databaseUrl = values['database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw usageError('--database-url must be a postgres:// URL');
  const backend = choiceFlag('--db', values.db, ['postgres', 'pglite'], 'postgres');
  if (backend === 'pglite' && databaseUrl !== undefined) throw usageError('--db pglite takes no --database-url');
  const clients = numberFlag('--clients', values.clients, 8, { min: 1, max: 200, integer: true });
  const assets = numberFlag('--assets', values.assets, 1000, { min: 1, max: 100_000, integer: true });
  if (assets < clients) throw usageError(`--assets (${assets}) must be at least --clients (${clients}): each client writes its own assets`);
  return {
    json: values.json === true, backend, databaseUrl, clients, assets,
    observations: numberFlag('--observations', values.observations, 10_000_000, { min: 1000, max: 1_000_000_000, integer: true }),
    seconds: numberFlag('--seconds', values.seconds, 10, { min: 0.5, max: 600 }),
    warmupSeconds: numberFlag('--warmup', values.warmup, 2, { min: 0, max: 120 }),
    batch: numberFlag('--batch', values.batch, 25, { min: 1, max: 1000, integer: true }),
    connections: numberFlag('--connections', values.connections, 4, { min: 1, max: 500, integer: true }),
    samples: numberFlag('--samples', values.samples, 50, { min: 1, max: 10_000, integer: true }),
  };
}

export async function runBench(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const cleanups: (() => Promise<void> | void)[] = [];
  const savedEnv = { port: process.env['GOVFLOW_MQTT_PORT'], host: process.env['GOVFLOW_MQTT_HOST'], url: process.env['GOVFLOW_MQTT_URL'] };
  try {
    let databaseUrl = options.databaseUrl ?? (options.backend === 'postgres' ? process.env['GOVFLOW_DATABASE_URL'] : undefined);
    if (options.backend === 'postgres' && !databaseUrl) {
      const throwaway = await startThrowawayPostgres({ prefix: 'govflow-bench-sensors-pg-', settings: { max_connections: 100 } });
      if (!throwaway) throw usageError('no PostgreSQL installation found; give --database-url or --db pglite');
      cleanups.push(() => throwaway.stop());
      databaseUrl = throwaway.url;
    }
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'govflow-bench-sensors-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    // The embedded broker, as a city without its own runs it: devices sign in with an API key of the sensors scope.
    const mqttPort = await freePort();
    Object.assign(process.env, { GOVFLOW_MQTT_PORT: String(mqttPort), GOVFLOW_MQTT_HOST: '127.0.0.1' });
    delete process.env['GOVFLOW_MQTT_URL'];
    const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: options.backend === 'pglite' ? undefined : databaseUrl } });
    cleanups.push(() => govflow.close());
    const running = await startServer(govflow, { demo: true, rateLimits: 'off' });
    cleanups.push(() => running.stop());
    const { key } = await issueApiKey(govflow.db, { name: 'bench-sensors', scopes: ['sensors'], services: [] }, 'bench');
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const ingestSpec = { key, clients: options.clients, batch: options.batch, assets: options.assets, warmupSeconds: options.warmupSeconds, seconds: options.seconds };
    const { result, load: machine } = await withMachineLoad(async () => {
      const overMqtt = await ingest(govflow.db, 'mqtt', { ...ingestSpec, url: mqttUrl });
      const overNgsiLd = await ingest(govflow.db, 'ngsi-ld', { ...ingestSpec, url: running.url });
      const toCase = await publishToCase(govflow.db, mqttUrl, key, options.samples);
      const seedStarted = performance.now();
      const seeded = await seedSeries(govflow.db, options.observations);
      const seedSeconds = round((performance.now() - seedStarted) / 1000);
      // 24-hour windows of the one asset, a different day each request, all inside the seeded period.
      const days = Math.max(1, Math.floor((Date.parse(seeded.to) - Date.parse(seeded.from)) / 86_400_000));
      const requests = Array.from({ length: Math.min(days, 30) }, (_, d) => {
        const to = new Date(Date.parse(seeded.to) - d * 86_400_000);
        const from = new Date(to.getTime() - 86_400_000);
        return { method: 'GET' as const, path: `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(seeded.entityId)}?timerel=between&timeAt=${from.toISOString()}&endTimeAt=${to.toISOString()}`, headers: { authorization: `Bearer ${key}` } };
      });
      const spec = { url: running.url, connections: options.connections, warmupSeconds: options.warmupSeconds, durationSeconds: options.seconds };
      const series = await load('series-read', { ...spec, requests });
      const baseline = await load('baseline', { ...spec, requests: [{ method: 'GET', path: '/' }] });
      return { overMqtt, overNgsiLd, toCase, seeded: { ...seeded, seedSeconds }, series, baseline };
    });
    const { overMqtt, overNgsiLd, toCase, seeded, series, baseline } = result;
    const report = {
      bench: 'sensors', backend: options.backend === 'pglite' ? 'pglite' : 'postgresql', rulesOn: true,
      ingest: { clients: options.clients, batch: options.batch, assets: options.assets, seconds: options.seconds, warmupSeconds: options.warmupSeconds, mqtt: overMqtt, ngsiLd: overNgsiLd },
      publishToCase: toCase,
      seriesRead: {
        storedObservations: seeded.observations, seededAssets: seeded.assets, seedSeconds: seeded.seedSeconds, entityId: seeded.entityId, windowHours: 24,
        requestsPerSecond: series.requestsPerSecond, p50Ms: series.p50Ms, p99Ms: series.p99Ms, maxMs: series.maxMs, connections: options.connections,
      },
      baseline: { path: 'GET /', requestsPerSecond: baseline.requestsPerSecond, p50Ms: baseline.p50Ms, p99Ms: baseline.p99Ms },
      ratios: {
        seriesReadVsBaselineRequests: round(series.requestsPerSecond / Math.max(0.1, baseline.requestsPerSecond), 2),
        seriesReadVsBaselineP99: round(series.p99Ms / Math.max(0.1, baseline.p99Ms), 2),
      },
      goal: SENSORS_GOAL,
      goalMet: {
        mqtt: overMqtt.observationsPerSecond >= SENSORS_GOAL.ingestPerSecond, ngsiLd: overNgsiLd.observationsPerSecond >= SENSORS_GOAL.ingestPerSecond,
        seriesRead: series.p99Ms < SENSORS_GOAL.seriesReadP99Ms,
      },
      storedExactlyOnce: overMqtt.stored === overMqtt.acknowledged && overNgsiLd.stored === overNgsiLd.acknowledged,
      load: machine,
    };
    if (options.json) console.log(JSON.stringify(report));
    else {
      for (const r of [overMqtt, overNgsiLd]) console.log(`${r.transport.padEnd(8)} ${String(r.observationsPerSecond).padStart(9)} observations/s  ack p50 ${r.ackP50Ms} ms  p99 ${r.ackP99Ms} ms  (${r.acknowledged} acknowledged, ${r.stored} stored)`);
      console.log(`publish → case: p50 ${toCase.p50Ms} ms  p99 ${toCase.p99Ms} ms  (${toCase.casesOpened} cases of ${toCase.samples})`);
      console.log(`24-hour series among ${seeded.observations} readings: ${series.requestsPerSecond} req/s  p50 ${series.p50Ms} ms  p99 ${series.p99Ms} ms; GET / ${baseline.requestsPerSecond} req/s  p99 ${baseline.p99Ms} ms`);
    }
    return report.storedExactlyOnce ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const [name, value] of [['GOVFLOW_MQTT_PORT', savedEnv.port], ['GOVFLOW_MQTT_HOST', savedEnv.host], ['GOVFLOW_MQTT_URL', savedEnv.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * `govflow bench exchange [--json] [--calls N]`: round trips per second and latency (p50, p99) of X-Road REST calls
 * between two govflow members on loopback, each on its own throwaway PGlite database: first with mutual TLS and
 * JWS signatures (the embedded default), then the same calls over plain HTTP without signatures (as behind a real
 * security server), in the same run, in alternating rounds. Every call is logged on both sides and its proof appended to the event log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../../engine/index.js';
import { createExchange, type Exchange } from '../../exchange/index.js';
import { openDatabase, type Database } from '../../store/index.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { withMachineLoad } from './bench-load.js';

export const USAGE = `govflow bench exchange [--json] [--calls N]
  --calls: round trips per mode (default 200)`;

interface ModeResult { readonly calls: number; readonly roundTripsPerSecond: number; readonly p50Ms: number; readonly p99Ms: number }

const percentile = (sorted: readonly number[], p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 100) / 100;

async function pair(consumerDb: Database, providerDb: Database, tls: boolean, suffix: string): Promise<{ consumer: Exchange; provider: Exchange }> {
  const masterKey = Buffer.alloc(32, 9);
  const provider = await createExchange({ db: providerDb, engine: createEngine(providerDb), masterKey, member: `BENCH/GOV/provider${suffix}/SVC`, tls });
  const consumer = await createExchange({ db: consumerDb, engine: createEngine(consumerDb), masterKey, member: `BENCH/GOV/consumer${suffix}/APP`, tls });
  await provider.publish({ serviceCode: 'status', title: 'Case status', kind: 'case-status', target: '' }, 'bench');
  await provider.grant('status', consumer.client, 'bench');
  await provider.addPeer({ memberId: `BENCH/GOV/consumer${suffix}`, baseUrl: consumer.endpointUrl, certificate: consumer.certificate }, 'bench');
  await consumer.addPeer({ memberId: `BENCH/GOV/provider${suffix}`, baseUrl: provider.endpointUrl, certificate: provider.certificate }, 'bench');
  return { consumer, provider };
}

/** One mode's round trips, `times` collecting each call's latency; returns the wall time the calls took. */
async function round(consumer: Exchange, service: string, from: number, to: number, times: number[]): Promise<number> {
  const started = performance.now();
  for (let i = from; i < to; i++) {
    const t = performance.now();
    await consumer.call({ service, method: 'GET', path: `/case-${i}` });
    times.push(performance.now() - t);
  }
  return performance.now() - started;
}

function summary(calls: number, total: number, times: number[]): ModeResult {
  times.sort((a, b) => a - b);
  return { calls, roundTripsPerSecond: Math.round((calls / total) * 1000 * 10) / 10, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
}

const ROUNDS = 4;

/**
 * Both modes in alternating rounds (secured first in odd rounds, plain first in even ones), so a machine that gets
 * busier or a JIT that warms up during the run weighs on both alike rather than on whichever ran second.
 */
async function measureBoth(secured: Exchange, plain: Exchange, calls: number): Promise<{ secured: ModeResult; plain: ModeResult }> {
  const modes = [
    { consumer: secured, service: 'BENCH/GOV/provider/SVC/status', times: [] as number[], total: 0 },
    { consumer: plain, service: 'BENCH/GOV/provider-plain/SVC/status', times: [] as number[], total: 0 },
  ];
  for (const m of modes) for (let i = 0; i < 5; i++) await m.consumer.call({ service: m.service, method: 'GET', path: `/warm-${i}` }); // connections, JIT
  for (let r = 0; r < ROUNDS; r++) {
    const from = Math.floor((calls * r) / ROUNDS);
    const to = Math.floor((calls * (r + 1)) / ROUNDS);
    for (const m of r % 2 === 0 ? modes : [...modes].reverse()) m.total += await round(m.consumer, m.service, from, to, m.times);
  }
  return { secured: summary(calls, modes[0]!.total, modes[0]!.times), plain: summary(calls, modes[1]!.total, modes[1]!.times) };
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, calls: { type: 'string' } });
  const calls = numberFlag('--calls', values.calls, 200, { min: 1, max: 100_000, integer: true });
  const dirs = [mkdtempSync(path.join(os.tmpdir(), 'govflow-bench-exchange-a-')), mkdtempSync(path.join(os.tmpdir(), 'govflow-bench-exchange-b-'))];
  const [a, b] = await Promise.all(dirs.map((dataDir) => openDatabase({ dataDir })));
  const running: Exchange[] = [];
  try {
    const { result, load } = await withMachineLoad(async () => {
      const secured = await pair(a!, b!, true, '');
      const plain = await pair(a!, b!, false, '-plain');
      running.push(secured.consumer, secured.provider, plain.consumer, plain.provider);
      const both = await measureBoth(secured.consumer, plain.consumer, calls);
      const [withTls, without] = [both.secured, both.plain];
      return {
        mutualTlsAndSignatures: withTls, plainWithoutSignatures: without,
        // Secured over plain: above 1 for latency, below 1 for throughput, is what mutual TLS and the JWS cost.
        overhead: { latencyP50Ratio: ratio(withTls.p50Ms, without.p50Ms), latencyP99Ratio: ratio(withTls.p99Ms, without.p99Ms), roundTripsPerSecondRatio: ratio(withTls.roundTripsPerSecond, without.roundTripsPerSecond) },
      };
    });
    const report = { backend: 'pglite', calls, ...result, load };
    if (values.json) console.log(JSON.stringify(report));
    else {
      for (const [name, r] of [['mutual TLS + JWS', result.mutualTlsAndSignatures], ['plain HTTP, unsigned', result.plainWithoutSignatures]] as const) {
        console.log(`${name}: ${r.roundTripsPerSecond} round trips/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${r.calls} calls)`);
      }
    }
    return 0;
  } finally {
    for (const e of running) await e.stop();
    await Promise.all([a!.close(), b!.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * `govflow bench exchange [--json] [--calls N]`: round trips per second and latency (p50, p99) of X-Road REST calls
 * between two govflow members on loopback, each on its own throwaway PGlite database: first with mutual TLS and
 * JWS signatures (the embedded default), then the same calls over plain HTTP without signatures (as behind a real
 * security server), in the same run. Every call is logged on both sides and its proof appended to the event log.
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

async function measure(consumer: Exchange, service: string, calls: number): Promise<ModeResult> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) await consumer.call({ service, method: 'GET', path: `/warm-${i}` }); // connections, JIT
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await consumer.call({ service, method: 'GET', path: `/case-${i}` });
    times.push(performance.now() - t);
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  return { calls, roundTripsPerSecond: Math.round((calls / total) * 1000 * 10) / 10, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
}

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
      const withTls = await measure(secured.consumer, 'BENCH/GOV/provider/SVC/status', calls);
      const without = await measure(plain.consumer, 'BENCH/GOV/provider-plain/SVC/status', calls);
      return { mutualTlsAndSignatures: withTls, plainWithoutSignatures: without, overhead: { latencyP50Ratio: Math.round((withTls.p50Ms / without.p50Ms) * 100) / 100 } };
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

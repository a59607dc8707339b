/**
 * `govflow bench engagement [--json]`: the Open311 server on PostgreSQL, as deployed (the composition root's server on
 * loopback, background loops running), loaded by autocannon in a process of its own:
 * - `post-requests`: `POST /open311/v2/requests.json`, form-encoded with an open311-scoped API key, each post storing
 *   a report and starting its problem-report case on the engine;
 * - `get-requests`: `GET /open311/v2/requests.json` pages (`page_size` 50, the pagination extension) over `--reports N`
 *   seeded reports in the 90-day window (default 10,000);
 * - `baseline`: `GET /` without a session, in the same run, so figures from a busy machine compare with each other.
 * Only 2xx responses count; any other status, error or timeout fails the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CATEGORIES, seedBenchReports } from '../../engagement/index.js';
import { issueApiKey } from '../../identity/index.js';
import { loadConfig } from '../../kernel/index.js';
import { startThrowawayPostgres } from '../../store/index.js';
import { numberFlag, parseCommandArgs, usageError } from '../args.js';
import { openGovflow, startServer } from '../compose.js';
import { withMachineLoad } from './bench-load.js';
import { runLoadChild } from './load-child.js';

export const USAGE = `govflow bench engagement [--json] [--reports N] [--duration SECONDS] [--warmup SECONDS] [--connections C] [--database-url postgres://…]
  --reports: reports seeded for the GET (default 10,000; the issue's goal names 100,000)
  --database-url: an empty PostgreSQL database to use (default: a throwaway server started here)`;

/** Issue 18, acceptance 8. */
export const ENGAGEMENT_GOAL = { postPerSecond: 300, getPerSecond: 2000, getP99Ms: 50 } as const;

export interface Request { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> }

/** Runs in a child `node` process: autocannon, warm-up then measurement; prints one JSON line. */
const LOAD_GENERATOR = `
const spec = JSON.parse(process.env.GOVFLOW_BENCH_SPEC);
const { default: autocannon } = await import(process.env.GOVFLOW_AUTOCANNON_URL);
const run = (seconds) => autocannon({ url: spec.url, connections: spec.connections, duration: seconds, timeout: 10, requests: spec.requests });
if (spec.warmupSeconds > 0) await run(spec.warmupSeconds);
const r = await run(spec.durationSeconds);
process.stdout.write(JSON.stringify({ ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max }) + '\\n');
`;

export interface EngagementTargetResult {
  readonly target: string;
  readonly path: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly ok: number;
  readonly seconds: number;
}

export async function load(target: string, spec: { url: string; connections: number; warmupSeconds: number; durationSeconds: number; requests: Request[] }): Promise<EngagementTargetResult> {
  const line = await runLoadChild(target, LOAD_GENERATOR, spec);
  const r = JSON.parse(line) as { ok: number; non2xx: number; errors: number; timeouts: number; seconds: number; p50: number; p99: number; mean: number; max: number };
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${target}: ${r.non2xx} non-2xx responses, ${r.errors} errors, ${r.timeouts} timeouts`);
  const first = spec.requests[0]!;
  return {
    target, path: `${first.method} ${first.path}${spec.requests.length > 1 ? ` (+${spec.requests.length - 1} more)` : ''}`,
    requestsPerSecond: Math.round((r.ok / r.seconds) * 10) / 10, p50Ms: r.p50, p99Ms: r.p99, meanMs: Math.round(r.mean * 100) / 100, maxMs: r.max, ok: r.ok, seconds: r.seconds,
  };
}

/**
 * CPU time (ms) used so far by a PostgreSQL server and its backends, from /proc (Linux; null elsewhere or when the
 * server is not ours to see): the postmaster's own and reaped children's time plus each live backend's.
 */
function postgresCpuMs(dataDir: string): number | null {
  try {
    const pid = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
    const fields = (p: string): string[] => readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // After the command name: state is field 3 (index 0 here), ppid 4, utime 14, stime 15, cutime 16, cstime 17.
    const own = fields(pid);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const f = fields(p);
        if (f[1] === pid) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // the process ended meanwhile
      }
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** `load` with the CPU the server spent per 2xx response (this process: Fastify and the engine; and PostgreSQL's). */
async function measured(target: string, spec: Parameters<typeof load>[1], pgDataDir: string | null): Promise<EngagementTargetResult & { serverCpuMsPerRequest: number; postgresCpuMsPerRequest: number | null }> {
  const cpu0 = process.cpuUsage();
  const pg0 = pgDataDir ? postgresCpuMs(pgDataDir) : null;
  const r = await load(target, spec);
  const cpu = process.cpuUsage(cpu0);
  const pg1 = pgDataDir ? postgresCpuMs(pgDataDir) : null;
  // Warm-up requests are served too: divided by all of them (the load child counts the measured ones only).
  const served = r.ok * (1 + spec.warmupSeconds / Math.max(spec.durationSeconds, 0.001));
  const per = (ms: number): number => Math.round((ms / served) * 1000) / 1000;
  return { ...r, serverCpuMsPerRequest: per((cpu.user + cpu.system) / 1000), postgresCpuMsPerRequest: pg0 !== null && pg1 !== null ? per(pg1 - pg0) : null };
}

const byTargetOk = (results: readonly EngagementTargetResult[], target: string): number => results.find((r) => r.target === target)?.ok ?? 0;

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    json: { type: 'boolean' }, reports: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, connections: { type: 'string' }, 'database-url': { type: 'string' },
  });
  const reports = numberFlag('--reports', values.reports, 10_000, { min: 1, max: 1_000_000, integer: true });
  const durationSeconds = numberFlag('--duration', values.duration, 10, { min: 0.5, max: 600 });
  const warmupSeconds = numberFlag('--warmup', values.warmup, 2, { min: 0, max: 120 });
  const connections = numberFlag('--connections', values.connections, 10, { min: 1, max: 500, integer: true });
  let databaseUrl = values['database-url'] ?? process.env['GOVFLOW_DATABASE_URL'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw usageError('--database-url must be a postgres:// URL');

  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    let pgDataDir: string | null = null;
    if (!databaseUrl) {
      const throwaway = await startThrowawayPostgres({ prefix: 'govflow-bench-engagement-pg-', settings: { max_connections: 100 } });
      if (!throwaway) throw usageError('no PostgreSQL installation found; give --database-url');
      cleanups.push(() => throwaway.stop());
      databaseUrl = throwaway.url;
      pgDataDir = path.join(throwaway.dir, 'data');
    }
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'govflow-bench-engagement-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    cleanups.push(() => govflow.close());
    const running = await startServer(govflow, { demo: true, rateLimits: 'off' });
    cleanups.push(() => running.stop());
    const jurisdiction = (process.env['GOVFLOW_OPEN311_JURISDICTIONS'] ?? process.env['GOVFLOW_AGENCY'] ?? 'demo-municipality').split(',')[0]!.trim();
    const seedStarted = performance.now();
    await seedBenchReports(govflow.db, { count: reports, jurisdictionId: jurisdiction, serviceCodes: DEFAULT_CATEGORIES.map((c) => c.code) });
    // Vacuumed as a production table would be (autovacuum would otherwise run during the timed load, and the
    // visibility map lets the request lists read the page's ids from the index alone).
    await govflow.db.query('vacuum analyze engagement_report');
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    const { key } = await issueApiKey(govflow.db, { name: 'bench-engagement', scopes: ['open311'], services: [] }, 'bench');
    const post: Request = {
      method: 'POST', path: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key, service_code: 'pothole', lat: '51.5014', long: '-0.1419', description: 'Deep pothole by the bus stop, cyclists swerve round it', 'attribute[hazards][]': 'cyclists' }).toString(),
    };
    const pages = Math.max(1, Math.min(200, Math.floor(reports / 50)));
    const gets: Request[] = Array.from({ length: pages }, (_, i) => ({ method: 'GET', path: `/open311/v2/requests.json?page_size=50&page=${i + 1}` }));
    const spec = { url: running.url, connections, warmupSeconds, durationSeconds };
    const { result, load: machine } = await withMachineLoad(async () => [
      await measured('baseline', { ...spec, requests: [{ method: 'GET', path: '/' }] }, pgDataDir),
      await measured('get-requests', { ...spec, requests: gets }, pgDataDir),
      await measured('post-requests', { ...spec, requests: [post] }, pgDataDir),
    ]);
    // Every accepted post started its case (the seeded reports have none): counted through the engine.
    // The engine lists at most 1,000 instances a page: count page by page.
    let casesStarted = 0;
    for (let page = 1000; page === 1000;) {
      page = (await govflow.engine.listInstances({ processKey: 'problem-report', limit: 1000, offset: casesStarted })).length;
      casesStarted += page;
    }
    const byTarget = Object.fromEntries(result.map((r) => [r.target, r]));
    const report = {
      backend: 'postgresql', reports, seedSeconds, connections, durationSeconds, warmupSeconds, targets: result, posted: byTargetOk(result, 'post-requests'), casesStarted,
      goal: ENGAGEMENT_GOAL,
      goalMet: { post: byTarget['post-requests']!.requestsPerSecond >= ENGAGEMENT_GOAL.postPerSecond, get: byTarget['get-requests']!.requestsPerSecond >= ENGAGEMENT_GOAL.getPerSecond && byTarget['get-requests']!.p99Ms < ENGAGEMENT_GOAL.getP99Ms },
      load: machine,
    };
    if (values.json) console.log(JSON.stringify(report));
    else for (const r of result) console.log(`${r.target.padEnd(14)} ${String(r.requestsPerSecond).padStart(8)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  CPU/request ${r.serverCpuMsPerRequest} ms + PostgreSQL ${r.postgresCpuMsPerRequest ?? '?'} ms  (${r.path})`);
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

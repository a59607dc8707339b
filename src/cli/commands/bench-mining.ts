/**
 * `govflow bench mining`: govflow against PM4Py on the same logs in the same run, measured two ways:
 *
 * - whole process: `govflow mine LOG --json --figures pm4py` against `python3 pm4py-figures.py LOG`
 *   (../shared/peers), wall time from spawn to exit, which is what a user of either tool waits for (start-up, imports,
 *   reading, analysis). `--figures pm4py` computes what the script computes (variants, start and end activities, the
 *   DFG with performance, case durations) and no more; plain `mine --json` (bottlenecks, activity statistics, rework,
 *   ping-pong too) is measured beside it and reported as `govflow.fullMine`, not in the ratios;
 * - in-process: the import + analysis seconds each tool reports from inside a fresh process (govflow: `bench mining
 *   --read LOG --figures pm4py` in a child; PM4Py: its script's `seconds.import + seconds.analyse`, reading and DFG,
 *   performance DFG and variants).
 *
 * Runs alternate govflow and PM4Py so load that comes and goes hits both; medians are reported. PM4Py runs from its
 * source tree at PM4PY_SRC with Debian's Python (PM4PY_PYTHON, default /usr/bin/python3). Without it the bench falls
 * back to PM4Py seconds recorded earlier (../shared/data/expected/pm4py/<log>.json, in-process only) and says so:
 * those ratios are not from one run.
 *
 * Logs: the Road Traffic Fines CSV and BPIC 2012 from ../shared/data/event-logs when there; a Road-Traffic-Fines-like
 * CSV of the same size (561,470 events) is generated under the temp directory when the real one is missing.
 * `--big` also generates a ~1 GB XES and reads it in a child process to show peak RSS stays bounded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeLog, analyzePm4pyFigures, generateFinesCsv, generateXes, readEventLogFile } from '../../mining/index.js';
import { numberFlag, parseCommandArgs, usageError } from '../args.js';
import { withMachineLoad } from './bench-load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = path.join(root, '../shared');

export const USAGE = `govflow bench mining [--json] [--log FILE]... [--runs N] [--big [--size-mb MB]]
  --log FILE   a log to compare on (repeatable; default: Road Traffic Fines CSV and BPIC 2012)
  --runs N     measurements per tool and log (default 3), alternating govflow and PM4Py
  --read FILE  read and analyse one file in this process and print JSON (what the bench runs in a child);
               with --figures pm4py only what PM4Py's script computes`;

const rssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Reads one file and analyses it (every analysis, or PM4Py's figures only), printing JSON: what the parent measures. */
async function readOnce(file: string, figures: 'all' | 'pm4py'): Promise<Record<string, number>> {
  const t0 = performance.now();
  const log = await readEventLogFile(file, figures === 'pm4py' ? { columns: 'pm4py' } : {});
  const t1 = performance.now();
  const summary = figures === 'pm4py' ? analyzePm4pyFigures(log) : analyzeLog(log);
  const t2 = performance.now();
  return {
    events: summary.events,
    cases: summary.cases,
    importSeconds: (t1 - t0) / 1000,
    analyseSeconds: (t2 - t1) / 1000,
    peakRssMb: Math.round(rssMb()),
    fileMb: Math.round(statSync(file).size / 1048576),
  };
}

/** Runs `--read` in a child so its timings and peak RSS are its own, not the bench's or a previous run's. */
export function measureInChild(file: string, extraNodeArgs: string[] = [], figures: 'all' | 'pm4py' = 'all'): Record<string, number> {
  const r = spawnSync(process.execPath, [...extraNodeArgs, path.join(root, 'bin/govflow.mjs'), 'bench', 'mining', '--read', file, '--figures', figures], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

interface Figures {
  cases: number;
  events: number;
  variants: number;
  dfg: readonly unknown[];
}

interface ProcessRun {
  /** `mine --json` with every analysis, beside the PM4Py-equal run (govflow only). */
  full?: { wallSeconds: number; cpuSeconds: number };
  wallSeconds: number;
  /** User + system CPU seconds of the whole process (threads included), NaN where /usr/bin/time is missing. */
  cpuSeconds: number;
  inProcessSeconds: number;
  figures: Figures;
}

const TIME = '/usr/bin/time';

/**
 * Spawns a command, times it from spawn to exit (and its CPU seconds through /usr/bin/time: on a loaded machine CPU
 * time moves far less than wall time) and parses the JSON it prints.
 */
function timed(command: string, args: string[], env?: NodeJS.ProcessEnv): { wallSeconds: number; cpuSeconds: number; out: unknown } {
  const cpuFile = path.join(tmpdir(), `govflow-bench-cpu-${process.pid}.txt`);
  const withTime = existsSync(TIME);
  const t0 = performance.now();
  const r = withTime
    ? spawnSync(TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: env ?? process.env })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20, env: env ?? process.env });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || String(r.error ?? '')).slice(-1500)}`);
  let cpuSeconds = NaN;
  if (withTime) {
    const [user = NaN, system = NaN] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    cpuSeconds = user + system;
    rmSync(cpuFile, { force: true });
  }
  return { wallSeconds, cpuSeconds, out: JSON.parse(r.stdout) as unknown };
}

function govflowRun(file: string): ProcessRun {
  const whole = timed(process.execPath, [path.join(root, 'bin/govflow.mjs'), 'mine', file, '--json', '--figures', 'pm4py']);
  const full = timed(process.execPath, [path.join(root, 'bin/govflow.mjs'), 'mine', file, '--json']);
  const inner = measureInChild(file, [], 'pm4py');
  return {
    full: { wallSeconds: full.wallSeconds, cpuSeconds: full.cpuSeconds },
    wallSeconds: whole.wallSeconds,
    cpuSeconds: whole.cpuSeconds,
    inProcessSeconds: (inner['importSeconds'] ?? NaN) + (inner['analyseSeconds'] ?? NaN),
    figures: whole.out as Figures,
  };
}

/** What each side computes in the measured runs, for the JSON: the ratios compare the same figures. */
const WORK = {
  compared: 'the figures ../shared/peers/pm4py-figures.py computes: variants (top 10), start and end activities, the DFG with count, mean and median seconds per edge, case duration mean and median; reading included',
  govflow: 'govflow mine LOG --json --figures pm4py (the same figures, plus p90 and min/max that come out of the same passes)',
  pm4py: 'python3 pm4py-figures.py LOG (import, discover_dfg, discover_performance_dfg, get_variants, get_all_case_durations)',
  fullMine: 'govflow mine LOG --json, what a user of mine gets by default: also bottlenecks, activity statistics, rework and ping-pong; measured in the same runs, not in the ratios',
};

interface Pm4pyPeer {
  readonly src: string;
  readonly python: string;
  readonly script: string;
}

function findPm4py(): Pm4pyPeer | { missing: string } {
  const src = process.env['PM4PY_SRC'];
  const python = process.env['PM4PY_PYTHON'] ?? '/usr/bin/python3';
  const script = path.join(shared, 'peers/pm4py-figures.py');
  if (!src) return { missing: 'PM4PY_SRC is not set' };
  if (!existsSync(path.join(src, 'pm4py/__init__.py'))) return { missing: `no pm4py/ package under PM4PY_SRC=${src}` };
  if (!existsSync(python)) return { missing: `no Python at ${python}` };
  if (!existsSync(script)) return { missing: `no ${script}` };
  return { src, python, script };
}

function pm4pyRun(peer: Pm4pyPeer, file: string): ProcessRun {
  const { wallSeconds, cpuSeconds, out } = timed(peer.python, [peer.script, file], { ...process.env, PYTHONPATH: peer.src });
  const figures = out as Figures & { seconds: { import: number; analyse: number } };
  return { wallSeconds, cpuSeconds, inProcessSeconds: figures.seconds.import + figures.seconds.analyse, figures };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** The default logs: the shared Road Traffic Fines CSV (or one generated to its size) and BPIC 2012. */
async function defaultLogs(): Promise<{ file: string; note?: string }[]> {
  const dir = path.join(shared, 'data/event-logs');
  const present = existsSync(dir) ? readdirSync(dir) : [];
  const logs: { file: string; note?: string }[] = [];
  const fines = present.find((f) => /road.?traffic.*\.csv(\.gz)?$/i.test(f));
  if (fines) logs.push({ file: path.join(dir, fines) });
  else {
    const generated = path.join(tmpdir(), 'govflow-bench', 'road-traffic-fines-like-561470.csv');
    if (!existsSync(generated)) {
      mkdirSync(path.dirname(generated), { recursive: true });
      // Written aside and renamed, so an interrupted run never leaves a short log to be measured next time.
      await generateFinesCsv(`${generated}.partial`, 561_470);
      renameSync(`${generated}.partial`, generated);
    }
    logs.push({ file: generated, note: 'generated: Road Traffic Fines CSV not in ../shared/data/event-logs; same size (561,470 events), same activities' });
  }
  const bpic = present.find((f) => /^bpic_?2012\.xes(\.gz)?$/i.test(f));
  if (bpic) logs.push({ file: path.join(dir, bpic) });
  return logs;
}

function recordedPm4py(file: string): { importSeconds: number; analyseSeconds: number; from: string } | undefined {
  const name = path.basename(file).replace(/\.(xes|csv)(\.gz)?$/i, '');
  const recorded = path.join(shared, `data/expected/pm4py/${name}.json`);
  if (!existsSync(recorded)) return undefined;
  const seconds = (JSON.parse(readFileSync(recorded, 'utf8')) as { seconds?: { import?: number; analyse?: number } }).seconds;
  if (seconds?.import === undefined || seconds.analyse === undefined) return undefined;
  return { importSeconds: seconds.import, analyseSeconds: seconds.analyse, from: path.relative(root, recorded) };
}

async function compare(file: string, note: string | undefined, runs: number, peer: Pm4pyPeer | { missing: string }): Promise<Record<string, unknown>> {
  const ours: ProcessRun[] = [];
  const theirs: ProcessRun[] = [];
  let failure: string | undefined;
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so a burst of load from elsewhere does not always land on the same tool.
    const live = !('missing' in peer) && failure === undefined;
    if (i % 2 === 0 || !live) ours.push(govflowRun(file));
    if (live) {
      try {
        theirs.push(pm4pyRun(peer, file));
      } catch (error) {
        failure = (error as Error).message.trim().split('\n').pop();
      }
    }
    if (i % 2 === 1 && live) ours.push(govflowRun(file));
  }
  const summary = (xs: ProcessRun[]) => ({
    wholeProcessSeconds: r3(median(xs.map((r) => r.wallSeconds))),
    wholeProcessCpuSeconds: r3(median(xs.map((r) => r.cpuSeconds))),
    inProcessSeconds: r3(median(xs.map((r) => r.inProcessSeconds))),
    samples: xs.map((r) => ({ wholeProcessSeconds: r3(r.wallSeconds), wholeProcessCpuSeconds: r3(r.cpuSeconds), inProcessSeconds: r3(r.inProcessSeconds) })),
  });
  const fullRuns = ours.flatMap((r) => (r.full ? [r.full] : []));
  const govflow = {
    ...summary(ours),
    fullMine: { wholeProcessSeconds: r3(median(fullRuns.map((r) => r.wallSeconds))), wholeProcessCpuSeconds: r3(median(fullRuns.map((r) => r.cpuSeconds))) },
  };
  const first = ours[0]?.figures;
  const base = {
    log: file.startsWith(path.dirname(root)) ? path.relative(root, file) : file,
    ...(note ? { note } : {}),
    cases: first?.cases,
    events: first?.events,
    runs,
    work: WORK,
    govflow,
  };
  if (failure !== undefined) {
    return { ...base, pm4py: { source: 'live run failed in this run', error: failure }, ratios: { sameRun: false, wholeProcess: null, inProcess: null } };
  }
  if (!('missing' in peer)) {
    const pm4py = { source: 'live, this run', ...summary(theirs) };
    const same = theirs[0]?.figures;
    return {
      ...base,
      pm4py,
      // A speed comparison is only worth reading if both computed the same thing.
      sameFigures: !!same && !!first && same.cases === first.cases && same.events === first.events && same.variants === first.variants && same.dfg.length === first.dfg.length,
      ratios: {
        sameRun: true,
        wholeProcess: r1(pm4py.wholeProcessSeconds / govflow.wholeProcessSeconds),
        wholeProcessCpu: r1(pm4py.wholeProcessCpuSeconds / govflow.wholeProcessCpuSeconds),
        inProcess: r1(pm4py.inProcessSeconds / govflow.inProcessSeconds),
      },
    };
  }
  const recorded = recordedPm4py(file);
  return {
    ...base,
    pm4py: recorded
      ? { source: `recorded, not this run: ${recorded.from} (${peer.missing})`, wholeProcessSeconds: null, inProcessSeconds: r3(recorded.importSeconds + recorded.analyseSeconds) }
      : { source: `not measured: ${peer.missing}, and no recorded figures for this log` },
    ratios: {
      sameRun: false,
      wholeProcess: null,
      inProcess: recorded ? r1((recorded.importSeconds + recorded.analyseSeconds) / govflow.inProcessSeconds) : null,
    },
  };
}

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    read: { type: 'string' },
    json: { type: 'boolean' },
    log: { type: 'string', multiple: true },
    runs: { type: 'string' },
    big: { type: 'boolean' },
    'size-mb': { type: 'string' },
    figures: { type: 'string' },
  });
  if (values.read !== undefined) {
    console.log(JSON.stringify(await readOnce(values.read, values.figures === 'pm4py' ? 'pm4py' : 'all')));
    return 0;
  }
  const runs = numberFlag('--runs', values.runs, 3, { min: 1, integer: true });
  const sizeMb = numberFlag('--size-mb', values['size-mb'], 1024, { min: 1 });
  const logs = values.log?.map((file) => ({ file, note: undefined })) ?? (await defaultLogs());
  const missingLog = logs.find((l) => !existsSync(l.file));
  if (missingLog) throw usageError(`--log ${missingLog.file}: no such file`);
  const peer = findPm4py();
  if ('missing' in peer) console.error(`PM4Py not run (${peer.missing}): falling back to recorded PM4Py figures; those ratios are not from this run`);
  const { result: perLog, load } = await withMachineLoad(async () => {
    const out: Record<string, unknown>[] = [];
    for (const { file, note } of logs) out.push(await compare(file, note, runs, peer));
    return out;
  });
  const result: Record<string, unknown> = {
    subject: 'mining',
    pm4py: 'missing' in peer ? { live: false, reason: peer.missing } : { live: true, src: peer.src, python: peer.python },
    machineLoad: load,
    logs: perLog,
  };
  if (values.big) {
    const big = path.join(tmpdir(), 'govflow-bench', `mining-${sizeMb}mb.xes`);
    mkdirSync(path.dirname(big), { recursive: true });
    if (!existsSync(big) || statSync(big).size < sizeMb * 1048576 * 0.95) await generateXes(big, sizeMb * 1048576);
    result['big'] = measureInChild(big);
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    for (const l of perLog) {
      const g = l['govflow'] as { wholeProcessSeconds: number; inProcessSeconds: number };
      const p = l['pm4py'] as { source: string; wholeProcessSeconds?: number | null; inProcessSeconds?: number | null };
      const ratios = l['ratios'] as { sameRun: boolean; wholeProcess: number | null; wholeProcessCpu?: number | null; inProcess: number | null };
      console.log(
        `${String(l['log'])}: govflow ${g.wholeProcessSeconds} s whole process, ${g.inProcessSeconds} s in-process; ` +
          `PM4Py (${p.source}) ${p.wholeProcessSeconds ?? '–'} s / ${p.inProcessSeconds ?? '–'} s; ` +
          `×${ratios.wholeProcess ?? '–'} whole (CPU ×${ratios.wholeProcessCpu ?? '–'}), ×${ratios.inProcess ?? '–'} in-process${ratios.sameRun ? ' (same run)' : ' (NOT the same run)'}`,
      );
    }
    if (result['big']) console.log(`big XES: ${JSON.stringify(result['big'])}`);
  }
  return 0;
}

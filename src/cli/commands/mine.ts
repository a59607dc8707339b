import { writeFile } from 'node:fs/promises';
import { GovflowError } from '../../kernel/index.js';
import {
  analyzeLog,
  caseDurations,
  checkConformance,
  discoverProcessTree,
  eventLogToOcel,
  filterLog,
  parseTimestamp,
  processTreeToBpmn,
  readEventLogFile,
  readModelFile,
  renderHtmlReport,
  writeOcelFile,
  type LogFilter,
} from '../../mining/index.js';
import type { Command } from '../index.js';

const USAGE = `govflow mine <log.xes|log.xes.gz|log.csv|log.jsonocel|log.xmlocel> [options]
  --case C --activity A --timestamp T   CSV column names (defaults: PM4Py's names or case/activity/timestamp)
  --resource R --lifecycle L --group G  optional CSV columns
  --json                  print one JSON object (cases, events, activities, variants, topVariants, startActivities,
                          endActivities, dfg, caseDuration, bottlenecks, …)
  --model M.pnml|M.bpmn   add fitness (tokenReplay, alignment) and deviations
  --report out.html       write a self-contained HTML report (process map, bottlenecks, variants)
  --ocel out.json         export the log as OCEL 2.0 (.json, or XML with .xml/.xmlocel)
  --discover out.bpmn     discover a model (inductive miner, infrequent) and write it as BPMN with diagram layout
  --noise 0.2             the inductive miner's noise threshold (0: every trace fits the model)
  --lenient               skip bad events and empty traces and count them instead of failing
  --zones wall-clock|exact  wall-clock (default) computes times as PM4Py does; exact converts offsets to UTC
  --object-type T         for OCEL input: the object type whose objects are the cases
  --sla-attribute K       case attribute holding the deadline (default: deadline); --sla 5d: a duration limit
  --from ISO --to ISO     keep only cases within this time window
  --top N                 how many variants and bottlenecks to list (default 10)`;

const VALUE_FLAGS = new Set(['case', 'activity', 'timestamp', 'resource', 'lifecycle', 'group', 'model', 'report', 'ocel', 'zones', 'object-type', 'sla-attribute', 'sla', 'from', 'to', 'top', 'delimiter', 'discover', 'noise']);

function parseArgs(argv: string[]): { file: string | undefined; flags: Map<string, string>; switches: Set<string> } {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('--')) {
      const eqAt = a.indexOf('=');
      const name = eqAt > 0 ? a.slice(2, eqAt) : a.slice(2);
      if (eqAt > 0) flags.set(name, a.slice(eqAt + 1));
      else if (VALUE_FLAGS.has(name)) {
        const v = argv[++i];
        if (v === undefined) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `--${name} needs a value`, [{ where: `--${name}`, message: 'missing value' }]);
        flags.set(name, v);
      } else switches.add(name);
    } else if (file === undefined) file = a;
    else throw new GovflowError('GOVFLOW_ERR_VALIDATION', `unexpected argument '${a}'`, [{ where: a, message: 'only one log file' }]);
  }
  return { file, flags, switches };
}

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `--sla '${text}' is not a duration like 36h or 5d`, [{ where: '--sla', message: 'expected a number with s, m, h, d or w' }]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? 's') as 's'];
  return Number(m[1]) * unit;
}

function progressBar(label: string): ((read: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (read, total) => {
    const pct = total > 0 ? Math.floor((100 * read) / total) : 0;
    if (pct === last) return;
    last = pct;
    const width = 30;
    const done = Math.round((pct / 100) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${pct}%${pct >= 100 ? '\n' : ''}`);
  };
}

export const command: Command = {
  summary: 'process mining on an event log: variants, process map, bottlenecks, conformance, HTML report',
  usage: USAGE,
  async run(argv) {
    const { file, flags, switches } = parseArgs(argv);
    if (!file) {
      console.error(USAGE);
      return 2;
    }
    const zones = flags.get('zones');
    if (zones !== undefined && zones !== 'exact' && zones !== 'wall-clock') {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', '--zones must be wall-clock or exact', [{ where: '--zones', message: zones }]);
    }
    const progress = progressBar(`reading ${file}`);
    let log = await readEventLogFile(file, {
      case: flags.get('case'),
      activity: flags.get('activity'),
      timestamp: flags.get('timestamp'),
      resource: flags.get('resource'),
      lifecycle: flags.get('lifecycle'),
      group: flags.get('group'),
      delimiter: flags.get('delimiter'),
      lenient: switches.has('lenient'),
      zones: zones ?? 'wall-clock',
      objectType: flags.get('object-type'),
      ...(progress ? { onProgress: progress } : {}),
    });
    if (flags.has('from') || flags.has('to')) {
      const bound = (name: string): number | undefined => {
        const v = flags.get(name);
        if (v === undefined) return undefined;
        const ms = parseTimestamp(v);
        if (Number.isNaN(ms)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `--${name} '${v}' is not an ISO 8601 date`, [{ where: `--${name}`, message: v }]);
        return ms;
      };
      const window: LogFilter = { timeWindow: { from: bound('from'), to: bound('to') } };
      log = filterLog(log, window);
    }
    const top = flags.has('top') ? Number(flags.get('top')) : 10;
    const sla = flags.get('sla');
    const summary = analyzeLog(log, {
      topVariants: top,
      bottlenecks: top,
      ...(flags.has('sla-attribute') ? { slaAttribute: flags.get('sla-attribute') } : {}),
      ...(sla !== undefined ? { slaSeconds: parseDuration(sla) } : {}),
    });
    const modelPath = flags.get('model');
    const fitness = modelPath ? checkConformance(log, await readModelFile(modelPath)) : undefined;
    const reportPath = flags.get('report');
    if (reportPath) {
      await writeFile(reportPath, renderHtmlReport({ title: file.split('/').pop() ?? file, summary, caseDurationsSeconds: [...caseDurations(log)], fitness }));
    }
    const discoverPath = flags.get('discover');
    if (discoverPath) {
      const noise = Number(flags.get('noise') ?? 0.2);
      if (!(noise >= 0 && noise <= 1)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', '--noise must be between 0 and 1', [{ where: '--noise', message: String(flags.get('noise')) }]);
      await writeFile(discoverPath, processTreeToBpmn(discoverProcessTree(log, { noiseThreshold: noise }), file.split('/').pop() ?? file));
    }
    const ocelPath = flags.get('ocel');
    if (ocelPath) await writeOcelFile(eventLogToOcel(log), ocelPath);
    if (switches.has('json')) {
      process.stdout.write(JSON.stringify(fitness ? { ...summary, fitness } : summary) + '\n');
      return 0;
    }
    const lines = [
      `${summary.cases} cases, ${summary.events} events, ${summary.activities} activities, ${summary.variants} variants`,
      `case duration: mean ${(summary.caseDuration.meanSeconds / 86400).toFixed(2)} d, median ${(summary.caseDuration.medianSeconds / 86400).toFixed(2)} d`,
      'top bottlenecks (total waiting time):',
      ...summary.bottlenecks.slice(0, 5).map((b) => `  ${b.from} → ${b.to}: ${b.count}×, mean ${(b.meanSeconds / 3600).toFixed(1)} h, ${(100 * b.share).toFixed(1)} % of all waiting`),
    ];
    if (fitness) lines.push(`fitness: token replay ${fitness.tokenReplay.logFitness.toFixed(4)}, alignments ${fitness.alignment.logFitness.toFixed(4)}`);
    if (summary.skipped.events > 0 || summary.skipped.traces > 0) lines.push(`skipped (lenient): ${summary.skipped.events} events, ${summary.skipped.traces} empty traces`);
    if (reportPath) lines.push(`report written to ${reportPath}`);
    if (ocelPath) lines.push(`OCEL 2.0 written to ${ocelPath}`);
    if (discoverPath) lines.push(`discovered BPMN model written to ${discoverPath}`);
    console.log(lines.join('\n'));
    return 0;
  },
};

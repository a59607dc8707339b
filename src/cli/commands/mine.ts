import { writeFile } from 'node:fs/promises';
import { GovflowError } from '../../kernel/index.js';
import {
  analyzeLog,
  analyzePm4pyFigures,
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
import { choiceFlag, numberFlag, parseCommandArgs, requiredPositional, usageError } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow mine <log.xes|log.xes.gz|log.csv|log.jsonocel|log.xmlocel> [options]
  --case C --activity A --timestamp T   CSV column names (defaults: PM4Py's names or case/activity/timestamp)
  --resource R --lifecycle L --group G  optional CSV columns
  --json                  print one JSON object (cases, events, activities, variants, topVariants, startActivities,
                          endActivities, dfg, caseDuration, bottlenecks, …)
  --figures all|pm4py     pm4py: only what PM4Py's peer script computes (variants, start/end activities, DFG with
                          performance, case durations), as \`bench mining\` compares; with --json only (default all)
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

const STRING_FLAGS = ['case', 'activity', 'timestamp', 'resource', 'lifecycle', 'group', 'model', 'report', 'ocel', 'zones', 'object-type', 'sla-attribute', 'sla', 'from', 'to', 'top', 'delimiter', 'discover', 'noise', 'figures'] as const;
const OPTIONS = {
  ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' }])) as Record<(typeof STRING_FLAGS)[number], { type: 'string' }>,
  json: { type: 'boolean' },
  lenient: { type: 'boolean' },
} as const;

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
  usage: USAGE,
  async run(argv) {
    const { values: flags, positionals } = parseCommandArgs(argv, OPTIONS, 1);
    const file = requiredPositional(positionals[0], 'the event log to read');
    const zones = choiceFlag('--zones', flags.zones, ['wall-clock', 'exact'], 'wall-clock');
    const top = numberFlag('--top', flags.top, 10, { min: 1, integer: true });
    const noise = numberFlag('--noise', flags.noise, 0.2, { min: 0, max: 1 });
    const figures = choiceFlag('--figures', flags.figures, ['all', 'pm4py'], 'all');
    if (figures === 'pm4py' && (flags.json !== true || flags.model || flags.report || flags.discover || flags.ocel || flags.sla !== undefined || flags['sla-attribute'] !== undefined)) {
      throw usageError('--figures pm4py prints the figures PM4Py computes as JSON: use it with --json and without --model, --report, --discover, --ocel or --sla');
    }
    const progress = progressBar(`reading ${file}`);
    let log = await readEventLogFile(file, {
      case: flags.case,
      activity: flags.activity,
      timestamp: flags.timestamp,
      resource: flags.resource,
      lifecycle: flags.lifecycle,
      group: flags.group,
      delimiter: flags.delimiter,
      lenient: flags.lenient === true,
      zones,
      objectType: flags['object-type'],
      // PM4Py's figures need no resources, groups or lifecycles: a CSV's other columns are checked but not read.
      ...(figures === 'pm4py' ? { columns: 'pm4py' as const } : {}),
      ...(progress ? { onProgress: progress } : {}),
    });
    if (flags.from !== undefined || flags.to !== undefined) {
      const bound = (name: 'from' | 'to'): number | undefined => {
        const v = flags[name];
        if (v === undefined) return undefined;
        const ms = parseTimestamp(v);
        if (Number.isNaN(ms)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `--${name} '${v}' is not an ISO 8601 date`, [{ where: `--${name}`, message: v }]);
        return ms;
      };
      const window: LogFilter = { timeWindow: { from: bound('from'), to: bound('to') } };
      log = filterLog(log, window);
    }
    if (figures === 'pm4py') {
      process.stdout.write(JSON.stringify(analyzePm4pyFigures(log, { topVariants: top })) + '\n');
      return 0;
    }
    const sla = flags.sla;
    const summary = analyzeLog(log, {
      topVariants: top,
      bottlenecks: top,
      ...(flags['sla-attribute'] !== undefined ? { slaAttribute: flags['sla-attribute'] } : {}),
      ...(sla !== undefined ? { slaSeconds: parseDuration(sla) } : {}),
    });
    const modelPath = flags.model;
    const fitness = modelPath ? checkConformance(log, await readModelFile(modelPath)) : undefined;
    const reportPath = flags.report;
    if (reportPath) {
      await writeFile(reportPath, renderHtmlReport({ title: file.split('/').pop() ?? file, summary, caseDurationsSeconds: [...caseDurations(log)], fitness }));
    }
    const discoverPath = flags.discover;
    if (discoverPath) {
      await writeFile(discoverPath, processTreeToBpmn(discoverProcessTree(log, { noiseThreshold: noise }), file.split('/').pop() ?? file));
    }
    const ocelPath = flags.ocel;
    if (ocelPath) await writeOcelFile(eventLogToOcel(log), ocelPath);
    if (flags.json) {
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

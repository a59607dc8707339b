/**
 * Process intelligence: event logs in (XES, CSV, OCEL 2.0, govflow's own database), PM4Py-identical analyses,
 * conformance against BPMN or PNML models, and reports for people. Other modules import only from here.
 */
import { readFile } from 'node:fs/promises';
import type { ProgressCallback } from './byte-source.js';
import { readCsvFile, type CsvOptions } from './csv-reader.js';
import type { EventLog } from './event-log.js';
import { flattenOcel, readOcelFile } from './ocel.js';
import { readModel, type PetriNet } from './petri-net.js';
import type { ZoneMode } from './timestamp.js';
import { readXesFile } from './xes-reader.js';

export type { EventLog, AttributeValue } from './event-log.js';
export { EventLogBuilder, selectCases, LIFECYCLE_COMPLETE, LIFECYCLE_START, LIFECYCLE_OTHER } from './event-log.js';
export { readXes, readXesFile, readXesText, type ReadOptions } from './xes-reader.js';
export { readCsv, readCsvFile, readCsvText, type CsvOptions } from './csv-reader.js';
// readCsvFile's fast path on its own, for its tests (readCsvFile takes it when a file qualifies).
export { readCsvFast, type ByteFill } from './csv-fast.js';
export {
  eventLogToOcel,
  flattenOcel,
  ocelToJsonText,
  ocelToXmlText,
  readOcelFile,
  readOcelXml,
  writeOcelFile,
  type OcelLog,
  type OcelEvent,
  type OcelObject,
} from './ocel.js';
export { parseOcelJson, readOcelJson } from './ocel-json.js';
export {
  analyzeLog,
  analyzePm4pyFigures,
  activityStatistics,
  bottlenecks,
  caseDurations,
  directlyFollows,
  pingPong,
  slaReport,
  startEndActivities,
  variants,
  type ActivityStats,
  type AnalyzeOptions,
  type Bottleneck,
  type DfgEdge,
  type MiningSummary,
  type PingPong,
  type Pm4pyFigures,
  type SlaReport,
} from './analyze.js';
export { filterLog, type LogFilter } from './filter.js';
export { bpmnToPetriNet, parsePnml, readModel, type PetriNet, type PetriTransition } from './petri-net.js';
export { alignTrace, checkConformance, type FitnessReport, type TokenReplayResult, type AlignmentResult, type Deviations } from './conformance.js';
export { readEventLogFromDatabase, type DatabaseLogFilter } from './db-reader.js';
export { renderProcessMapSvg, renderHtmlReport } from './report.js';
export { writeXesFile } from './xes-writer.js';
export { parseTimestamp, formatTimestamp, type ZoneMode } from './timestamp.js';

export interface ReadEventLogOptions extends CsvOptions {
  readonly lenient?: boolean;
  readonly zones?: ZoneMode;
  readonly onProgress?: ProgressCallback;
  /** For OCEL input: the object type whose objects become cases (default: the first). */
  readonly objectType?: string;
}

/** Reads any supported log by its extension: .xes, .xes.gz, .csv, .jsonocel/.json, .xmlocel. */
export async function readEventLogFile(path: string, options: ReadEventLogOptions = {}): Promise<EventLog> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return readCsvFile(path, options);
  if (/\.(jsonocel|xmlocel|ocel|json)$/.test(lower)) return flattenOcel(await readOcelFile(path), options.objectType);
  return readXesFile(path, options);
}

/** Reads a conformance model: PNML Petri net or BPMN (converted to a Petri net). */
export async function readModelFile(path: string): Promise<PetriNet> {
  return readModel(await readFile(path, 'utf8'), path);
}
export { generateFinesCsv, generateXes } from './generate.js';
export { discoverProcessTree, processTreeToString, type ProcessTree, type InductiveOptions } from './inductive-miner.js';
export { processTreeToBpmn } from './tree-to-bpmn.js';
export { summarise, percentile } from './stats.js';

import type { Service } from '../catalogue/index.js';
import { processDefinitionId, type Engine } from '../engine/index.js';
import {
  analyzeLog, bpmnToPetriNet, checkConformance, EventLogBuilder, LIFECYCLE_COMPLETE, readEventLogFromDatabase,
  type EventLog, type MiningSummary,
} from '../mining/index.js';
import { appendEvent, type Queryable } from '../store/index.js';
import { addIsoDuration } from './sla.js';

/**
 * Process intelligence for the managers' pages (issue 20): the mining module's analyses of a service's own event
 * log, and the daily conformance check of its finished cases against the model each ran on. The pages show what
 * these return and nothing computed elsewhere, so their figures are the mining module's by construction.
 */

/** The event a conformance check leaves in the log: the pages read the newest one per service. */
export const CONFORMANCE_EVENT = 'workbench.conformance-checked';
const DAY_MS = 86_400_000;

/** A service's case SLA as seconds of calendar time (mining's `slaSeconds`); none when it has no case SLA. */
export function slaSecondsOf(service: Service): number | undefined {
  const duration = service.sla?.case;
  if (!duration) return undefined;
  const end = addIsoDuration('2026-01-01T00:00:00Z', duration);
  return end ? (Date.parse(end) - Date.parse('2026-01-01T00:00:00Z')) / 1000 : undefined;
}

/** Every analysis of the mining module over the service's cases, all process versions, live from the event log. */
export async function serviceIntelligence(db: Queryable, service: Service): Promise<MiningSummary> {
  const slaSeconds = slaSecondsOf(service);
  return analyzeLog(await readEventLogFromDatabase(db, { processKey: service.process.key }), slaSeconds !== undefined ? { slaSeconds } : {});
}

export interface ConformanceCheck {
  readonly service: string;
  /** The UTC day the check was made for (YYYY-MM-DD). */
  readonly day: string;
  readonly checkedAt: string;
  readonly casesChecked: number;
  /** Token-replay fitness of the finished cases (1 when none was checked). */
  readonly fitness: number;
  readonly deviatingCount: number;
  /** The deviating cases (up to 50 per process version): instance id and reference. */
  readonly deviating: readonly { readonly instanceId: number; readonly reference: string | null }[];
}

/**
 * The finished cases of one log with only their completed activities: a case's trace is what it did, in order, so it
 * can be replayed on the model (running cases have not reached the end yet, and start events would double every step).
 */
function finishedTraces(log: EventLog, finished: ReadonlySet<string>): EventLog {
  const builder = new EventLogBuilder();
  for (let c = 0; c < log.caseIds.length; c++) {
    const id = log.caseIds[c] ?? '';
    if (!finished.has(id)) continue;
    let events = 0;
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
      if (log.lifecycle[i] !== LIFECYCLE_COMPLETE) continue;
      builder.addEvent(builder.activityId(log.activityNames[log.activity[i] ?? 0] ?? ''), log.timestamp[i] ?? NaN, -1, -1, LIFECYCLE_COMPLETE);
      events++;
    }
    if (events > 0) builder.endCase(id);
  }
  return builder.build();
}

/** Checks one service's finished cases against the model version each ran on. */
async function checkService(db: Queryable, engine: Pick<Engine, 'getProcessXml'>, service: Service, day: string, now: Date): Promise<ConformanceCheck> {
  const { rows } = await db.query<{ definition_id: string; instance_id: string; business_key: string | null }>(
    `select definition_id::text, instance_id::text, business_key from process_event
      where process_key = $1 and type = 'process.completed' and occurred_at < $2`, [service.process.key, now]);
  const byDefinition = new Map<string, Set<string>>();
  const references = new Map<string, string | null>();
  for (const row of rows) {
    byDefinition.set(row.definition_id, (byDefinition.get(row.definition_id) ?? new Set()).add(row.instance_id));
    references.set(row.instance_id, row.business_key);
  }
  let casesChecked = 0;
  let fitWeighted = 0;
  let deviatingCount = 0;
  const deviating: { instanceId: number; reference: string | null }[] = [];
  for (const [definitionId, finished] of byDefinition) {
    const net = bpmnToPetriNet(await engine.getProcessXml(Number(definitionId)), `${service.process.key}.bpmn`);
    const log = finishedTraces(await readEventLogFromDatabase(db, { definitionId }), finished);
    if (log.caseIds.length === 0) continue;
    const report = checkConformance(log, net);
    casesChecked += log.caseIds.length;
    fitWeighted += report.tokenReplay.averageTraceFitness * log.caseIds.length;
    deviatingCount += report.deviations.deviatingCaseCount;
    for (const id of report.deviations.deviatingCases) deviating.push({ instanceId: Number(id), reference: references.get(id) ?? null });
  }
  deviating.sort((a, b) => a.instanceId - b.instanceId);
  return { service: service.id, day, checkedAt: now.toISOString(), casesChecked, fitness: casesChecked > 0 ? fitWeighted / casesChecked : 1, deviatingCount, deviating };
}

/**
 * The daily job: each service not yet checked for `now`'s day is checked, and the result is recorded as an event
 * (so a check is in the audit spine and sealed like any other). Cheap to call often: a day already done is one query.
 * Returns the checks it made. The worker loop calls it; a test calls it with the engine's clock.
 */
export async function runConformanceChecks(options: { db: Queryable; engine: Pick<Engine, 'getProcessXml'>; services: readonly Service[]; now: Date }): Promise<ConformanceCheck[]> {
  const { db, engine, now } = options;
  const day = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const { rows } = await db.query<{ service: string }>(
    `select element_id as service from process_event where type = $1 and data->>'day' = $2`, [CONFORMANCE_EVENT, day]);
  const done = new Set(rows.map((r) => r.service));
  const made: ConformanceCheck[] = [];
  for (const service of options.services) {
    if (done.has(service.id) || await processDefinitionId(db, service.process.key) === null) continue;
    const check = await checkService(db, engine, service, day, now);
    await appendEvent(db, { type: CONFORMANCE_EVENT, actor: 'system:conformance', elementId: service.id, occurredAt: now, data: { ...check } });
    made.push(check);
  }
  return made;
}

/** The newest conformance check of a service, or null before the first. */
export async function latestConformanceCheck(db: Queryable, serviceId: string): Promise<ConformanceCheck | null> {
  const { rows } = await db.query<{ data: ConformanceCheck }>(
    'select data from process_event where type = $1 and element_id = $2 order by occurred_at desc, id desc limit 1', [CONFORMANCE_EVENT, serviceId]);
  return rows[0]?.data ?? null;
}

/**
 * Rules that open cases: after readings are stored, each asset's latest state and recent history go through the
 * sensor rules (a DMN decision table an administrator edits, examples/sensor-rules.dmn); every condition it
 * returns opens one `sensor-alarm` case per asset and condition (repeats update nothing while it is open), and an
 * open case whose condition no longer holds is closed by the message `sensor-recovered` when its row says so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileDecision, parseDmn, type DmnModel } from '../decisions/index.js';
import type { Engine } from '../engine/index.js';
import { createLogger, isGovflowError, type Logger } from '../kernel/index.js';
import type { Attribute, SensorEntity } from './ngsi-ld.js';
import { claimCase, closeCase, dropCase, historyFactsOf, openCasesOf, readEntities, setCaseInstance, type HistoryFacts, type OpenCase } from './observation-store.js';
import type { Sensors } from './sensors.js';

export const SENSOR_ALARM_PROCESS = 'sensor-alarm';
export const SENSOR_RECOVERED_MESSAGE = 'sensor-recovered';
export const DEFAULT_RULES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'sensor-rules.dmn');
const DECISION = 'sensor-alarms';

/** One row of the rules' output: a condition that holds for the asset now. */
export interface Condition {
  readonly condition: string;
  readonly department: string;
  readonly closeOnRecovery: boolean;
  readonly summary: string;
}

export interface RulesOptions {
  readonly engine: Engine;
  /** The DMN model; the demo municipality's examples/sensor-rules.dmn when not given. */
  readonly model?: DmnModel;
  readonly logger?: Logger;
}

export function loadRules(file = DEFAULT_RULES_FILE): DmnModel {
  return parseDmn(readFileSync(file, 'utf8'), path.basename(file));
}

const valueOf = (attrs: Readonly<Record<string, Attribute>>, ...names: string[]): unknown => names.map((n) => attrs[n]?.value).find((v) => v !== undefined) ?? null;
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** The DMN's `reading`: the latest state plus what history says, every key present (null when unknown). */
export function readingContext(entity: SensorEntity, facts: HistoryFacts): Record<string, unknown> {
  const power = numberOrNull(valueOf(entity.attrs, 'powerConsumption'));
  return {
    type: entity.type,
    fillingLevel: numberOrNull(valueOf(entity.attrs, 'fillingLevel', 'binFillingLevel')),
    status: valueOf(entity.attrs, 'status'),
    powerDeviation: power !== null && facts.powerBaseline !== null && facts.powerBaseline > 0 ? Math.abs(power - facts.powerBaseline) / facts.powerBaseline : null,
    minOccupancy15: facts.minOccupancy15,
    no2: numberOrNull(valueOf(entity.attrs, 'no2', 'NO2')),
    pm10: numberOrNull(valueOf(entity.attrs, 'pm10', 'PM10')),
    statusMinutes: facts.statusMinutes,
  };
}

function conditionsOf(value: unknown): Condition[] {
  const rows = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  return rows.filter((r): r is Condition => typeof r === 'object' && r !== null && typeof (r as Condition).condition === 'string' && typeof (r as Condition).department === 'string')
    .map((r) => ({ condition: r.condition, department: r.department, closeOnRecovery: r.closeOnRecovery === true, summary: typeof r.summary === 'string' ? r.summary : r.condition }));
}

export interface Rules {
  /** Evaluates the rules for these entities (their stored latest state) and opens or closes cases. */
  evaluate(entityIds: readonly string[]): Promise<{ opened: number; closed: number }>;
}

export function createRules(sensors: Sensors, options: RulesOptions): Rules {
  const { engine } = options;
  const { db } = sensors;
  const model = options.model ?? loadRules();
  // Compiled once: an asset's evaluation is a closure call, not a FEEL parse per reading.
  const decide = compileDecision(model, DECISION);
  const log = options.logger ?? createLogger({ name: 'sensors-rules' });
  const alarmKey = (entityId: string, condition: string): string => `${entityId}|${condition}`;

  const open = async (entity: SensorEntity, c: Condition, reading: Record<string, unknown>): Promise<boolean> => {
    const caseId = await claimCase(db, { entityId: entity.id, condition: c.condition, closeOnRecovery: c.closeOnRecovery, details: { summary: c.summary, reading } });
    if (caseId === undefined) return false;
    try {
      const instance = await engine.startInstance(SENSOR_ALARM_PROCESS, {
        businessKey: `SA-${new Date().getUTCFullYear()}-${String(caseId).padStart(6, '0')}`, actor: 'sensors',
        variables: { alarmKey: alarmKey(entity.id, c.condition), entityId: entity.id, entityType: entity.type, condition: c.condition, department: c.department, summary: c.summary, reading },
      });
      await setCaseInstance(db, caseId, instance.id);
      return true;
    } catch (error) {
      // No case without its process: the claim goes, so the next reading tries again.
      await dropCase(db, caseId);
      throw error;
    }
  };

  const recovered = async (entityId: string, condition: string, caseId: number, reading: Record<string, unknown>): Promise<void> => {
    try {
      await engine.publishMessage({ name: SENSOR_RECOVERED_MESSAGE, correlationKey: alarmKey(entityId, condition), messageId: `sensor-recovered:${caseId}`, actor: 'sensors', variables: { recoveredReading: reading }, timeToLiveMs: 0 });
    } catch (error) {
      // Staff completed the task in the same moment: nothing waits any more, and the case is closed either way.
      if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED')) throw error;
    }
  };

  const NO_FACTS: HistoryFacts = { powerBaseline: null, minOccupancy15: null, statusMinutes: null };

  /** One asset: the decision in memory over what was read for the whole batch; a query only when a case changes. */
  const evaluateOne = async (entity: SensorEntity, facts: HistoryFacts, openCases: readonly OpenCase[]): Promise<{ opened: number; closed: number }> => {
    const reading = readingContext(entity, facts);
    const holding = conditionsOf(decide({ reading }));
    let opened = 0;
    let closed = 0;
    const stillOpen = new Set<string>();
    for (const existing of openCases) {
      const still = holding.some((c) => c.condition === existing.condition);
      const instance = existing.instanceId === null ? undefined : await engine.getInstance(existing.instanceId);
      if (instance && instance.state !== 'active') {
        // Staff finished the case: the row closes with it, and a condition that still holds opens a new one below.
        await closeCase(db, existing.id);
      } else if (!still && existing.closeOnRecovery) {
        if (await closeCase(db, existing.id)) {
          await recovered(entity.id, existing.condition, existing.id, reading);
          closed++;
        }
      } else {
        stillOpen.add(existing.condition);
      }
    }
    // A repeat of an open case's condition changes nothing (the claim would find the open row): no query for it.
    for (const c of holding) if (!stillOpen.has(c.condition) && (await open(entity, c, reading))) opened++;
    return { opened, closed };
  };

  return {
    async evaluate(entityIds) {
      const ids = [...new Set(entityIds)];
      if (ids.length === 0) return { opened: 0, closed: 0 };
      // Three reads for the whole batch, whatever its size: latest states, history facts, open cases.
      const entities = await readEntities(db, ids);
      const facts = await historyFactsOf(db, ids);
      const openCases = await openCasesOf(db, ids);
      let opened = 0;
      let closed = 0;
      for (const id of ids) {
        const entity = entities.get(id);
        if (!entity) continue;
        try {
          const r = await evaluateOne(entity, facts.get(id) ?? NO_FACTS, openCases.get(id) ?? []);
          opened += r.opened;
          closed += r.closed;
        } catch (error) {
          log.warn({ err: (error as Error).message, entityId: id }, 'the sensor rules could not run for an asset');
        }
      }
      return { opened, closed };
    },
  };
}

/** Runs the rules after every stored batch. */
export function attachRules(sensors: Sensors, options: RulesOptions): Rules {
  const rules = createRules(sensors, options);
  sensors.afterIngest(async (entities) => {
    await rules.evaluate(entities.map((e) => e.id));
  });
  return rules;
}

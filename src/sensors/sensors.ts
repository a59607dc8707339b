/**
 * Sensors' own model behind every edge (NGSI-LD HTTP, MQTT, Orion-LD notifications): entities checked whole, their
 * readings stored once, then the rules asked whether an asset needs a case.
 */
import type { Database } from '../store/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Representation, SensorEntity } from './ngsi-ld.js';
import { parseBatch, parseEntity } from './ngsi-ld.js';
import { ensurePartitions, insertObservations, observationsOf, writeEntities, type Observation, type WriteMode } from './observation-store.js';

export interface IngestOptions {
  readonly mode: WriteMode;
  /** A digest of the message the entities came in (MQTT), for readings that carry no time of their own. */
  readonly keySeed?: string;
}

export interface IngestResult {
  readonly created: readonly string[];
  /** Readings stored now (a replayed one is not counted again). */
  readonly stored: number;
}

/** Called after a batch is committed, with the entities as sent; rules.ts evaluates them. */
export type AfterIngest = (entities: readonly SensorEntity[]) => Promise<void>;

export interface Sensors {
  readonly db: Database;
  /** Stores entities (all or nothing) and then runs the rules on them. */
  ingest(entities: readonly SensorEntity[], options: IngestOptions): Promise<IngestResult>;
  /** Reads and stores a payload of one entity or an array of them. */
  ingestPayload(body: unknown, representation: Representation, options: IngestOptions): Promise<IngestResult>;
  /** Adds a step run after each committed batch (the rules); errors there are logged, never undo the readings. */
  afterIngest(step: AfterIngest): void;
}

interface Waiting {
  readonly entities: readonly SensorEntity[];
  readonly mode: WriteMode;
  readonly observations: readonly Observation[];
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/** A burst written at once holds at most this many readings; more wait for the next transaction. */
const MAX_BURST_READINGS = 20_000;

/** Several calls' entities as one write: in merge mode later attributes go over earlier ones, in replace mode the later entity wins. */
function combine(waiting: readonly Waiting[], mode: WriteMode): SensorEntity[] {
  const byId = new Map<string, SensorEntity>();
  for (const w of waiting) {
    for (const e of w.entities) {
      const before = byId.get(e.id);
      byId.set(e.id, before && mode === 'merge' ? { ...before, attrs: { ...before.attrs, ...e.attrs } } : e);
    }
  }
  return [...byId.values()];
}

export function createSensors(options: { db: Database; logger?: Logger; now?: () => Date }): Sensors {
  const { db } = options;
  const log = options.logger ?? createLogger({ name: 'sensors' });
  const now = options.now ?? (() => new Date());
  const steps: AfterIngest[] = [];
  const queue: Waiting[] = [];
  let writing = false;

  const runSteps = async (entities: readonly SensorEntity[]): Promise<void> => {
    for (const step of steps) {
      try {
        await step(entities);
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'a sensor rule failed; the readings are stored');
      }
    }
  };

  /** One transaction for the calls in `waiting` (all of one mode); each caller learns what was new for it. */
  const writeBurst = async (waiting: readonly Waiting[]): Promise<{ entities: SensorEntity[]; results: IngestResult[] }> => {
    const mode = waiting[0]!.mode;
    const entities = combine(waiting, mode);
    const observations = waiting.flatMap((w) => w.observations);
    await ensurePartitions(db, observations.map((o) => o.observedAt));
    const { created, stored } = await db.transaction(async (tx) => ({ created: new Set(await writeEntities(tx, entities, mode, now())), stored: await insertObservations(tx, observations) }));
    const results = waiting.map((w) => {
      // A reading stored now counts for the first caller that sent it.
      let count = 0;
      for (const o of w.observations) if (stored.delete(o.key)) count++;
      return { created: w.entities.map((e) => e.id).filter((id) => created.has(id)), stored: count };
    });
    return { entities, results };
  };

  /**
   * Group commit: while a transaction is under way, calls queue; the next transaction takes all queued calls of
   * the head's mode at once, so a burst of MQTT messages or batch upserts costs one transaction and one rules pass
   * instead of one each. A caller is answered only after its readings are committed and the rules have run.
   */
  const drain = async (): Promise<void> => {
    writing = true;
    try {
      while (queue.length > 0) {
        const mode = queue[0]!.mode;
        let readings = 0;
        let n = 0;
        while (n < queue.length && queue[n]!.mode === mode && (n === 0 || readings + queue[n]!.observations.length <= MAX_BURST_READINGS)) readings += queue[n++]!.observations.length;
        const burst = queue.splice(0, n);
        const answered: { waiting: Waiting; result: IngestResult }[] = [];
        const written: SensorEntity[] = [];
        try {
          const burstWritten = await writeBurst(burst);
          written.push(...burstWritten.entities);
          burst.forEach((waiting, i) => answered.push({ waiting, result: burstWritten.results[i]! }));
        } catch (error) {
          if (burst.length === 1) {
            burst[0]!.reject(error);
            continue;
          }
          // One call's trouble must not fail the others: each is written alone.
          for (const waiting of burst) {
            try {
              const alone = await writeBurst([waiting]);
              written.push(...alone.entities);
              answered.push({ waiting, result: alone.results[0]! });
            } catch (failure) {
              waiting.reject(failure);
            }
          }
        }
        // The rules run while the next burst is written; callers hear back when both are done.
        if (answered.length > 0) void runSteps(written).then(() => answered.forEach((a) => a.waiting.resolve(a.result)));
      }
    } finally {
      writing = false;
    }
  };

  const sensors: Sensors = {
    db,
    async ingest(entities, ingestOptions) {
      const at = now();
      const observations = entities.flatMap((e) => observationsOf(e, at, ingestOptions.keySeed));
      if (ingestOptions.mode === 'create') {
        // Create refuses an id already stored: written alone, so the refusal is this caller's.
        await ensurePartitions(db, observations.map((o) => o.observedAt));
        const result = await db.transaction(async (tx) => {
          const created = await writeEntities(tx, entities, ingestOptions.mode, at);
          return { created, stored: (await insertObservations(tx, observations)).size };
        });
        await runSteps(entities);
        return result;
      }
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ entities, mode: ingestOptions.mode, observations, resolve, reject });
        if (!writing) void drain();
      });
    },
    ingestPayload(body, representation, ingestOptions) {
      const entities = Array.isArray(body) ? parseBatch(body, representation) : [parseEntity(body, representation)];
      return sensors.ingest(entities, ingestOptions);
    },
    afterIngest(step) {
      steps.push(step);
    },
  };
  return sensors;
}

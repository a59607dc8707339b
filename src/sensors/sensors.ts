/**
 * Sensors' own model behind every edge (NGSI-LD HTTP, MQTT, Orion-LD notifications): entities checked whole, their
 * readings stored once, then the rules asked whether an asset needs a case.
 */
import type { Database } from '../store/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Representation, SensorEntity } from './ngsi-ld.js';
import { parseBatch, parseEntity } from './ngsi-ld.js';
import { ensurePartitions, insertObservations, observationsOf, writeEntities, type WriteMode } from './observation-store.js';

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

export function createSensors(options: { db: Database; logger?: Logger; now?: () => Date }): Sensors {
  const { db } = options;
  const log = options.logger ?? createLogger({ name: 'sensors' });
  const now = options.now ?? (() => new Date());
  const steps: AfterIngest[] = [];
  const sensors: Sensors = {
    db,
    async ingest(entities, ingestOptions) {
      const at = now();
      const observations = entities.flatMap((e) => observationsOf(e, at, ingestOptions.keySeed));
      await ensurePartitions(db, observations.map((o) => o.observedAt));
      const result = await db.transaction(async (tx) => {
        const created = await writeEntities(tx, entities, ingestOptions.mode, at);
        return { created, stored: await insertObservations(tx, observations) };
      });
      for (const step of steps) {
        try {
          await step(entities);
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'a sensor rule failed; the readings are stored');
        }
      }
      return result;
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

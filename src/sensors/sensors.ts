/**
 * Sensors' own model behind every edge (NGSI-LD HTTP, MQTT, Orion-LD notifications): entities checked whole, their
 * readings stored once, then the rules asked whether an asset needs a case.
 */
import type { Database } from '../store/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Representation, SensorEntity } from './ngsi-ld.js';
import { parseBatch, parseEntity } from './ngsi-ld.js';
import { ensurePartitions, insertObservations, observationsOf, writeBurst, writeEntities, type Observation, type WriteMode } from './observation-store.js';

export interface IngestOptions {
  readonly mode: WriteMode;
  /** A digest of the message the entities came in (MQTT), for readings that carry no time of their own. */
  readonly keySeed?: string;
  /**
   * `wait` (the default): answered once the readings are committed AND the rules have run over them. `background`:
   * answered once committed; the rules run right after (an edge's acknowledgement means "stored", as MQTT QoS 1 does).
   */
  readonly rules?: 'wait' | 'background';
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
  readonly mode: 'replace' | 'merge';
  readonly observations: readonly Observation[];
  readonly waitForRules: boolean;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/** A burst written at once holds at most this many readings; more wait for the next statement. */
const MAX_BURST_READINGS = 20_000;
/** Bursts written at once on a server (each on its own connection, about disjoint assets): one waits for its commit while the next is built. */
const MAX_WRITERS = 3;

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

/**
 * The rules lane: committed assets wait here and one pass at a time takes all of them. The rules read each asset's
 * stored latest state and history, so an asset written by several bursts meanwhile is evaluated once, on its
 * newest state; the lane never holds more than one entry per asset, however far ingest runs ahead.
 */
function rulesLane(steps: readonly AfterIngest[], log: Logger): (entities: readonly SensorEntity[], waiter?: () => void) => void {
  const runSteps = async (entities: readonly SensorEntity[]): Promise<void> => {
    for (const step of steps) {
      try {
        await step(entities);
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'a sensor rule failed; the readings are stored');
      }
    }
  };

  let pendingRules = new Map<string, SensorEntity>();
  let rulesWaiters: (() => void)[] = [];
  let ruling = false;
  const rulesPass = async (): Promise<void> => {
    ruling = true;
    try {
      while (pendingRules.size > 0) {
        const entities = [...pendingRules.values()];
        const waiters = rulesWaiters;
        pendingRules = new Map();
        rulesWaiters = [];
        await runSteps(entities);
        for (const done of waiters) done();
      }
    } finally {
      ruling = false;
    }
  };
  const afterCommit = (entities: readonly SensorEntity[], waiter?: () => void): void => {
    if (steps.length === 0) return waiter?.();
    for (const e of entities) pendingRules.set(e.id, e);
    if (waiter) rulesWaiters.push(waiter);
    if (!ruling) void rulesPass();
  };
  return afterCommit;
}

export function createSensors(options: { db: Database; logger?: Logger; now?: () => Date }): Sensors {
  const { db } = options;
  const log = options.logger ?? createLogger({ name: 'sensors' });
  const now = options.now ?? (() => new Date());
  const steps: AfterIngest[] = [];
  const queue: Waiting[] = [];
  const writers = Math.max(1, Math.min(MAX_WRITERS, db.concurrency - 1));
  /** Assets of the bursts being written: a call about one of them waits, so an asset's readings land in order. */
  const busy = new Set<string>();
  let writing = 0;

  const afterCommit = rulesLane(steps, log);

  /** One statement for the calls in `burst` (all of one mode); each caller learns what was new for it. */
  const write = async (burst: readonly Waiting[]): Promise<{ entities: SensorEntity[]; results: IngestResult[] }> => {
    const mode = burst[0]!.mode;
    const entities = combine(burst, mode);
    const observations = burst.flatMap((w) => w.observations);
    await ensurePartitions(db, observations.map((o) => o.observedAt));
    const { created, stored } = await writeBurst(db, entities, observations, mode, now());
    const results = burst.map((w) => {
      // A reading stored now counts for the first caller that sent it.
      let count = 0;
      for (const o of w.observations) if (stored.delete(o.key)) count++;
      return { created: w.entities.map((e) => e.id).filter((id) => created.has(id)), stored: count };
    });
    return { entities, results };
  };

  const answer = (waiting: Waiting, result: IngestResult, entities: readonly SensorEntity[]): void => {
    if (waiting.waitForRules) afterCommit(entities, () => waiting.resolve(result));
    else {
      waiting.resolve(result);
      afterCommit(entities);
    }
  };

  /** The next burst: queued calls of the head's mode, in order, up to the first about an asset being written. */
  const takeBurst = (): Waiting[] => {
    const burst: Waiting[] = [];
    const mine = new Set<string>();
    let readings = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (burst.length > 0 && (next.mode !== burst[0]!.mode || readings + next.observations.length > MAX_BURST_READINGS)) break;
      // Two calls about one asset in the same burst are combined in order; another writer's asset waits for it.
      if (next.entities.some((e) => busy.has(e.id) && !mine.has(e.id))) break;
      queue.shift();
      burst.push(next);
      readings += next.observations.length;
      for (const e of next.entities) mine.add(e.id);
    }
    for (const id of mine) busy.add(id);
    return burst;
  };

  /**
   * Group commit: calls queue while bursts are written; each free writer takes all queued calls of the head's mode
   * at once, so a burst of MQTT messages or batch upserts costs one statement (one commit) instead of one each.
   * On a server up to MAX_WRITERS bursts about different assets are written at once (PGlite has one connection).
   * A caller is answered once its readings are committed (and, unless it asked otherwise, the rules have run).
   */
  const pump = (): void => {
    while (writing < writers && queue.length > 0) {
      const burst = takeBurst();
      if (burst.length === 0) return;
      writing++;
      void writeOut(burst).finally(() => {
        for (const w of burst) for (const e of w.entities) busy.delete(e.id);
        writing--;
        pump();
      });
    }
  };

  const writeOut = async (burst: readonly Waiting[]): Promise<void> => {
    try {
      const written = await write(burst);
      burst.forEach((waiting, i) => answer(waiting, written.results[i]!, waiting.entities));
    } catch (error) {
      if (burst.length === 1) return burst[0]!.reject(error);
      // One call's trouble must not fail the others: each is written alone.
      for (const waiting of burst) {
        try {
          const alone = await write([waiting]);
          answer(waiting, alone.results[0]!, waiting.entities);
        } catch (failure) {
          waiting.reject(failure);
        }
      }
    }
  };

  const sensors: Sensors = {
    db,
    async ingest(entities, ingestOptions) {
      const at = now();
      const observations = entities.flatMap((e) => observationsOf(e, at, ingestOptions.keySeed));
      const mode = ingestOptions.mode;
      if (mode === 'create') {
        // Create refuses an id already stored: written alone, so the refusal is this caller's.
        await ensurePartitions(db, observations.map((o) => o.observedAt));
        const result = await db.transaction(async (tx) => {
          const created = await writeEntities(tx, entities, mode, at);
          return { created, stored: (await insertObservations(tx, observations)).size };
        });
        await new Promise<void>((resolve) => afterCommit(entities, resolve));
        return result;
      }
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ entities, mode, observations, waitForRules: ingestOptions.rules !== 'background', resolve, reject });
        pump();
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

/**
 * Sensors' tables: the latest state of each entity (`sensor_entity`), every reading in month partitions
 * (`sensor_observation`), hourly aggregates kept past the raw retention (`sensor_hourly`). A batch is written in
 * one transaction; a reading already stored (same idempotency key) is skipped, so a replayed publish or a retried
 * batch stores nothing twice.
 */
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../store/index.js';
import { NgsiLdProblem, type Attribute, type SensorEntity } from './ngsi-ld.js';
import type { ModelType } from './models.js';

export interface Observation {
  readonly entityId: string;
  readonly attribute: string;
  readonly observedAt: string;
  readonly value: unknown;
  readonly key: string;
}

/** Where an entity's readings take their time from when an attribute has no observedAt of its own. */
const ENTITY_TIME_ATTRIBUTES = ['dateObserved', 'observationDateTime', 'dateObservedTo', 'binLoggedTime', 'dateModified'];

function entityTime(entity: SensorEntity): string | undefined {
  for (const name of ENTITY_TIME_ATTRIBUTES) {
    const value = entity.attrs[name]?.value;
    // dateObserved is often an interval "from/to": the reading belongs to its end.
    const last = typeof value === 'string' ? value.split('/').at(-1)! : undefined;
    if (last && !Number.isNaN(Date.parse(last))) return new Date(last).toISOString();
  }
  return undefined;
}

const isReading = (name: string, a: Attribute): boolean =>
  a.kind === 'Property' && !ENTITY_TIME_ATTRIBUTES.includes(name) && (typeof a.value === 'number' || typeof a.value === 'boolean' || (typeof a.value === 'string' && a.value.length <= 200));

/**
 * The readings an entity carries: one per Property with a number, a flag or a short text (a status). Its key is
 * the entity, attribute and time, or `keySeed` (a message's own digest) when the payload says no time.
 */
export function observationsOf(entity: SensorEntity, now: Date, keySeed?: string): Observation[] {
  const fallback = entityTime(entity);
  const out: Observation[] = [];
  for (const [name, attribute] of Object.entries(entity.attrs)) {
    if (!isReading(name, attribute)) continue;
    const explicit = attribute.observedAt ? new Date(attribute.observedAt).toISOString() : fallback;
    const observedAt = explicit ?? now.toISOString();
    const basis = explicit !== undefined || keySeed === undefined ? `${entity.id}|${name}|${observedAt}` : `${entity.id}|${name}|${keySeed}`;
    out.push({ entityId: entity.id, attribute: name, observedAt, value: attribute.value, key: createHash('sha256').update(basis).digest('base64url').slice(0, 32) });
  }
  return out;
}

const monthOf = (iso: string): string => iso.slice(0, 7);
const knownPartitions = new WeakMap<Database, Set<string>>();

/**
 * Creates the month partitions a batch writes to (outside its transaction: DDL takes a strong lock). Two processes
 * creating the same month, or a month whose rows already sit in the default partition, leave things as they are.
 */
export async function ensurePartitions(db: Database, observedAt: readonly string[]): Promise<void> {
  const known = knownPartitions.get(db) ?? new Set<string>();
  knownPartitions.set(db, known);
  for (const month of new Set(observedAt.map(monthOf))) {
    if (known.has(month) || !/^\d{4}-\d{2}$/.test(month)) continue;
    const [year, mm] = month.split('-').map(Number) as [number, number];
    const next = mm === 12 ? `${year + 1}-01` : `${year}-${String(mm + 1).padStart(2, '0')}`;
    try {
      await db.exec(`create table if not exists sensor_observation_${year}_${String(mm).padStart(2, '0')} partition of sensor_observation for values from ('${month}-01') to ('${next}-01')`);
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      // 42P07/23505: another process made it first; 23514: the default partition holds rows of that month.
      if (!['42P07', '23505', '23514'].includes(code)) throw error;
    }
    known.add(month);
  }
}

/** A reading's number (a flag as 1 or 0), for aggregates; null for a text. */
const numeric = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null);

/** Stores readings not stored yet; returns the keys stored now (a reading already there, or twice in the list, once). */
export async function insertObservations(tx: Queryable, observations: readonly Observation[]): Promise<Set<string>> {
  if (observations.length === 0) return new Set();
  const result = await tx.query<{ idempotency_key: string }>(
    `insert into sensor_observation (entity_id, attribute, observed_at, value_number, value_json, idempotency_key)
     select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::jsonb[], $6::text[])
     on conflict do nothing returning idempotency_key`,
    [observations.map((o) => o.entityId), observations.map((o) => o.attribute), observations.map((o) => o.observedAt),
      observations.map((o) => numeric(o.value)), observations.map((o) => JSON.stringify(o.value)), observations.map((o) => o.key)],
    { name: 'sensors-insert-observations-returning' },
  );
  return new Set(result.rows.map((r) => r.idempotency_key));
}

function pointOf(entity: SensorEntity): { lon: number | null; lat: number | null } {
  const geometry = entity.attrs['location']?.value as { type?: string; coordinates?: unknown } | undefined;
  const first = geometry?.type === 'Point' ? geometry.coordinates : Array.isArray(geometry?.coordinates) ? geometry.coordinates[0] : undefined;
  return Array.isArray(first) && typeof first[0] === 'number' && typeof first[1] === 'number' ? { lon: first[0], lat: first[1] } : { lon: null, lat: null };
}

export type WriteMode = 'create' | 'replace' | 'merge';

/** Writes the latest state of entities; returns the ids that were new. `create` refuses an id already stored. */
export async function writeEntities(tx: Queryable, entities: readonly SensorEntity[], mode: WriteMode, now: Date): Promise<string[]> {
  const ids = entities.map((e) => e.id);
  const existing = new Set((await tx.query<{ entity_id: string }>('select entity_id from sensor_entity where entity_id = any($1::text[]) for update', [ids])).rows.map((r) => r.entity_id));
  if (mode === 'create') {
    const taken = ids.find((id) => existing.has(id));
    if (taken) throw new NgsiLdProblem('AlreadyExists', `The entity '${taken}' already exists`, { entityId: taken });
  }
  const points = entities.map(pointOf);
  await tx.query(
    `insert into sensor_entity as e (entity_id, entity_type, attrs, lon, lat, observed_at, created_at, modified_at)
     select id, type, attrs, lon, lat, observed, $7, $7 from unnest($1::text[], $2::text[], $3::jsonb[], $4::float8[], $5::float8[], $6::timestamptz[]) as u(id, type, attrs, lon, lat, observed)
     on conflict (entity_id) do update set
       attrs = case when $8 then e.attrs || excluded.attrs else excluded.attrs end,
       lon = coalesce(excluded.lon, case when $8 then e.lon end), lat = coalesce(excluded.lat, case when $8 then e.lat end),
       observed_at = greatest(e.observed_at, excluded.observed_at), modified_at = $7`,
    [ids, entities.map((e) => e.type), entities.map((e) => JSON.stringify(e.attrs)), points.map((p) => p.lon), points.map((p) => p.lat),
      entities.map((e) => latestTime(e, now)), now.toISOString(), mode === 'merge'],
  );
  return ids.filter((id) => !existing.has(id));
}

/** The time of an entity's newest reading (ISO strings of one format compare as times), or now when it carries none. */
function latestTime(entity: SensorEntity, now: Date, observations: readonly Observation[] = observationsOf(entity, now)): string {
  let latest: string | undefined;
  for (const o of observations) if (o.entityId === entity.id && (latest === undefined || o.observedAt > latest)) latest = o.observedAt;
  return latest ?? now.toISOString();
}

/**
 * A merge or replace burst in ONE statement: the entities' latest state upserted and their readings inserted
 * together (data-modifying CTEs commit or fail as one), so a burst of any size costs one round trip and one commit
 * instead of a transaction of four. Entities go in id order, so two writers never lock the same rows crosswise.
 * Returns the ids that were new (`xmax = 0`: inserted, not updated) and the reading keys stored now.
 */
export async function writeBurst(db: Queryable, entities: readonly SensorEntity[], observations: readonly Observation[], mode: 'replace' | 'merge', now: Date): Promise<{ created: Set<string>; stored: Set<string> }> {
  const sorted = [...entities].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byEntity = new Map<string, Observation[]>();
  for (const o of observations) {
    const list = byEntity.get(o.entityId);
    if (list) list.push(o);
    else byEntity.set(o.entityId, [o]);
  }
  const points = sorted.map(pointOf);
  const rows = (await db.query<{ k: string; v: string }>(
    `with stored as (
       insert into sensor_observation (entity_id, attribute, observed_at, value_number, value_json, idempotency_key)
       select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::jsonb[], $6::text[])
       on conflict do nothing returning idempotency_key
     ), latest as (
       insert into sensor_entity as e (entity_id, entity_type, attrs, lon, lat, observed_at, created_at, modified_at)
       select id, type, attrs, lon, lat, observed, $13, $13
       from unnest($7::text[], $8::text[], $9::jsonb[], $10::float8[], $11::float8[], $12::timestamptz[]) with ordinality as u(id, type, attrs, lon, lat, observed, n) order by n
       on conflict (entity_id) do update set
         attrs = case when $14 then e.attrs || excluded.attrs else excluded.attrs end,
         lon = coalesce(excluded.lon, case when $14 then e.lon end), lat = coalesce(excluded.lat, case when $14 then e.lat end),
         observed_at = greatest(e.observed_at, excluded.observed_at), modified_at = $13
       returning entity_id, xmax = 0 as inserted
     )
     select 'o' as k, idempotency_key as v from stored union all select 'e', entity_id from latest where inserted`,
    [observations.map((o) => o.entityId), observations.map((o) => o.attribute), observations.map((o) => o.observedAt),
      observations.map((o) => numeric(o.value)), observations.map((o) => JSON.stringify(o.value)), observations.map((o) => o.key),
      sorted.map((e) => e.id), sorted.map((e) => e.type), sorted.map((e) => JSON.stringify(e.attrs)), points.map((p) => p.lon), points.map((p) => p.lat),
      sorted.map((e) => latestTime(e, now, byEntity.get(e.id))), now.toISOString(), mode === 'merge'],
    { name: 'sensors-write-burst' },
  )).rows;
  const created = new Set<string>();
  const stored = new Set<string>();
  for (const r of rows) (r.k === 'e' ? created : stored).add(r.v);
  return { created, stored };
}

interface EntityRow { entity_id: string; entity_type: string; attrs: Record<string, Attribute> }
const toEntity = (r: EntityRow): SensorEntity => ({ id: r.entity_id, type: r.entity_type as ModelType, attrs: r.attrs });

export async function readEntity(db: Queryable, id: string): Promise<SensorEntity | undefined> {
  const [row] = (await db.query<EntityRow>('select entity_id, entity_type, attrs from sensor_entity where entity_id = $1', [id])).rows;
  return row ? toEntity(row) : undefined;
}

/** One comparison of an NGSI-LD `q` (clause 4.9): attribute, operator, JSON value. */
export interface QTerm {
  readonly attribute: string;
  readonly op: '==' | '!=' | '>' | '>=' | '<' | '<=';
  readonly value: number | string | boolean;
}

const SQL_OP: Readonly<Record<QTerm['op'], string>> = { '==': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

export interface EntityQuery {
  readonly type?: ModelType;
  readonly ids?: readonly string[];
  readonly q?: readonly QTerm[];
  readonly limit: number;
  readonly offset: number;
}

/** Entities by type, ids and `q` terms (all must hold), in id order; every value is a bound parameter. */
export async function queryEntities(db: Queryable, query: EntityQuery): Promise<{ entities: SensorEntity[]; count: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown): string => `$${params.push(v)}`;
  if (query.type) where.push(`entity_type = ${param(query.type)}`);
  if (query.ids) where.push(`entity_id = any(${param(query.ids)}::text[])`);
  for (const term of query.q ?? []) {
    const value = `attrs -> ${param(term.attribute)} -> 'value'`;
    // jsonb orders numbers numerically and strings as text; the type test keeps a number from comparing with a text.
    where.push(`(jsonb_typeof(${value}) = ${param(typeof term.value === 'string' ? 'string' : typeof term.value)} and ${value} ${SQL_OP[term.op]} ${param(JSON.stringify(term.value))}::jsonb)`);
  }
  const clause = where.length > 0 ? `where ${where.join(' and ')}` : '';
  const rows = (await db.query<EntityRow & { total: string }>(
    `select entity_id, entity_type, attrs, count(*) over () as total from sensor_entity ${clause} order by entity_id limit ${param(query.limit)} offset ${param(query.offset)}`, params,
  )).rows;
  return { entities: rows.map(toEntity), count: Number(rows[0]?.total ?? 0) };
}

export interface SeriesPoint {
  readonly attribute: string;
  readonly observedAt: string;
  readonly value: unknown;
}

/**
 * An entity's readings between two instants (both inclusive), oldest first. The series index leads with (entity,
 * attribute): the asset's attributes are found by a skip scan (one index step each), then each attribute's window
 * is one exact index range, so a day's readings cost the same among ten million stored rows as among a thousand.
 */
export async function readSeries(db: Queryable, entityId: string, range: { from: string; to: string; attrs?: readonly string[]; limit: number }): Promise<SeriesPoint[]> {
  const rows = (await db.query<{ attribute: string; observed_at: string; value_json: unknown }>(
    `with recursive attrs(name) as (
       select min(attribute) from sensor_observation where entity_id = $1
       union all
       select (select min(o.attribute) from sensor_observation o where o.entity_id = $1 and o.attribute > a.name) from attrs a where a.name is not null
     )
     select p.attribute, to_char(p.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as observed_at, p.value_json
     from attrs a cross join lateral (
       select o.attribute, o.observed_at, o.value_json from sensor_observation o
       where o.entity_id = $1 and o.attribute = a.name and o.observed_at between $2 and $3 order by o.observed_at limit $5
     ) p
     where a.name is not null and ($4::text[] is null or a.name = any($4::text[]))
     order by p.observed_at, p.attribute limit $5`,
    [entityId, range.from, range.to, range.attrs ?? null, range.limit], { name: 'sensors-read-series-by-attribute' },
  )).rows;
  return rows.map((r) => ({ attribute: r.attribute, observedAt: r.observed_at, value: r.value_json }));
}

/**
 * Retention: readings older than `rawDays` become hourly aggregates (count, min, max, sum per entity, attribute and
 * hour, added to any already kept) and the raw rows go, in one transaction; then emptied month partitions are dropped.
 */
export async function applyRetention(db: Database, now: Date, rawDays = 30): Promise<{ aggregated: number; deleted: number }> {
  const cutoff = new Date(now.getTime() - rawDays * 86_400_000).toISOString();
  const result = await db.transaction(async (tx) => {
    const aggregated = await tx.query(
      `insert into sensor_hourly as h (entity_id, attribute, hour, n, min_value, max_value, sum_value)
       select entity_id, attribute, date_trunc('hour', observed_at at time zone 'UTC') at time zone 'UTC', count(*), min(value_number), max(value_number), sum(value_number)
       from sensor_observation where observed_at < $1 and value_number is not null group by 1, 2, 3
       on conflict (entity_id, attribute, hour) do update set n = h.n + excluded.n, min_value = least(h.min_value, excluded.min_value),
         max_value = greatest(h.max_value, excluded.max_value), sum_value = h.sum_value + excluded.sum_value`, [cutoff]);
    const deleted = await tx.query('delete from sensor_observation where observed_at < $1', [cutoff]);
    return { aggregated: aggregated.rowCount, deleted: deleted.rowCount };
  });
  // Whole months before the cutoff are empty now: their partitions go (a metadata change, not a scan).
  const partitions = await db.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
     where p.relname = 'sensor_observation' and c.relname ~ '^sensor_observation_[0-9]{4}_[0-9]{2}$'`);
  const cutoffMonth = cutoff.slice(0, 7).replace('-', '_');
  for (const { name } of partitions.rows) {
    if (name.slice(-7) < cutoffMonth) {
      await db.exec(`drop table if exists ${name}`);
      knownPartitions.get(db)?.delete(`${name.slice(-7, -3)}-${name.slice(-2)}`);
    }
  }
  return result;
}

export interface HourlyPoint { readonly hour: string; readonly n: number; readonly min: number; readonly max: number; readonly avg: number }

export async function readHourly(db: Queryable, entityId: string, attribute: string, from: string, to: string): Promise<HourlyPoint[]> {
  const rows = (await db.query<{ hour: string; n: number; min_value: number; max_value: number; sum_value: number }>(
    `select to_char(hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as hour, n, min_value, max_value, sum_value from sensor_hourly
     where entity_id = $1 and attribute = $2 and hour between $3 and $4 order by hour`, [entityId, attribute, from, to])).rows;
  return rows.map((r) => ({ hour: r.hour, n: r.n, min: r.min_value, max: r.max_value, avg: r.sum_value / r.n }));
}

/** What the rules need from an asset's recent history, anchored at its latest reading (not the wall clock). */
export interface HistoryFacts {
  /** Mean energy draw over the 7 days before the latest reading (null with fewer than 3 readings). */
  readonly powerBaseline: number | null;
  /** Lowest occupancy over the 15 minutes up to the latest reading, counting the reading in force at its start; null with less history. */
  readonly minOccupancy15: number | null;
  /** Minutes since the status last changed to its current value (null without a status reading). */
  readonly statusMinutes: number | null;
}

/**
 * The history facts of many assets in one statement (the rules run after every batch, so a query per asset would
 * cost more than the batch itself); an asset without the readings a fact needs gets null for it.
 */
export async function historyFactsOf(db: Queryable, entityIds: readonly string[]): Promise<Map<string, HistoryFacts>> {
  const rows = (await db.query<{ entity_id: string; power_baseline: number | null; min_occupancy: number | null; status_minutes: number | null }>(
    // Every fact is a lateral lookup per asset over the series index (the latest time is one backward index step),
    // so the cost grows with the assets asked about. The earlier form joined CTEs of all assets to each other, and
    // the planner (guessing ten assets) ran their subplans once per pair: a second at 50 assets, a minute at 1,000.
    `select i.entity_id, pw.baseline as power_baseline, oc.low as min_occupancy, extract(epoch from (ls.at - ss.since)) / 60 as status_minutes
     from unnest($1::text[]) as i(entity_id)
     left join lateral (select o.observed_at as at from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'powerConsumption' order by o.observed_at desc limit 1) lp on true
     left join lateral (select case when count(*) >= 3 then avg(o.value_number) end as baseline from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'powerConsumption' and o.observed_at >= lp.at - interval '7 days' and o.observed_at < lp.at) pw on lp.at is not null
     left join lateral (select o.observed_at as at from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'occupancy' order by o.observed_at desc limit 1) lo on true
     left join lateral (select o.observed_at as at from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'occupancy' and o.observed_at <= lo.at - interval '15 minutes' order by o.observed_at desc limit 1) os on lo.at is not null
     left join lateral (select min(o.value_number) as low from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'occupancy' and o.observed_at between os.at and lo.at) oc on os.at is not null
     left join lateral (select o.observed_at as at, o.value_json from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'status' order by o.observed_at desc limit 1) ls on true
     left join lateral (select min(o.observed_at) as since from sensor_observation o
       where o.entity_id = i.entity_id and o.attribute = 'status' and o.value_json = ls.value_json and o.observed_at > coalesce(
         (select max(d.observed_at) from sensor_observation d where d.entity_id = i.entity_id and d.attribute = 'status' and d.value_json <> ls.value_json and d.observed_at <= ls.at), '-infinity')) ss on ls.at is not null`,
    [entityIds], { name: 'sensors-history-facts-by-asset' },
  )).rows;
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return new Map(rows.map((r) => [r.entity_id, { powerBaseline: num(r.power_baseline), minOccupancy15: num(r.min_occupancy), statusMinutes: num(r.status_minutes) }]));
}

/** The latest state of many entities, by id (absent ids are left out). */
export async function readEntities(db: Queryable, ids: readonly string[]): Promise<Map<string, SensorEntity>> {
  const rows = (await db.query<EntityRow>('select entity_id, entity_type, attrs from sensor_entity where entity_id = any($1::text[])', [ids], { name: 'sensors-read-entities' })).rows;
  return new Map(rows.map((r) => [r.entity_id, toEntity(r)]));
}

export interface OpenCase { readonly id: number; readonly condition: string; readonly instanceId: number | null; readonly closeOnRecovery: boolean }

/** The open cases of many assets, by asset (an asset without one is absent). */
export async function openCasesOf(db: Queryable, entityIds: readonly string[]): Promise<Map<string, OpenCase[]>> {
  const rows = (await db.query<{ entity_id: string; id: string; condition: string; instance_id: string | null; close_on_recovery: boolean }>(
    'select entity_id, id, condition, instance_id, close_on_recovery from sensor_case where entity_id = any($1::text[]) and closed_at is null', [entityIds], { name: 'sensors-open-cases-of' })).rows;
  const out = new Map<string, OpenCase[]>();
  for (const r of rows) {
    const list = out.get(r.entity_id) ?? [];
    list.push({ id: Number(r.id), condition: r.condition, instanceId: r.instance_id === null ? null : Number(r.instance_id), closeOnRecovery: r.close_on_recovery });
    out.set(r.entity_id, list);
  }
  return out;
}

/** Claims the one open case of an asset and condition; undefined when one is open already (a repeat). */
export async function claimCase(db: Queryable, input: { entityId: string; condition: string; closeOnRecovery: boolean; details: Record<string, unknown> }): Promise<number | undefined> {
  const [row] = (await db.query<{ id: string }>(
    `insert into sensor_case (entity_id, condition, close_on_recovery, details) values ($1, $2, $3, $4)
     on conflict (entity_id, condition) where closed_at is null do nothing returning id`,
    [input.entityId, input.condition, input.closeOnRecovery, JSON.stringify(input.details)])).rows;
  return row ? Number(row.id) : undefined;
}

export async function setCaseInstance(db: Queryable, caseId: number, instanceId: number): Promise<void> {
  await db.query('update sensor_case set instance_id = $2 where id = $1', [caseId, instanceId]);
}

export async function dropCase(db: Queryable, caseId: number): Promise<void> {
  await db.query('delete from sensor_case where id = $1 and instance_id is null', [caseId]);
}

/** Marks a case closed; true when this call closed it (a concurrent close sees false). */
export async function closeCase(db: Queryable, caseId: number): Promise<boolean> {
  return (await db.query('update sensor_case set closed_at = now() where id = $1 and closed_at is null', [caseId])).rowCount > 0;
}

export interface AssetCase { readonly id: number; readonly entityId: string; readonly condition: string; readonly instanceId: number | null; readonly openedAt: string; readonly closedAt: string | null }

export async function casesOf(db: Queryable, filter: { entityId?: string; open?: boolean }): Promise<AssetCase[]> {
  const rows = (await db.query<{ id: string; entity_id: string; condition: string; instance_id: string | null; opened_at: string; closed_at: string | null }>(
    `select id, entity_id, condition, instance_id, to_char(opened_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as opened_at,
       to_char(closed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as closed_at
     from sensor_case where ($1::text is null or entity_id = $1) and ($2::boolean is null or (closed_at is null) = $2) order by opened_at desc, id desc limit 500`,
    [filter.entityId ?? null, filter.open ?? null])).rows;
  return rows.map((r) => ({ id: Number(r.id), entityId: r.entity_id, condition: r.condition, instanceId: r.instance_id === null ? null : Number(r.instance_id), openedAt: r.opened_at, closedAt: r.closed_at }));
}

/** When an asset last reported this attribute (the end of its chart), if ever. */
export async function lastReadingAt(db: Queryable, entityId: string, attribute: string): Promise<string | undefined> {
  const [row] = (await db.query<{ at: string | null }>(
    `select to_char(max(observed_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from sensor_observation where entity_id = $1 and attribute = $2`, [entityId, attribute])).rows;
  return row?.at ?? undefined;
}

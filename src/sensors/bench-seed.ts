/**
 * Bulk readings for `govflow bench sensors`: millions of stored observations written by the database itself
 * (INSERT … SELECT over generate_series, a chunk of assets per statement), so the series read is measured among
 * them in minutes. Each seeded asset is a waste container reporting its filling level and temperature every 10
 * minutes up to now, into the same month partitions live readings go to.
 */
import type { Database } from '../store/index.js';
import { ensurePartitions } from './observation-store.js';

export const SEED_INTERVAL_MINUTES = 10;
const ATTRIBUTES = ['fillingLevel', 'temperature'] as const;
const ROWS_PER_STATEMENT = 200_000;

export interface SeededSeries {
  readonly observations: number;
  readonly assets: number;
  /** One seeded asset, for the series read. */
  readonly entityId: string;
  /** The seeded period: every asset has readings from `from` to `to`. */
  readonly from: string;
  readonly to: string;
}

export const seededEntityId = (asset: number): string => `urn:ngsi-ld:WasteContainer:series-${String(asset).padStart(5, '0')}`;

/**
 * About `observations` readings: one asset per 10,000 readings (at most 1,000 assets), two attributes each, every
 * 10 minutes back from `now` (10,000,000 readings: 1,000 assets over about 35 days).
 */
export async function seedSeries(db: Database, observations: number, now = new Date()): Promise<SeededSeries> {
  const assets = Math.max(1, Math.min(1000, Math.round(observations / 10_000)));
  const points = Math.max(1, Math.floor(observations / assets / ATTRIBUTES.length));
  const step = SEED_INTERVAL_MINUTES * 60_000;
  const end = new Date(Math.floor(now.getTime() / step) * step);
  const start = new Date(end.getTime() - (points - 1) * step);
  const months: string[] = [];
  for (let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1); t <= end.getTime(); t = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 1)) months.push(new Date(t).toISOString());
  await ensurePartitions(db, months);
  await db.query(
    `insert into sensor_entity (entity_id, entity_type, attrs, lon, lat, observed_at)
     select 'urn:ngsi-ld:WasteContainer:series-' || lpad(a::text, 5, '0'), 'WasteContainer',
       jsonb_build_object('location', jsonb_build_object('kind', 'GeoProperty', 'value', jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(2.15 + a * 0.0001, 41.38)))),
       2.15 + a * 0.0001, 41.38, $2::timestamptz
     from generate_series(1, $1::int) a on conflict (entity_id) do nothing`, [assets, end.toISOString()]);
  const assetsPerStatement = Math.max(1, Math.floor(ROWS_PER_STATEMENT / (points * ATTRIBUTES.length)));
  for (let first = 1; first <= assets; first += assetsPerStatement) {
    // A container fills through the day from its own hour and is emptied; temperature follows the sun.
    await db.query(
      `insert into sensor_observation (entity_id, attribute, observed_at, value_number, value_json, idempotency_key)
       select 'urn:ngsi-ld:WasteContainer:series-' || lpad(a::text, 5, '0'), attr, at, v, to_jsonb(v), 'seed:' || a || ':' || attr || ':' || p
       from generate_series($1::int, $2::int) a cross join unnest($3::text[]) attr cross join generate_series(0, $4::int - 1) p
       cross join lateral (select $5::timestamptz + p * interval '${SEED_INTERVAL_MINUTES} minutes' as at) t
       cross join lateral (select round((case when attr = 'fillingLevel' then 0.05 + 0.7 * ((p + a * 7) % 144) / 144.0
         else 14 + 6 * sin(2 * pi() * (p % 144) / 144.0) end)::numeric, 3)::float8 as v) val`,
      [first, Math.min(assets, first + assetsPerStatement - 1), ATTRIBUTES, points, start.toISOString()],
    );
  }
  await db.exec('analyze sensor_observation');
  return { observations: assets * points * ATTRIBUTES.length, assets, entityId: seededEntityId(Math.ceil(assets / 2)), from: start.toISOString(), to: end.toISOString() };
}

/** How many readings are stored and cases opened by the rules, over every asset or the ones named. */
export async function sensorCounts(db: Database, entityIds?: readonly string[]): Promise<{ observations: number; cases: number }> {
  const [row] = (await db.query<{ observations: string; cases: string }>(
    `select (select count(*) from sensor_observation where $1::text[] is null or entity_id = any($1::text[])) as observations,
       (select count(*) from sensor_case where instance_id is not null and ($1::text[] is null or entity_id = any($1::text[]))) as cases`, [entityIds ?? null])).rows;
  return { observations: Number(row?.observations ?? 0), cases: Number(row?.cases ?? 0) };
}

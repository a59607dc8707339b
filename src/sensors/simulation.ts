/**
 * A demo city's sensors (`govflow simulate sensors`): a few hundred assets of the five models placed around the demo
 * municipality, and readings with daily patterns (containers filling between collections, rush-hour traffic and
 * NO2, lights drawing steadily) plus noise, in the key-values form. A breach is an episode of a few readings past a
 * rule's threshold (examples/sensor-rules.dmn), so cases open and, once it ends, close on recovery.
 */
import { MODEL_TYPES, type ModelType } from './models.js';

/** The demo municipality's centre (longitude, latitude), where its assets are placed. */
export const DEMO_CITY_CENTRE = { lon: 2.17, lat: 41.39 } as const;

export interface DemoAsset {
  readonly id: string;
  readonly type: ModelType;
  readonly lon: number;
  readonly lat: number;
  /** Hours into the day the asset's own cycle is shifted by (containers are not all emptied at once). */
  readonly phase: number;
}

/** A small seeded generator (xorshift32): the same seed gives the same city and the same readings. */
export function seededRandom(seed: number): () => number {
  let x = (seed >>> 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

/** `count` assets, the five models in turn, within about 2 km of the centre. */
export function demoAssets(count: number, seed = 22): DemoAsset[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const type = MODEL_TYPES[i % MODEL_TYPES.length]!;
    const round = (x: number): number => Math.round(x * 1e6) / 1e6;
    return { id: `urn:ngsi-ld:${type}:demo-${String(i + 1).padStart(4, '0')}`, type, lon: round(DEMO_CITY_CENTRE.lon + (random() - 0.5) * 0.05), lat: round(DEMO_CITY_CENTRE.lat + (random() - 0.5) * 0.036), phase: random() * 24 };
  });
}

const hourOf = (at: Date): number => at.getUTCHours() + at.getUTCMinutes() / 60;
/** 0 at night, peaks of 1 at 08:00 and 18:00. */
const rushHour = (hour: number): number => Math.max(Math.exp(-((hour - 8) ** 2) / 2), Math.exp(-((hour - 18) ** 2) / 3));
const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x));
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * One reading of an asset at `at`, key-values form. `breach`: this reading is past its model's threshold (a full
 * container, a faulty lamp, congestion, NO2 over the limit); a parking spot simply stays occupied.
 */
export function simulatedReading(asset: DemoAsset, at: Date, random: () => number, breach: boolean): Record<string, unknown> {
  const hour = hourOf(at);
  const noise = (spread: number): number => (random() - 0.5) * 2 * spread;
  const base = { id: asset.id, type: asset.type, location: { type: 'Point', coordinates: [asset.lon, asset.lat] }, dateObserved: at.toISOString() };
  switch (asset.type) {
    case 'WasteContainer': {
      // Emptied once a day at the asset's own hour; it fills to about 70 % before the crew comes.
      const sinceCollection = (hour - asset.phase + 24) % 24;
      return { ...base, fillingLevel: r3(breach ? 0.82 + random() * 0.17 : clamp(0.05 + (sinceCollection / 24) * 0.65 + noise(0.03), 0, 0.78)), temperature: r3(14 + 6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + noise(1)), status: 'ok' };
    }
    case 'Streetlight': {
      const night = hour < 7 || hour >= 19;
      return { ...base, status: breach ? 'defectiveLamp' : 'ok', powerState: night ? 'on' : 'low', powerConsumption: r3(100 + noise(4)), illuminanceLevel: r3(night ? 0.9 + noise(0.05) : 0.2 + noise(0.05)) };
    }
    case 'TrafficFlowObserved': {
      const occupancy = breach ? 0.85 + random() * 0.1 : clamp(0.08 + 0.55 * rushHour(hour) + noise(0.05), 0, 0.75);
      return { ...base, occupancy: r3(occupancy), intensity: Math.round(40 + 900 * occupancy), averageVehicleSpeed: r3(clamp(55 - 45 * occupancy + noise(3), 3, 80)), congested: occupancy >= 0.8 };
    }
    case 'AirQualityObserved':
      return { ...base, no2: r3(breach ? 205 + random() * 60 : 25 + 60 * rushHour(hour) + noise(8)), pm10: r3(breach ? 15 + random() * 20 : 18 + 12 * rushHour(hour) + noise(4)), temperature: r3(14 + 6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + noise(1)), relativeHumidity: r3(clamp(0.6 + noise(0.15), 0, 1)) };
    case 'ParkingSpot':
      return { ...base, status: breach || random() < 0.55 + 0.3 * rushHour(hour) ? 'occupied' : 'free' };
  }
}

export interface CitySimulation {
  readonly assets: readonly DemoAsset[];
  /** The next `count` readings, the assets in turn, each at `at`; an asset starts a breach episode with `breachRate`. */
  next(count: number, at: Date): { entities: Record<string, unknown>[]; breaches: number };
}

/** A city that reports: assets in turn; a breach lasts three of the asset's readings, then it recovers. */
export function simulateCity(options: { assets: number; breachRate: number; seed?: number }): CitySimulation {
  const assets = demoAssets(options.assets, options.seed);
  const random = seededRandom((options.seed ?? 22) + 1);
  const breachLeft = new Map<string, number>();
  let cursor = 0;
  return {
    assets,
    next(count, at) {
      const entities: Record<string, unknown>[] = [];
      let breaches = 0;
      // One reading per asset per batch: a batch names each entity once.
      for (let i = 0; i < Math.min(count, assets.length); i++) {
        const asset = assets[cursor]!;
        cursor = (cursor + 1) % assets.length;
        let left = breachLeft.get(asset.id) ?? 0;
        if (left === 0 && random() < options.breachRate) left = 3;
        if (left > 0) {
          breaches++;
          breachLeft.set(asset.id, left - 1);
        }
        entities.push(simulatedReading(asset, at, random, left > 0));
      }
      return { entities, breaches };
    },
  };
}

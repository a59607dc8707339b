/**
 * The five FIWARE Smart Data Models govflow understands, and what each of their readings must look like. Only the
 * attributes rules and pages use are checked; any other attribute of the published model is kept as sent.
 */

export const MODEL_TYPES = ['WasteContainer', 'Streetlight', 'TrafficFlowObserved', 'AirQualityObserved', 'ParkingSpot'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** Names the models go by: the Smart Data Models spell `Streetlight`; the NGSI-LD tutorials and our issue `StreetLight`. */
const ALIASES: Readonly<Record<string, ModelType>> = { StreetLight: 'Streetlight' };

/** The model a `type` names: a short name, an alias, or the full smartdatamodels.org URI ending in the name. */
export function modelTypeOf(type: string): ModelType | undefined {
  const short = type.includes('/') || type.includes('#') ? type.split(/[/#]/).at(-1)! : type;
  if ((MODEL_TYPES as readonly string[]).includes(short)) return short as ModelType;
  // Own keys only: a type named like an Object.prototype member ('valueOf') is no model.
  return Object.hasOwn(ALIASES, short) ? ALIASES[short] : undefined;
}

/** A check of one attribute's value; returns what is wrong, or undefined. */
export type ValueCheck = (value: unknown) => string | undefined;

const number = (min?: number, max?: number): ValueCheck => (v) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
  if (min !== undefined && v < min) return `must be at least ${min}`;
  if (max !== undefined && v > max) return `must be at most ${max}`;
  return undefined;
};
const oneOf = (...values: string[]): ValueCheck => (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
const text: ValueCheck = (v) => (typeof v === 'string' && v.length <= 1000 ? undefined : 'must be a text of at most 1000 characters');
const boolean: ValueCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

/** Per model: the checked attributes. Percent-like levels are fractions 0..1 in these models. */
export const MODEL_ATTRIBUTES: Readonly<Record<ModelType, Readonly<Record<string, ValueCheck>>>> = {
  WasteContainer: {
    fillingLevel: number(0, 1), binFillingLevel: number(0, 1), temperature: number(-100, 200), binCapacity: number(0),
    binFullnessThreshold: number(0, 100), status: oneOf('ok', 'lidOpen', 'dropped', 'moved', 'burning', 'door_open', 'lid_open', 'full'),
  },
  Streetlight: {
    status: oneOf('ok', 'defectiveLamp', 'columnIssue', 'brokenLantern'), powerState: oneOf('on', 'off', 'low', 'bootingUp'),
    powerConsumption: number(0), current: number(0), voltage: number(0), powerFactor: number(0, 1), illuminanceLevel: number(0, 1),
  },
  TrafficFlowObserved: {
    intensity: number(0), occupancy: number(0, 1), averageVehicleSpeed: number(0), averageHeadwayTime: number(0),
    averageVehicleLength: number(0), congested: boolean, laneId: number(0), laneDirection: oneOf('forward', 'backward'), reversedLane: boolean,
  },
  AirQualityObserved: {
    no2: number(0), NO2: number(0), pm10: number(0), pm25: number(0), o3: number(0), so2: number(0), SO2: number(0), co: number(0), CO: number(0),
    airQualityIndex: number(0), airQualityLevel: text, temperature: number(-100, 100), relativeHumidity: number(0, 1),
  },
  ParkingSpot: { status: oneOf('free', 'occupied', 'closed', 'unknown'), name: text },
};

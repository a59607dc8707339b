/**
 * The NGSI-LD adapter's payload side (ETSI GS CIM 009): entities in the normalized and the key-values (simplified)
 * forms read into sensors' own model, and written back out. Everything a payload gets wrong is reported as an
 * NGSI-LD problem detail naming the entity and attribute, and a payload with any problem yields nothing.
 */
import { MODEL_ATTRIBUTES, modelTypeOf, MODEL_TYPES, type ModelType } from './models.js';

export type AttributeKind = 'Property' | 'GeoProperty' | 'Relationship';

export interface Attribute {
  readonly kind: AttributeKind;
  /** The value (a Property's or GeoProperty's `value`, a Relationship's `object`). */
  readonly value: unknown;
  readonly observedAt?: string;
  readonly unitCode?: string;
}

export interface SensorEntity {
  readonly id: string;
  readonly type: ModelType;
  readonly attrs: Readonly<Record<string, Attribute>>;
}

export type Representation = 'normalized' | 'keyValues';

/** The NGSI-LD error types (clause 5.5.2) this adapter answers with. */
export type ProblemType = 'InvalidRequest' | 'BadRequestData' | 'AlreadyExists' | 'ResourceNotFound' | 'OperationNotSupported' | 'NotAcceptable' | 'UnsupportedMediaType';

const STATUS: Readonly<Record<ProblemType, number>> = {
  InvalidRequest: 400, BadRequestData: 400, AlreadyExists: 409, ResourceNotFound: 404, OperationNotSupported: 422, NotAcceptable: 406, UnsupportedMediaType: 415,
};

/** An RFC 7807 problem detail as NGSI-LD sends it, with the entity and attribute a data error is about. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly entityId?: string;
  readonly attribute?: string;
}

export class NgsiLdProblem extends Error {
  constructor(readonly problemType: ProblemType, detail: string, readonly at: { entityId?: string; attribute?: string } = {}) {
    super(detail);
    this.name = 'NgsiLdProblem';
  }

  get status(): number {
    return STATUS[this.problemType];
  }

  toJSON(): ProblemDetails {
    return {
      type: `https://uri.etsi.org/ngsi-ld/errors/${this.problemType}`, title: this.problemType.replace(/([a-z])([A-Z])/g, '$1 $2'), status: this.status, detail: this.message,
      ...(this.at.entityId !== undefined ? { entityId: this.at.entityId } : {}), ...(this.at.attribute !== undefined ? { attribute: this.at.attribute } : {}),
    };
  }
}

const CORE_KEYS = new Set(['id', 'type', '@context', 'scope', 'createdAt', 'modifiedAt']);
const KINDS: readonly string[] = ['Property', 'GeoProperty', 'Relationship'];
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
// NGSI-LD attribute names: no whitespace and none of the characters its clause 4.6.2 forbids; a sane length.
const ATTRIBUTE_NAME = /^[^\s<>"'=;()\\/?#&]{1,256}$/;
const MAX_ATTRIBUTES = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `value` is an ISO 8601 date-time with a zone that JavaScript can read. */
export function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** An entity id must be an absolute URI (NGSI-LD clause 4.5.1), such as `urn:ngsi-ld:WasteContainer:001`. */
/**
 * The shape of an entity id in an address (a route's declared parameter): a URI of at most 256 characters with no
 * space, quote or angle bracket, as checkEntityId reads one.
 */
export const ENTITY_ID_PARAM = { type: 'string', maxLength: 256, pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:[^\\s<>"]+$' } as const;
export const entityIdParams = { params: { type: 'object', properties: { id: ENTITY_ID_PARAM }, required: ['id'], additionalProperties: false } } as const;

export function checkEntityId(id: unknown, attribute = 'id'): string {
  if (typeof id !== 'string' || id.length === 0) throw new NgsiLdProblem('BadRequestData', 'The entity has no id: it needs an "id" that is a URI such as urn:ngsi-ld:WasteContainer:001', { attribute });
  if (id.length > 256 || !/^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"]+$/.test(id)) {
    throw new NgsiLdProblem('BadRequestData', `The entity id '${id.slice(0, 80)}' is not a URI (such as urn:ngsi-ld:WasteContainer:001) of at most 256 characters`, { attribute });
  }
  return id;
}

/** A JSON-LD typed value ({"@type":"DateTime","@value":…}) stands for its @value. */
function plainValue(value: unknown): unknown {
  return isObject(value) && typeof value['@value'] === 'string' && Object.keys(value).every((k) => k === '@type' || k === '@value') ? value['@value'] : value;
}

function checkGeometry(value: unknown, at: { entityId: string; attribute: string }): void {
  const fail = (): never => { throw new NgsiLdProblem('BadRequestData', `The attribute '${at.attribute}' must be a GeoJSON geometry (Point, LineString or Polygon with longitude, latitude coordinates)`, at); };
  if (!isObject(value) || typeof value['type'] !== 'string') fail();
  const geometry = value as { type: string; coordinates?: unknown };
  const position = (p: unknown): boolean => Array.isArray(p) && p.length >= 2 && p.length <= 3 && p.every((n) => typeof n === 'number' && Number.isFinite(n)) && Math.abs(p[0] as number) <= 180 && Math.abs(p[1] as number) <= 90;
  const ok = geometry.type === 'Point' ? position(geometry.coordinates)
    : geometry.type === 'LineString' || geometry.type === 'MultiPoint' ? Array.isArray(geometry.coordinates) && geometry.coordinates.length > 0 && geometry.coordinates.every(position)
      : geometry.type === 'Polygon' ? Array.isArray(geometry.coordinates) && geometry.coordinates.length > 0 && geometry.coordinates.every((ring) => Array.isArray(ring) && ring.length > 0 && ring.every(position))
        : false;
  if (!ok) fail();
}

function checkValue(type: ModelType, name: string, attribute: Attribute, entityId: string): void {
  const at = { entityId, attribute: name };
  if (attribute.kind === 'GeoProperty') return checkGeometry(attribute.value, at);
  if (attribute.kind === 'Relationship') {
    if (typeof attribute.value !== 'string' && !(Array.isArray(attribute.value) && attribute.value.every((o) => typeof o === 'string'))) {
      throw new NgsiLdProblem('BadRequestData', `The relationship '${name}' must have an "object" that is a URI`, at);
    }
    return;
  }
  if (name === 'location') return checkGeometry(attribute.value, at);
  const checks = MODEL_ATTRIBUTES[type];
  const check = Object.hasOwn(checks, name) ? checks[name] : undefined;
  const problem = check?.(attribute.value);
  if (problem) throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' of a ${type} ${problem} (got ${JSON.stringify(attribute.value)?.slice(0, 60)})`, at);
}

function normalizedAttribute(name: string, raw: unknown, entityId: string): Attribute {
  const at = { entityId, attribute: name };
  if (!isObject(raw) || typeof raw['type'] !== 'string' || !KINDS.includes(raw['type'])) {
    throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' must be an object whose "type" is Property, GeoProperty or Relationship (normalized form; send ?options=keyValues for plain values)`, at);
  }
  const kind = raw['type'] as AttributeKind;
  const value = kind === 'Relationship' ? raw['object'] : plainValue(raw['value']);
  if (value === undefined || value === null) throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' has no ${kind === 'Relationship' ? '"object"' : '"value"'}`, at);
  const observedAt = raw['observedAt'];
  if (observedAt !== undefined && !isDateTime(observedAt)) throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' has an observedAt that is not an ISO 8601 date-time with a time zone`, at);
  const unitCode = raw['unitCode'];
  if (unitCode !== undefined && (typeof unitCode !== 'string' || unitCode.length > 20)) throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' has a unitCode that is not a UN/CEFACT code`, at);
  return { kind, value, ...(observedAt !== undefined ? { observedAt: observedAt as string } : {}), ...(unitCode !== undefined ? { unitCode: unitCode as string } : {}) };
}

function keyValuesAttribute(name: string, raw: unknown, entityId: string): Attribute {
  const value = plainValue(raw);
  if (value === null) throw new NgsiLdProblem('BadRequestData', `The attribute '${name}' is null: leave it out instead`, { entityId, attribute: name });
  if (name === 'location') return { kind: 'GeoProperty', value };
  // The Smart Data Models name relationships ref…; in the simplified form a URI value there is the object.
  if (/^ref[A-Z]/.test(name) && (typeof value === 'string' || Array.isArray(value))) return { kind: 'Relationship', value };
  return { kind: 'Property', value };
}

/** Reads the attributes of a payload (an entity, or an attribute fragment for PATCH) without the core members. */
export function parseAttributes(type: ModelType, entityId: string, body: Record<string, unknown>, representation: Representation): Record<string, Attribute> {
  const attrs: Record<string, Attribute> = {};
  const names = Object.keys(body).filter((k) => !CORE_KEYS.has(k));
  if (names.length > MAX_ATTRIBUTES) throw new NgsiLdProblem('BadRequestData', `The entity has ${names.length} attributes; at most ${MAX_ATTRIBUTES} are accepted`, { entityId });
  for (const name of names) {
    if (!ATTRIBUTE_NAME.test(name)) throw new NgsiLdProblem('BadRequestData', `'${name.slice(0, 80)}' is not a valid attribute name (no spaces or any of < > " ' = ; ( ) / ? # &)`, { entityId, attribute: name.slice(0, 80) });
    const attribute = representation === 'normalized' ? normalizedAttribute(name, body[name], entityId) : keyValuesAttribute(name, body[name], entityId);
    checkValue(type, name, attribute, entityId);
    attrs[name] = attribute;
  }
  return attrs;
}

/** Reads one entity; throws an {@link NgsiLdProblem} naming the first thing wrong. */
export function parseEntity(body: unknown, representation: Representation): SensorEntity {
  if (!isObject(body)) throw new NgsiLdProblem('InvalidRequest', 'The payload must be a JSON object (one NGSI-LD entity)');
  const id = checkEntityId(body['id']);
  const rawType = body['type'];
  if (typeof rawType !== 'string') throw new NgsiLdProblem('BadRequestData', 'The entity has no "type"', { entityId: id, attribute: 'type' });
  const type = modelTypeOf(rawType);
  if (!type) throw new NgsiLdProblem('BadRequestData', `The entity type '${rawType.slice(0, 80)}' is not one govflow stores: use ${MODEL_TYPES.join(', ')}`, { entityId: id, attribute: 'type' });
  const context = body['@context'];
  if (context !== undefined && typeof context !== 'string' && !Array.isArray(context) && !isObject(context)) {
    throw new NgsiLdProblem('BadRequestData', 'The "@context" must be a URI, a list or an object', { entityId: id, attribute: '@context' });
  }
  return { id, type, attrs: parseAttributes(type, id, body, representation) };
}

/** Reads a batch: every entity is checked before anything is kept, and ids appear once. */
export function parseBatch(body: unknown, representation: Representation, maxEntities = 1000): SensorEntity[] {
  if (!Array.isArray(body)) throw new NgsiLdProblem('InvalidRequest', 'A batch operation needs a JSON array of entities');
  if (body.length === 0) throw new NgsiLdProblem('BadRequestData', 'The batch is empty');
  if (body.length > maxEntities) throw new NgsiLdProblem('BadRequestData', `The batch has ${body.length} entities; send at most ${maxEntities} at a time`);
  const entities = body.map((entry) => parseEntity(entry, representation));
  const seen = new Set<string>();
  for (const e of entities) {
    if (seen.has(e.id)) throw new NgsiLdProblem('BadRequestData', `The entity '${e.id}' appears twice in the batch`, { entityId: e.id });
    seen.add(e.id);
  }
  return entities;
}

/** Guesses the form of a payload that came without saying (MQTT): normalized when every attribute is typed. */
export function representationOf(body: unknown): Representation {
  const entity = Array.isArray(body) ? body[0] : body;
  if (!isObject(entity)) return 'normalized';
  const attrs = Object.keys(entity).filter((k) => !CORE_KEYS.has(k));
  return attrs.length > 0 && attrs.every((k) => isObject(entity[k]) && KINDS.includes(String((entity[k] as Record<string, unknown>)['type']))) ? 'normalized' : 'keyValues';
}

/** The entity as NGSI-LD sends it back, in either form. */
export function formatEntity(entity: SensorEntity, representation: Representation, pick?: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: entity.id, type: entity.type };
  for (const [name, attribute] of Object.entries(entity.attrs)) {
    if (pick && !pick.includes(name)) continue;
    if (representation === 'keyValues') {
      out[name] = attribute.value;
    } else {
      out[name] = attribute.kind === 'Relationship' ? { type: 'Relationship', object: attribute.value } : {
        type: attribute.kind, value: attribute.value,
        ...(attribute.observedAt ? { observedAt: attribute.observedAt } : {}), ...(attribute.unitCode ? { unitCode: attribute.unitCode } : {}),
      };
    }
  }
  return out;
}

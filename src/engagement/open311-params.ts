/**
 * The Open311 GeoReport v2 edge's input side: pure parsing of paths, query strings and the form-encoded POST bodies
 * into engagement's own model, each refusal an Open311 error (code + description) with the HTTP status the
 * specification asks for (404 unknown resource, 403 api_key, 400 anything else). Pure so fast-check can drive it.
 */
import type { CategoryAttribute, ProblemCategory } from './categories.js';

export type Format = 'xml' | 'json';
export interface Open311Error {
  readonly code: number;
  /** The API's words (Open311 errors are English text for the client's developer). */
  readonly description: string;
  /** What is wrong with which attribute, for a page that says it to a person in their language (never serialised). */
  readonly attribute?: { readonly code: string; readonly problem: AttributeProblem; readonly max?: number };
}
/** How an attribute's answer is wrong: the report page words each in the reader's language. */
export type AttributeProblem = 'informationOnly' | 'required' | 'oneValue' | 'tooLong' | 'notOffered' | 'number' | 'date' | 'lineBreaks';
export class Open311Failure extends Error {
  constructor(readonly status: 400 | 403 | 404, readonly errors: readonly Open311Error[]) {
    super(errors.map((e) => e.description).join('; '));
  }
}
const fail = (status: 400 | 403 | 404, description: string): Open311Failure => new Open311Failure(status, [{ code: status, description }]);

export type Resource =
  | { kind: 'discovery' } | { kind: 'services' } | { kind: 'service'; code: string } | { kind: 'requests' } | { kind: 'request'; id: string }
  | { kind: 'token'; token: string } | { kind: 'updates' };

/** `services.xml`, `requests/12.json`, … → the resource and format; null when no such resource exists. */
export function parseResourcePath(tail: string): { resource: Resource; format: Format } | null {
  const m = /^(.+)\.(xml|json)$/.exec(tail);
  if (!m) return null;
  const [, name, format] = m as unknown as [string, string, Format];
  const parts = name.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '\u0000';
    }
  });
  if (parts.some((p) => p === '' || p.includes('\u0000'))) return null;
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return null;
  if (second === undefined) {
    if (first === 'discovery') return { resource: { kind: 'discovery' }, format };
    if (first === 'services') return { resource: { kind: 'services' }, format };
    if (first === 'requests') return { resource: { kind: 'requests' }, format };
    if (first === 'servicerequestupdates') return { resource: { kind: 'updates' }, format };
    return null;
  }
  if (first === 'services') return { resource: { kind: 'service', code: second }, format };
  if (first === 'requests') return { resource: { kind: 'request', id: second }, format };
  if (first === 'tokens') return { resource: { kind: 'token', token: second }, format };
  return null;
}

export type Params = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * One value of a parameter. "Optional" in the specification: an empty parameter is the same as an absent one.
 * A parameter sent twice where one value is meant is a 400 naming it.
 */
export function single(params: Params, name: string): string | undefined {
  const v = params[name];
  if (Array.isArray(v)) {
    const filled = v.filter((x) => x !== '');
    if (filled.length > 1) throw fail(400, `${name} was sent more than once; send it once`);
    return filled[0];
  }
  return v === '' ? undefined : (v as string | undefined);
}

/** Comma-delimited lists that may also be declared several times (`status=open,closed`, `service_code=a&service_code=b`). */
export function list(params: Params, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v as string]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  return items.length > 0 ? items : undefined;
}

/**
 * The jurisdiction a call is for: optional when the endpoint serves one jurisdiction (absent means that one),
 * required when it serves several (400); an unknown one is a 404 naming it.
 */
export function jurisdictionOf(params: Params, jurisdictions: readonly string[]): string {
  const given = single(params, 'jurisdiction_id');
  if (given === undefined) {
    if (jurisdictions.length === 1) return jurisdictions[0]!;
    throw fail(400, `jurisdiction_id was not provided: this endpoint serves ${jurisdictions.join(', ')}`);
  }
  if (!jurisdictions.includes(given)) throw fail(404, `jurisdiction_id '${given}' was not found: this endpoint serves ${jurisdictions.join(', ')}`);
  return given;
}

const W3C_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A w3 date-time with its timezone (required by the specification). A `+` offset that a client forgot to encode
 * arrives as a space in a query string and is read as `+`.
 */
export function parseW3cDate(name: string, text: string): Date {
  const fixed = text.replace(/ (\d{2}:\d{2})$/, '+$1');
  const m = W3C_DATETIME.exec(fixed);
  const date = m ? new Date(fixed) : null;
  const [, y, mo, d, h, mi, s] = m ?? [];
  if (!m || !date || Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59 || Number(y) < 1) {
    throw fail(400, `${name} must be a w3 date-time with a timezone, e.g. 2010-01-01T00:00:00Z (got '${text.slice(0, 40)}')`);
  }
  return date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_WINDOW_DAYS = 90;
export const MAX_PAGE_SIZE = 1000;

/**
 * The search window: "When not specified, the range defaults to most recent 90 days"; a given range "may not span
 * more than 90 days". An open end is 90 days from the given start (or now, whichever is earlier).
 */
export function windowOf(params: Params, now: Date): { from: Date; to: Date } {
  const start = single(params, 'start_date');
  const end = single(params, 'end_date');
  const from0 = start === undefined ? undefined : parseW3cDate('start_date', start);
  const to0 = end === undefined ? undefined : parseW3cDate('end_date', end);
  const to = to0 ?? (from0 ? new Date(Math.min(now.getTime(), from0.getTime() + MAX_WINDOW_DAYS * DAY_MS)) : now);
  const from = from0 ?? new Date(to.getTime() - MAX_WINDOW_DAYS * DAY_MS);
  if (from.getTime() > to.getTime()) throw fail(400, 'start_date must not be later than end_date');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) throw fail(400, `start_date to end_date may not span more than ${MAX_WINDOW_DAYS} days`);
  return { from, to };
}

/** The pagination extension: `page` (from 1) and `page_size` (1 to 1,000, the default being the 1,000 of the specification). */
export function pageOf(params: Params): { limit: number; offset: number } {
  const whole = (name: string, text: string | undefined, max: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > max) throw fail(400, `${name} must be a whole number from 1 to ${max}`);
    return Number(text);
  };
  const size = whole('page_size', single(params, 'page_size'), MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
  const page = whole('page', single(params, 'page'), 1_000_000) ?? 1;
  return { limit: size, offset: (page - 1) * size };
}

export function statusesOf(params: Params): ('open' | 'closed')[] | undefined {
  const statuses = list(params, 'status');
  if (!statuses) return undefined;
  const bad = statuses.find((s) => s !== 'open' && s !== 'closed');
  if (bad !== undefined) throw fail(400, `status '${bad.slice(0, 40)}' is not one of open, closed`);
  return statuses as ('open' | 'closed')[];
}

export function requestIdsOf(params: Params): number[] | undefined {
  const ids = list(params, 'service_request_id');
  if (!ids) return undefined;
  return ids.map((id) => requestIdOf(id));
}

export function requestIdOf(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw fail(404, `service_request_id '${text.slice(0, 40)}' was not found`);
  return Number(text);
}

/** The fields of POST requests, in engagement's model. */
export interface ParsedServiceRequest {
  readonly serviceCode: string;
  readonly lat: number | null;
  readonly long: number | null;
  readonly addressString: string | null;
  readonly addressId: string | null;
  readonly description: string;
  readonly mediaUrl: string | null;
  readonly contact: Readonly<Record<string, string>>;
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
}

const CONTACT_FIELDS = ['email', 'device_id', 'account_id', 'first_name', 'last_name', 'phone'] as const;
const MAX_TEXT = 4000;
const MAX_FIELD = 500;

/**
 * `attribute[code]=v` and, for a multivaluelist, `attribute[code][]=v1&attribute[code][]=v2` → code → value(s).
 * Other bracket shapes are refused, naming the parameter.
 */
export function attributesOf(body: Params): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of Object.entries(body)) {
    if (!name.startsWith('attribute')) continue;
    const m = /^attribute\[([^[\]]{1,100})\](\[\])?$/.exec(name);
    if (!m) throw fail(400, `parameter '${name.slice(0, 60)}' is not attribute[code] or attribute[code][]`);
    const code = m[1]!;
    const values = (Array.isArray(value) ? value : [value as string]).filter((v) => v !== '');
    if (values.length === 0) continue;
    const prev = out[code];
    const all = [...(prev === undefined ? [] : Array.isArray(prev) ? prev : [prev]), ...values];
    out[code] = m[2] || all.length > 1 ? all : all[0]!;
  }
  return out;
}

function checkAttribute(a: CategoryAttribute, value: string | string[] | undefined, problems: Open311Error[]): void {
  if (!a.variable) {
    if (value !== undefined) problems.push({ code: 400, description: `attribute[${a.code}] is information only and takes no answer`, attribute: { code: a.code, problem: 'informationOnly' } });
    return;
  }
  if (value === undefined) {
    if (a.required) problems.push({ code: 400, description: `attribute[${a.code}] is required: ${a.description}`, attribute: { code: a.code, problem: 'required' } });
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  if (a.datatype !== 'multivaluelist' && values.length > 1) {
    problems.push({ code: 400, description: `attribute[${a.code}] takes one value (it is a ${a.datatype})`, attribute: { code: a.code, problem: 'oneValue' } });
    return;
  }
  const keys = new Set((a.values ?? []).map((v) => v.key));
  for (const v of values) {
    if (v.length > MAX_FIELD && a.datatype !== 'text') problems.push({ code: 400, description: `attribute[${a.code}] is longer than ${MAX_FIELD} characters`, attribute: { code: a.code, problem: 'tooLong', max: MAX_FIELD } });
    else if (a.datatype === 'text' && v.length > MAX_TEXT) problems.push({ code: 400, description: `attribute[${a.code}] is longer than ${MAX_TEXT} characters`, attribute: { code: a.code, problem: 'tooLong', max: MAX_TEXT } });
    else if ((a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') && !keys.has(v)) {
      problems.push({ code: 400, description: `attribute[${a.code}] value '${v.slice(0, 40)}' is not one of ${[...keys].join(', ')}`, attribute: { code: a.code, problem: 'notOffered' } });
    } else if (a.datatype === 'number' && !/^-?\d{1,12}(\.\d{1,12})?$/.test(v)) problems.push({ code: 400, description: `attribute[${a.code}] must be a number`, attribute: { code: a.code, problem: 'number' } });
    else if (a.datatype === 'datetime') {
      try {
        parseW3cDate(`attribute[${a.code}]`, v);
      } catch (error) {
        problems.push(...(error as Open311Failure).errors.map((e) => ({ ...e, attribute: { code: a.code, problem: 'date' as const } })));
      }
    } else if (a.datatype === 'string' && /[\r\n]/.test(v)) problems.push({ code: 400, description: `attribute[${a.code}] is a string without line breaks`, attribute: { code: a.code, problem: 'lineBreaks' } });
  }
}

function coordinate(name: 'lat' | 'long', text: string | undefined, problems: Open311Error[]): number | null {
  if (text === undefined) return null;
  const limit = name === 'lat' ? 90 : 180;
  const n = /^-?\d{1,3}(\.\d{1,15})?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    problems.push({ code: 400, description: `${name} must be a WGS84 ${name === 'lat' ? 'latitude from -90 to 90' : 'longitude from -180 to 180'} in decimal degrees` });
    return null;
  }
  return n;
}

/**
 * POST requests: the service must exist (404), a full location must be given (lat & long, address_string or
 * address_id), the attributes must match the service definition; every problem of the body is reported at once.
 */
export function parseServiceRequest(body: Params, categories: readonly ProblemCategory[]): { request: ParsedServiceRequest; category: ProblemCategory } {
  const serviceCode = single(body, 'service_code');
  if (serviceCode === undefined) throw fail(400, 'service_code was not provided');
  const category = categories.find((c) => c.code === serviceCode);
  if (!category) throw fail(404, `service_code '${serviceCode.slice(0, 60)}' was not found`);
  const problems: Open311Error[] = [];
  const text = (name: string, max = MAX_FIELD): string | null => {
    const v = single(body, name);
    if (v === undefined) return null;
    if (v.length > max) {
      problems.push({ code: 400, description: `${name} is longer than ${max} characters` });
      return null;
    }
    return v;
  };
  const latText = single(body, 'lat');
  const longText = single(body, 'long');
  const lat = coordinate('lat', latText, problems);
  const long = coordinate('long', longText, problems);
  if ((latText === undefined) !== (longText === undefined)) problems.push({ code: 400, description: 'lat and long must both be sent' });
  const addressString = text('address_string');
  const addressId = text('address_id');
  if (latText === undefined && longText === undefined && addressString === null && addressId === null) {
    problems.push({ code: 400, description: 'a location is required: lat and long, address_string or address_id' });
  }
  const description = text('description', MAX_TEXT) ?? '';
  const mediaUrl = text('media_url', 2000);
  if (mediaUrl !== null && !/^https?:\/\/\S+$/i.test(mediaUrl.trim())) problems.push({ code: 400, description: 'media_url must be an http or https URL' });
  const contact: Record<string, string> = {};
  for (const field of CONTACT_FIELDS) {
    const v = text(field);
    if (v !== null) contact[field] = v;
  }
  let attributes: Record<string, string | string[]> = {};
  try {
    attributes = attributesOf(body);
  } catch (error) {
    problems.push(...(error as Open311Failure).errors);
  }
  const known = new Set(category.attributes.map((a) => a.code));
  for (const code of Object.keys(attributes)) if (!known.has(code)) problems.push({ code: 400, description: `attribute[${code.slice(0, 60)}] is not in the definition of service ${category.code}` });
  for (const a of category.attributes) checkAttribute(a, attributes[a.code], problems);
  if (problems.length > 0) throw new Open311Failure(400, problems);
  return { category, request: { serviceCode, lat, long, addressString, addressId, description, mediaUrl: mediaUrl?.trim() ?? null, contact, attributes } };
}

/** FixMyStreet's POST servicerequestupdates: which request, its client's update id, status, text and time. */
export function parseUpdate(body: Params): { serviceRequestId: number; externalId: string | null; status: string; description: string; mediaUrl: string | null; updatedAt: Date } {
  const id = single(body, 'service_request_id');
  if (id === undefined) throw fail(400, 'service_request_id was not provided');
  const serviceRequestId = requestIdOf(id);
  const status = single(body, 'status');
  if (status === undefined) throw fail(400, 'status was not provided');
  if (!/^[A-Za-z_ ]{1,40}$/.test(status)) throw fail(400, 'status must be a word such as OPEN or CLOSED');
  const description = single(body, 'description') ?? '';
  if (description.length > MAX_TEXT) throw fail(400, `description is longer than ${MAX_TEXT} characters`);
  const updated = single(body, 'updated_datetime');
  if (updated === undefined) throw fail(400, 'updated_datetime was not provided');
  const mediaUrl = single(body, 'media_url') ?? null;
  if (mediaUrl !== null && (mediaUrl.length > 2000 || !/^https?:\/\/\S+$/i.test(mediaUrl))) throw fail(400, 'media_url must be an http or https URL');
  const externalId = single(body, 'update_id') ?? single(body, 'update_id_ext') ?? null;
  if (externalId !== null && externalId.length > 100) throw fail(400, 'update_id is longer than 100 characters');
  return { serviceRequestId, externalId, status: status.toLowerCase().replace(/ /g, '_'), description, mediaUrl, updatedAt: parseW3cDate('updated_datetime', updated) };
}

export { fail as open311Failure };

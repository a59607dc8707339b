import { FeelDate, FeelDateTime, FeelDuration, FeelTime, FeelRange, FeelFunction } from 'feelin';
import { isFeelNumber } from './decimal.js';
import type { CompiledUnaryTests, Warnings } from './feel.js';

/** A resolved DMN type: a built-in FEEL type, a structure, a collection of a type, or anything. */
export interface DmnType {
  readonly name: string;
  readonly kind: 'any' | 'builtin' | 'structure' | 'collection' | 'function' | 'unknown';
  readonly builtin?: string;
  readonly components?: ReadonlyMap<string, DmnType>;
  readonly element?: DmnType;
  /** The base type an item definition narrows with allowed values. */
  readonly base?: DmnType;
  readonly allowed?: CompiledUnaryTests;
}

export const ANY: DmnType = { name: 'Any', kind: 'any' };

const BUILTIN_ALIASES: Record<string, string> = {
  number: 'number',
  string: 'string',
  boolean: 'boolean',
  date: 'date',
  time: 'time',
  'date and time': 'date and time',
  datetime: 'date and time',
  datetime_: 'date and time',
  'days and time duration': 'days and time duration',
  daytimeduration: 'days and time duration',
  'years and months duration': 'years and months duration',
  yearmonthduration: 'years and months duration',
  context: 'context',
  list: 'list',
  function: 'function',
  range: 'range',
  any: 'any',
};

export function builtinType(typeRef: string): DmnType | undefined {
  const bare = typeRef.replace(/^(feel|FEEL|xsd)[.:]/, '').trim();
  const key = BUILTIN_ALIASES[bare] ?? BUILTIN_ALIASES[bare.toLowerCase()];
  if (!key) return undefined;
  if (key === 'any') return ANY;
  return { name: key, kind: 'builtin', builtin: key };
}

export function isContextValue(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function conformsBuiltin(value: unknown, builtin: string): boolean {
  switch (builtin) {
    case 'number':
      return isFeelNumber(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return value instanceof FeelDate;
    case 'time':
      return value instanceof FeelTime;
    case 'date and time':
      return value instanceof FeelDateTime;
    case 'days and time duration':
      return value instanceof FeelDuration && !value.yearsMonths;
    case 'years and months duration':
      return value instanceof FeelDuration && value.yearsMonths;
    case 'context':
      return isContextValue(value);
    case 'list':
      return Array.isArray(value);
    case 'function':
      // feelin hands out its built-ins (`abs`, `sqrt`) as plain JS functions.
      return value instanceof FeelFunction || typeof value === 'function';
    case 'range':
      return value instanceof FeelRange;
    default:
      return true;
  }
}

/**
 * Checks a value against a type and applies DMN's implicit conversions (singleton list ↔ element, date → date and
 * time at midnight). A value that does not conform becomes null with a warning, as DMN 1.5 §7.3.2 prescribes.
 */
export function coerce(value: unknown, type: DmnType | undefined, warnings: Warnings, where: string): unknown {
  if (!type || value === null || value === undefined) return value ?? null;
  const result = conform(value, type);
  if (result.ok) return result.value;
  warnings.push(`${where}: value does not conform to type '${type.name}'`);
  return null;
}

type Conformed = { ok: true; value: unknown } | { ok: false };

function conform(value: unknown, type: DmnType): Conformed {
  if (value === null) return { ok: true, value };
  switch (type.kind) {
    case 'any':
    case 'unknown':
      return { ok: true, value };
    case 'function':
      return value instanceof FeelFunction || typeof value === 'function' ? { ok: true, value } : { ok: false };
    case 'builtin': {
      const builtin = type.builtin ?? 'any';
      if (conformsBuiltin(value, builtin)) return allowedCheck(value, type);
      // A singleton list stands for its element, one level only: [[10]] is not a number.
      if (Array.isArray(value) && value.length === 1 && builtin !== 'list' && !Array.isArray(value[0])) return conform(value[0], type);
      if (builtin === 'date and time' && value instanceof FeelDate) {
        return { ok: true, value };
      }
      return { ok: false };
    }
    case 'collection': {
      const list = Array.isArray(value) ? value : [value];
      const out: unknown[] = [];
      for (const item of list) {
        const r = type.element ? conform(item, type.element) : { ok: true as const, value: item };
        if (!r.ok) return r;
        out.push(r.value);
      }
      return allowedCheck(out, type);
    }
    case 'structure': {
      if (Array.isArray(value) && value.length === 1) return conform(value[0], type);
      if (!isContextValue(value)) return { ok: false };
      const components = type.components ?? new Map<string, DmnType>();
      for (const [name, componentType] of components) {
        // A missing component means the context is not of this structure (DMN 1.5 §7.3.4).
        if (!(name in value)) return { ok: false };
        const r = conform(value[name], componentType);
        if (!r.ok) return r;
      }
      return { ok: true, value };
    }
  }
  return { ok: true, value };
}

function allowedCheck(value: unknown, type: DmnType): Conformed {
  if (type.base) {
    const r = conform(value, type.base);
    if (!r.ok) return r;
  }
  if (type.allowed && !type.allowed(value, {}, [])) return { ok: false };
  return { ok: true, value };
}

/** `value instance of type`: no conversions, unlike {@link coerce}; null is an instance of no item definition. */
export function isInstance(value: unknown, type: DmnType): boolean {
  if (value === null || value === undefined) return false;
  switch (type.kind) {
    case 'any':
    case 'unknown':
      return true;
    case 'function':
      return value instanceof FeelFunction || typeof value === 'function';
    case 'builtin':
      // Allowed values constrain what a variable may hold, not the type: `256 instance of t255` is true (TCK 0070).
      return conformsBuiltin(value, type.builtin ?? 'any');
    case 'collection':
      return Array.isArray(value) && value.every((v: unknown) => (type.element ? isInstance(v, type.element) : true));
    case 'structure': {
      if (!isContextValue(value)) return false;
      for (const [name, t] of type.components ?? new Map<string, DmnType>()) {
        if (!(name in value)) return false;
        const v = value[name];
        if (v !== null && !isInstance(v, t)) return false;
      }
      return true;
    }
  }
  return false;
}

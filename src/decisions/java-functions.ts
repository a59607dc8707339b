/**
 * DMN's Java function kind (`kind="Java"`, or FEEL `function(x) external {java: {class: …, method signature: …}}`)
 * binds a function to a static Java method. A TypeScript engine has no JVM, so a small, fixed set of the
 * side-effect-free JDK methods models use (java.lang.Math, the boxed types' valueOf, String.valueOf and format) is
 * provided here; any other class or method makes the function definition null with a warning.
 */
import { FeelFunction } from 'feelin';

type JavaMethod = (args: unknown[], types: string[]) => unknown;

const INTEGRAL = new Set(['int', 'long', 'short', 'byte', 'java.lang.Integer', 'java.lang.Long', 'java.lang.Short', 'java.lang.Byte']);

/** FEEL numbers passed to an integral Java parameter are narrowed as Java's `intValue()` does. */
function toJava(value: unknown, type: string): unknown {
  if (typeof value === 'number' && INTEGRAL.has(type)) return Math.trunc(value);
  return value;
}

const numeric =
  (fn: (...xs: number[]) => number): JavaMethod =>
  (args) => {
    if (!args.every((a) => typeof a === 'number')) return null;
    const r = fn(...(args as number[]));
    return Number.isFinite(r) ? r : null;
  };

const parseIntegral: JavaMethod = ([s]) => {
  if (typeof s === 'number') return Math.trunc(s);
  if (typeof s !== 'string' || !/^[+-]?\d+$/.test(s.trim())) return null;
  return Number(s.trim());
};

const parseDecimal: JavaMethod = ([s]) => {
  if (typeof s === 'number') return s;
  if (typeof s !== 'string' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim())) return null;
  return Number(s.trim());
};

/** `String.format` for the conversions models use: %s, %d, %f (with precision) and %%. */
function format(pattern: unknown, values: unknown[]): unknown {
  if (typeof pattern !== 'string') return null;
  let i = 0;
  return pattern.replace(/%(\.(\d+))?([sdf%])/g, (_m, _p: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const v = values[i++];
    if (conv === 'd') return typeof v === 'number' ? String(Math.trunc(v)) : String(v);
    if (conv === 'f') return typeof v === 'number' ? v.toFixed(precision ? Number(precision) : 6) : String(v);
    return v === null || v === undefined ? 'null' : String(v);
  });
}

const METHODS: Record<string, Record<string, JavaMethod>> = {
  'java.lang.Math': {
    abs: numeric(Math.abs),
    acos: numeric(Math.acos),
    asin: numeric(Math.asin),
    atan: numeric(Math.atan),
    ceil: numeric(Math.ceil),
    cos: numeric(Math.cos),
    exp: numeric(Math.exp),
    floor: numeric(Math.floor),
    log: numeric(Math.log),
    log10: numeric(Math.log10),
    max: numeric(Math.max),
    min: numeric(Math.min),
    pow: numeric(Math.pow),
    signum: numeric(Math.sign),
    sin: numeric(Math.sin),
    sqrt: numeric(Math.sqrt),
    tan: numeric(Math.tan),
  },
  'java.lang.Integer': { valueOf: parseIntegral, parseInt: parseIntegral },
  'java.lang.Long': { valueOf: parseIntegral, parseLong: parseIntegral },
  'java.lang.Short': { valueOf: parseIntegral, parseShort: parseIntegral },
  'java.lang.Byte': { valueOf: parseIntegral, parseByte: parseIntegral },
  'java.lang.Double': { valueOf: parseDecimal, parseDouble: parseDecimal },
  'java.lang.Float': { valueOf: parseDecimal, parseFloat: parseDecimal },
  'java.lang.String': {
    // A `char` is one character: a longer string does not bind to valueOf(char) (TCK 0076 literal_007_a).
    valueOf: ([v]: unknown[], types: string[]) => (types[0] === 'char' && (typeof v !== 'string' || [...v].length !== 1) ? null : v === null || v === undefined ? 'null' : String(v)),
    format: ([pattern, ...rest]: unknown[]) => format(pattern, rest.flat()),
  },
};

/** Builds the FEEL function for a Java binding, or undefined if the class or method is not provided. */
export function javaFunction(params: readonly string[], className: unknown, signature: unknown): FeelFunction | undefined {
  if (typeof className !== 'string' || typeof signature !== 'string') return undefined;
  const m = /^\s*([\w$]+)\s*\((.*)\)\s*$/.exec(signature);
  if (!m) return undefined;
  const method = METHODS[className.trim()]?.[m[1] ?? ''];
  if (!method) return undefined;
  const types = (m[2] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return new FeelFunction(
    (...args: unknown[]) => {
      const values = args.map((a, i) => toJava(a === undefined ? null : a, types[i] ?? ''));
      try {
        const r = method(values, types);
        return r === undefined ? null : r;
      } catch {
        return null;
      }
    },
    [...params],
  );
}

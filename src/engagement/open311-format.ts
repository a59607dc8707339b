/**
 * The Open311 edge's output side: one value tree rendered as XML (declaration, no namespace, arrays wrapped in the
 * element the specification names for their items) or as JSON after the Spark convention the specification uses
 * (a list is a top-level array; the service definition and discovery are objects). XML by fast-xml-parser's
 * builder, which escapes text; characters XML 1.0 cannot carry at all are dropped first.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Format, Open311Error } from './open311-params.js';

export type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** A list's element name → the element name of each item (`services` → `service`). */
const ITEM: Readonly<Record<string, string>> = {
  services: 'service', service_requests: 'request', attributes: 'attribute', values: 'value', endpoints: 'endpoint', formats: 'format',
  errors: 'error', service_request_updates: 'request_update',
};

const builder = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: false, processEntities: true, suppressBooleanAttributes: false });

// XML 1.0 Char production: tab, newline, carriage return and the ranges below; anything else cannot appear even escaped.
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function toXmlTree(name: string, value: Value): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.replace(NOT_XML_CHAR, '');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const item = ITEM[name];
    if (!item) throw new Error(`no XML item element for the list '${name}'`);
    return value.length === 0 ? '' : { [item]: value.map((v) => toXmlTree(item, v as Value)) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, Value>)) out[k] = toXmlTree(k, v);
  return out;
}

/** The document for a root element (`services`, `service_definition`, …) in the requested format. */
export function render(format: Format, root: string, value: Value): { type: string; body: string } {
  if (format === 'json') return { type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
  const xml = builder.build({ [root]: toXmlTree(root, value) }) as string;
  return { type: 'text/xml; charset=utf-8', body: `<?xml version="1.0" encoding="utf-8"?>\n${xml}` };
}

export function renderErrors(format: Format, errors: readonly Open311Error[]): { type: string; body: string } {
  return render(format, 'errors', errors.map((e) => ({ code: e.code, description: e.description })));
}

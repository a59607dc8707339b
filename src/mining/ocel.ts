/**
 * OCEL 2.0 (object-centric event logs), JSON and XML, in and out. An OCEL log is flattened to a classic event log
 * per object type (case = object, as PM4Py's `ocel_flattening` does) so every analysis applies to it, and any
 * classic log can be exported as OCEL with one object per case.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { SaxesParser as Saxes } from 'saxes';
import { GovflowError } from '../kernel/index.js';
import { fileChunks } from './byte-source.js';
import { EventLogBuilder, LIFECYCLE_COMPLETE, type EventLog } from './event-log.js';
import { formatTimestamp, parseTimestamp } from './timestamp.js';
import { escapeXml } from './xml-text.js';
import { readOcelJson } from './ocel-json.js';

/** saxes is required when an XML file is first read, so importing the mining module (`govflow mine`) stays cheap. */
const saxes = (): typeof Saxes => (createRequire(import.meta.url)('saxes') as { SaxesParser: typeof Saxes }).SaxesParser;

export type OcelValue = string | number | boolean;

export interface OcelRelationship {
  readonly objectId: string;
  readonly qualifier: string;
}

export interface OcelEvent {
  readonly id: string;
  readonly type: string;
  /** Epoch ms. */
  readonly time: number;
  readonly attributes: readonly { name: string; value: OcelValue }[];
  readonly relationships: readonly OcelRelationship[];
}

export interface OcelObject {
  readonly id: string;
  readonly type: string;
  readonly attributes: readonly { name: string; value: OcelValue; time: number }[];
  readonly relationships: readonly OcelRelationship[];
}

export interface OcelType {
  readonly name: string;
  readonly attributes: readonly { name: string; type: string }[];
}

export interface OcelLog {
  readonly objectTypes: readonly OcelType[];
  readonly eventTypes: readonly OcelType[];
  readonly objects: readonly OcelObject[];
  readonly events: readonly OcelEvent[];
}

function parseError(where: string, line: number, column: number, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${where}:${line}:${column}: ${message}`, [{ where, line, column, message }]);
}

/** OCEL XML, streamed through saxes chunk by chunk. */
export async function readOcelXml(chunks: AsyncIterable<Uint8Array>, where = 'input.xmlocel'): Promise<OcelLog> {
  const parser = new (saxes())<{ position: true }>({ position: true });
  const objectTypes: OcelType[] = [];
  const eventTypes: OcelType[] = [];
  const objects: OcelObject[] = [];
  const events: OcelEvent[] = [];
  const path: string[] = [];
  let currentType: { name: string; attributes: { name: string; type: string }[] } | undefined;
  let currentObject: { id: string; type: string; attributes: { name: string; value: OcelValue; time: number }[]; relationships: OcelRelationship[] } | undefined;
  let currentEvent: { id: string; type: string; time: number; attributes: { name: string; value: OcelValue }[]; relationships: OcelRelationship[] } | undefined;
  let attrName: string | undefined;
  let attrTime = 0;
  let text = '';
  let failure: GovflowError | undefined;
  const fail = (message: string): never => {
    throw parseError(where, parser.line, parser.column + 1, message);
  };
  const need = (tag: { name: string; attributes: Record<string, unknown> }, name: string): string => {
    const v = tag.attributes[name];
    if (typeof v !== 'string') return fail(`<${tag.name}> needs a '${name}' attribute`);
    return v;
  };
  parser.on('opentag', (tag) => {
    const parent = path[path.length - 1];
    path.push(tag.name);
    if (path.length === 1 && tag.name !== 'log') fail(`the root element is <${tag.name}>, expected <log>: not an OCEL 2.0 XML file`);
    if (tag.name === 'object-type' || tag.name === 'event-type') {
      currentType = { name: need(tag, 'name'), attributes: [] };
      (tag.name === 'object-type' ? objectTypes : eventTypes).push(currentType);
    } else if (tag.name === 'object' && parent === 'objects' && !currentObject && !currentEvent) {
      currentObject = { id: need(tag, 'id'), type: need(tag, 'type'), attributes: [], relationships: [] };
    } else if (tag.name === 'event' && parent === 'events') {
      const raw = need(tag, 'time');
      const time = parseTimestamp(raw);
      if (Number.isNaN(time)) fail(`event ${need(tag, 'id')}: unparseable time '${raw}'`);
      currentEvent = { id: need(tag, 'id'), type: need(tag, 'type'), time, attributes: [], relationships: [] };
    } else if (tag.name === 'attribute') {
      if (currentType && !currentObject && !currentEvent) {
        currentType.attributes.push({ name: need(tag, 'name'), type: String(tag.attributes['type'] ?? 'string') });
      } else {
        attrName = need(tag, 'name');
        const t = tag.attributes['time'];
        attrTime = typeof t === 'string' ? parseTimestamp(t) : 0;
        if (Number.isNaN(attrTime)) fail(`unparseable attribute time '${String(t)}'`);
        text = '';
      }
    } else if (tag.name === 'relationship') {
      const rel = { objectId: need(tag, 'object-id'), qualifier: String(tag.attributes['qualifier'] ?? '') };
      (currentEvent ?? currentObject)?.relationships.push(rel);
    }
  });
  parser.on('text', (t) => {
    if (attrName !== undefined) text += t;
  });
  parser.on('closetag', (tag) => {
    path.pop();
    if (tag.name === 'attribute' && attrName !== undefined) {
      if (currentEvent) currentEvent.attributes.push({ name: attrName, value: text });
      else if (currentObject) currentObject.attributes.push({ name: attrName, value: text, time: attrTime });
      attrName = undefined;
    } else if (tag.name === 'object-type' || tag.name === 'event-type') currentType = undefined;
    else if (tag.name === 'object' && currentObject && path[path.length - 1] === 'objects') {
      objects.push(currentObject);
      currentObject = undefined;
    } else if (tag.name === 'event' && currentEvent) {
      events.push(currentEvent);
      currentEvent = undefined;
    }
  });
  parser.on('error', (error) => {
    failure ??= parseError(where, parser.line, parser.column + 1, error.message.replace(/^\S+:\d+:\d+: /, ''));
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of chunks) {
      parser.write(decoder.decode(chunk, { stream: true }));
      if (failure) throw failure;
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (error) {
    if (error instanceof GovflowError) throw error;
    throw parseError(where, parser.line, parser.column + 1, (error as Error).message.replace(/^\S+:\d+:\d+: /, ''));
  }
  if (failure) throw failure;
  return { objectTypes, eventTypes, objects, events };
}

export async function readOcelFile(path: string): Promise<OcelLog> {
  if (/\.(xmlocel|xml)$/i.test(path)) return readOcelXml(fileChunks(path), path);
  return readOcelJson(fileChunks(path), path);
}

/** Object-centric → classic: one case per object of `objectType`, its events in time order (stable). */
export function flattenOcel(ocel: OcelLog, objectType?: string): EventLog {
  const type = objectType ?? ocel.objectTypes[0]?.name ?? ocel.objects[0]?.type;
  const wanted = new Map<string, number>();
  const ids: string[] = [];
  for (const o of ocel.objects) {
    if (o.type === type && !wanted.has(o.id)) {
      wanted.set(o.id, ids.length);
      ids.push(o.id);
    }
  }
  const perCase: number[][] = ids.map(() => []);
  ocel.events.forEach((e, i) => {
    for (const r of e.relationships) {
      const c = wanted.get(r.objectId);
      if (c !== undefined && perCase[c]?.[perCase[c].length - 1] !== i) perCase[c]?.push(i);
    }
  });
  const builder = new EventLogBuilder();
  perCase.forEach((list, c) => {
    if (list.length === 0) return;
    for (const i of list) {
      const e = ocel.events[i];
      if (!e) continue;
      builder.addEvent(builder.activityId(e.type), e.time, -1, -1, LIFECYCLE_COMPLETE);
    }
    // Added in file order; endCase orders them by time, stably, as PM4Py's importer sorts by (timestamp, index).
    builder.endCase(ids[c] ?? String(c));
  });
  return builder.build();
}

/** Classic → object-centric: each case becomes an object of type `case`, each event relates to it. */
export function eventLogToOcel(log: EventLog, objectType = 'case'): OcelLog {
  const objects: OcelObject[] = [];
  const events: OcelEvent[] = [];
  const resourceUsed = log.resource.some((r) => r >= 0);
  for (let c = 0; c < log.caseIds.length; c++) {
    const id = log.caseIds[c] ?? String(c);
    const attributes: { name: string; value: OcelValue; time: number }[] = [];
    for (const [key, column] of log.caseAttributes) {
      const v = column[c];
      if (v !== undefined) attributes.push({ name: key, value: v, time: 0 });
    }
    objects.push({ id, type: objectType, attributes, relationships: [] });
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
      const r = log.resource[i] ?? -1;
      events.push({
        id: `e${i + 1}`,
        type: log.activityNames[log.activity[i] ?? 0] ?? '',
        time: log.timestamp[i] ?? 0,
        attributes: r >= 0 ? [{ name: 'org:resource', value: log.resourceNames[r] ?? '' }] : [],
        relationships: [{ objectId: id, qualifier: objectType }],
      });
    }
  }
  const attrTypes = [...log.caseAttributes.entries()].map(([name, column]) => {
    const sample = column.find((v) => v !== undefined);
    return { name, type: typeof sample === 'number' ? 'float' : typeof sample === 'boolean' ? 'boolean' : 'string' };
  });
  return {
    objectTypes: [{ name: objectType, attributes: attrTypes }],
    eventTypes: log.activityNames.map((name) => ({ name, attributes: resourceUsed ? [{ name: 'org:resource', type: 'string' }] : [] })),
    objects,
    events,
  };
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function* ocelJsonLines(ocel: OcelLog): Generator<string> {
  yield '{\n  "objectTypes": ' + JSON.stringify(ocel.objectTypes) + ',\n  "eventTypes": ' + JSON.stringify(ocel.eventTypes) + ',\n  "objects": [\n';
  for (let i = 0; i < ocel.objects.length; i++) {
    const o = ocel.objects[i];
    if (!o) continue;
    const attributes = o.attributes.map((a) => ({ name: a.name, time: formatTimestamp(a.time), value: a.value }));
    yield '    ' + JSON.stringify({ id: o.id, type: o.type, attributes, relationships: o.relationships }) + (i + 1 < ocel.objects.length ? ',\n' : '\n');
  }
  yield '  ],\n  "events": [\n';
  for (let i = 0; i < ocel.events.length; i++) {
    const e = ocel.events[i];
    if (!e) continue;
    yield '    ' + JSON.stringify({ id: e.id, type: e.type, time: formatTimestamp(e.time), attributes: e.attributes, relationships: e.relationships }) + (i + 1 < ocel.events.length ? ',\n' : '\n');
  }
  yield '  ]\n}\n';
}

function* ocelXmlLines(ocel: OcelLog): Generator<string> {
  const x = escapeXml;
  yield "<?xml version='1.0' encoding='UTF-8'?>\n<log>\n";
  for (const [tag, types] of [['object-type', ocel.objectTypes], ['event-type', ocel.eventTypes]] as const) {
    yield `  <${tag}s>\n`;
    for (const t of types) {
      yield `    <${tag} name="${x(t.name)}">\n      <attributes>\n`;
      for (const a of t.attributes) yield `        <attribute name="${x(a.name)}" type="${x(a.type)}"/>\n`;
      yield `      </attributes>\n    </${tag}>\n`;
    }
    yield `  </${tag}s>\n`;
  }
  yield '  <objects>\n';
  for (const o of ocel.objects) {
    yield `    <object id="${x(o.id)}" type="${x(o.type)}">\n      <attributes>\n`;
    for (const a of o.attributes) yield `        <attribute name="${x(a.name)}" time="${formatTimestamp(a.time)}">${x(String(a.value))}</attribute>\n`;
    yield '      </attributes>\n      <objects>\n';
    for (const r of o.relationships) yield `        <relationship object-id="${x(r.objectId)}" qualifier="${x(r.qualifier)}"/>\n`;
    yield '      </objects>\n    </object>\n';
  }
  yield '  </objects>\n  <events>\n';
  for (const e of ocel.events) {
    yield `    <event id="${x(e.id)}" type="${x(e.type)}" time="${formatTimestamp(e.time)}">\n      <attributes>\n`;
    for (const a of e.attributes) yield `        <attribute name="${x(a.name)}">${x(String(a.value))}</attribute>\n`;
    yield '      </attributes>\n      <objects>\n';
    for (const r of e.relationships) yield `        <relationship object-id="${x(r.objectId)}" qualifier="${x(r.qualifier)}"/>\n`;
    yield '      </objects>\n    </event>\n';
  }
  yield '  </events>\n</log>\n';
}

export function ocelToJsonText(ocel: OcelLog): string {
  return [...ocelJsonLines(ocel)].join('');
}

export function ocelToXmlText(ocel: OcelLog): string {
  return [...ocelXmlLines(ocel)].join('');
}

/** Writes OCEL 2.0, as XML when the path ends in .xml/.xmlocel, else JSON; streamed line by line. */
export async function writeOcelFile(ocel: OcelLog, path: string): Promise<void> {
  await writeLines(path, /\.(xmlocel|xml)$/i.test(path) ? ocelXmlLines(ocel) : ocelJsonLines(ocel));
}

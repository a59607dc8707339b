/**
 * Petri nets for conformance checking: read from PNML, or derived from a BPMN model (tasks become labelled
 * transitions, gateways and events silent ones), the way PM4Py's bpmn→petri conversion does for these elements.
 */
import { createRequire } from 'node:module';
import type { SaxesParser as Saxes } from 'saxes';
import { GovflowError } from '../kernel/index.js';

/** saxes is required when an XML file is first read, so importing the mining module (`govflow mine`) stays cheap. */
const saxes = (): typeof Saxes => (createRequire(import.meta.url)('saxes') as { SaxesParser: typeof Saxes }).SaxesParser;

export interface PetriTransition {
  readonly id: string;
  /** null for a silent (τ) transition. */
  readonly label: string | null;
  readonly pre: readonly number[];
  readonly post: readonly number[];
}

export interface PetriNet {
  readonly places: readonly string[];
  readonly transitions: readonly PetriTransition[];
  readonly initialMarking: Int32Array;
  readonly finalMarking: Int32Array;
}

function modelError(where: string, line: number, column: number, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${where}:${line}:${column}: ${message}`, [{ where, line, column, message }]);
}

interface XmlNode {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlNode[];
  text: string;
  readonly line: number;
  readonly column: number;
}

/** Models are small: a tiny DOM over saxes keeps the converters readable. */
function parseXml(text: string, where: string): XmlNode {
  const parser = new (saxes())({ position: true });
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '', line: 1, column: 1 };
  const stack: XmlNode[] = [root];
  parser.on('opentag', (tag) => {
    const local = tag.name.includes(':') ? tag.name.slice(tag.name.indexOf(':') + 1) : tag.name;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
    const node: XmlNode = { name: local, attrs, children: [], text: '', line: parser.line, column: parser.column };
    stack[stack.length - 1]?.children.push(node);
    stack.push(node);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (error) => {
    throw modelError(where, parser.line, parser.column + 1, error.message.replace(/^\S+:\d+:\d+: /, ''));
  });
  parser.write(text).close();
  return root;
}

function* walk(node: XmlNode): Generator<XmlNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

const childText = (node: XmlNode, name: string): string | undefined => {
  const c = node.children.find((x) => x.name === name);
  const t = c?.children.find((x) => x.name === 'text');
  return (t ?? c)?.text.trim();
};

export function parsePnml(text: string, where = 'model.pnml'): PetriNet {
  const root = parseXml(text, where);
  const placeIndex = new Map<string, number>();
  const places: string[] = [];
  const initial: number[] = [];
  const transitions: { id: string; label: string | null; pre: number[]; post: number[] }[] = [];
  const transitionIndex = new Map<string, number>();
  const arcs: XmlNode[] = [];
  const finals: XmlNode[] = [];
  for (const node of walk(root)) {
    if (node.name === 'place') {
      const id = node.attrs['id'] ?? `p${places.length}`;
      placeIndex.set(id, places.length);
      places.push(id);
      initial.push(Number(childText(node, 'initialMarking') ?? 0) || 0);
    } else if (node.name === 'transition') {
      const id = node.attrs['id'] ?? `t${transitions.length}`;
      const tool = node.children.find((c) => c.name === 'toolspecific');
      // PM4Py's rule: ProM's "$invisible$" marks a silent transition whatever its name.
      const invisible = tool?.attrs['activity'] === '$invisible$';
      const name = childText(node, 'name');
      transitionIndex.set(id, transitions.length);
      transitions.push({ id, label: invisible ? null : (name ?? id), pre: [], post: [] });
    } else if (node.name === 'arc') {
      arcs.push(node);
    } else if (node.name === 'finalmarkings') {
      finals.push(node);
    }
  }
  if (places.length === 0 || transitions.length === 0) throw modelError(where, 1, 1, 'no places or transitions: not a PNML Petri net');
  for (const arc of arcs) {
    const s = arc.attrs['source'] ?? '';
    const t = arc.attrs['target'] ?? '';
    const weight = Number(childText(arc, 'inscription') ?? 1) || 1;
    const ps = placeIndex.get(s);
    const tt = transitionIndex.get(t);
    const ts = transitionIndex.get(s);
    const pt = placeIndex.get(t);
    for (let w = 0; w < weight; w++) {
      if (ps !== undefined && tt !== undefined) transitions[tt]?.pre.push(ps);
      else if (ts !== undefined && pt !== undefined) transitions[ts]?.post.push(pt);
      else throw modelError(where, arc.line, arc.column, `arc ${arc.attrs['id'] ?? ''} does not connect a place and a transition (${s} → ${t})`);
    }
  }
  const final = new Int32Array(places.length);
  const marking = finals[0]?.children.find((c) => c.name === 'marking');
  if (marking) {
    for (const p of marking.children) {
      const i = placeIndex.get(p.attrs['idref'] ?? '');
      if (i !== undefined) final[i] = Number(childText(p, 'text') ?? p.text) || 1;
    }
  } else {
    // Without an explicit final marking, the places nothing leaves (sinks) hold one token each at the end.
    const hasOut = new Set<number>();
    for (const t of transitions) for (const p of t.pre) hasOut.add(p);
    places.forEach((_, i) => {
      if (!hasOut.has(i)) final[i] = 1;
    });
  }
  return { places, transitions, initialMarking: Int32Array.from(initial), finalMarking: final };
}

/** BPMN → Petri net: sequence flows become places; tasks labelled transitions; gateways and events silent ones. */
export function bpmnToPetriNet(text: string, where = 'model.bpmn'): PetriNet {
  const root = parseXml(text, where);
  const process = [...walk(root)].find((n) => n.name === 'process');
  if (!process) throw modelError(where, 1, 1, 'no <process> in the BPMN file');
  const places: string[] = [];
  const transitions: { id: string; label: string | null; pre: number[]; post: number[] }[] = [];
  const place = (name: string): number => {
    places.push(name);
    return places.length - 1;
  };
  const flowPlace = new Map<string, number>();
  const incoming = new Map<string, number[]>();
  const outgoing = new Map<string, number[]>();
  for (const node of process.children) {
    if (node.name !== 'sequenceFlow') continue;
    const id = node.attrs['id'] ?? `f${flowPlace.size}`;
    const p = place(id);
    flowPlace.set(id, p);
    const s = node.attrs['sourceRef'] ?? '';
    const t = node.attrs['targetRef'] ?? '';
    outgoing.set(s, [...(outgoing.get(s) ?? []), p]);
    incoming.set(t, [...(incoming.get(t) ?? []), p]);
  }
  const source = place('source');
  const sink = place('sink');
  const add = (id: string, label: string | null, pre: number[], post: number[]): void => {
    transitions.push({ id, label, pre, post });
  };
  for (const node of process.children) {
    const id = node.attrs['id'] ?? '';
    const ins = incoming.get(id) ?? [];
    const outs = outgoing.get(id) ?? [];
    const name = node.name;
    if (name === 'sequenceFlow' || name === 'laneSet' || name === 'textAnnotation' || name === 'association' || name === 'dataObjectReference' || name === 'dataObject' || name === 'documentation' || name === 'extensionElements') continue;
    if (name === 'startEvent' && ins.length === 0) {
      add(id, null, [source], outs);
      continue;
    }
    const ends = outs.length === 0 ? [sink] : outs;
    if (name === 'parallelGateway') {
      add(id, null, ins.length === 0 ? [source] : ins, ends);
    } else if (name === 'exclusiveGateway' || name === 'inclusiveGateway' || name === 'eventBasedGateway' || name === 'complexGateway') {
      // Inclusive and complex gateways are treated as exclusive: an approximation PM4Py also makes for OR-joins.
      const hub = place(`${id}_hub`);
      for (const p of ins.length === 0 ? [source] : ins) add(`${id}_in_${p}`, null, [p], [hub]);
      for (const p of ends) add(`${id}_out_${p}`, null, [hub], [p]);
    } else if (/task$|^subProcess$|^callActivity$|^transaction$/i.test(name)) {
      const label = (node.attrs['name'] ?? id).trim();
      // Several incoming flows on a task merge exclusively (BPMN's implicit XOR join): one transition per flow.
      for (const p of ins.length === 0 ? [source] : ins) add(`${id}_${p}`, label, [p], ends);
    } else if (/Event$/.test(name)) {
      for (const p of ins.length === 0 ? [source] : ins) add(`${id}_${p}`, null, [p], ends);
    }
  }
  const initial = new Int32Array(places.length);
  initial[source] = 1;
  const final = new Int32Array(places.length);
  final[sink] = 1;
  return { places, transitions, initialMarking: initial, finalMarking: final };
}

export function readModel(text: string, where: string): PetriNet {
  if (/\.bpmn$/i.test(where) || /<(\w+:)?definitions[\s>]/.test(text.slice(0, 4000))) return bpmnToPetriNet(text, where);
  return parsePnml(text, where);
}

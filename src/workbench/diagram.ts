import { BpmnModdle } from 'bpmn-moddle';

/**
 * The process diagram of a case. Processes deployed without diagram interchange (the demo's BPMN files are written
 * by hand and carry none) get a simple layered layout here, so that the bpmn-js viewer can draw them: nodes in
 * columns by their longest distance from the start, parallel branches in rows, sub-processes expanded around
 * their contents, boundary events on the bottom edge of their host. A file that has a diagram is served as is.
 */

interface Element {
  readonly $type: string;
  readonly id: string;
  readonly name?: string;
  readonly flowElements?: readonly Element[];
  readonly sourceRef?: Element;
  readonly targetRef?: Element;
  readonly attachedToRef?: Element;
}

interface Box { x: number; y: number; width: number; height: number }

export interface ProcessDiagram {
  /** BPMN XML with diagram interchange. */
  readonly xml: string;
  /** Element id → its name (or id), for the text alternative of the diagram. */
  readonly names: ReadonlyMap<string, string>;
  /** Sub-processes (and transactions): "active" while anything inside them is, so not a step of their own. */
  readonly containers: ReadonlySet<string>;
  /**
   * The candidate groups of the process's user tasks (static `zeebe:assignmentDefinition` values only): whose case
   * it is before it has a task of its own, e.g. stuck on a registry look-up that precedes its first task.
   */
  readonly candidateGroups: readonly string[];
}

const GAP_X = 50;
const GAP_Y = 40;
const PAD = 30;

function sizeOf(e: Element): { width: number; height: number } {
  if (/Event$/.test(e.$type)) return { width: 36, height: 36 };
  if (/Gateway$/.test(e.$type)) return { width: 50, height: 50 };
  return { width: 100, height: 80 };
}

const isFlow = (e: Element): boolean => e.$type === 'bpmn:SequenceFlow';
const isBoundary = (e: Element): boolean => e.$type === 'bpmn:BoundaryEvent';
const isContainer = (e: Element): boolean => Array.isArray(e.flowElements) && /SubProcess|Transaction/.test(e.$type);

/** Lays out one container's nodes relative to (0, 0); returns their boxes (nested ones included) and the size. */
function layoutContainer(container: Element, boxes: Map<string, Box>): { width: number; height: number } {
  const all = container.flowElements ?? [];
  const nodes = all.filter((e) => !isFlow(e) && !isBoundary(e));
  const hostOf = new Map(all.filter(isBoundary).map((b) => [b.id, b.attachedToRef?.id ?? '']));
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const incoming = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const f of all.filter(isFlow)) {
    const from = hostOf.get(f.sourceRef?.id ?? '') || f.sourceRef?.id;
    const to = f.targetRef?.id;
    if (!from || !to || !out.has(from) || !out.has(to)) continue;
    out.get(from)!.push(to);
    incoming.set(to, (incoming.get(to) ?? 0) + 1);
  }
  // Depth-first from the starts (then from anything unreached), marking back edges so loops do not stretch layers.
  const order: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const next of out.get(id) ?? []) {
      if (state.get(next) === 'open') back.add(`${id}>${next}`);
      else if (!state.has(next)) visit(next);
    }
    state.set(id, 'done');
    order.push(id);
  };
  for (const n of nodes) if ((incoming.get(n.id) ?? 0) === 0 && !state.has(n.id)) visit(n.id);
  for (const n of nodes) if (!state.has(n.id)) visit(n.id);
  const layer = new Map<string, number>();
  for (const id of [...order].reverse()) {
    const l = layer.get(id) ?? 0;
    layer.set(id, l);
    for (const next of out.get(id) ?? []) if (!back.has(`${id}>${next}`)) layer.set(next, Math.max(layer.get(next) ?? 0, l + 1));
  }
  // Rows: the order in which the depth-first walk met the nodes of each layer.
  const discovery = [...order].reverse();
  const row = new Map<string, number>();
  const used = new Map<number, number>();
  for (const id of discovery) {
    const l = layer.get(id)!;
    row.set(id, used.get(l) ?? 0);
    used.set(l, (used.get(l) ?? 0) + 1);
  }
  const size = new Map<string, { width: number; height: number }>();
  for (const n of nodes) size.set(n.id, isContainer(n) ? (() => { const s = layoutContainer(n, boxes); return { width: s.width + 2 * PAD, height: s.height + 2 * PAD }; })() : sizeOf(n));
  const colWidth: number[] = [];
  const rowHeight: number[] = [];
  for (const n of nodes) {
    const { width, height } = size.get(n.id)!;
    const c = layer.get(n.id)!, r = row.get(n.id)!;
    colWidth[c] = Math.max(colWidth[c] ?? 0, width);
    rowHeight[r] = Math.max(rowHeight[r] ?? 0, height + (hasBoundary(n.id) ? 20 : 0));
  }
  function hasBoundary(id: string): boolean {
    return [...hostOf.values()].includes(id);
  }
  const colX = colWidth.map((_, i) => colWidth.slice(0, i).reduce((a, w) => a + (w ?? 0) + GAP_X, 0));
  const rowY = rowHeight.map((_, i) => rowHeight.slice(0, i).reduce((a, h) => a + (h ?? 0) + GAP_Y, 0));
  for (const n of nodes) {
    const { width, height } = size.get(n.id)!;
    const c = layer.get(n.id)!, r = row.get(n.id)!;
    const x = colX[c]! + ((colWidth[c] ?? width) - width) / 2;
    const y = rowY[r]! + ((rowHeight[r] ?? height) - height) / 2;
    if (isContainer(n)) shiftNested(n, x + PAD, y + PAD, boxes);
    boxes.set(n.id, { x, y, width, height });
  }
  // Boundary events sit on the bottom edge of their host, from the right.
  const perHost = new Map<string, number>();
  for (const b of all.filter(isBoundary)) {
    const host = boxes.get(hostOf.get(b.id) ?? '');
    if (!host) continue;
    const i = perHost.get(hostOf.get(b.id)!) ?? 0;
    perHost.set(hostOf.get(b.id)!, i + 1);
    boxes.set(b.id, { x: host.x + host.width - 60 - i * 50, y: host.y + host.height - 18, width: 36, height: 36 });
  }
  const width = colWidth.reduce((a, w) => a + (w ?? 0), 0) + GAP_X * Math.max(0, colWidth.length - 1);
  const height = rowHeight.reduce((a, h) => a + (h ?? 0), 0) + GAP_Y * Math.max(0, rowHeight.length - 1);
  return { width, height };
}

/** Moves the (already laid out) contents of a sub-process, nested ones included, by (dx, dy). */
function shiftNested(container: Element, dx: number, dy: number, boxes: Map<string, Box>): void {
  for (const e of container.flowElements ?? []) {
    if (isFlow(e)) continue;
    const b = boxes.get(e.id);
    if (b) boxes.set(e.id, { ...b, x: b.x + dx, y: b.y + dy });
    if (isContainer(e)) shiftNested(e, dx, dy, boxes);
  }
}

const mid = (b: Box): { x: number; y: number } => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

function waypoints(source: Box, target: Box, fromBoundary: boolean): { x: number; y: number }[] {
  const s = mid(source), t = mid(target);
  if (fromBoundary) {
    const bottom = source.y + source.height;
    return t.y > bottom ? [{ x: s.x, y: bottom }, { x: s.x, y: t.y }, { x: target.x, y: t.y }] : [{ x: s.x, y: bottom }, { x: s.x, y: bottom + 20 }, { x: target.x, y: bottom + 20 }, { x: target.x, y: t.y }];
  }
  if (target.x >= source.x + source.width) {
    const sx = source.x + source.width, tx = target.x;
    if (Math.abs(s.y - t.y) < 1) return [{ x: sx, y: s.y }, { x: tx, y: t.y }];
    const mx = Math.round((sx + tx) / 2);
    return [{ x: sx, y: s.y }, { x: mx, y: s.y }, { x: mx, y: t.y }, { x: tx, y: t.y }];
  }
  // A loop back: under both nodes.
  const low = Math.max(source.y + source.height, target.y + target.height) + 25;
  return [{ x: s.x, y: source.y + source.height }, { x: s.x, y: low }, { x: t.x, y: low }, { x: t.x, y: target.y + target.height }];
}

const num = (n: number): string => String(Math.round(n));
const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Adds a diagram to BPMN XML that has none (for every executable process); XML with a diagram comes back as is. */
export async function diagramOf(xml: string): Promise<ProcessDiagram> {
  const moddle = new BpmnModdle();
  const { rootElement } = (await moddle.fromXML(xml, 'bpmn:Definitions')) as { rootElement: { rootElements?: readonly Element[] } };
  const names = new Map<string, string>();
  const containers = new Set<string>();
  const collect = (e: Element): void => {
    if (isContainer(e)) containers.add(e.id);
    if (!isFlow(e)) names.set(e.id, e.name?.trim() || e.id);
    for (const c of e.flowElements ?? []) collect(c);
  };
  const processes = (rootElement.rootElements ?? []).filter((e) => e.$type === 'bpmn:Process');
  processes.forEach(collect);
  const candidateGroups = [...new Set([...xml.matchAll(/\bcandidateGroups="([^"=][^"]*)"/g)].flatMap((m) => m[1]!.split(',').map((g) => g.trim()).filter((g) => g !== '')))];
  if (/<(?:[A-Za-z][\w-]*:)?BPMNShape\b/.test(xml)) return { xml, names, containers, candidateGroups };
  const planes: string[] = [];
  for (const process of processes) {
    const boxes = new Map<string, Box>();
    layoutContainer(process, boxes);
    const parts: string[] = [];
    const walk = (container: Element): void => {
      for (const e of container.flowElements ?? []) {
        if (isFlow(e)) continue;
        const b = boxes.get(e.id);
        if (!b) continue;
        const offset = { x: b.x + 20, y: b.y + 20 };
        parts.push(`<bpmndi:BPMNShape id="${attr(e.id)}_di" bpmnElement="${attr(e.id)}"${isContainer(e) ? ' isExpanded="true"' : ''}><dc:Bounds x="${num(offset.x)}" y="${num(offset.y)}" width="${num(b.width)}" height="${num(b.height)}" /></bpmndi:BPMNShape>`);
        if (isContainer(e)) walk(e);
      }
      for (const f of (container.flowElements ?? []).filter(isFlow)) {
        const s = boxes.get(f.sourceRef?.id ?? ''), t = boxes.get(f.targetRef?.id ?? '');
        if (!s || !t) continue;
        const points = waypoints(s, t, !!f.sourceRef && isBoundary(f.sourceRef)).map((p) => `<di:waypoint x="${num(p.x + 20)}" y="${num(p.y + 20)}" />`).join('');
        parts.push(`<bpmndi:BPMNEdge id="${attr(f.id)}_di" bpmnElement="${attr(f.id)}">${points}</bpmndi:BPMNEdge>`);
      }
    };
    walk(process);
    planes.push(`<bpmndi:BPMNDiagram id="${attr(process.id)}_diagram"><bpmndi:BPMNPlane id="${attr(process.id)}_plane" bpmnElement="${attr(process.id)}">${parts.join('')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`);
  }
  const open = /<((?:[A-Za-z][\w-]*:)?)definitions\b([^>]*)>/.exec(xml);
  const close = xml.lastIndexOf(`</${open?.[1] ?? ''}definitions>`);
  if (!open || close < 0) return { xml, names, containers, candidateGroups };
  const namespaces = [
    ['bpmndi', 'http://www.omg.org/spec/BPMN/20100524/DI'], ['dc', 'http://www.omg.org/spec/DD/20100524/DC'], ['di', 'http://www.omg.org/spec/DD/20100524/DI'],
  ].filter(([p]) => !new RegExp(`xmlns:${p}=`).test(open[2] ?? '')).map(([p, uri]) => ` xmlns:${p}="${uri}"`).join('');
  const head = xml.slice(0, open.index) + open[0].replace(/>$/, `${namespaces}>`).replace(/\/(?=>$)/, '');
  const withDiagram = head + xml.slice(open.index + open[0].length, close) + planes.join('\n') + '\n' + xml.slice(close);
  return { xml: withDiagram, names, containers, candidateGroups };
}

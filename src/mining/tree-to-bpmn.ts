/**
 * Process tree → BPMN 2.0 XML with diagram interchange (DI), so bpmn.io and other modellers open and draw it.
 * Operators become gateway pairs (XOR or parallel split/join); a loop is a join gateway, the body, a split gateway
 * and the redo path back; τ becomes a plain sequence flow.
 */
import type { ProcessTree } from './inductive-miner.js';
import { escapeXml } from './xml-text.js';

interface BpmnNode {
  readonly id: string;
  readonly type: 'startEvent' | 'endEvent' | 'task' | 'exclusiveGateway' | 'parallelGateway';
  readonly name?: string;
}

interface Fragment {
  readonly entry: string;
  readonly exit: string;
}

const SIZE: Record<BpmnNode['type'], { w: number; h: number }> = {
  startEvent: { w: 36, h: 36 },
  endEvent: { w: 36, h: 36 },
  task: { w: 120, h: 80 },
  exclusiveGateway: { w: 50, h: 50 },
  parallelGateway: { w: 50, h: 50 },
};

interface Flow {
  readonly id: string;
  readonly source: string;
  readonly target: string;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The tree as a graph of BPMN nodes and sequence flows: a start event, the tree's fragment and an end event. */
function treeToGraph(tree: ProcessTree): { nodes: BpmnNode[]; flows: Flow[]; start: string } {
  const nodes: BpmnNode[] = [];
  const flows: Flow[] = [];
  let counter = 0;
  const newNode = (type: BpmnNode['type'], name?: string): string => {
    const id = `${type === 'task' ? 'Activity' : type === 'exclusiveGateway' || type === 'parallelGateway' ? 'Gateway' : 'Event'}_${++counter}`;
    nodes.push(name === undefined ? { id, type } : { id, type, name });
    return id;
  };
  const connect = (source: string, target: string): void => {
    flows.push({ id: `Flow_${flows.length + 1}`, source, target });
  };
  // Returns undefined for τ: the caller connects around it.
  const build = (t: ProcessTree): Fragment | undefined => {
    switch (t.kind) {
      case 'tau':
        return undefined;
      case 'activity': {
        const id = newNode('task', t.label);
        return { entry: id, exit: id };
      }
      case 'sequence': {
        const parts = t.children.map(build).filter((f): f is Fragment => f !== undefined);
        if (parts.length === 0) return undefined;
        for (let i = 1; i < parts.length; i++) connect(parts[i - 1]?.exit ?? '', parts[i]?.entry ?? '');
        return { entry: parts[0]?.entry ?? '', exit: parts[parts.length - 1]?.exit ?? '' };
      }
      case 'xor':
      case 'parallel': {
        const type = t.kind === 'xor' ? 'exclusiveGateway' : 'parallelGateway';
        const splitId = newNode(type);
        const parts = t.children.map(build);
        const joinId = newNode(type);
        for (const p of parts) {
          if (p) {
            connect(splitId, p.entry);
            connect(p.exit, joinId);
          } else connect(splitId, joinId);
        }
        return { entry: splitId, exit: joinId };
      }
      case 'loop': {
        const joinId = newNode('exclusiveGateway');
        const body = t.children[0] ? build(t.children[0]) : undefined;
        const splitId = newNode('exclusiveGateway');
        if (body) {
          connect(joinId, body.entry);
          connect(body.exit, splitId);
        } else connect(joinId, splitId);
        for (const child of t.children.slice(1)) {
          const redo = build(child);
          if (redo) {
            connect(splitId, redo.entry);
            connect(redo.exit, joinId);
          } else connect(splitId, joinId);
        }
        return { entry: joinId, exit: splitId };
      }
    }
  };
  const start = newNode('startEvent');
  const body = build(tree);
  const end = newNode('endEvent');
  if (body) {
    connect(start, body.entry);
    connect(body.exit, end);
  } else connect(start, end);
  return { nodes, flows, start };
}

/** Where each node is drawn: columns by longest path from the start over forward edges, rows in order of creation. */
function layOut(nodes: readonly BpmnNode[], flows: readonly Flow[], start: string): Map<string, Box> {
  // Loop-backs are found by DFS and ignored.
  const out = new Map<string, string[]>();
  for (const f of flows) out.set(f.source, [...(out.get(f.source) ?? []), f.target]);
  const back = new Set<string>();
  const state = new Map<string, number>();
  const dfs = (n: string): void => {
    state.set(n, 1);
    for (const m of out.get(n) ?? []) {
      if (state.get(m) === 1) back.add(`${n}>${m}`);
      else if (!state.has(m)) dfs(m);
    }
    state.set(n, 2);
  };
  dfs(start);
  const column = new Map<string, number>([[start, 0]]);
  const order: string[] = [];
  const visited = new Set<string>();
  const topo = (n: string): void => {
    visited.add(n);
    for (const m of out.get(n) ?? []) if (!back.has(`${n}>${m}`) && !visited.has(m)) topo(m);
    order.unshift(n);
  };
  topo(start);
  for (const n of order) {
    for (const m of out.get(n) ?? []) {
      if (back.has(`${n}>${m}`)) continue;
      column.set(m, Math.max(column.get(m) ?? 0, (column.get(n) ?? 0) + 1));
    }
  }
  const rows = new Map<number, number>();
  const pos = new Map<string, Box>();
  for (const n of nodes) {
    const col = column.get(n.id) ?? 0;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    const { w, h } = SIZE[n.type];
    const cx = 100 + col * 170;
    const cy = 120 + row * 130;
    pos.set(n.id, { x: cx - w / 2, y: cy - h / 2, w, h });
  }
  return pos;
}

/** The `<bpmn:process>` element: every node with its incoming and outgoing flows, then the flows. */
function processXml(nodes: readonly BpmnNode[], flows: readonly Flow[], processName: string): string[] {
  const x = escapeXml;
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_1" targetNamespace="http://govflow.org/mining" exporter="govflow" exporterVersion="0.1.0">',
    `  <bpmn:process id="Process_1" name="${x(processName)}" isExecutable="false">`,
  ];
  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  for (const f of flows) {
    outgoing.set(f.source, [...(outgoing.get(f.source) ?? []), f.id]);
    incoming.set(f.target, [...(incoming.get(f.target) ?? []), f.id]);
  }
  for (const n of nodes) {
    lines.push(`    <bpmn:${n.type} id="${n.id}"${n.name !== undefined ? ` name="${x(n.name)}"` : ''}>`);
    for (const f of incoming.get(n.id) ?? []) lines.push(`      <bpmn:incoming>${f}</bpmn:incoming>`);
    for (const f of outgoing.get(n.id) ?? []) lines.push(`      <bpmn:outgoing>${f}</bpmn:outgoing>`);
    lines.push(`    </bpmn:${n.type}>`);
  }
  for (const f of flows) lines.push(`    <bpmn:sequenceFlow id="${f.id}" sourceRef="${f.source}" targetRef="${f.target}" />`);
  lines.push('  </bpmn:process>');
  return lines;
}

/** The diagram interchange: a shape per node and a waypoint path per flow (loop-backs run under both shapes). */
function diagramXml(nodes: readonly BpmnNode[], flows: readonly Flow[], pos: ReadonlyMap<string, Box>): string[] {
  const lines: string[] = ['  <bpmndi:BPMNDiagram id="BPMNDiagram_1">', '    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">'];
  for (const n of nodes) {
    const p = pos.get(n.id) ?? { x: 0, y: 0, w: 10, h: 10 };
    lines.push(
      `      <bpmndi:BPMNShape id="${n.id}_di" bpmnElement="${n.id}"${n.type === 'exclusiveGateway' ? ' isMarkerVisible="true"' : ''}>`,
      `        <dc:Bounds x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" />`,
      '      </bpmndi:BPMNShape>',
    );
  }
  for (const f of flows) {
    const a = pos.get(f.source) ?? { x: 0, y: 0, w: 0, h: 0 };
    const b = pos.get(f.target) ?? { x: 0, y: 0, w: 0, h: 0 };
    const ax = a.x + a.w;
    const ay = a.y + a.h / 2;
    const bx = b.x;
    const by = b.y + b.h / 2;
    const points: [number, number][] = [];
    if (bx > ax) {
      const mid = (ax + bx) / 2;
      points.push([ax, ay], [mid, ay], [mid, by], [bx, by]);
    } else {
      // A loop-back runs under both shapes.
      const below = Math.max(a.y + a.h, b.y + b.h) + 25;
      points.push([a.x + a.w / 2, a.y + a.h], [a.x + a.w / 2, below], [b.x + b.w / 2, below], [b.x + b.w / 2, b.y + b.h]);
    }
    lines.push(`      <bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}">`);
    for (const [px, py] of points) lines.push(`        <di:waypoint x="${px}" y="${py}" />`);
    lines.push('      </bpmndi:BPMNEdge>');
  }
  lines.push('    </bpmndi:BPMNPlane>', '  </bpmndi:BPMNDiagram>');
  return lines;
}

export function processTreeToBpmn(tree: ProcessTree, processName = 'Discovered process'): string {
  const { nodes, flows, start } = treeToGraph(tree);
  const pos = layOut(nodes, flows, start);
  return [...processXml(nodes, flows, processName), ...diagramXml(nodes, flows, pos), '</bpmn:definitions>', ''].join('\n');
}

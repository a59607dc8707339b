import { GovflowError, type ErrorCode, type ErrorDetail } from '../../kernel/index.js';

// Reading helpers shared by the BPMN compiler's files: typed access to moddle objects, line numbers, problems.

/** A moddle object as bpmn-moddle builds it; accessed through {@link prop} to keep `any` out. */
export interface Node {
  readonly $type: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

export function prop<T = unknown>(node: Node | undefined, key: string): T | undefined {
  return node ? (node[key] as T | undefined) : undefined;
}
export function nodes(node: Node | undefined, key: string): Node[] {
  const value = prop<unknown>(node, key);
  return Array.isArray(value) ? (value as Node[]) : [];
}
export function text(node: Node | undefined, key: string): string | undefined {
  const value = prop<unknown>(node, key);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
export function extension(node: Node, type: string): Node | undefined {
  return nodes(prop<Node>(node, 'extensionElements'), 'values').find((v) => v.$type === type);
}
export function extensions(node: Node, type: string): Node[] {
  return nodes(prop<Node>(node, 'extensionElements'), 'values').filter((v) => v.$type === type);
}

/** Line numbers of every `id="…"` attribute, so messages can point into the file. */
export function lineIndex(xml: string): (id: string | undefined) => number | undefined {
  const lines = new Map<string, number>();
  const pattern = /\sid\s*=\s*"([^"]*)"/g;
  let line = 1;
  let last = 0;
  for (let m = pattern.exec(xml); m; m = pattern.exec(xml)) {
    for (let i = last; i < m.index; i++) if (xml.charCodeAt(i) === 10) line++;
    last = m.index;
    if (!lines.has(m[1]!)) lines.set(m[1]!, line);
  }
  return (id) => (id === undefined ? undefined : lines.get(id));
}

export class Problems {
  readonly list: { code: ErrorCode; detail: ErrorDetail }[] = [];
  add(code: ErrorCode, where: string | undefined, line: number | undefined, message: string, extra: Record<string, string> = {}): void {
    this.list.push({ code, detail: { where, line, message, ...extra } });
  }
  throwIfAny(source: string): void {
    if (this.list.length === 0) return;
    // The most fundamental problem decides the code: parse < unsupported < FEEL syntax < invalid.
    const order: ErrorCode[] = ['GOVFLOW_ERR_BPMN_PARSE', 'GOVFLOW_ERR_BPMN_UNSUPPORTED', 'GOVFLOW_ERR_BPMN_EXTENSION_REFUSED', 'GOVFLOW_ERR_FEEL_SYNTAX', 'GOVFLOW_ERR_BPMN_INVALID'];
    const code = order.find((c) => this.list.some((p) => p.code === c)) ?? 'GOVFLOW_ERR_BPMN_INVALID';
    const details = this.list.map((p) => p.detail);
    const summary = details.slice(0, 3).map((d) => `${d.where ? `${d.where}${d.line ? ` (line ${d.line})` : ''}: ` : ''}${d.message}`).join('; ');
    throw new GovflowError(code, `${source}: ${details.length} problem${details.length === 1 ? '' : 's'}: ${summary}${details.length > 3 ? '; …' : ''}`, details);
  }
}

export function xmlErrorPosition(message: string): { line?: number; column?: number } {
  const line = /line:\s*(\d+)/.exec(message);
  const column = /column:\s*(\d+)/.exec(message);
  return { line: line ? Number(line[1]) : undefined, column: column ? Number(column[1]) : undefined };
}


import { SaxesParser } from 'saxes';
import { GovflowError } from '../kernel/index.js';

/**
 * A light XML tree with source offsets, so the converter can edit the original text in place: the output keeps
 * every line where it was (an element replaced by another is written on the same lines), and the report's line
 * numbers are the original file's.
 */
export interface XAttr { readonly name: string; readonly uri: string; readonly local: string; readonly value: string; readonly start: number; readonly end: number }
export interface XNode {
  readonly name: string;
  readonly uri: string;
  readonly local: string;
  readonly attrs: XAttr[];
  readonly children: XNode[];
  readonly parent: XNode | undefined;
  /** Offset of `<`. */
  readonly start: number;
  /** Offset after the start tag's `>`. */
  startTagEnd: number;
  /** Offset of the end tag's `</` (= end for a self-closing element). */
  contentEnd: number;
  /** Offset after the element. */
  end: number;
  readonly line: number;
  text: string;
  selfClosing: boolean;
}

export const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
export const CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn';
/** Camunda 7 still reads models in the Activiti namespace it started from; the reader files them under Camunda's. */
export const ACTIVITI_NS = 'http://activiti.org/bpmn';
const sameNs = (uri: string): string => (uri === ACTIVITI_NS ? CAMUNDA_NS : uri);
export const ZEEBE_NS = 'http://camunda.org/schema/zeebe/1.0';
export const MODELER_NS = 'http://camunda.org/schema/modeler/1.0';

function parseError(message: string, line: number | undefined): GovflowError {
  return new GovflowError('GOVFLOW_ERR_BPMN_PARSE', `${message}${line ? ` (line ${line})` : ''}`, [{ where: 'model', line, message }]);
}

/** Text before the first element: not XML at all (saxes would only notice at the end of the file). */
function leadingText(xml: string): GovflowError | undefined {
  const at = xml.search(/\S/);
  if (at < 0 || xml[at] === '<') return undefined;
  const line = xml.slice(0, at).split('\n').length;
  return parseError(`not XML: the file starts with text ('${xml.slice(at, at + 20).split('\n')[0]}'), not an element`, line);
}

export function parseXml(xml: string): XNode {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XNode[] = [];
  let root: XNode | undefined;
  let tagLine = 1;
  parser.on('opentagstart', () => {
    tagLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const end = parser.position;
    const start = xml.lastIndexOf(`<${tag.name}`, end - 1);
    const source = xml.slice(start, end);
    const attrs: XAttr[] = [];
    const pattern = /\s([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/g;
    for (let m = pattern.exec(source); m; m = pattern.exec(source)) {
      const a = tag.attributes[m[1]!];
      if (a && typeof a !== 'string') attrs.push({ name: a.name, uri: sameNs(a.uri), local: a.local, value: a.value, start: start + m.index, end: start + m.index + m[0].length });
    }
    const node: XNode = {
      name: tag.name, uri: sameNs(tag.uri), local: tag.local, attrs, children: [], parent: stack.at(-1), start, startTagEnd: end,
      contentEnd: end, end, line: tagLine, text: '', selfClosing: tag.isSelfClosing,
    };
    if (node.parent) node.parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  const onText = (t: string) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const node = stack.pop()!;
    node.end = parser.position;
    node.contentEnd = node.selfClosing ? node.end : xml.lastIndexOf('</', node.end - 1);
  });
  parser.on('error', (e) => {
    throw parseError(`not well-formed XML: ${e.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')}`, parser.line);
  });
  if (xml.trim() === '') throw parseError('the file is empty', 1);
  const notXml = leadingText(xml);
  if (notXml) throw notXml;
  parser.write(xml).close();
  if (!root) throw parseError('no XML element found', 1);
  if (root.uri !== BPMN_NS || root.local !== 'definitions') {
    throw parseError(`not a BPMN 2.0 file: the root element is <${root.name}>${root.uri ? ` in ${root.uri}` : ''}, not <definitions> in ${BPMN_NS}`, root.line);
  }
  return root;
}

export function attr(node: XNode, uri: string, local: string): XAttr | undefined {
  return node.attrs.find((a) => a.uri === uri && a.local === local);
}

export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text edits on the original source; applied back to front, each keeping the line count of what it replaces. */
export class Edits {
  private readonly list: { start: number; end: number; text: string }[] = [];
  constructor(private readonly source: string) {}
  replace(start: number, end: number, text: string): void {
    this.list.push({ start, end, text });
  }
  insert(at: number, text: string): void {
    this.list.push({ start: at, end: at, text });
  }
  apply(): string {
    // Edits may not overlap; an edit inside a removed range is dropped (the outer edit already rewrote it).
    const sorted = [...this.list].sort((a, b) => a.start - b.start || a.end - b.end);
    const kept: typeof sorted = [];
    for (const e of sorted) {
      const last = kept.at(-1);
      if (last && e.start < last.end && e.end <= last.end && last.end > last.start) continue;
      kept.push(e);
    }
    let out = '';
    let at = 0;
    for (const e of kept) {
      const removed = this.source.slice(e.start, e.end);
      const lost = (removed.match(/\n/g)?.length ?? 0) - (e.text.match(/\n/g)?.length ?? 0);
      out += this.source.slice(at, e.start) + e.text + (lost > 0 ? '\n'.repeat(lost) : '');
      at = e.end;
    }
    return out + this.source.slice(at);
  }
}

import { SaxesParser } from 'saxes';
import { GovflowError } from '../kernel/index.js';

/**
 * A namespace-aware element tree. DMN 1.1 to 1.5 differ mostly in their namespace URI and in a few added elements,
 * so the model reader works on local names and ignores which DMN namespace a file uses; that is what lets one reader
 * load every version without mapping namespaces back to the one dmn-moddle knows.
 */
export interface XmlElement {
  readonly name: string;
  readonly uri: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  readonly line: number;
  readonly column: number;
  /** Prefix → namespace URI in scope, needed to resolve QName values such as `typeRef="ns:tType"`. */
  readonly ns: Readonly<Record<string, string>>;
}

export function parseXml(xml: string, source: string, code: 'GOVFLOW_ERR_DMN_PARSE' | 'GOVFLOW_ERR_VALIDATION' = 'GOVFLOW_ERR_DMN_PARSE'): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) {
      if (attr.prefix === 'xmlns' || attr.name === 'xmlns') continue;
      // Keep xsi:type/xsi:nil distinguishable from plain attributes of the same local name.
      attrs[attr.uri === 'http://www.w3.org/2001/XMLSchema-instance' ? `xsi:${attr.local}` : attr.local] = attr.value;
    }
    const parent = stack[stack.length - 1];
    const ns: Record<string, string> = { ...(parent?.ns ?? {}), ...(tag.ns ?? {}) };
    const el: XmlElement = { name: tag.local, uri: tag.uri, attrs, children: [], text: '', line: parser.line, column: parser.column, ns };
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  const onText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new GovflowError(code, `${source} is not well-formed XML`, [{ where: source, line: parser.line, column: parser.column, message }], { cause: error });
  }
  if (!root) throw new GovflowError(code, `${source} has no root element`, [{ where: source, message: 'empty document' }]);
  return root;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text;
}

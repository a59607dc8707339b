import { hasJuel, JuelUntranslatable, juelValueToFeel, type FeelOptions } from './juel.js';
import { ACTIVITI_NS, attr, BPMN_NS, CAMUNDA_NS, Edits, MODELER_NS, ZEEBE_NS, escapeText, parseXml, type XAttr, type XNode } from './xml.js';
import { emptyParts, renderParts, type ZeebeParts } from './zeebe-parts.js';
// Attribute rules (attribute-rules.ts) and extension element rules (extension-rules.ts) call back into Conversion.
import { convertAttributes } from './attribute-rules.js';
import { convertExtensionElement } from './extension-rules.js';
import type { GeneratedForm } from './convert-form-data.js';
import { javascriptTask } from './convert-scripts.js';

/** One line of the report: what was changed (or could not be) on which element, at which line of the original. */
export interface ConvertNote {
  readonly line: number;
  readonly elementId: string;
  readonly elementType: string;
  readonly attribute?: string;
  readonly message: string;
  /** info: converted as is; review: converted, but check the stated difference; blocked: left unconverted. */
  readonly severity: 'info' | 'review' | 'blocked';
}

export interface ConvertResult {
  readonly xml: string;
  readonly changes: ConvertNote[];
  readonly blocked: ConvertNote[];
  /** Camunda Forms generated from camunda:formData (convert-form-data.ts); deploy them with the model. */
  readonly forms?: GeneratedForm[];
}

export interface ConvertOptions {
  /** The job header that carries a Camunda 7 expression's arguments to the worker (default camunda7Expression). */
  readonly expressionHeader?: string;
}

/** The converter's working state for one model; rules (extension-rules.ts) call back into it. */
export class Conversion {
  readonly edits: Edits;
  readonly changes: ConvertNote[] = [];
  readonly blocked: ConvertNote[] = [];
  readonly parts = new Map<XNode, ZeebeParts>();
  readonly forms: GeneratedForm[] = [];
  private readonly newlines: number[] = [];
  /** Camunda 7 constructs left in the output because they are blocked: the camunda namespace must stay declared. */
  camundaLeft = false;

  constructor(readonly source: string, readonly options: ConvertOptions) {
    this.edits = new Edits(source);
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.newlines.push(i);
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  /** The element a note is about: the nearest one with an id (a condition belongs to its sequence flow). */
  owner(node: XNode): XNode {
    let n: XNode | undefined = node;
    while (n && !(n.uri === BPMN_NS && attr(n, '', 'id'))) n = n.parent;
    return n ?? node;
  }

  note(severity: ConvertNote['severity'], node: XNode, message: string, at?: { attribute?: string; offset?: number }): void {
    const owner = this.owner(node);
    const entry: ConvertNote = {
      line: at?.offset !== undefined ? this.lineAt(at.offset) : node.line,
      elementId: attr(owner, '', 'id')?.value ?? owner.local,
      elementType: owner.local.charAt(0).toUpperCase() + owner.local.slice(1),
      ...(at?.attribute ? { attribute: at.attribute } : {}),
      message, severity,
    };
    if (severity === 'blocked') {
      this.blocked.push(entry);
      this.camundaLeft = true;
    } else {
      this.changes.push(entry);
    }
  }

  partsOf(node: XNode): ZeebeParts {
    let p = this.parts.get(node);
    if (!p) {
      p = emptyParts();
      this.parts.set(node, p);
    }
    return p;
  }

  removeAttr(a: XAttr): void {
    this.edits.replace(a.start, a.end, '');
  }
  removeNode(n: XNode): void {
    this.edits.replace(n.start, n.end, '');
  }

  /**
   * A Camunda 7 value as a Zeebe one: a JUEL expression becomes `=FEEL`, other text stays static. Throws
   * JuelUntranslatable (the caller reports it as blocked).
   */
  value(raw: string, opts: FeelOptions = {}): string {
    return juelValueToFeel(raw, opts) ?? raw;
  }

  /** Tries a translation; on failure reports the element blocked with the reason and what to do, returns undefined. */
  attempt<T>(node: XNode, what: string, at: { attribute?: string; offset?: number } | undefined, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof JuelUntranslatable)) throw error;
      this.note('blocked', node, `${what}: ${error.message}. Rewrite it in FEEL (= …) or move the logic into a job worker`, at);
      return undefined;
    }
  }
}


const TIMER_AND_CONDITION = new Set(['conditionExpression', 'condition', 'completionCondition', 'timeDate', 'timeDuration', 'timeCycle', 'loopCardinality']);
const FEEL_LANGS = /^(feel|https?:\/\/www\.omg\.org\/spec\/(dmn|feel)\/.*)$/i;

/** JUEL in condition, timer and multi-instance bodies becomes `=FEEL`, in place. */
function convertBody(c: Conversion, node: XNode): void {
  const body = node.text.trim();
  const language = attr(node, '', 'language');
  if (language && !/^juel$/i.test(language.value) && !FEEL_LANGS.test(language.value)) {
    c.note('blocked', node, `${node.local} is written in ${language.value}; govflow runs FEEL only. Rewrite it in FEEL`, { attribute: 'language' });
    return;
  }
  if (!hasJuel(body)) return;
  const rename = node.local === 'completionCondition' ? { nrOfInstances: 'numberOfInstances', nrOfCompletedInstances: 'numberOfCompletedInstances', nrOfActiveInstances: 'numberOfActiveInstances' } : undefined;
  const feel = c.attempt(node, `${node.local} '${body}'`, undefined, () => c.value(body, rename ? { rename } : {}));
  if (feel === undefined) return;
  c.edits.replace(node.startTagEnd, node.contentEnd, escapeText(feel));
  if (language) c.removeAttr(language);
  // JUEL reads null as false, 0 or ""; FEEL keeps it null, so negations and comparisons can differ on null values.
  const nullHint = /not\(|[<>]/.test(feel) ? '; if a variable in it can be null, see "Missing and null variables" in docs/convert.md' : '';
  c.note('info', node, `${node.local} JUEL '${body}' → FEEL '${feel}'${rename ? ' (nrOf… variables renamed to Zeebe\'s numberOf…)' : ''}${nullHint}`);
}

function convertScriptTask(c: Conversion, node: XNode): void {
  const format = attr(node, '', 'scriptFormat')?.value ?? '';
  const script = node.children.find((ch) => ch.uri === BPMN_NS && ch.local === 'script');
  if (javascriptTask(c, node, c.partsOf(node))) return;
  if (!/^feel$/i.test(format)) {
    c.note('blocked', node, `a ${format || 'script'} script task does not run in govflow (FEEL only); rewrite it as a FEEL script (zeebe:script) or a job worker`, { attribute: 'scriptFormat' });
    return;
  }
  const resultVariable = attr(node, CAMUNDA_NS, 'resultVariable');
  const expression = (script?.text ?? '').trim();
  c.partsOf(node).script = { expression: expression.startsWith('=') ? expression : `=${expression}`, ...(resultVariable ? { resultVariable: resultVariable.value } : {}) };
  if (script) c.removeNode(script);
  c.note('info', node, `FEEL script → zeebe:script${resultVariable ? ` (camunda:resultVariable '${resultVariable.value}' → its resultVariable)` : ''}`);
}

/** Inserts each element's zeebe parts into its extensionElements (made when missing), on the element's own line. */
function writeParts(c: Conversion, bpmnPrefix: string, zeebePrefix: string): void {
  for (const [node, parts] of c.parts) {
    const xml = renderParts(parts, zeebePrefix);
    if (!xml) continue;
    const ext = node.children.find((ch) => ch.uri === BPMN_NS && ch.local === 'extensionElements');
    if (ext) {
      if (ext.selfClosing) c.edits.replace(ext.startTagEnd - 2, ext.startTagEnd, `>${xml}</${ext.name}>`);
      else c.edits.insert(ext.startTagEnd, xml);
      continue;
    }
    const wrapped = `<${bpmnPrefix}extensionElements>${xml}</${bpmnPrefix}extensionElements>`;
    if (node.selfClosing) c.edits.replace(node.startTagEnd - 2, node.startTagEnd, `>${wrapped}</${node.name}>`);
    else c.edits.insert(node.startTagEnd, wrapped);
  }
}

/** Declares the zeebe namespace, drops the camunda one when nothing of it is left, marks the model Camunda 8. */
function rewriteRoot(c: Conversion, root: XNode): string {
  const declared = root.attrs.find((a) => a.name.startsWith('xmlns:') && a.value === ZEEBE_NS);
  const taken = new Set(root.attrs.filter((a) => a.name.startsWith('xmlns:')).map((a) => a.local));
  let prefix = declared?.local ?? 'zeebe';
  for (let i = 2; !declared && taken.has(prefix); i++) prefix = `zeebe${i}`;
  const insertAt = root.startTagEnd - (root.selfClosing ? 2 : 1);
  if (!declared) c.edits.insert(insertAt, ` xmlns:${prefix}="${ZEEBE_NS}"`);
  for (const ns of root.attrs.filter((a) => a.name.startsWith('xmlns:') && (a.value === CAMUNDA_NS || a.value === ACTIVITI_NS))) {
    if (!c.camundaLeft) c.removeAttr(ns);
  }
  // The converted bodies are FEEL; a definitions-wide JUEL (or other) language would make govflow read them as that.
  const language = attr(root, '', 'expressionLanguage');
  if (language && !FEEL_LANGS.test(language.value) && !/XPath$/i.test(language.value)) {
    c.removeAttr(language);
    c.note('info', root, `expressionLanguage '${language.value}' dropped: the converted expressions are FEEL, govflow's default`, { attribute: 'expressionLanguage', offset: language.start });
  }
  const platform = attr(root, MODELER_NS, 'executionPlatform');
  if (platform && platform.value !== 'Camunda Cloud') {
    c.edits.replace(platform.start, platform.end, ` ${platform.name}="Camunda Cloud"`);
    const version = attr(root, MODELER_NS, 'executionPlatformVersion');
    if (version) c.edits.replace(version.start, version.end, ` ${version.name}="8.6.0"`);
    c.note('info', root, 'modeler:executionPlatform set to Camunda Cloud so that Camunda Modeler opens the result as a Camunda 8 model', { attribute: 'modeler:executionPlatform', offset: platform.start });
  }
  return prefix;
}

export function convert(xml: string, options: ConvertOptions = {}): ConvertResult {
  const root = parseXml(xml);
  const c = new Conversion(xml, options);
  const bpmnPrefix = root.name.includes(':') ? `${root.name.split(':')[0]}:` : '';
  const visit = (node: XNode): void => {
    if (node.uri === CAMUNDA_NS) {
      // Its rule reads (or leaves) everything inside it, BPMN elements in a listener's timer included.
      if (node.parent?.uri === BPMN_NS && node.parent.local === 'extensionElements') convertExtensionElement(c, node, node.parent.parent!);
      else c.note('blocked', node, `camunda:${node.local} outside extensionElements is not converted; remove it`);
      return;
    }
    if (node.uri === BPMN_NS) {
      if (TIMER_AND_CONDITION.has(node.local)) convertBody(c, node);
      if (node.local === 'scriptTask') convertScriptTask(c, node);
      convertAttributes(c, node);
    }
    for (const child of node.children) visit(child);
  };
  visit(root);
  const zeebePrefix = rewriteRoot(c, root);
  writeParts(c, bpmnPrefix, zeebePrefix);
  const byLine = (a: ConvertNote, b: ConvertNote) => a.line - b.line;
  return { xml: c.edits.apply(), changes: c.changes.sort(byLine), blocked: c.blocked.sort(byLine), ...(c.forms.length > 0 ? { forms: c.forms } : {}) };
}

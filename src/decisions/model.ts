import { GovflowError, type ErrorDetail } from '../kernel/index.js';
import { parseFeelNumber } from './decimal.js';
import { compileExpression, compileUnaryTests, feelFunction, invokeFunction, isFeelFunction, normaliseValue } from './feel.js';
import type { CompiledExpression, CompiledUnaryTests, Scope, SyntaxProblem, Warnings } from './feel.js';
import { compileDecisionTable, type TableTrace } from './decision-table.js';
import { ANY, builtinType, coerce, isInstance } from './types.js';
import { temporalFromText } from './values.js';
import { javaFunction } from './java-functions.js';
import type { DmnType } from './types.js';
import { child, childrenNamed, childText, parseXml, type XmlElement } from './xml-tree.js';

/** What one decision contributed to a result: the reason a case worker or citizen can be shown. */
export interface DecisionTrace {
  readonly decisionId: string;
  readonly decisionName: string;
  readonly expressionKind: string;
  readonly value: unknown;
  readonly hitPolicy?: string;
  readonly matchedRules?: readonly { index: number; id: string | undefined }[];
  readonly inputs?: readonly { expression: string; value: unknown }[];
  readonly outputs?: readonly unknown[];
  readonly warnings: readonly string[];
}

/** State of one evaluation: memoised decision values, warnings and traces. Never shared between evaluations. */
export interface EvalContext {
  readonly warnings: Warnings;
  readonly traces: DecisionTrace[];
  readonly decisionValues: Map<string, unknown>;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Inputs by namespace, for imported input data. */
  readonly inputsByNamespace: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  depth: number;
  tableTrace?: TableTrace;
}

export type Evaluator = (scope: Scope, ec: EvalContext) => unknown;

export interface NamedElement {
  readonly id: string;
  readonly name: string;
  readonly model: CompiledModel;
  readonly el: XmlElement;
}

export interface DecisionNode extends NamedElement {
  readonly kind: 'decision';
  readonly type: DmnType;
  requirements: Requirement[];
  evaluator: Evaluator;
  expressionKind: string;
}

export interface InputNode extends NamedElement {
  readonly kind: 'input';
  readonly type: DmnType;
}

export interface InvocableNode extends NamedElement {
  readonly kind: 'bkm' | 'service';
  requirements: Requirement[];
  /** Builds the FEEL function value for one evaluation. */
  makeFunction: (ec: EvalContext) => unknown;
}

export type DrgNode = DecisionNode | InputNode | InvocableNode;

export interface Requirement {
  readonly href: string;
  readonly kind: 'decision' | 'input' | 'knowledge';
  target?: DrgNode;
}

export interface CompiledModel {
  readonly namespace: string;
  readonly name: string;
  readonly source: string;
  decisions: { id: string; name: string; versionTag?: string }[];
  problems: SyntaxProblem[];
  readonly nodes: Map<string, DrgNode>;
  readonly byName: Map<string, DrgNode>;
  readonly types: Map<string, DmnType>;
  readonly imports: { name: string; namespace: string }[];
  importedModels: CompiledModel[];
}

export interface ParseOptions {
  /**
   * Load a model whose expressions have FEEL syntax errors, making those expressions evaluate to null with a
   * warning instead of refusing the file. The TCK needs this; deployment keeps the strict default.
   */
  readonly lenient?: boolean;
  /** Models this one may import (matched by namespace). */
  readonly imports?: readonly CompiledModel[];
}

const CONTAINER_TAGS = new Set(['literalExpression', 'context', 'decisionTable', 'invocation', 'functionDefinition', 'list', 'relation', 'conditional', 'for', 'every', 'some', 'filter']);

function expressionChild(el: XmlElement): XmlElement | undefined {
  return el.children.find((c) => CONTAINER_TAGS.has(c.name));
}

function where(el: XmlElement, fallback: string): string {
  return el.attrs.id ?? el.attrs.name ?? `${fallback} (line ${el.line})`;
}

function hrefId(href: string): { namespace: string; id: string } {
  const hash = href.indexOf('#');
  if (hash < 0) return { namespace: '', id: href };
  return { namespace: href.slice(0, hash), id: href.slice(hash + 1) };
}

function variableName(el: XmlElement): string {
  return child(el, 'variable')?.attrs.name ?? el.attrs.name ?? '';
}

function typeRefOf(el: XmlElement): string | undefined {
  return child(el, 'variable')?.attrs.typeRef ?? el.attrs.typeRef ?? childText(el, 'typeRef')?.trim();
}

class Compiler {
  readonly problems: SyntaxProblem[] = [];
  readonly invalid: ErrorDetail[] = [];
  /** `x instance of tMyType` tests, one per item definition, visible to every expression of the model. */
  globals: Scope = {};
  constructor(
    readonly model: CompiledModel,
    readonly lenient: boolean,
  ) {}

  expr(text: string, at: string, names?: readonly string[]): CompiledExpression {
    return compileExpression(text, at, this.lenient ? this.problems : undefined, names, this.globals);
  }

  unary(text: string, at: string, names: readonly string[] = []): CompiledUnaryTests {
    return compileUnaryTests(text, at, this.lenient ? this.problems : undefined, names, this.globals);
  }

  resolveType(typeRef: string | undefined): DmnType {
    if (!typeRef) return ANY;
    const b = builtinType(typeRef);
    if (b) return b;
    const local = this.model.types.get(typeRef) ?? this.model.types.get(typeRef.replace(/^[^:]*:/, ''));
    if (local) return local;
    const dot = typeRef.indexOf('.');
    if (dot > 0) {
      const prefix = typeRef.slice(0, dot);
      const imp = this.model.imports.find((i) => i.name === prefix);
      const other = imp && this.model.importedModels.find((m) => m.namespace === imp.namespace);
      const t = other?.types.get(typeRef.slice(dot + 1));
      if (t) return t;
    }
    return { name: typeRef, kind: 'unknown' };
  }

  /** Item definitions may refer to each other in any order, so types are built lazily by name. */
  compileTypes(defs: XmlElement[]): void {
    const pending = new Map<string, XmlElement>();
    for (const d of defs) pending.set(d.attrs.name ?? '', d);
    const building = new Set<string>();
    const build = (d: XmlElement): DmnType => {
      const name = d.attrs.name ?? '';
      const existing = this.model.types.get(name);
      if (existing) return existing;
      if (building.has(name)) return { name, kind: 'unknown' };
      building.add(name);
      const t = this.itemDefinition(d, (ref) => {
        const p = pending.get(ref);
        return p ? build(p) : undefined;
      });
      building.delete(name);
      if (name) this.model.types.set(name, t);
      return t;
    };
    for (const d of defs) build(d);
    const globals: Scope = {};
    for (const [name, type] of this.model.types) {
      // feelin resolves an unknown type name in `instance of` to a constructor from the context and applies
      // `instanceof`, so a function with Symbol.hasInstance turns item definitions into FEEL types.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      const guard = function itemDefinition(): void {};
      Object.defineProperty(guard, Symbol.hasInstance, { value: (v: unknown) => isInstance(v, type) });
      globals[name] = guard;
    }
    this.globals = globals;
  }

  itemDefinition(d: XmlElement, lookup: (name: string) => DmnType | undefined): DmnType {
    const name = d.attrs.name ?? '';
    const at = where(d, 'itemDefinition');
    const typeRef = childText(d, 'typeRef')?.trim() ?? d.attrs.typeRef;
    const components = childrenNamed(d, 'itemComponent');
    const allowedEl = child(d, 'allowedValues') ?? child(d, 'typeConstraint');
    const allowedText = allowedEl ? childText(allowedEl, 'text') : undefined;
    const allowed = allowedText !== undefined ? this.unary(allowedText, `${at}/allowedValues`) : undefined;
    let base: DmnType;
    if (components.length > 0) {
      const map = new Map<string, DmnType>();
      for (const c of components) map.set(c.attrs.name ?? '', this.itemDefinition(c, lookup));
      base = { name, kind: 'structure', components: map };
    } else if (child(d, 'functionItem')) {
      base = { name, kind: 'function' };
    } else if (typeRef) {
      const resolved = builtinType(typeRef) ?? lookup(typeRef) ?? lookup(typeRef.replace(/^[^:]*:/, '')) ?? this.resolveType(typeRef);
      base = { ...resolved, name };
    } else {
      base = { name, kind: 'any' };
    }
    const narrowed: DmnType = allowed ? { ...base, allowed } : base;
    if (d.attrs.isCollection === 'true') return { name, kind: 'collection', element: narrowed };
    return narrowed;
  }

  /** Compiles a boxed expression element into a closure over (scope, evaluation state). */
  boxed(el: XmlElement | undefined, at: string, decisionName?: string, names?: readonly string[]): { evaluator: Evaluator; kind: string } {
    if (!el) return { evaluator: () => null, kind: 'none' };
    const declared = el.name === 'decisionTable' ? undefined : el.attrs.typeRef;
    const inner = this.boxedUntyped(el, at, decisionName, names);
    if (!declared) return inner;
    // A boxed expression may declare its own type; its value is checked against it like a decision's.
    const type = this.resolveType(declared);
    if (type.kind === 'any' || type.kind === 'unknown') return inner;
    const where = el.attrs.id ?? at;
    return { kind: inner.kind, evaluator: (scope, ec) => coerce(normaliseValue(inner.evaluator(scope, ec)), type, ec.warnings, where) };
  }

  boxedUntyped(el: XmlElement, at: string, decisionName?: string, names?: readonly string[]): { evaluator: Evaluator; kind: string } {
    const id = el.attrs.id ?? at;
    switch (el.name) {
      case 'literalExpression': {
        const text = childText(el, 'text') ?? '';
        const e = this.expr(text, id, names);
        return { evaluator: (scope, ec) => e(scope, ec.warnings), kind: 'literalExpression' };
      }
      case 'context':
        return { evaluator: this.context(el, id, names), kind: 'context' };
      case 'list': {
        const items = el.children.filter((c) => CONTAINER_TAGS.has(c.name)).map((c, i) => this.boxed(c, `${id}[${i}]`, undefined, names).evaluator);
        return { evaluator: (scope, ec) => items.map((item) => item(scope, ec)), kind: 'list' };
      }
      case 'relation':
        return { evaluator: this.relation(el, id, names), kind: 'relation' };
      case 'invocation':
        return { evaluator: this.invocation(el, id, names), kind: 'invocation' };
      case 'functionDefinition':
        return { evaluator: this.functionDefinition(el, id, names), kind: 'functionDefinition' };
      case 'decisionTable': {
        const table = compileDecisionTable(el, id, this, decisionName, names);
        return { evaluator: table, kind: 'decisionTable' };
      }
      case 'conditional': {
        const part = (n: string): Evaluator => {
          const holder = child(el, n);
          return this.boxed(holder ? expressionChild(holder) : undefined, `${id}/${n}`, undefined, names).evaluator;
        };
        const cond = part('if');
        const then = part('then');
        const otherwise = part('else');
        return {
          evaluator: (scope, ec) => {
            const c = cond(scope, ec);
            if (c === true) return then(scope, ec);
            if (c === false || c === null) return otherwise(scope, ec);
            ec.warnings.push(`${id}: the condition is not a boolean`);
            return null;
          },
          kind: 'conditional',
        };
      }
      case 'for':
      case 'some':
      case 'every': {
        const variable = el.attrs.iteratorVariable ?? 'item';
        const inEl = child(el, 'in');
        const bodyEl = child(el, el.name === 'for' ? 'return' : 'satisfies');
        const source = this.boxed(inEl ? expressionChild(inEl) : undefined, `${id}/in`, undefined, names).evaluator;
        const body = this.boxed(bodyEl ? expressionChild(bodyEl) : undefined, `${id}/body`, undefined, names ? [...names, variable] : undefined).evaluator;
        const kind = el.name;
        return {
          evaluator: (scope, ec) => {
            const raw = source(scope, ec);
            const list = Array.isArray(raw) ? raw : raw === null ? null : [raw];
            if (list === null) return null;
            const results = list.map((item) => body({ ...scope, [variable]: item }, ec));
            if (kind === 'for') return results;
            if (results.some((r) => r !== null && typeof r !== 'boolean')) {
              ec.warnings.push(`${id}: '${kind}' needs boolean results`);
              return null;
            }
            if (kind === 'some') return results.some((r) => r === true) ? true : results.every((r) => r === false) ? false : null;
            return results.every((r) => r === true) ? true : results.some((r) => r === false) ? false : null;
          },
          kind,
        };
      }
      case 'filter': {
        const inEl = child(el, 'in');
        const matchEl = child(el, 'match');
        const source = this.boxed(inEl ? expressionChild(inEl) : undefined, `${id}/in`, undefined, names).evaluator;
        // The match sees the item's components by name, unknown until run time, so it is not precompiled.
        const match = this.boxed(matchEl ? expressionChild(matchEl) : undefined, `${id}/match`).evaluator;
        return {
          evaluator: (scope, ec) => {
            const raw = source(scope, ec);
            const list = Array.isArray(raw) ? raw : raw === null ? null : [raw];
            if (list === null) return null;
            const kept: unknown[] = [];
            for (const item of list) {
              const itemScope: Scope = { ...scope, item };
              if (item !== null && typeof item === 'object' && !Array.isArray(item)) Object.assign(itemScope, item, { item });
              const m = match(itemScope, ec);
              if (m !== null && typeof m !== 'boolean') {
                ec.warnings.push(`${id}: the filter condition is not a boolean`);
                return null;
              }
              if (m === true) kept.push(item);
            }
            return kept;
          },
          kind: 'filter',
        };
      }
      default:
        this.invalid.push({ where: id, message: `unsupported expression element <${el.name}>` });
        return { evaluator: () => null, kind: el.name };
    }
  }

  context(el: XmlElement, id: string, names?: readonly string[]): Evaluator {
    let known = names ? [...names] : undefined;
    const entries = childrenNamed(el, 'contextEntry').map((entry, i) => {
      const variable = child(entry, 'variable');
      const name = variable?.attrs.name;
      const type = this.resolveType(variable?.attrs.typeRef);
      const { evaluator } = this.boxed(expressionChild(entry), `${id}/${name ?? `result${i}`}`, undefined, known);
      if (known && name !== undefined) known = [...known, name];
      return { name, type, evaluator };
    });
    return (scope, ec) => {
      const result: Record<string, unknown> = {};
      let local: Scope = scope;
      for (const entry of entries) {
        const value = coerce(normaliseValue(entry.evaluator(local, ec)), entry.type, ec.warnings, `${id}/${entry.name ?? 'result'}`);
        if (entry.name === undefined) return value;
        result[entry.name] = value;
        local = { ...local, [entry.name]: value };
      }
      return result;
    };
  }

  relation(el: XmlElement, id: string, names?: readonly string[]): Evaluator {
    const columns = childrenNamed(el, 'column').map((c) => c.attrs.name ?? '');
    const rows = childrenNamed(el, 'row').map((row, r) => row.children.filter((c) => CONTAINER_TAGS.has(c.name)).map((c, i) => this.boxed(c, `${id}/row${r}/${columns[i] ?? i}`, undefined, names).evaluator));
    return (scope, ec) =>
      rows.map((cells) => {
        const out: Record<string, unknown> = {};
        columns.forEach((name, i) => {
          const cell = cells[i];
          out[name] = cell ? normaliseValue(cell(scope, ec)) : null;
        });
        return out;
      });
  }

  invocation(el: XmlElement, id: string, names?: readonly string[]): Evaluator {
    const target = this.boxed(expressionChild(el), `${id}/function`, undefined, names).evaluator;
    const bindings = childrenNamed(el, 'binding').map((b) => ({
      name: child(b, 'parameter')?.attrs.name ?? '',
      evaluator: this.boxed(expressionChild(b), `${id}/${child(b, 'parameter')?.attrs.name ?? 'binding'}`, undefined, names).evaluator,
    }));
    return (scope, ec) => {
      const fn = target(scope, ec);
      if (!isFeelFunction(fn)) {
        ec.warnings.push(`${id}: the invoked expression is not a function`);
        return null;
      }
      const named: Record<string, unknown> = {};
      for (const b of bindings) named[b.name] = normaliseValue(b.evaluator(scope, ec));
      for (const name of Object.keys(named)) {
        if (!fn.parameterNames.includes(name)) {
          ec.warnings.push(`${id}: the function has no parameter '${name}'`);
          return null;
        }
      }
      const positional = fn.parameterNames.map((p) => named[p] ?? null);
      return invokeFunction(fn, positional, ec.warnings, id);
    };
  }

  functionDefinition(el: XmlElement, id: string, names?: readonly string[]): Evaluator {
    const params = childrenNamed(el, 'formalParameter').map((p) => ({ name: p.attrs.name ?? '', type: this.resolveType(p.attrs.typeRef) }));
    const kind = el.attrs.kind ?? 'FEEL';
    if (kind === 'Java') {
      // The binding is a context of `class` and `method signature`, evaluated like any context.
      const binding = this.boxed(expressionChild(el), `${id}/java`, undefined, names).evaluator;
      return (scope, ec) => {
        const b = binding(scope, ec);
        const ctx = b !== null && typeof b === 'object' ? (b as Record<string, unknown>) : {};
        const fn = javaFunction(
          params.map((p) => p.name),
          ctx['class'],
          ctx['method signature'],
        );
        if (!fn) ec.warnings.push(`${id}: Java method ${String(ctx['class'])}.${String(ctx['method signature'])} is not available`);
        return fn ?? null;
      };
    }
    if (kind !== 'FEEL') {
      return (_scope, ec) => {
        ec.warnings.push(`${id}: ${kind} functions are not supported`);
        return null;
      };
    }
    const body = this.boxed(expressionChild(el), `${id}/body`, undefined, names ? [...names, ...params.map((p) => p.name)] : undefined).evaluator;
    return (scope, ec) =>
      feelFunction(
        params.map((p) => p.name),
        (...args: unknown[]) => {
          if (args.length !== params.length) {
            ec.warnings.push(`${id}: expects ${params.length} argument(s), got ${args.length}`);
            return null;
          }
          const local: Scope = { ...scope };
          for (let i = 0; i < params.length; i++) {
            const p = params[i] as { name: string; type: DmnType };
            const v = normaliseValue(args[i]);
            const c = coerce(v, p.type, ec.warnings, `${id}/${p.name}`);
            // A wrongly typed argument makes the invocation an error (null), as DMN 1.5 §10.3.2.9.4 requires.
            if (c === null && v !== null) return null;
            local[p.name] = c;
          }
          return normaliseValue(body(local, ec));
        },
      );
  }
}

export function compileModel(xml: string, source: string, options: ParseOptions = {}): CompiledModel {
  const root = parseXml(xml, source);
  if (root.name !== 'definitions' || !/omg\.org\/spec\/DMN\//i.test(root.uri)) {
    throw new GovflowError('GOVFLOW_ERR_DMN_PARSE', `${source} is not a DMN model`, [
      { where: source, line: root.line, message: `root element is <${root.name}> in namespace '${root.uri}', expected DMN <definitions>` },
    ]);
  }
  const model: CompiledModel = {
    namespace: root.attrs.namespace ?? '',
    name: root.attrs.name ?? '',
    source,
    decisions: [],
    problems: [],
    nodes: new Map(),
    byName: new Map(),
    types: new Map(),
    imports: childrenNamed(root, 'import').map((i) => ({ name: i.attrs.name ?? '', namespace: i.attrs.namespace ?? '' })),
    importedModels: [...(options.imports ?? [])],
  };
  const c = new Compiler(model, options.lenient === true);
  c.compileTypes(childrenNamed(root, 'itemDefinition'));
  const decisions: { id: string; name: string; versionTag?: string }[] = [];

  const requirementsOf = (el: XmlElement): Requirement[] => {
    const reqs: Requirement[] = [];
    for (const ir of childrenNamed(el, 'informationRequirement')) {
      const d = child(ir, 'requiredDecision');
      const i = child(ir, 'requiredInput');
      if (d?.attrs.href) reqs.push({ href: d.attrs.href, kind: 'decision' });
      if (i?.attrs.href) reqs.push({ href: i.attrs.href, kind: 'input' });
    }
    for (const kr of childrenNamed(el, 'knowledgeRequirement')) {
      const k = child(kr, 'requiredKnowledge');
      if (k?.attrs.href) reqs.push({ href: k.attrs.href, kind: 'knowledge' });
    }
    return reqs;
  };

  const add = (node: DrgNode): void => {
    if (model.nodes.has(node.id)) c.invalid.push({ where: node.id, message: `duplicate id '${node.id}'` });
    model.nodes.set(node.id, node);
    if (node.name) model.byName.set(node.name, node);
  };

  // Nodes first, then references, then expressions: an expression is compiled knowing the names in its scope.
  const pendingDecisions: { node: DecisionNode; exprEl: XmlElement | undefined }[] = [];
  const pendingBkms: { node: InvocableNode; logic: XmlElement | undefined; resultType: DmnType; fn: { eval?: Evaluator } }[] = [];
  for (const el of root.children) {
    const id = el.attrs.id ?? '';
    const name = variableName(el) || (el.attrs.name ?? '');
    switch (el.name) {
      case 'inputData':
        add({ kind: 'input', id, name, model, el, type: c.resolveType(typeRefOf(el)) });
        break;
      case 'decision': {
        const node: DecisionNode = { kind: 'decision', id, name, model, el, type: c.resolveType(typeRefOf(el)), requirements: requirementsOf(el), evaluator: () => null, expressionKind: 'none' };
        add(node);
        pendingDecisions.push({ node, exprEl: expressionChild(el) });
        const versionTag = versionTagOf(el);
        decisions.push({ id, name, ...(versionTag ? { versionTag } : {}) });
        break;
      }
      case 'businessKnowledgeModel': {
        const fn: { eval?: Evaluator } = {};
        const resultType = c.resolveType(typeRefOf(el));
        const node: InvocableNode = {
          kind: 'bkm',
          id,
          name,
          model,
          el,
          requirements: requirementsOf(el),
          makeFunction: (ec) => {
            if (!fn.eval) return feelFunction([], () => null);
            const value = fn.eval(knowledgeScope(node, ec), ec);
            if (!isFeelFunction(value) || resultType.kind === 'any' || resultType.kind === 'unknown') return value;
            return feelFunction(value.parameterNames, (...args: unknown[]) => coerce(invokeFunction(value, args, ec.warnings, node.id), resultType, ec.warnings, node.id));
          },
        };
        add(node);
        pendingBkms.push({ node, logic: child(el, 'encapsulatedLogic'), resultType, fn });
        break;
      }
      case 'decisionService': {
        const refs = (tag: string): string[] => childrenNamed(el, tag).map((r) => r.attrs.href ?? '');
        const outputs = refs('outputDecision');
        const inputDecisions = refs('inputDecision');
        const inputData = refs('inputData');
        const serviceType = c.resolveType(typeRefOf(el));
        const node: InvocableNode = {
          kind: 'service',
          id,
          name,
          model,
          el,
          requirements: [],
          makeFunction: (ec) => serviceFunction(model, node.id, outputs, inputDecisions, inputData, serviceType, ec),
        };
        add(node);
        decisions.push({ id, name });
        break;
      }
      default:
        break;
    }
  }
  model.decisions = decisions;

  for (const node of model.nodes.values()) {
    if (node.kind === 'input') continue;
    for (const req of node.requirements) {
      const target = resolveHref(model, req.href);
      if (!target) c.invalid.push({ where: node.id, message: `unknown element reference '${req.href}'` });
      else req.target = target;
    }
  }
  const scopeNames = (node: DecisionNode | InvocableNode): string[] => {
    const names: string[] = [];
    for (const req of node.requirements) {
      if (!req.target) continue;
      names.push(importPrefix(model, req.target) ?? req.target.name);
    }
    return names;
  };
  for (const { node, exprEl } of pendingDecisions) {
    const { evaluator, kind } = c.boxed(exprEl, node.id || node.name, node.name, scopeNames(node));
    node.evaluator = evaluator;
    node.expressionKind = kind;
    // A decision without logic would evaluate to null and let a process pass silently: refused when strict.
    if (kind === 'none') c.invalid.push({ where: node.id || node.name, message: `decision '${node.name || node.id}' has no decision logic (decision table, literal expression…)` });
  }
  for (const { node, logic, fn } of pendingBkms) {
    if (logic) fn.eval = c.functionDefinition(logic, node.id || node.name, scopeNames(node));
  }
  if (c.problems.length > 0 && !options.lenient) {
    const first = c.problems[0];
    if (first) throw new GovflowError('GOVFLOW_ERR_FEEL_SYNTAX', `${source}: FEEL syntax error`, c.problems.map((p) => ({ where: p.where, message: p.message })));
  }
  if (c.invalid.length > 0 && !options.lenient) {
    throw new GovflowError('GOVFLOW_ERR_DMN_INVALID', `${source}: the DMN model is not valid`, c.invalid);
  }
  model.problems = [...c.problems];
  return model;
}

function resolveHref(model: CompiledModel, href: string): DrgNode | undefined {
  const { namespace, id } = hrefId(href);
  if (!namespace || namespace === model.namespace) return model.nodes.get(id);
  const other = model.importedModels.find((m) => m.namespace === namespace);
  return other?.nodes.get(id);
}

/** The qualified name under which a required node appears in the requiring model's scope. */
function importPrefix(model: CompiledModel, target: DrgNode): string | undefined {
  if (target.model === model) return undefined;
  return model.imports.find((i) => i.namespace === target.model.namespace)?.name;
}

function put(scope: Scope, prefix: string | undefined, name: string, value: unknown): void {
  if (!prefix) {
    scope[name] = value;
    return;
  }
  const existing = scope[prefix];
  const ctx: Record<string, unknown> = existing !== null && typeof existing === 'object' && !Array.isArray(existing) ? { ...(existing as Record<string, unknown>) } : {};
  ctx[name] = value;
  scope[prefix] = ctx;
}

function knowledgeScope(node: InvocableNode | DecisionNode, ec: EvalContext): Scope {
  const scope: Scope = {};
  for (const req of node.requirements) {
    const target = req.target;
    if (!target) continue;
    const prefix = importPrefix(node.model, target);
    if (target.kind === 'bkm' || target.kind === 'service') put(scope, prefix, target.name, target.makeFunction(ec));
  }
  return scope;
}

function inputValue(node: InputNode, ec: EvalContext): unknown {
  const byNs = ec.inputsByNamespace.get(node.model.namespace);
  const raw = byNs && Object.hasOwn(byNs, node.name) ? byNs[node.name] : Object.hasOwn(ec.inputs, node.name) ? ec.inputs[node.name] : null;
  return coerce(normaliseValue(raw), node.type, ec.warnings, node.id);
}

/** Evaluates one decision (memoised per evaluation) after the decisions it requires. */
export function evaluateNode(node: DecisionNode, ec: EvalContext): unknown {
  const key = `${node.model.namespace}#${node.id}`;
  if (ec.decisionValues.has(key)) return ec.decisionValues.get(key);
  if (ec.depth > 64) {
    ec.warnings.push(`${node.id}: the decision graph is too deep or cyclic`);
    return null;
  }
  ec.depth++;
  const scope: Scope = {};
  for (const req of node.requirements) {
    const target = req.target;
    if (!target) continue;
    const prefix = importPrefix(node.model, target);
    if (target.kind === 'decision') put(scope, prefix, target.name, evaluateNode(target, ec));
    else if (target.kind === 'input') put(scope, prefix, target.name, inputValue(target, ec));
    else put(scope, prefix, target.name, target.makeFunction(ec));
  }
  const before = ec.warnings.length;
  ec.tableTrace = undefined;
  const raw = normaliseValue(node.evaluator(scope, ec));
  const tableTrace: TableTrace | undefined = ec.tableTrace;
  ec.tableTrace = undefined;
  const value = coerce(raw, node.type, ec.warnings, node.id);
  ec.depth--;
  ec.decisionValues.set(key, value);
  ec.traces.push({
    decisionId: node.id,
    decisionName: node.name,
    expressionKind: node.expressionKind,
    value,
    ...(tableTrace ?? {}),
    warnings: ec.warnings.slice(before),
  });
  return value;
}

function serviceFunction(model: CompiledModel, id: string, outputs: string[], inputDecisions: string[], inputData: string[], resultType: DmnType, ec: EvalContext): unknown {
  const resolve = (href: string): DrgNode | undefined => resolveHref(model, href);
  const inDecisions = inputDecisions.map(resolve);
  const inData = inputData.map(resolve);
  // DMN 1.5 §10.4: a decision service's parameters are its input data, then its input decisions.
  const params = [...inData, ...inDecisions].map((n) => n?.name ?? '');
  return feelFunction(params, (...args: unknown[]) => {
    if (args.length !== params.length) {
      ec.warnings.push(`${id}: expects ${params.length} argument(s), got ${args.length}`);
      return null;
    }
    return coerce(invokeService(model, id, outputs, inDecisions, inData, args, ec), resultType, ec.warnings, id);
  });
}

function invokeService(model: CompiledModel, id: string, outputs: string[], inDecisions: (DrgNode | undefined)[], inData: (DrgNode | undefined)[], args: unknown[], ec: EvalContext): unknown {
  const decisionValues = new Map<string, unknown>();
  const inputs: Record<string, unknown> = {};
  let typeError = false;
  const checked = (value: unknown, type: DmnType, where: string): unknown => {
    const v = normaliseValue(value);
    const c = coerce(v, type, ec.warnings, where);
    if (c === null && v !== null) typeError = true;
    return c;
  };
  inData.forEach((n, i) => {
    if (n) inputs[n.name] = n.kind === 'input' ? checked(args[i], n.type, n.id) : normaliseValue(args[i]);
  });
  inDecisions.forEach((n, i) => {
    if (n?.kind === 'decision') decisionValues.set(`${n.model.namespace}#${n.id}`, checked(args[inData.length + i], n.type, n.id));
  });
  // An argument of the wrong type makes the invocation an error (null), not a call with a null argument.
  if (typeError) {
    ec.warnings.push(`${id}: an argument does not conform to its parameter's type`);
    return null;
  }
  const sub: EvalContext = { warnings: ec.warnings, traces: ec.traces, decisionValues, inputs, inputsByNamespace: new Map(), depth: ec.depth + 1 };
  const results = outputs.map((href) => {
    const n = resolveHref(model, href);
    return n?.kind === 'decision' ? { name: n.name, value: evaluateNode(n, sub) } : { name: href, value: null };
  });
  if (results.length === 1) return results[0]?.value ?? null;
  const out: Record<string, unknown> = {};
  for (const r of results) out[r.name] = r.value;
  return out;
}

export function findNode(model: CompiledModel, idOrName: string): DrgNode | undefined {
  return model.nodes.get(idOrName) ?? model.byName.get(idOrName);
}

/** Evaluates a decision or decision service by id or name; a decision service takes its parameters from the context. */
export function evaluateInModel(
  model: CompiledModel,
  idOrName: string,
  context: Record<string, unknown>,
  inputsByNamespace: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): { node: { id: string; name: string }; value: unknown; ec: EvalContext } {
  const node = findNode(model, idOrName);
  if (!node || node.kind === 'input' || node.kind === 'bkm') {
    throw new GovflowError('GOVFLOW_ERR_DECISION_NOT_FOUND', `No decision '${idOrName}' in ${model.name || model.source}`, [
      { where: idOrName, message: `known decisions: ${model.decisions.map((d) => d.name).join(', ')}` },
    ]);
  }
  const ec: EvalContext = { warnings: [], traces: [], decisionValues: new Map(), inputs: context, inputsByNamespace, depth: 0 };
  if (node.kind === 'decision') return { node, value: evaluateNode(node, ec), ec };
  const fn = node.makeFunction(ec);
  const params = isFeelFunction(fn) ? fn.parameterNames : [];
  const value = invokeFunction(
    fn,
    params.map((p) => normaliseValue(context[p])),
    ec.warnings,
    node.id,
  );
  return { node, value, ec };
}

export type { Compiler };

const TEMPORAL_CONSTRUCTORS: Record<string, string> = {
  date: 'date',
  time: 'time',
  'date and time': 'date and time',
  'days and time duration': 'duration',
  'years and months duration': 'duration',
};

/** Turns ISO strings in JSON inputs into FEEL temporals where the input data's declared type says so. */
function reviveJson(value: unknown, type: DmnType): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (type.kind === 'builtin' && typeof value === 'string') {
    // A number sent as text keeps every digit (JSON numbers are doubles; exact amounts travel as strings).
    if (type.builtin === 'number') return parseFeelNumber(value) ?? value;
    const ctor = TEMPORAL_CONSTRUCTORS[type.builtin ?? ''];
    return ctor ? (temporalFromText(ctor, value) ?? value) : value;
  }
  if (type.kind === 'collection' && Array.isArray(value) && type.element) {
    const element = type.element;
    return value.map((v: unknown) => reviveJson(v, element));
  }
  if (type.kind === 'structure' && type.components && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [name, t] of type.components) if (name in out) out[name] = reviveJson(out[name], t);
    return out;
  }
  return value;
}

const revivable = new WeakMap<CompiledModel, InputNode[]>();

function needsRevival(type: DmnType, depth = 0): boolean {
  if (depth > 8) return false;
  if (type.kind === 'builtin') return (type.builtin ?? '') in TEMPORAL_CONSTRUCTORS || type.builtin === 'number';
  if (type.kind === 'collection') return type.element ? needsRevival(type.element, depth + 1) : false;
  if (type.kind === 'structure') return [...(type.components?.values() ?? [])].some((t) => needsRevival(t, depth + 1));
  return false;
}

export function reviveJsonInputs(model: CompiledModel, context: Record<string, unknown>): Record<string, unknown> {
  let inputs = revivable.get(model);
  if (!inputs) {
    inputs = [...model.nodes.values()].filter((n): n is InputNode => n.kind === 'input' && needsRevival(n.type));
    revivable.set(model, inputs);
  }
  if (inputs.length === 0) return context;
  // Plain numbers, booleans and nulls need nothing: the common case (a decision table on numbers) copies nothing.
  if (inputs.every((n) => { const v = context[n.name]; return v === null || typeof v !== 'object' && typeof v !== 'string'; })) return context;
  const out: Record<string, unknown> = { ...context };
  for (const node of inputs) if (node.name in out) out[node.name] = reviveJson(out[node.name], node.type);
  return out;
}

/** A decision's version tag: Camunda 7 `camunda:versionTag="…"`, or Zeebe `<zeebe:versionTag value="…"/>`. */
function versionTagOf(el: XmlElement): string | undefined {
  const zeebe = child(el, 'extensionElements')?.children.find((c) => c.name === 'versionTag');
  const tag = (el.attrs.versionTag ?? zeebe?.attrs.value ?? '').trim();
  return tag || undefined;
}

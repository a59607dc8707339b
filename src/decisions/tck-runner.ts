import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileModel, evaluateInModel } from './model.js';
import type { CompiledModel } from './model.js';
import { child, childrenNamed, parseXml } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { describeValue, temporalFromXsd, valuesEqual } from './values.js';
import { isContextValue } from './types.js';
import { parseFeelNumber } from './decimal.js';

/**
 * Runs the DMN Technology Compatibility Kit: every `*-test-*.xml` next to its models, one result per result node,
 * in the TCK's CSV results format.
 */
export interface TckOptions {
  /** The TCK's `TestCases` folder. */
  readonly root: string;
  readonly levels?: readonly string[];
  /** Only folders whose name contains this text. */
  readonly filter?: string;
}

export interface TckRow {
  readonly testFile: string;
  readonly testCase: string;
  readonly resultNode: string;
  readonly result: 'SUCCESS' | 'ERROR' | 'IGNORED';
  readonly detail: string;
  readonly folder: string;
}

export interface TckCounts {
  readonly passed: number;
  readonly failed: number;
  readonly ignored: number;
  readonly total: number;
}

/**
 * Counts are per test case, as the TCK's published results (and Camunda's and Drools' figures) count them: a test
 * case passes when every one of its result nodes does. `resultNodes` counts the CSV rows.
 */
export interface TckSummary extends TckCounts {
  readonly resultNodes: TckCounts;
  readonly rows: readonly TckRow[];
  /** Result rows as CSV, one line per result node. */
  readonly csv: string;
}

export function readTckValue(el: XmlElement): unknown {
  const value = child(el, 'value');
  const components = childrenNamed(el, 'component');
  const list = child(el, 'list');
  if (value) {
    if (value.attrs['xsi:nil'] === 'true') return null;
    // A value element may itself hold a list or components (seen in a few TCK files).
    if (child(value, 'list') || childrenNamed(value, 'component').length > 0) return readTckValue(value);
    const type = (value.attrs['xsi:type'] ?? '').replace(/^[^:]*:/, '');
    const text = value.text;
    switch (type) {
      case 'decimal':
      case 'double':
      case 'integer':
      case 'int':
      case 'long':
      case 'float':
        // Exactly as written: `0.3333333333333333333333333333333333` keeps its 34 digits.
        return parseFeelNumber(text) ?? null;
      case 'boolean':
        return text.trim() === 'true';
      case 'date':
      case 'dateTime':
      case 'time':
      case 'duration':
      case 'dayTimeDuration':
      case 'yearMonthDuration':
        return temporalFromXsd(type, text);
      default:
        return text;
    }
  }
  if (list) {
    if (list.attrs['xsi:nil'] === 'true') return null;
    return childrenNamed(list, 'item').map(readTckValue);
  }
  if (components.length > 0) {
    const out: Record<string, unknown> = {};
    for (const c of components) out[c.attrs.name ?? ''] = c.attrs['xsi:nil'] === 'true' ? null : readTckValue(c);
    return out;
  }
  if (el.attrs['xsi:nil'] === 'true') return null;
  return null;
}

function csvField(s: string): string {
  return `"${s.replace(/"/g, '""').replace(/\r?\n/g, ' ')}"`;
}

function loadModels(folder: string): { models: Map<string, CompiledModel>; errors: Map<string, string> } {
  const files = readdirSync(folder).filter((f) => f.endsWith('.dmn')).sort();
  const sources = new Map<string, string>();
  for (const f of files) sources.set(f, readFileSync(path.join(folder, f), 'utf8'));
  const models = new Map<string, CompiledModel>();
  const errors = new Map<string, string>();
  const first: CompiledModel[] = [];
  for (const [f, xml] of sources) {
    try {
      const m = compileModel(xml, f, { lenient: true });
      models.set(f, m);
      first.push(m);
    } catch (error) {
      errors.set(f, error instanceof Error ? error.message : String(error));
    }
  }
  // Imports resolve types and references at compile time, so models with imports are compiled again once every
  // model in the folder exists; a second round covers imports of imports.
  for (let round = 0; round < 2; round++) {
    for (const [f, m] of models) {
      if (m.imports.length === 0) continue;
      const xml = sources.get(f) ?? '';
      const others = [...models.values()].filter((o) => o !== m);
      try {
        models.set(f, compileModel(xml, f, { lenient: true, imports: others }));
      } catch (error) {
        errors.set(f, error instanceof Error ? error.message : String(error));
      }
    }
  }
  return { models, errors };
}

export function runTck(options: TckOptions): TckSummary {
  const levels = options.levels ?? ['compliance-level-2', 'compliance-level-3'];
  const rows: TckRow[] = [];
  for (const level of levels) {
    const levelDir = path.join(options.root, level);
    let folders: string[];
    try {
      folders = readdirSync(levelDir).filter((f) => statSync(path.join(levelDir, f)).isDirectory()).sort();
    } catch {
      continue;
    }
    for (const folderName of folders) {
      if (options.filter && !folderName.includes(options.filter)) continue;
      const folder = path.join(levelDir, folderName);
      const testFiles = readdirSync(folder).filter((f) => /-test-\d+\.xml$/.test(f)).sort();
      if (testFiles.length === 0) continue;
      const { models, errors } = loadModels(folder);
      for (const testFile of testFiles) rows.push(...runTestFile(folder, folderName, testFile, models, errors));
    }
  }
  const count = (results: readonly TckRow['result'][]): TckCounts => {
    const passed = results.filter((r) => r === 'SUCCESS').length;
    const ignored = results.filter((r) => r === 'IGNORED').length;
    return { passed, failed: results.length - passed - ignored, ignored, total: results.length };
  };
  const byCase = new Map<string, TckRow['result'][]>();
  for (const r of rows) {
    const key = `${r.folder}/${r.testFile}#${r.testCase}`;
    const list = byCase.get(key) ?? [];
    list.push(r.result);
    byCase.set(key, list);
  }
  const caseResults = [...byCase.values()].map((results): TckRow['result'] =>
    results.some((r) => r === 'ERROR') ? 'ERROR' : results.every((r) => r === 'IGNORED') ? 'IGNORED' : 'SUCCESS',
  );
  const csv = rows.map((r) => [r.testFile, r.testCase, r.resultNode, r.result, r.detail].map(csvField).join(',')).join('\n') + '\n';
  return { ...count(caseResults), resultNodes: count(rows.map((r) => r.result)), rows, csv };
}

function runTestFile(folder: string, folderName: string, testFile: string, models: Map<string, CompiledModel>, errors: Map<string, string>): TckRow[] {
  const rows: TckRow[] = [];
  const root = parseXml(readFileSync(path.join(folder, testFile), 'utf8'), testFile, 'GOVFLOW_ERR_VALIDATION');
  const modelName = child(root, 'modelName')?.text.trim() ?? '';
  const model = models.get(modelName) ?? [...models.values()][0];
  for (const tc of childrenNamed(root, 'testCase')) {
    const caseId = tc.attrs.id ?? '';
    const inputs: Record<string, unknown> = {};
    const byNs = new Map<string, Record<string, unknown>>();
    for (const inputNode of childrenNamed(tc, 'inputNode')) {
      const name = inputNode.attrs.name ?? '';
      const value = readTckValue(inputNode);
      const ns = inputNode.attrs.namespace;
      if (ns) {
        const bucket = byNs.get(ns) ?? {};
        bucket[name] = value;
        byNs.set(ns, bucket);
      } else inputs[name] = value;
    }
    const isService = tc.attrs.type === 'decisionService';
    for (const rn of childrenNamed(tc, 'resultNode')) {
      const nodeName = rn.attrs.name ?? '';
      const base = { testFile, testCase: caseId, resultNode: nodeName, folder: folderName };
      const expectedEl = child(rn, 'expected');
      if (!model) {
        rows.push({ ...base, result: 'ERROR', detail: `model ${modelName} did not load: ${errors.get(modelName) ?? 'missing'}` });
        continue;
      }
      const expected = expectedEl ? readTckValue(expectedEl) : null;
      try {
        const target = isService ? (tc.attrs.invocableName ?? nodeName) : nodeName;
        const evaluated = evaluateInModel(model, target, inputs, byNs).value;
        // A service with several output decisions returns a context of them; the result node names one.
        const value = isService && isContextValue(evaluated) && nodeName in evaluated && !(isContextValue(expected) && nodeName in expected) ? evaluated[nodeName] : evaluated;
        if (valuesEqual(value, expected)) rows.push({ ...base, result: 'SUCCESS', detail: '' });
        else rows.push({ ...base, result: 'ERROR', detail: `expected ${describeValue(expected)} but got ${describeValue(value)}` });
      } catch (error) {
        rows.push({ ...base, result: 'ERROR', detail: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return rows;
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files the admin pages load from `/admin/assets/…`: bpmn-js's modeller bundle and styles, form-js's editor
 * bundle and styles, and the two boot scripts of ours. Only names in this table are served, so no request can
 * reach any other file.
 */
const require = createRequire(import.meta.url);
const bpmnJs = path.join(path.dirname(require.resolve('bpmn-js/package.json')), 'dist');
const formJs = path.join(path.dirname(require.resolve('@bpmn-io/form-js/package.json')), 'dist');
const own = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const propertiesPanel = path.join(path.dirname(require.resolve('bpmn-js-properties-panel/package.json')), 'dist');
const panelStyles = path.join(path.dirname(require.resolve('@bpmn-io/properties-panel/package.json')), 'dist', 'assets');
const dmnJs = path.join(path.dirname(require.resolve('dmn-js/package.json')), 'dist');
const zeebeModdle = require.resolve('zeebe-bpmn-moddle/resources/zeebe.json');

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const FONT_TYPES: Record<string, string> = { eot: 'application/vnd.ms-fontobject', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', svg: 'image/svg+xml' };

/**
 * An asset is a file as published by its package, or (`script`) a JSON file wrapped as a script that sets a global:
 * the editor pages' CSP has no connect-src, so the boot scripts cannot fetch JSON.
 */
export const ADMIN_ASSETS: Readonly<Record<string, { file: string; type: string; script?: string }>> = {
  'bpmn-js/bpmn-modeler.js': { file: path.join(bpmnJs, 'bpmn-modeler.production.min.js'), type: JS },
  'bpmn-js/diagram-js.css': { file: path.join(bpmnJs, 'assets', 'diagram-js.css'), type: CSS },
  'bpmn-js/bpmn-js.css': { file: path.join(bpmnJs, 'assets', 'bpmn-js.css'), type: CSS },
  'bpmn-js/bpmn-font/css/bpmn.css': { file: path.join(bpmnJs, 'assets', 'bpmn-font', 'css', 'bpmn.css'), type: CSS },
  ...Object.fromEntries(Object.entries(FONT_TYPES).map(([ext, type]) => [`bpmn-js/bpmn-font/font/bpmn.${ext}`, { file: path.join(bpmnJs, 'assets', 'bpmn-font', 'font', `bpmn.${ext}`), type }])),
  'form-js/form-editor.js': { file: path.join(formJs, 'form-editor.umd.js'), type: JS },
  'form-js/form-js.css': { file: path.join(formJs, 'assets', 'form-js.css'), type: CSS },
  'form-js/form-js-editor.css': { file: path.join(formJs, 'assets', 'form-js-editor.css'), type: CSS },
  'form-js/properties-panel.css': { file: path.join(formJs, 'assets', 'properties-panel.css'), type: CSS },
  // The properties panel with the Zeebe properties provider (govflow reads Zeebe's extension elements) and the
  // zeebe moddle descriptor the modeller needs to read and write them.
  'bpmn-js-properties-panel/properties-panel.js': { file: path.join(propertiesPanel, 'bpmn-js-properties-panel.umd.js'), type: JS },
  'bpmn-js-properties-panel/properties-panel.css': { file: path.join(panelStyles, 'properties-panel.css'), type: CSS },
  'zeebe-moddle.js': { file: zeebeModdle, type: JS, script: 'govflowZeebeModdle' },
  // The decision-table editor.
  'dmn-js/dmn-modeler.js': { file: path.join(dmnJs, 'dmn-modeler.production.min.js'), type: JS },
  ...Object.fromEntries(['diagram-js.css', 'dmn-js-shared.css', 'dmn-js-drd.css', 'dmn-js-decision-table.css', 'dmn-js-decision-table-controls.css', 'dmn-js-literal-expression.css', 'dmn-js-boxed-expression.css', 'dmn-js-boxed-expression-controls.css', 'dmn-font/css/dmn.css']
    .map((file) => [`dmn-js/${file}`, { file: path.join(dmnJs, 'assets', file), type: CSS }])),
  ...Object.fromEntries(Object.entries(FONT_TYPES).map(([ext, type]) => [`dmn-js/dmn-font/font/dmn.${ext}`, { file: path.join(dmnJs, 'assets', 'dmn-font', 'font', `dmn.${ext}`), type }])),
  'decision-editor.js': { file: path.join(own, 'decision-editor.js'), type: JS },
  'modeller.js': { file: path.join(own, 'modeller.js'), type: JS },
  'form-editor.js': { file: path.join(own, 'form-editor.js'), type: JS },
  'admin.css': { file: path.join(own, 'admin.css'), type: CSS },
};

const cache = new Map<string, Buffer>();

/** An admin asset by its name under `/admin/assets/` (query strings already removed), or null. */
export async function readAdminAsset(name: string): Promise<{ type: string; content: Buffer } | null> {
  const entry = Object.hasOwn(ADMIN_ASSETS, name) ? ADMIN_ASSETS[name] : undefined;
  if (!entry) return null;
  let content = cache.get(name);
  if (!content) {
    content = await readFile(entry.file).catch(() => undefined);
    if (!content) return null;
    if (entry.script) content = Buffer.from(`window.${entry.script} = ${JSON.stringify(JSON.parse(content.toString('utf8')))};\n`);
    cache.set(name, content);
  }
  return { type: entry.type, content };
}

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

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const FONT_TYPES: Record<string, string> = { eot: 'application/vnd.ms-fontobject', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', svg: 'image/svg+xml' };

export const ADMIN_ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'bpmn-js/bpmn-modeler.js': { file: path.join(bpmnJs, 'bpmn-modeler.production.min.js'), type: JS },
  'bpmn-js/diagram-js.css': { file: path.join(bpmnJs, 'assets', 'diagram-js.css'), type: CSS },
  'bpmn-js/bpmn-js.css': { file: path.join(bpmnJs, 'assets', 'bpmn-js.css'), type: CSS },
  'bpmn-js/bpmn-font/css/bpmn.css': { file: path.join(bpmnJs, 'assets', 'bpmn-font', 'css', 'bpmn.css'), type: CSS },
  ...Object.fromEntries(Object.entries(FONT_TYPES).map(([ext, type]) => [`bpmn-js/bpmn-font/font/bpmn.${ext}`, { file: path.join(bpmnJs, 'assets', 'bpmn-font', 'font', `bpmn.${ext}`), type }])),
  'form-js/form-editor.js': { file: path.join(formJs, 'form-editor.umd.js'), type: JS },
  'form-js/form-js.css': { file: path.join(formJs, 'assets', 'form-js.css'), type: CSS },
  'form-js/form-js-editor.css': { file: path.join(formJs, 'assets', 'form-js-editor.css'), type: CSS },
  'form-js/properties-panel.css': { file: path.join(formJs, 'assets', 'properties-panel.css'), type: CSS },
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
    cache.set(name, content);
  }
  return { type: entry.type, content };
}

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine/index.js';

const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/**
 * The demo municipality: deploys the example processes in `examples/` (unchanged files keep their version, so
 * this is safe on every start). Returns the keys of newly deployed versions.
 */
export async function seedDemo(engine: Engine): Promise<string[]> {
  const files = (await readdir(EXAMPLES)).filter((f) => /\.(bpmn|dmn|form)$/.test(f)).sort();
  if (files.length === 0) return [];
  const resources = await Promise.all(files.map(async (f) => ({ name: f, content: await readFile(path.join(EXAMPLES, f), 'utf8') })));
  const result = await engine.deploy(resources, { name: 'demo municipality', actor: 'demo' });
  return result.processes.filter((p) => p.isNew).map((p) => `${p.key} v${p.version}`);
}

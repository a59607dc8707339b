/**
 * docs/architecture.md cannot drift from the code (issue 14, acceptance 2): every file or folder it names exists,
 * its folder table and module map list exactly the folders of src/, its table map lists exactly the owners and
 * relations of src/store/table-owners.ts, and each step of the walk of a citizen's application names its file.
 * Each check also runs on a planted mistake, so a checker that finds nothing fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TABLE_OWNERS } from '../../src/store/index.js';

const DOC = readFileSync('docs/architecture.md', 'utf8');
const SRC_FOLDERS = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

function allFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) allFiles(full, out);
    else out.push(full.split(path.sep).join('/'));
  }
  return out;
}
const SRC_FILES = allFiles('src');

/** The text of one `## ` section (its heading starts with `heading`), up to the next. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `docs/architecture.md has a section "${heading}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/**
 * Every file the text names that does not exist: paths from the repository root (src/…, test/…, scripts/…, docs/…),
 * paths inside src/ (`engine/persistence/instance-store.ts`), and bare file names (`sealer.ts`), which must be the
 * name of some file in src/ or at the root (`eslint.config.js`). Markdown links to sibling docs (`services.md`) are checked in docs/.
 */
export function missingFiles(doc: string): string[] {
  const missing = new Set<string>();
  for (const [, p] of doc.matchAll(/(?<![\w./-])((?:src|test|scripts|docs)\/[\w./-]*[\w/])/g)) {
    if (!existsSync(p!)) missing.add(p!);
  }
  for (const [, name] of doc.matchAll(/`([\w./-]+\.(?:ts|sql|md|mjs|js))`/g)) {
    const n = name!;
    if (/^(src|test|scripts|docs)\//.test(n)) continue;
    const ok = n.endsWith('.md') ? existsSync(path.join('docs', n))
      : n.includes('/') ? existsSync(path.join('src', n))
        : existsSync(n) || SRC_FILES.some((f) => f.endsWith(`/${n}`));
    if (!ok) missing.add(n);
  }
  for (const [, link] of doc.matchAll(/\]\(([\w.-]+\.md)(#[\w-]*)?\)/g)) if (!existsSync(path.join('docs', link!))) missing.add(link!);
  return [...missing].sort();
}

/** The owners and relations of the table map, as `owner: relation relation …` lines. */
export function tableMap(doc: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of section(doc, 'Table map').split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const owner = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (!owner) continue;
    // The relations are the backticked names of the second column, up to the migration numbers; words that
    // follow "view" and "sequence" are relations too.
    map.set(owner, [...(cells[2] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort());
  }
  return map;
}

function ownersOfManifest(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [relation, { owner }] of Object.entries(TABLE_OWNERS)) map.set(owner, [...(map.get(owner) ?? []), relation].sort());
  return map;
}

describe('docs/architecture.md', () => {
  it('every file and folder it names exists', () => {
    assert.deepEqual(missingFiles(DOC), []);
    assert.ok([...DOC.matchAll(/src\/[\w./-]+\.ts/g)].length > 20, 'the doc names files by path');
  });

  it('the folder table and the module map list exactly the folders of src/', () => {
    const table = [...section(DOC, 'Folders').matchAll(/^\| `(\w+)\/` \|/gm)].map((m) => m[1]!).sort();
    assert.deepEqual(table, SRC_FOLDERS);
    const map = section(DOC, 'Module map');
    assert.deepEqual(SRC_FOLDERS.filter((f) => !new RegExp(`(^|[\\s(])${f}/`, 'm').test(map)), [], 'folders missing from the module map');
  });

  it('the table map lists exactly the owners and relations of src/store/table-owners.ts', () => {
    const doc = Object.fromEntries(tableMap(DOC));
    assert.deepEqual(doc, Object.fromEntries(ownersOfManifest()));
  });

  it('each step of the walk of a citizen\'s application names the files it goes through', () => {
    const walk = section(DOC, 'One walk');
    const steps = walk.split(/\n(?=\d+\. \*\*)/).slice(1);
    assert.ok(steps.length >= 5, `the walk has its steps (${steps.length})`);
    for (const step of steps) assert.match(step, /`src\/[\w/-]+\.ts`/, `step "${step.slice(0, 40)}" names a file`);
    for (const stop of ['event_log', 'ledger', 'status page', 'HTTP']) assert.ok(walk.includes(stop), `the walk reaches ${stop}`);
  });

  it('finds planted mistakes: a missing path, a missing bare name, a relation the manifest does not have', () => {
    assert.deepEqual(missingFiles('See `src/portal/no-such-file.ts`, then src/engine/gone.ts and `sealer.ts`, `nowhere.ts`, [x](no-such.md).'),
      ['no-such.md', 'nowhere.ts', 'src/engine/gone.ts', 'src/portal/no-such-file.ts']);
    const planted = '\n## Table map\n\n| owner | tables |\n|---|---|\n| `portal` | `portal_draft`, `portal_ghost` (0002) | — |\n\n## Next\n';
    assert.deepEqual(Object.fromEntries(tableMap(planted)), { portal: ['portal_draft', 'portal_ghost'] });
    assert.notDeepEqual(tableMap(planted).get('portal'), ownersOfManifest().get('portal'));
  });
});

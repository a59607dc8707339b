/**
 * Size limits of the code (issue 14, acceptance 2), measured with the TypeScript compiler API (scripts/code-size.ts):
 * no file under src/ over 800 lines and no function over 150, except the generated files named in GENERATED_FILES;
 * and every file in src/ that registers routes says in its first comment what it serves.
 * (`node --import tsx scripts/code-size.ts` lists every offender.)
 */
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { GENERATED_FILES, MAX_FUNCTION_LINES, measure, measureSources, offenders } from '../scripts/code-size.js';

/**
 * A file that registers HTTP routes or is a Fastify plugin: a route module, a route table, a `fastify-plugin`
 * wrapper or a `create…Plugin` factory.
 */
const REGISTERS_ROUTES = /\bserver\.(get|post|put|patch|delete|route)(<[^>]*>)?\(|\broute\(\{|\bscope\.(get|post)\(|from 'fastify-plugin'|export (async )?function create\w*Plugin\(/;
const STATES_WHAT_IT_SERVES = /\b(serves|the http surface|routes? of)\b/i;

describe('code size', () => {
  it(`no file in src/ over 800 lines and no function over ${MAX_FUNCTION_LINES} lines (generated files excepted by name)`, async () => {
    const sizes = await measureSources(process.cwd());
    // Every kind of file is counted, not only TypeScript: the browser scripts, SQL and templates too.
    assert.ok(sizes.some((s) => s.file.endsWith('.sql')) && sizes.some((s) => s.file.endsWith('.js')), 'src/ files besides TypeScript are measured');
    assert.deepEqual(offenders(sizes), []);
  });

  it('every generated file excepted from the limits exists (the list cannot hide a hand-written file by a stale name)', async () => {
    for (const file of GENERATED_FILES) await access(file);
    assert.ok(!(await measureSources(process.cwd())).some((s) => GENERATED_FILES.includes(s.file)), 'generated files are not measured');
  });

  it('every plugin or route file in src/ states in its first comment what it serves', async () => {
    const silent: string[] = [];
    let serving = 0;
    for (const size of await measureSources(process.cwd())) {
      if (!size.file.endsWith('.ts')) continue;
      if (!REGISTERS_ROUTES.test(await readFile(size.file, 'utf8'))) continue;
      serving++;
      if (!STATES_WHAT_IT_SERVES.test(size.firstComment)) silent.push(size.file);
    }
    assert.ok(serving > 20, `the route files are found (${serving})`);
    assert.deepEqual(silent, []);
  });

  it('the measure counts what it should: a long nested function, an arrow, a long file (a planted violation)', () => {
    const body = Array.from({ length: 160 }, (_, i) => `    const x${i} = ${i};`).join('\n');
    const planted = `/** Serves nothing. */\nexport function outer(): void {\n  const inner = (): void => {\n${body}\n  };\n  inner();\n}\n${'// filler\n'.repeat(700)}`;
    const size = measure('src/planted.ts', planted);
    assert.equal(size.firstComment, '/** Serves nothing. */');
    assert.deepEqual(offenders([size]).map((o) => o.replace(/ is \d+ lines/, '')), [
      `src/planted.ts: ${planted.split('\n').length - 1} lines (limit 800)`,
      'src/planted.ts:2: function outer (limit 150)',
      'src/planted.ts:3: function inner (limit 150)',
    ]);
    assert.deepEqual(offenders([measure('src/small.ts', 'export const f = (): number => 1;\n')]), []);
  });

  it('a long file of another kind and a long function in a browser script are offenders too (planted)', () => {
    assert.deepEqual(offenders([measure('src/store/migrations/9999-planted.sql', 'select 1;\n'.repeat(801))]), ['src/store/migrations/9999-planted.sql: 801 lines (limit 800)']);
    const script = `(function () {\n${'  var a = 1;\n'.repeat(151)}})();\n`;
    assert.deepEqual(offenders([measure('src/admin/assets/planted.js', script)]).map((o) => o.replace(/ is \d+ lines/, '')), ['src/admin/assets/planted.js:1: function (anonymous) (limit 150)']);
  });
});

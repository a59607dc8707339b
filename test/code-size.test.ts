/**
 * Size limits of the code (issue 14, acceptance 2), measured with the TypeScript compiler API (scripts/code-size.ts):
 * no file over 800 lines and no function over 150 in the web edge and the HTML areas, and every file there that
 * registers routes says in its first comment what it serves. Other folders are measured by the same script
 * (`node --import tsx scripts/code-size.ts` lists every offender in src/); they join CHECKED once under the limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FUNCTION_LINES, measure, measureSources, offenders } from '../scripts/code-size.js';

const CHECKED = ['portal', 'workbench', 'admin', 'api', 'web'] as const;
/** A file that registers HTTP routes: a Fastify plugin, a route module or a route table. */
const REGISTERS_ROUTES = /\bserver\.(get|post|put|patch|delete|route)(<[^>]*>)?\(|\broute\(\{|\bscope\.(get|post)\(/;

describe('code size', () => {
  it(`no file over 800 lines and no function over ${MAX_FUNCTION_LINES} lines in src/{${CHECKED.join(',')}}`, async () => {
    assert.deepEqual(offenders(await measureSources(process.cwd(), CHECKED)), []);
  });

  it('every file there that serves routes states in its first comment what it serves', async () => {
    const { readFile } = await import('node:fs/promises');
    const silent: string[] = [];
    for (const size of await measureSources(process.cwd(), CHECKED)) {
      const text = await readFile(size.file, 'utf8');
      if (REGISTERS_ROUTES.test(text) && !/\b(serves|the http surface|routes? of)\b/i.test(size.firstComment)) silent.push(size.file);
    }
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
});

/**
 * EXPLAIN ANALYZE of every query the `case-search` target of `govflow bench web` issues (issue 20, acceptance 1),
 * over an index filled as the bench fills it, on PGlite and on a throwaway PostgreSQL: plan timings are far less
 * sensitive to a loaded machine than requests per second.
 *
 *   node --import tsx scripts/explain-case-search.ts [--cases 100000] [--backend pglite|postgres|both] [--plans] [--slow MS]
 */
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../src/catalogue/index.js';
import { caseSearchPaths, seedCaseSearch } from '../src/cli/index.js';
import { openDatabase, startThrowawayPostgres, type Database, type Queryable } from '../src/store/index.js';
import { readCaseQuery, searchCases, type SearchTokens } from '../src/workbench/index.js';

const { values } = parseArgs({ options: { cases: { type: 'string' }, backend: { type: 'string' }, plans: { type: 'boolean' }, slow: { type: 'string' } } });
const total = Number(values.cases ?? 100_000);
const backends = values.backend === 'pglite' ? ['pglite'] : values.backend === 'postgres' ? ['postgres'] : ['pglite', 'postgres'];
// The vault's blind index is an HMAC of each normalised word; any key gives the same plans.
const tokens: SearchTokens = (kind, text) => [...new Set(text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w))]
  .map((w) => createHmac('sha256', 'explain').update(`${kind}:${w}`).digest('hex'));
const SCOPE = ['planning', 'intake'];

async function explainAll(db: Database, label: string): Promise<void> {
  const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
  const now = new Date();
  const seed = await seedCaseSearch(db, { total, catalogue, tokens, now });
  const paths = caseSearchPaths({ bulk: seed.bulkCases, now, catalogue, engineReferences: [] });
  const byKind = new Map<string, number[]>();
  for (const path of paths) {
    const params = new URLSearchParams(path.split('?')[1]);
    const raw = Object.fromEntries([...params.keys()].map((k) => [k, params.getAll(k)]));
    const { query, serviceIds } = readCaseQuery(raw, catalogue.services.map((s) => s.id));
    const processKeys = serviceIds.map((id) => catalogue.get(id)?.process.key).filter((k): k is string => !!k);
    const kind = [...params.keys()].filter((k) => k !== 'page').join('+');
    const explaining: Queryable = {
      query: async <R>(sql: string, params: readonly unknown[] = []) => {
        const plan = await db.query<Record<string, string>>(`explain (analyze, buffers) ${sql}`, params);
        const lines = plan.rows.map((r) => Object.values(r)[0]!);
        const ms = Number(/Execution Time: ([\d.]+)/.exec(lines.at(-1) ?? '')?.[1] ?? NaN);
        byKind.set(kind, [...byKind.get(kind) ?? [], ms]);
        const slow = values.slow !== undefined && ms >= Number(values.slow);
        if (slow || (values.plans && (byKind.get(kind)?.length ?? 0) <= 2)) console.log(`--- ${label} ${path} (${ms} ms)\n${lines.join('\n')}`);
        return db.query<R>(sql, params);
      },
      exec: (sql) => db.exec(sql),
    };
    await searchCases(explaining, { ...query, processKeys }, SCOPE, tokens);
  }
  console.log(`${label}: ${seed.indexedCases} cases; execution ms per query (EXPLAIN ANALYZE), by search kind: p50 / max / sum per search`);
  for (const [kind, ms] of byKind) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`  ${kind.padEnd(24)} n=${String(ms.length).padStart(3)}  p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}  max ${sorted.at(-1)!.toFixed(2)}`);
  }
  const all = [...byKind.values()].flat();
  console.log(`  all queries: ${all.length} for ${paths.length} searches, ${(all.reduce((a, b) => a + b, 0) / paths.length).toFixed(2)} ms per search`);
}

for (const backend of backends) {
  if (backend === 'pglite') {
    const db = await openDatabase({ url: 'memory://' });
    await explainAll(db, 'PGlite');
    await db.close();
  } else {
    const pg = await startThrowawayPostgres();
    if (!pg) { console.log('no PostgreSQL installed'); continue; }
    try {
      const db = await openDatabase({ url: pg.url });
      await explainAll(db, 'PostgreSQL');
      await db.close();
    } finally {
      pg.stop();
    }
  }
}

#!/usr/bin/env node
// The mutants a module's last run left alive (survived, or reached by no test), from reports/mutation/<module>/
// report.json, as rows for docs/mutation/<module>.md, where each one gets the test that now kills it or the reason it
// is equivalent (issue 26). `--check` lists those the document has no row for, and exits 1 if there are any, so a
// new run's survivors cannot go unexplained.
//
//   node scripts/mutation-survivors.mjs <module>           rows for every survivor (file:line:column, mutator, the
//                                                          original text and its replacement)
//   node scripts/mutation-survivors.mjs <module> --check   survivors without a row in docs/mutation/<module>.md
//   node scripts/mutation-survivors.mjs <module> --rekey   after a change moved lines: a row whose key is no longer a
//                                                          survivor takes the key of a survivor without a row that has
//                                                          the same file, mutator, original and replacement (the
//                                                          nearest line when several do), so its reason is kept; rows
//                                                          left without a survivor are listed (killed since, or gone).
//                                                          --from COMMIT (the source the rows were written against)
//                                                          also requires the mutant's source line to be unchanged
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { check: { type: 'boolean', default: false }, rekey: { type: 'boolean', default: false }, from: { type: 'string' } } });
const name = positionals[0];
if (!name) {
  console.error('usage: node scripts/mutation-survivors.mjs <module> [--check]');
  process.exit(2);
}
const reportFile = path.join(root, 'reports', 'mutation', name, 'report.json');
if (!existsSync(reportFile)) {
  console.error(`${reportFile} does not exist: run \`npm run mutate -- ${name}\` first`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportFile, 'utf8'));

const rows = [];
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { start, end } = m.location;
    const original = start.line === end.line ? lines[start.line - 1].slice(start.column - 1, end.column - 1) : `${lines[start.line - 1].slice(start.column - 1)}…`;
    rows.push({ key: `${file}:${start.line}:${start.column} ${m.mutatorName}`, status: m.status, original, replacement: m.replacement ?? '' });
  }
}
rows.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));

const cell = (text) => `\`${text.replace(/\s+/g, ' ').slice(0, 60).replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
if (!values.check && !values.rekey) {
  for (const r of rows) console.log(`| ${r.key} | ${r.status === 'NoCoverage' ? 'no coverage' : 'survived'} | ${cell(r.original)} → ${cell(r.replacement)} | |`);
  process.exit(0);
}
const docFile = path.join(root, 'docs', 'mutation', `${name}.md`);
const doc = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '';
if (values.rekey) {
  // Which row belongs to which moved mutant: the same file, mutator, original and replacement; then, with --from (the
  // commit the rows' keys were written against), the same source line text; then the nearest line. Pairs are taken
  // best first across the whole document, so a row never takes a mutant that fits another row better.
  const alive = new Set(rows.map((r) => r.key));
  const docKeys = new Set([...doc.matchAll(/^\| (src\/\S+:\d+:\d+ \w+) \|/gm)].map((m) => m[1]));
  const unmatched = rows.filter((r) => !docKeys.has(r.key));
  const lineOf = (key) => Number(key.split(':')[1]);
  const fileOf = (key) => key.split(':')[0];
  const sameMutant = (key) => key.replace(/:\d+:\d+ /, ' ');
  const oldSources = new Map();
  const oldLine = (key) => {
    if (!values.from) return undefined;
    const file = fileOf(key);
    if (!oldSources.has(file)) {
      try {
        oldSources.set(file, execFileSync('git', ['show', `${values.from}:${file}`], { cwd: root, encoding: 'utf8' }).split('\n'));
      } catch {
        oldSources.set(file, []);
      }
    }
    return oldSources.get(file)[lineOf(key) - 1]?.trim();
  };
  const newLine = (key) => report.files[fileOf(key)]?.source.split('\n')[lineOf(key) - 1]?.trim();
  const docLines = doc.split('\n');
  const pairs = [];
  docLines.forEach((line, index) => {
    const m = /^\| (src\/\S+:\d+:\d+ \w+) \| [^|]+ \| /.exec(line);
    if (!m || alive.has(m[1])) return;
    for (const r of unmatched) {
      if (sameMutant(r.key) !== sameMutant(m[1]) || !line.includes(`| ${cell(r.original)} → ${cell(r.replacement)} |`)) continue;
      const sameText = oldLine(m[1]) !== undefined && oldLine(m[1]) === newLine(r.key) ? 0 : 1;
      pairs.push({ index, key: m[1], survivor: r, score: sameText * 1e6 + Math.abs(lineOf(r.key) - lineOf(m[1])) });
    }
  });
  pairs.sort((x, y) => x.score - y.score);
  const taken = new Set();
  const rowTaken = new Set();
  for (const pair of pairs) {
    if (taken.has(pair.survivor.key) || rowTaken.has(pair.index)) continue;
    if (values.from && pair.score >= 1e6) continue;
    taken.add(pair.survivor.key);
    rowTaken.add(pair.index);
    const status = pair.survivor.status === 'NoCoverage' ? 'no coverage' : 'survived';
    docLines[pair.index] = docLines[pair.index].replace(`| ${pair.key} |`, `| ${pair.survivor.key} |`).replace(/^(\| \S+ \S+ \| )(survived|no coverage)( \|)/, `$1${status}$3`);
  }
  const stale = [];
  docLines.forEach((line, index) => {
    const m = /^\| (src\/\S+:\d+:\d+ \w+) \|/.exec(line);
    if (m && !alive.has(m[1]) && !rowTaken.has(index)) stale.push(m[1]);
  });
  writeFileSync(docFile, docLines.join('\n'));
  for (const key of stale) console.log(`row without a survivor (killed since the rows were written, or its code is gone): ${key}`);
  console.error(`${rowTaken.size} rows took a moved survivor's key; ${stale.length} rows have no survivor; ${unmatched.length - taken.size} survivors still have no row (--check lists them)`);
  process.exit(0);
}
const missing = rows.filter((r) => !doc.includes(`| ${r.key} |`));
for (const r of missing) console.log(`${r.key} (${r.status}): ${r.original.trim()} → ${r.replacement}`);
console.error(`${rows.length} mutants left alive in the last run of ${name}; ${missing.length} without a row in docs/mutation/${name}.md`);
process.exit(missing.length > 0 ? 1 : 0);

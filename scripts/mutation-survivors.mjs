#!/usr/bin/env node
// The mutants a module's last run left alive (survived, or reached by no test), from reports/mutation/<module>/
// report.json, as rows for docs/mutation/<module>.md, where each one gets the test that now kills it or the reason it
// is equivalent (issue 26). `--check` lists those the document has no row for, and exits 1 if there are any, so a
// new run's survivors cannot go unexplained.
//
//   node scripts/mutation-survivors.mjs <module>           rows for every survivor (file:line:column, mutator, the
//                                                          original text and its replacement)
//   node scripts/mutation-survivors.mjs <module> --check   survivors without a row in docs/mutation/<module>.md
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { check: { type: 'boolean', default: false } } });
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
if (!values.check) {
  for (const r of rows) console.log(`| ${r.key} | ${r.status === 'NoCoverage' ? 'no coverage' : 'survived'} | ${cell(r.original)} → ${cell(r.replacement)} | |`);
  process.exit(0);
}
const docFile = path.join(root, 'docs', 'mutation', `${name}.md`);
const doc = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '';
const missing = rows.filter((r) => !doc.includes(`| ${r.key} |`));
for (const r of missing) console.log(`${r.key} (${r.status}): ${r.original.trim()} → ${r.replacement}`);
console.error(`${rows.length} mutants left alive in the last run of ${name}; ${missing.length} without a row in docs/mutation/${name}.md`);
process.exit(missing.length > 0 ? 1 : 0);

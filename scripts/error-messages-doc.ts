// Regenerates the list of every form's error messages in docs/portal.md (test/portal/error-messages.test.ts checks
// that the list is current and that every message follows the GOV.UK patterns).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { parseFormSchema, probeFormErrors } from '../src/web/index.js';

const START = '<!-- error-messages:start -->';
const END = '<!-- error-messages:end -->';
const root = new URL('../', import.meta.url);
const rows: string[] = [];
for (const service of (await readdir(new URL('services/', root))).sort()) {
  const dir = new URL(`services/${service}/forms/`, root);
  for (const file of (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.form')).sort()) {
    const { schema } = parseFormSchema(JSON.parse(await readFile(new URL(file, dir), 'utf8')));
    if (!schema) throw new Error(`services/${service}/forms/${file} is not a valid form`);
    const cell = (s: string): string => s.replace(/\|/g, '\\|');
    for (const e of probeFormErrors(schema)) rows.push(`| ${service}/${file} | ${cell(e.label)} | ${e.probe} | ${cell(e.message)} |`);
  }
}
const section = [START, '| form | field | answer sent | message |', '|---|---|---|---|', ...rows, END].join('\n');
const docUrl = new URL('docs/portal.md', root);
const doc = await readFile(docUrl, 'utf8');
const at = doc.indexOf(START);
const next = at >= 0 ? `${doc.slice(0, at)}${section}${doc.slice(doc.indexOf(END) + END.length)}` : `${doc.trimEnd()}\n\n## Error messages\n\n${section}\n`;
await writeFile(docUrl, next);
console.log(`wrote ${rows.length} messages to docs/portal.md`);

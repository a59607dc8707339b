import fs from 'node:fs'; import path from 'node:path';
import { relationUses } from './test/architecture/sql-relations.ts';
const files: string[] = [];
function walk(d: string) { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p); } }
walk('src');
const byMod = new Map<string, Set<string>>();
for (const f of files) { const mod = f.split('/')[1]!; for (const u of relationUses(f, fs.readFileSync(f, 'utf8'))) { const k = `${u.relation}`; if (!byMod.has(mod)) byMod.set(mod, new Set()); byMod.get(mod)!.add(`${u.relation}:${u.access}`); if (process.argv[2] && u.relation === process.argv[2]) console.log(f, u.line, u.access, u.sql); } }
for (const [m, s] of byMod) console.log(m, [...s].sort().join(' '));

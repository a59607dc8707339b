/**
 * Modules own their tables (issue 14, acceptance 1): every SQL string in src/ names only its module's own tables,
 * relations their owners export, and explicit grants (src/store/table-owners.ts); every relation the migrations
 * create has an owner. Each check is also run on a planted violation, so a checker that finds nothing fails here.
 * The import direction (eslint's govflow/module-boundaries) gets the same planted-violation check.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Linter, type ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { mayUseRelation, openDatabase, TABLE_OWNERS } from '../../src/store/index.js';
import { relationUses } from './sql-relations.js';

const SRC = path.resolve('src');
// eslint.config.js is plain JavaScript; typed here by what this test uses of it.
const eslintModule = await import(pathToFileURL(path.resolve('eslint.config.js')).href) as {
  default: Array<{ plugins?: Record<string, ESLint.Plugin> }>; ALLOWED_DEPENDENCIES: Record<string, string[]>;
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The foreign relations one file's SQL names, as `file:line module → relation (access)`. */
function violations(file: string, source: string): string[] {
  const module = path.relative(SRC, file).split(path.sep)[0]!;
  return relationUses(file, source)
    .filter((use) => !mayUseRelation(module, use.relation, use.access))
    .map((use) => `${path.relative(process.cwd(), file)}:${use.line} ${module} ${use.access}s ${use.relation} (owner ${TABLE_OWNERS[use.relation]!.owner}): ${use.sql}`);
}

describe('table ownership', () => {
  it('no SQL string in src/ names a table of another module (only exported relations and granted ones)', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 100, 'src/ was read');
    let uses = 0;
    const found: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      uses += relationUses(file, source).length;
      found.push(...violations(file, source));
    }
    assert.ok(uses > 250, `the SQL of src/ was found (${uses} relation uses)`);
    assert.deepEqual(found, []);
  });

  it('fails on planted violations: a read, a write, a fragment in a template and a FROM list', () => {
    const planted = path.join(SRC, 'workbench', 'planted.ts');
    const source = [
      "await db.query('select id, filename from case_upload where reference = $1', [r]);",
      'await tx.query(`update process_instance set variables = $2 where id = $1`, [id, v]);',
      'const sql = `with x as (select 1) select ${cols} from user_task t join job j on j.id = t.job_id where t.id = $1`;',
      "await db.query('select 1 from identity_staff s, \"portal_submission\" p where s.id = $1');",
      // Own and exported relations, CTE names and prose pass.
      "await db.query('select * from process_event where instance_id = $1');",
      "const text = 'Select a colleague from the list';",
    ].join('\n');
    const found = violations(planted, source);
    assert.deepEqual(found.map((v) => v.replace(/:.*?(workbench \w+ \w+).*/, ' $1')), [
      'src/workbench/planted.ts workbench reads case_upload',
      'src/workbench/planted.ts workbench writes process_instance',
      'src/workbench/planted.ts workbench reads user_task',
      'src/workbench/planted.ts workbench reads job',
      'src/workbench/planted.ts workbench reads identity_staff',
      'src/workbench/planted.ts workbench reads portal_submission',
    ]);
    // A grant is for its module and access only: the ledger may write event_log, the mining module may not read it.
    assert.equal(violations(path.join(SRC, 'ledger', 'x.ts'), "q.query('update event_log set data = $2 where id = $1')").length, 0);
    assert.equal(violations(path.join(SRC, 'mining', 'x.ts'), "q.query('select id from event_log where id > $1')").length, 1);
    assert.equal(violations(path.join(SRC, 'mining', 'x.ts'), "q.query('delete from process_event where id = $1')").length, 1, 'an exported view is for reading');
  });

  it('every table, view and sequence the migrations create has an owner in the manifest, and the manifest names no other', async () => {
    const db = await openDatabase({ url: 'memory://', migrate: true });
    try {
      const { rows } = await db.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm', 'S') and not (c.relkind = 'S' and exists (
           select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')))`,
      );
      const created = rows.map((r) => r.name).sort();
      assert.ok(created.includes('event_log') && created.includes('portal_reference_seq'));
      assert.deepEqual(created.filter((name) => !Object.hasOwn(TABLE_OWNERS, name)), [], 'relations without an owner: add them to src/store/table-owners.ts');
      assert.deepEqual(Object.keys(TABLE_OWNERS).filter((name) => !created.includes(name)).sort(), [], 'manifest entries no migration creates');
      const modules = Object.keys(eslintModule.ALLOWED_DEPENDENCIES);
      for (const [name, table] of Object.entries(TABLE_OWNERS)) {
        assert.ok(modules.includes(table.owner), `${name}: owner ${table.owner} is a module`);
        for (const grantee of Object.keys(table.grants ?? {})) assert.ok(modules.includes(grantee), `${name}: grantee ${grantee} is a module`);
      }
    } finally {
      await db.close();
    }
  });
});

describe('import rule (govflow/module-boundaries)', () => {
  const plugin = eslintModule.default.find((c) => c.plugins?.['govflow'])!.plugins!['govflow']!;
  const lint = (file: string, code: string) => new Linter({ configType: 'flat' }).verify(code, [{
    files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { govflow: plugin }, rules: { 'govflow/module-boundaries': 'error' },
  }], { filename: path.join(SRC, file) });

  it('passes an allowed import through index.ts and fails on planted violations: wrong direction and a reach into internals', () => {
    assert.deepEqual(lint('portal/planted.ts', "import { createVault } from '../privacy/index.js';\nexport const v = createVault;\n"), []);
    const upward = lint('privacy/planted.ts', "import { listUploads } from '../portal/index.js';\nexport const u = listUploads;\n");
    assert.equal(upward.length, 1);
    assert.match(upward[0]!.message, /src\/privacy\/ may not depend on src\/portal\//);
    const internal = lint('workbench/planted.ts', "import { listUploads } from '../portal/uploads.js';\nexport const u = listUploads;\n");
    assert.equal(internal.length, 1);
    assert.match(internal[0]!.message, /reaches into src\/portal\/ internals/);
  });
});

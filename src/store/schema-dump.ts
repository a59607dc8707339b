import type { Queryable } from './database.js';

/**
 * A normalised, backend-independent text description of the public schema: tables with columns, constraints,
 * indexes, views and functions. The checked-in `schema.snapshot.sql` must equal it after all migrations
 * (a test compares both backends), so schema drift shows up in review.
 */
export async function dumpSchema(db: Queryable): Promise<string> {
  const lines: string[] = [];
  const tables = await db.query<{ name: string; kind: string }>(
    `select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r','v','m','p') order by c.relname`,
  );
  for (const table of tables.rows) {
    const kindName = table.kind === 'v' ? 'view' : table.kind === 'm' ? 'materialized view' : 'table';
    lines.push(`${kindName} ${table.name}`);
    const columns = await db.query<{ name: string; type: string; notnull: boolean; def: string | null }>(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
              pg_get_expr(d.adbin, d.adrelid) as def
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       where n.nspname = 'public' and c.relname = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`,
      [table.name],
    );
    for (const col of columns.rows) {
      lines.push(`  column ${col.name} ${col.type}${col.notnull ? ' not null' : ''}${col.def ? ` default ${col.def}` : ''}`);
    }
    const constraints = await db.query<{ name: string; def: string }>(
      `select con.conname as name, pg_get_constraintdef(con.oid) as def from pg_constraint con
       join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname = $1 and con.contype <> 'n' order by con.conname`,
      [table.name],
    );
    for (const con of constraints.rows) lines.push(`  constraint ${con.name} ${con.def}`);
    const indexes = await db.query<{ def: string }>(
      `select indexdef as def from pg_indexes where schemaname = 'public' and tablename = $1 order by indexname`,
      [table.name],
    );
    for (const idx of indexes.rows) lines.push(`  ${idx.def.replace(/ ON public\./, ' ON ')}`);
    if (table.kind === 'v' || table.kind === 'm') {
      const view = await db.query<{ def: string }>(`select pg_get_viewdef(c.oid, true) as def from pg_class c
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relname = $1`, [table.name]);
      lines.push(`  as ${(view.rows[0]?.def ?? '').replace(/\s+/g, ' ').trim()}`);
    }
  }
  const functions = await db.query<{ name: string; args: string }>(
    `select p.proname as name, pg_get_function_identity_arguments(p.oid) as args from pg_proc p
     join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1, 2`,
  );
  for (const fn of functions.rows) lines.push(`function ${fn.name}(${fn.args})`);
  return `${lines.join('\n')}\n`;
}
